import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { ormConfig } from './database/mikro-orm.config';
import { appDatabaseUrl } from './database/app-role';
import { JwtAuthGuard, RolesGuard } from './common/guards';
import { CallerModule } from './common/caller.module';
import { AuthModule } from './auth/auth.module';
import { TenantsModule } from './tenants/tenants.module';
import { AwsConnectionModule } from './aws-connection/aws-connection.module';
import { ScheduleModule } from '@nestjs/schedule';
import { CurModule } from './cur/cur.module';
import { AnomalyModule } from './anomaly/anomaly.module';
import { AlertsModule } from './alerts/alerts.module';
import { MetricsModule } from './metrics/metrics.module';
import { HealthController } from './health/health.controller';
import { AuditModule } from './audit/audit.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MikroOrmModule.forRoot({
          ...ormConfig(appDatabaseUrl(config), config.databasePoolMax),
          registerRequestContext: false,
        }),
        CallerModule,
        EventsModule,
        AuthModule,
        TenantsModule,
        AwsConnectionModule,
        ScheduleModule.forRoot(),
        CurModule,
        AnomalyModule,
        AlertsModule,
        AuditModule,
        // after AuditModule: its request-origin interceptor must wrap the scope interceptor (see DatabaseModule)
        DatabaseModule,
        MetricsModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
      ],
    };
  }
}
