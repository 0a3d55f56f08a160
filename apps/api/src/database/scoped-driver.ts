import type { Configuration } from '@mikro-orm/core';
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
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
