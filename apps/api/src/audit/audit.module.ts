import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TenantsModule } from '../tenants/tenants.module';
import { RequestOriginInterceptor } from './audit-context';
import { DbScopeInterceptor } from '../common/db-scope.interceptor';
import { AdminAuditController, AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** Global: any module can inject AuditService and record a change. */
@Global()
@Module({
  imports: [TenantsModule],
  controllers: [AuditController, AdminAuditController],
  providers: [
    AuditService,
    { provide: APP_INTERCEPTOR, useClass: RequestOriginInterceptor },
    { provide: APP_INTERCEPTOR, useClass: DbScopeInterceptor },
  ],
  exports: [AuditService],
})
export class AuditModule {}
