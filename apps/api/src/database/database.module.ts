import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DbScopeInterceptor } from './db-scope.interceptor';

/**
 * Registers the global row-level-security interceptor: each request runs in its caller's database scope
 * (db-scope.ts). Global owners' calls are audited through PLATFORM_ACCESS_RECORDER, which the (global) audit module
 * provides, so this module imports no feature module. AppModule imports it after AuditModule: global interceptors
 * run in registration order, and the audit module's request-origin interceptor must wrap this one (the access
 * events it records carry the caller).
 */
@Module({
  providers: [{ provide: APP_INTERCEPTOR, useClass: DbScopeInterceptor }],
})
export class DatabaseModule {}
