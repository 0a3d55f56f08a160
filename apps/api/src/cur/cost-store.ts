import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { appDatabaseUrl } from '../database/app-role';
import { inScope, tenantSession } from '../database/db-scope';
import { survivePoolErrors } from '../database/pool-errors';
import { replaceMonth, type LoadOwner } from './month-load';

/**
 * The daily cost table (`cost_daily`), written only by bulk loads. A (tenant, month) slice is one partition,
 * replaced in one transaction: COPY into a fresh partition, the rollup slice (`cost_rollup_daily`) rebuilt, the
 * partition swapped in, committed together, so readers see the old month or the new one, never a mix, and a load
 * that dies midway leaves the old month in place (month-load.ts). Every query runs in the tenant's
 * row-level-security scope (the pool's login has no privileges of its own).
 */
@Injectable()
export class CostStore implements OnApplicationShutdown {
  readonly pool: Pool;
  private readonly loading = new Set<PoolClient>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new Pool({
      connectionString: appDatabaseUrl(config),
      max: Math.max(2, Math.ceil(config.databasePoolMax / 2)),
    });
    survivePoolErrors(this.pool); // a dropped connection, idle or checked out, never ends the process
  }

  /** On shutdown, loads in progress are cut off (their transactions roll back) instead of delaying the exit. */
  async onApplicationShutdown(): Promise<void> {
    for (const c of this.loading) c.release(new Error('shutting down'));
    this.loading.clear();
    await this.pool.end();
  }

  /**
   * Replaces the tenant's month with the given aggregate rows (AGGREGATE_COLUMNS order), arriving in batches
   * (one per CSV chunk or result page): a fresh partition loaded with COPY and swapped in (see month-load.ts).
   * With `owner`, it commits only if that worker still owns the run. Returns rows written.
   */
  replaceMonth(
    tenantId: string,
    month: string,
    batches: AsyncIterable<string[][]> | Iterable<string[][]>,
    owner?: LoadOwner,
  ): Promise<number> {
    return replaceMonth(this.pool, tenantId, month, batches, {
      ...(owner ? { owner } : {}),
      track: (client, active) => {
        if (active) this.loading.add(client);
        else if (this.loading.delete(client)) client.release();
      },
    });
  }

  /** Runs `fn` in one transaction in the tenant's scope (several reads that belong together: one call). */
  inTenant<T>(tenantId: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return inScope(this.pool, tenantSession(tenantId), fn);
  }

  /** One query in the tenant's scope. */
  async query<T>(tenantId: string, sql: string, params: unknown[]): Promise<T[]> {
    return this.inTenant(tenantId, async (c) => (await c.query(sql, params)).rows as T[]);
  }
}
