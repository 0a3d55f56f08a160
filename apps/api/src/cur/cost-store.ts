import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { appDatabaseUrl } from '../database/app-role';
import { applyScope, inScope, tenantSession } from '../database/db-scope';
import { AGGREGATE_COLUMNS } from './cur-sql';
import { monthRange } from './cur-sql';
import { RollupAccumulator } from './cost-rollup';
import { survivePoolErrors } from '../database/pool-errors';

/** Columns of cost_daily after tenant_id, in AGGREGATE_COLUMNS order (the Athena query's order). */
const COPY_COLUMNS = ['tenant_id', ...AGGREGATE_COLUMNS];

/** Escapes one value for COPY ... FORMAT text. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
function copyValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const NUMERIC_FROM = AGGREGATE_COLUMNS.indexOf('unblended');

const ROLLUP_COLUMNS = [
  'tenant_id',
  'usage_date',
  'dimension',
  'name',
  'unblended',
  'net_unblended',
  'amortized',
  'net_amortized',
];

/**
 * Bulk-inserts COPY text into a table under row-level security. PostgreSQL refuses COPY FROM into such a table
 * ("COPY FROM not supported with row-level security"), so the rows are copied into a temporary table of the same
 * shape (dropped at commit) and inserted from it in one statement, where the policy checks every row's tenant.
 */
async function copyInto(
  client: PoolClient,
  table: string,
  columns: string[],
  text: AsyncIterable<string> | Iterable<string>,
): Promise<void> {
  const staging = `${table}_load`;
  const list = columns.join(', ');
  await client.query(`create temporary table ${staging} (like ${table}) on commit drop`);
  await pipeline(Readable.from(text), client.query(copyFrom(`copy ${staging} (${list}) from stdin`)));
  await client.query(`insert into ${table} (${list}) select ${list} from ${staging}`);
}

/**
 * The daily cost table (`cost_daily`), written only by bulk loads. A (tenant, month) slice is replaced in one
 * transaction: DELETE + COPY (through a temporary table, see copyInto) + rebuilding that slice of the rollup
 * (`cost_rollup_daily`), committed together, so readers see the old month or the new one, never a mix, and a load
 * that dies midway leaves the old month in place. Every query runs in the tenant's row-level-security scope (the
 * pool's login has no privileges of its own).
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
   * (one per CSV chunk or result page). Returns rows written.
   */
  async replaceMonth(
    tenantId: string,
    month: string,
    batches: AsyncIterable<string[][]> | Iterable<string[][]>,
  ): Promise<number> {
    const { start, end } = monthRange(month);
    const client = await this.pool.connect();
    this.loading.add(client);
    let count = 0;
    try {
      await client.query('begin');
      await applyScope(client, tenantSession(tenantId));
      await client.query(
        'delete from cost_daily where tenant_id = $1 and usage_date >= $2 and usage_date < $3',
        [tenantId, start, end],
      );
      const rollup = new RollupAccumulator();
      async function* lines() {
        let text = '';
        for await (const rows of batches) {
          for (const r of rows) {
            if (r.length !== AGGREGATE_COLUMNS.length)
              throw new Error(`Expected ${AGGREGATE_COLUMNS.length} columns, got ${r.length}`);
            const date = r[0]!;
            if (date < start || date >= end) throw new Error(`Row dated ${date} is outside ${month}`);
            const values = r.map((v, i) => (i >= NUMERIC_FROM && v === '' ? '0' : copyValue(v)));
            text += `${tenantId}\t${values.join('\t')}\n`;
            rollup.add(r);
            count++;
          }
          if (text.length > 256 * 1024) {
            yield text;
            text = '';
          }
        }
        if (text) yield text;
      }
      await copyInto(client, 'cost_daily', COPY_COLUMNS, lines());
      await client.query(
        'delete from cost_rollup_daily where tenant_id = $1 and usage_date >= $2 and usage_date < $3',
        [tenantId, start, end],
      );
      await copyInto(
        client,
        'cost_rollup_daily',
        ROLLUP_COLUMNS,
        (function* () {
          for (const r of rollup.rows()) yield `${tenantId}\t${r.map(copyValue).join('\t')}\n`;
        })(),
      );
      await client.query(
        `insert into cost_data_version (tenant_id, version, data_through, updated_at)
         values ($1, 1, (select max(usage_date) from cost_rollup_daily where tenant_id = $1 and dimension = 'charge_class'), now())
         on conflict (tenant_id) do update
           set version = cost_data_version.version + 1, data_through = excluded.data_through, updated_at = now()`,
        [tenantId],
      );
      await client.query('commit');
      return count;
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      if (this.loading.delete(client)) client.release();
    }
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
