import type { Configuration } from '@mikro-orm/core';
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Pool, PoolClient } from 'pg';
import { runInScope, scopeClient } from './db-scope';

type BeginOptions = NonNullable<Parameters<PostgreSqlConnection['begin']>[0]>;
type TransactionalOptions = NonNullable<Parameters<PostgreSqlConnection['transactional']>[1]>;
type TransactionArg = Parameters<Parameters<PostgreSqlConnection['transactional']>[0]>[0];

/**
 * The ORM's PostgreSQL connection with the row-level-security scope sent in the same message as the statement that
 * opens each transaction (see db-scope.ts): every pooled connection is scoped by scopeClient(); a transaction of a
 * fork with its own session (tenantEm(), platformEm()) carries that session in its `begin` instead of two more round
 * trips (`set_config`, `set local role`) after it; and a lone statement of such a fork, which MikroORM would wrap in
 * a transaction of its own only so that `set local` applies (begin, statement, commit), goes as one message with
 * the session's scope: still one (implicit) transaction, scope local to it, one round trip.
 */
export class ScopedPostgreSqlConnection extends PostgreSqlConnection {
  override createKyselyDialect(overrides: Parameters<PostgreSqlConnection['createKyselyDialect']>[0]) {
    const given = (overrides ?? {}) as { onPoolCreated?: (pool: Pool) => unknown };
    return super.createKyselyDialect({
      ...overrides,
      onPoolCreated: (pool: Pool) => {
        pool.on('connect', (client: PoolClient) => scopeClient(client));
        return given.onPoolCreated?.(pool);
      },
    } as typeof overrides);
  }

  /**
   * MikroORM 7.2 wraps one statement of a fork with a session (QueryBuilder, EntityManager's withSessionContext,
   * virtual entities) as `transactional(cb, { sessionContext, loggerContext })`; units of work and em.transactional()
   * always pass an event broadcaster, and keep their real transaction.
   */
  override transactional<T>(
    cb: (trx: TransactionArg) => Promise<T>,
    options: TransactionalOptions = {},
  ): Promise<T> {
    const { sessionContext, ctx, eventBroadcaster, isolationLevel, readOnly } = options;
    if (sessionContext && !ctx && !eventBroadcaster && !isolationLevel && !readOnly)
      return runInScope(sessionContext, () => cb(undefined as unknown as TransactionArg));
    return super.transactional(cb, options);
  }

  override begin(options: BeginOptions = {}) {
    const { sessionContext, ...rest } = options;
    if (options.ctx || !sessionContext) return super.begin(options);
    return runInScope(sessionContext, () => super.begin(rest));
  }
}

/** PostgreSqlDriver on ScopedPostgreSqlConnection. */
export class ScopedPostgreSqlDriver extends PostgreSqlDriver {
  constructor(config: Configuration) {
    super(config);
    (this as unknown as { connection: ScopedPostgreSqlConnection }).connection =
      new ScopedPostgreSqlConnection(this.config);
  }
}
