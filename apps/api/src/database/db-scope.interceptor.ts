import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { SessionContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import type { FastifyRequest } from 'fastify';
import { Observable, from, mergeMap } from 'rxjs';
import { ADMIN_TENANT_PARAM, type AuthUser, GLOBAL_OWNER } from '../common/auth-user';
import { CallerCache } from '../common/caller-cache';
import { PLATFORM_SESSION, inRequestContext, platformEm, runInScope, tenantSession } from './db-scope';

/** A `platform.access` audit event for one tenant: what a global owner's call records (the audit module provides it). */
export type PlatformAccessRecorder = (
  event: { tenantId: string; target: { type: string; id: string } | null; details: Record<string, unknown> },
  em: EntityManager,
) => Promise<void>;
export const PLATFORM_ACCESS_RECORDER = Symbol('PLATFORM_ACCESS_RECORDER');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_TENANT = '00000000-0000-0000-0000-000000000000';
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Runs each request in its row-level-security scope: a signed-in caller's requests see only their tenant's rows
 * (every statement sent from inside carries the scope in its own message, see db-scope.ts: no transaction, no
 * round trip of its own). Global-owner routes run in the platform scope, or in the scope of
 * the tenant their path names (@AdminOfTenant), and each successful call is written to the audit log — of the
 * tenant looked at, and of the administrator's own tenant — before the answer leaves. Public routes get no scope:
 * their services choose one explicitly (sign-in uses the platform scope). After a signed-in write (which may have
 * disabled a user or removed a member) the replica's CallerCache is synced before the answer leaves.
 */
@Injectable()
export class DbScopeInterceptor implements NestInterceptor {
  constructor(
    private readonly em: EntityManager,
    private readonly reflector: Reflector,
    @Inject(PLATFORM_ACCESS_RECORDER) private readonly recordPlatformAccess: PlatformAccessRecorder,
    private readonly callers: CallerCache,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const user = req.user;
    if (!user) return next.handle();
    const targets = [context.getHandler(), context.getClass()];
    const admin = this.reflector.getAllAndOverride<boolean | undefined>(GLOBAL_OWNER, targets);
    const tenantParam = this.reflector.getAllAndOverride<string | undefined>(ADMIN_TENANT_PARAM, targets);
    let session: SessionContext = tenantSession(user.tenantId);
    let viewed: string | null = null;
    if (admin && user.isGlobalOwner) {
      if (tenantParam) {
        const id = (req.params as Record<string, string | undefined>)[tenantParam] ?? '';
        viewed = UUID.test(id) ? id : NO_TENANT;
        session = tenantSession(viewed);
      } else {
        session = PLATFORM_SESSION;
      }
    }
    const handled = new Observable<unknown>((subscriber) =>
      inRequestContext(this.em, () =>
        runInScope(session, () => {
          const sub = next.handle().subscribe(subscriber);
          return () => sub.unsubscribe();
        }),
      ),
    );
    const audited =
      admin && user.isGlobalOwner
        ? handled.pipe(mergeMap((body) => from(this.recordAccess(req, user, viewed).then(() => body))))
        : handled;
    if (READS.has(req.method)) return audited;
    return audited.pipe(mergeMap((body) => from(this.callers.sync().then(() => body))));
  }

  /** One platform.access event per tenant concerned (the viewed one and the administrator's), in one transaction. */
  private async recordAccess(req: FastifyRequest, user: AuthUser, viewed: string | null): Promise<void> {
    const em = platformEm(this.em);
    const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
    const details = { route, params: req.params ?? {} };
    for (const tenantId of new Set(
      [viewed, user.tenantId].filter((t): t is string => t !== null && t !== NO_TENANT),
    ))
      await this.recordPlatformAccess(
        { tenantId, target: viewed ? { type: 'tenant', id: viewed } : null, details },
        em,
      );
    await em.flush();
  }
}
