import { RequestContext, type EntityManager, type SessionContext } from '@mikro-orm/core';
import type { Pool, PoolClient } from 'pg';
import { PLATFORM_ROLE, TENANT_ROLE, TENANT_SETTING } from './db-roles.constants';

/**
 * Row-level security scopes. Every database transaction of the API runs as one of two roles (the API's login has
 * no privileges of its own):
 * - a tenant scope: role `cost_optimizer_tenant` with `app.tenant_id` set for the transaction
 *   (`set_config(..., true)`); PostgreSQL then shows and accepts only that tenant's rows, whatever the query says;
 * - the platform scope: role `cost_optimizer_platform`, every row; only for work that is cross-tenant by nature
 *   (claiming jobs from queues, the nightly fan-out, sign-in, global-owner routes, which are audited).
 * The ORM applies a session at the start of each transaction (and wraps a lone statement in one); raw pools use
 * `inScope()`.
 */
export function tenantSession(tenantId: string): SessionContext {
  return { role: TENANT_ROLE, variables: { [TENANT_SETTING]: tenantId } };
}

export const PLATFORM_SESSION: SessionContext = Object.freeze({ role: PLATFORM_ROLE });

/** An entity manager fork scoped to one tenant. */
export function tenantEm<E extends EntityManager>(em: E, tenantId: string): E {
  return em.fork({ session: tenantSession(tenantId) });
}

/** An entity manager fork for cross-tenant work (see above for what may use it). */
export function platformEm<E extends EntityManager>(em: E): E {
  return em.fork({ session: PLATFORM_SESSION });
}

/**
 * Runs `fn` with a request context scoped to the tenant: every `em.fork()` made inside (services, repositories)
 * inherits the tenant's session.
 */
export function withTenant<T>(em: EntityManager, tenantId: string, fn: () => Promise<T>): Promise<T> {
  return RequestContext.create(em, fn, { session: tenantSession(tenantId) });
}

/** As withTenant(), for cross-tenant work. */
export function withPlatform<T>(em: EntityManager, fn: () => Promise<T>): Promise<T> {
  return RequestContext.create(em, fn, { session: PLATFORM_SESSION });
}

/** Applies a scope to a raw connection inside a transaction it has begun. */
export async function applyScope(client: PoolClient, session: SessionContext): Promise<void> {
  const vars = Object.entries(session.variables ?? {});
  if (vars.length > 0)
    await client.query(
      `select ${vars.map((_, i) => `set_config($${i * 2 + 1}, $${i * 2 + 2}, true)`).join(', ')}`,
      vars.flatMap(([k, v]) => [k, String(v)]),
    );
  await client.query(`set local role "${session.role!.replaceAll('"', '""')}"`);
}

/** Runs `fn` in one transaction of a raw pool with the scope applied; rolls back when it throws. */
export async function inScope<T>(
  pool: Pool,
  session: SessionContext,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await applyScope(client, session);
    const out = await fn(client);
    await client.query('commit');
    return out;
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
