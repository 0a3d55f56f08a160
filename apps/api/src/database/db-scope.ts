import { AsyncLocalStorage } from 'node:async_hooks';
import { RequestContext, type EntityManager, type SessionContext } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { escapeLiteral, type Pool, type PoolClient } from 'pg';
import { PLATFORM_ROLE, TENANT_ROLE, TENANT_SETTING } from './db-roles.constants';
import { inlineParams, type SqlValue } from './sql-literals';

/**
 * Row-level security scopes. Every database transaction of the API runs as one of two roles (the API's login has
 * no privileges of its own):
 * - a tenant scope: role `cost_optimizer_tenant` with `app.tenant_id` set for the transaction; PostgreSQL then
 *   shows and accepts only that tenant's rows, whatever the query says;
 * - the platform scope: role `cost_optimizer_platform`, every row; only for work that is cross-tenant by nature
 *   (claiming jobs from queues, the nightly fan-out, sign-in, global-owner routes, which are audited).
 *
 * How a scope reaches PostgreSQL costs no round trip of its own. The scope of the code running (a request's, set by
 * DbScopeInterceptor; a worker's withTenant()/withPlatform()) is kept in an AsyncLocalStorage. Every connection of
 * the ORM's pool sends it in the same message as the statement it goes with, transaction-local:
 * - a lone statement outside a transaction goes as `select set_config('role', …, true), set_config('app.tenant_id',
 *   …, true); <statement>`: PostgreSQL runs the message as one implicit transaction, so the scope ends with it;
 * - `begin` goes as `begin; select set_config(…, true), …`: the scope holds until commit or rollback;
 * - statements inside an open transaction go unchanged (the transaction has its scope).
 * Nothing is ever set for the session, so nothing can be left on a pooled connection for its next user, and a
 * statement with no scope runs as the bare login and fails ("permission denied") instead of reading too much.
 * An entity manager fork with its own session (tenantEm(), platformEm()) opens a transaction per unit of work
 * whose `begin` carries that session instead (see ScopedPostgreSqlConnection). Raw pools use inScope()/applyScope().
 */
export interface DbScope {
  role: string;
  /** The tenant the tenant role's policies compare `tenant_id` with; '' (none) in the platform scope. */
  tenantId: string;
}

export function tenantSession(tenantId: string): SessionContext {
  return { role: TENANT_ROLE, variables: { [TENANT_SETTING]: tenantId } };
}

export const PLATFORM_SESSION: SessionContext = Object.freeze({ role: PLATFORM_ROLE });

const scopes = new AsyncLocalStorage<DbScope>();

/** The scope of a MikroORM session context (tenantSession() or PLATFORM_SESSION). */
export function scopeOf(session: SessionContext): DbScope {
  if (!session.role) throw new Error('A database scope needs a role');
  const tenant = session.variables?.[TENANT_SETTING];
  return { role: session.role, tenantId: tenant === undefined ? '' : String(tenant) };
}

/** The scope the current code runs in, if any. */
export function currentScope(): DbScope | undefined {
  return scopes.getStore();
}

/** Runs `fn` with `session` as the scope of every statement it sends through the ORM's pool. */
export function runInScope<T>(session: SessionContext, fn: () => T): T {
  return scopes.run(scopeOf(session), fn);
}

/** The statement that sets a scope for the current transaction (literals: it travels in a simple-protocol message). */
export function scopeSql(scope: DbScope): string {
  return `select set_config('role', ${escapeLiteral(scope.role)}, true), set_config('${TENANT_SETTING}', ${escapeLiteral(scope.tenantId)}, true)`;
}

/** An entity manager fork scoped to one tenant. */
export function tenantEm<E extends EntityManager>(em: E, tenantId: string): E {
  return em.fork({ session: tenantSession(tenantId) });
}

/** An entity manager fork for cross-tenant work (see above for what may use it). */
export function platformEm<E extends EntityManager>(em: E): E {
  return em.fork({ session: PLATFORM_SESSION });
}

/**
 * Runs `fn` with a request context and a database scope for the tenant: every `em.fork()` made inside (services,
 * repositories) sends its statements in the tenant's scope.
 */
export function withTenant<T>(em: EntityManager, tenantId: string, fn: () => Promise<T>): Promise<T> {
  return withSession(em, tenantSession(tenantId), fn);
}

/** As withTenant(), for cross-tenant work. */
export function withPlatform<T>(em: EntityManager, fn: () => Promise<T>): Promise<T> {
  return withSession(em, PLATFORM_SESSION, fn);
}

/** A request context whose statements all carry `session` (no per-statement transaction: see above). */
export function withSession<T>(em: EntityManager, session: SessionContext, fn: () => Promise<T>): Promise<T> {
  return inRequestContext(em, () => runInScope(session, fn));
}

/**
 * The forks of a request context, made when first asked for: MikroORM's RequestContext.create() forks the entity
 * manager up front (a new unit of work, identity map, configuration copies: some 5% of the CPU of a request), which
 * the requests that never use the ORM's entity manager (the hot reads go through scopedRows()) paid for nothing.
 */
class LazyForks extends Map<string, EntityManager> {
  /** A fork under way: its constructor asks for the context's manager too, and must find none (as it would then). */
  private forking = false;

  constructor(private readonly root: EntityManager) {
    super();
  }

