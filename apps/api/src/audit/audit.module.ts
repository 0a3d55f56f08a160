import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TenantsModule } from '../tenants/tenants.module';
import { RequestOriginInterceptor } from './audit-context';
import { PLATFORM_ACCESS_RECORDER, type PlatformAccessRecorder } from '../database/db-scope.interceptor';
import { AdminAuditController, AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** Global: any module can inject AuditService and record a change (the database module records platform access). */
@Global()
@Module({
  imports: [TenantsModule],
  controllers: [AuditController, AdminAuditController],
  providers: [
    AuditService,
    { provide: APP_INTERCEPTOR, useClass: RequestOriginInterceptor },
    {
      provide: PLATFORM_ACCESS_RECORDER,
      inject: [AuditService],
      useFactory:
        (audit: AuditService): PlatformAccessRecorder =>
        (event, em) =>
          audit.record({ ...event, action: 'platform.access' }, em),
    },
  ],
  exports: [AuditService, PLATFORM_ACCESS_RECORDER],
})
export class AuditModule {}
