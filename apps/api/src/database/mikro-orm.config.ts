import { defineConfig } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { ScopedPostgreSqlDriver } from './scoped-driver';

export function ormConfig(databaseUrl: string, poolMax = 10) {
  return defineConfig({
    // row-level-security scopes travel with the statements they belong to (db-scope.ts)
    driver: ScopedPostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    pool: { max: poolMax },
    migrations: {
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    // cost_daily (written by COPY), its rollup, metric_point (bulk-written points) and cur_month_source (the sync's
    // record of the CUR files it loaded) are read with SQL; their migrations are hand-written.
    schemaGenerator: {
      skipTables: [
        'cost_daily',
        'cost_rollup_daily',
        'cost_rollup_monthly',
        'cost_data_version',
        'metric_point',
        'cur_month_source',
      ],
      // The functions of cost_daily's month partitions (cost_daily_stage/_seal/_swap...) are hand-written in their
      // migration like the tables they serve: the schema diff must not drop them.
      ignoreRoutines: true,
    },
    debug: false,
    allowGlobalContext: false,
  });
}
