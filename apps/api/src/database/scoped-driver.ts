import type { Configuration, Connection, Transaction } from '@mikro-orm/core';
import { EntityManager, PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Pool, PoolClient } from 'pg';
import { runInScope, scopeClient } from './db-scope';

type BeginOptions = NonNullable<Parameters<PostgreSqlConnection['begin']>[0]>;

/**
 * The ORM's PostgreSQL connection with the row-level-security scope sent in the same message as the statement that
 * opens each transaction (see db-scope.ts): every pooled connection is scoped by scopeClient(), and a transaction
 * of a fork with its own session (tenantEm(), platformEm()) carries that session in its `begin` instead of two more
 * round trips (`set_config`, `set local role`) after it.
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

/**
 * A lone statement of a fork with its own session (tenantEm(), platformEm()) outside a transaction: MikroORM would
 * open a transaction for it only so that `set local` applies (begin, the statement, commit: three round trips).
 * Here it goes with the session's scope in its own message instead: one round trip, still one (implicit)
 * transaction with the scope local to it. Overrides MikroORM 7.2's internal hook for exactly that wrap (the
 * statements of a unit of work and of em.transactional() keep their real transaction, whose begin carries the scope).
 */
export class ScopedEntityManager extends EntityManager {
  override withSessionContext<T>(
    ctx: Transaction | undefined,
    cb: (ctx?: Transaction) => Promise<T>,
    connection?: Connection,
  ): Promise<T> {
    const session = ctx ? undefined : this.getTransactionSessionContext();
    if (!session) return super.withSessionContext(ctx, cb, connection);
    return runInScope(session, () => cb(undefined));
  }
}