  override get(name: string): EntityManager | undefined {
    let em = super.get(name);
    if (!em && name === this.root.name && !this.forking) {
      this.forking = true;
      try {
        // disableContextResolution: forking from the root, not from this context (which would ask for it again)
        em = this.root.fork({ useContext: true, disableContextResolution: true });
      } finally {
        this.forking = false;
      }
      super.set(name, em);
    }
    return em;
  }

  override has(name: string): boolean {
    return (name === this.root.name && !this.forking) || super.has(name);
  }
}

/** MikroORM's own storage of request contexts (RequestContext.create() runs in it). */
const requestContexts = (RequestContext as unknown as { storage?: AsyncLocalStorage<RequestContext> })
  .storage!;
if (typeof requestContexts?.run !== 'function')
  throw new Error('MikroORM RequestContext.storage is gone: inRequestContext() needs another way in');

/**
 * Runs `fn` in a request context of `em`, as RequestContext.create(em, fn) does, but forks the entity manager only
 * when something inside asks for it (LazyForks).
 */
export function inRequestContext<T>(em: EntityManager, fn: () => T): T {
  return requestContexts.run(new RequestContext(new LazyForks(em)), fn);
}

const TRANSACTION_CONTROL =
  /^\s*(begin|start\s+transaction|commit|end|rollback|abort|savepoint|release|prepare\s+transaction)\b/i;
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const SCOPED = Symbol('costopt.scoped-client');

type QueryResultLike = { rows: unknown[] } & Record<string, unknown>;
type RawQuery = (text: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * Makes a pooled connection of the ORM send the current scope with each statement that opens a transaction
 * (explicitly with `begin`, or implicitly as a lone statement). Called once per physical connection.
 */
export function scopeClient(client: PoolClient): void {
  const c = client as PoolClient & { [SCOPED]?: true };
  if (c[SCOPED]) return;
  c[SCOPED] = true;
  const query = client.query.bind(client) as RawQuery;
  (client as unknown as { query: RawQuery }).query = (text, values, callback) => {
    const scope = scopes.getStore();
    // Only plain promise-style text queries are rewritten; anything else (cursors, callbacks) goes as it is, and
    // without a scope it runs as the bare login, which PostgreSQL refuses.
    if (
      !scope ||
      typeof text !== 'string' ||
      typeof values === 'function' ||
      callback !== undefined ||
      client.getTransactionStatus() !== 'I' ||
      (TRANSACTION_CONTROL.test(text) && !BEGIN.test(text))
    )
      return query(text, values, callback);
    if (BEGIN.test(text))
      return (query(`${text}; ${scopeSql(scope)}`) as Promise<QueryResultLike[]>).then((r) => r[0]);
    if (Array.isArray(values) && values.length > 0) return inTransaction(query, scope, text, values);
    return (query(`${scopeSql(scope)}; ${text}`) as Promise<QueryResultLike[]>).then((r) =>
      r.length === 2 ? r[1]! : r.slice(1),
    );
  };
}

/** A parameterised statement cannot share a message with another: its own short transaction, scope in the begin. */
async function inTransaction(query: RawQuery, scope: DbScope, text: string, values: unknown[]) {
  await query(`begin; ${scopeSql(scope)}`);
  try {
    const out = await (query(text, values) as Promise<unknown>);
    await query('commit');
    return out;
  } catch (e) {
    await (query('rollback') as Promise<unknown>).catch(() => undefined);
    throw e;
  }
}

/** Applies a scope to a raw connection inside a transaction it has begun (one round trip). */
export async function applyScope(client: PoolClient, session: SessionContext): Promise<void> {
  await client.query(scopeSql(scopeOf(session)));
}

/** Runs `fn` in one transaction of a raw pool with the scope applied (sent with `begin`); rolls back when it throws. */
export async function inScope<T>(
  pool: Pool,
  session: SessionContext,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(`begin; ${scopeSql(scopeOf(session))}`);
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

const pools = new WeakMap<object, Promise<Pool>>();

/**
 * One statement in `session`'s scope on the ORM's own pool, as ONE simple-protocol message (`select set_config(…);
 * <statement>`): one implicit transaction, one round trip, the scope local to it, nothing hydrated. For the hot
 * reads of the request path (the caller, /api/auth/me, the dashboard's header), where the ORM's own path costs
 * several times the CPU of the query. The values are inlined as literals (inlineParams()).
 */
export async function scopedRows<T>(
  em: SqlEntityManager,
  session: SessionContext,
  text: string,
  params: readonly SqlValue[] = [],
): Promise<T[]> {
  const connection = em.getConnection();
  let pool = pools.get(connection);
  if (!pool) {
    pool = connection.getNativeClient();
    pools.set(connection, pool);
    pool.catch(() => pools.delete(connection));
  }
  const sql = inlineParams(text, params);
  const client = await (await pool).connect();
  let broken: Error | undefined;
  try {
    // The pool's connections are scoped (scopeClient): with `session` as the current scope, the statement goes
    // with its set_config in one message.
    const result = (await runInScope(session, () => client.query(sql))) as unknown as
      { rows: T[] } | { rows: T[] }[];
    return Array.isArray(result) ? result[result.length - 1]!.rows : result.rows;
  } catch (e) {
    if (client.getTransactionStatus() !== 'I') broken = e as Error;
    throw e;
  } finally {
    client.release(broken);
  }
}
