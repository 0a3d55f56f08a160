import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { escapeIdentifier, escapeLiteral, type Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { TENANT_ROLE, TENANT_SETTING } from '../database/db-roles.constants';
import { ROLLUP_DIMENSIONS, RollupAccumulator } from './cost-rollup';
import { AGGREGATE_COLUMNS, monthRange } from './cur-sql';

/**
 * A month replacement of `cost_daily` (framework-free: CostStore calls it, and the load tests drive it on a real
 * database). `cost_daily` is partitioned by month, then by tenant (Migration20261203124500_cost_daily_partitions):
 * a (tenant, month) slice is one leaf partition, so replacing it is
 *
 * 1. `cost_daily_month(month)`, its own short transaction: the month's partition exists;
 * 2. in one transaction, in the tenant's row-level-security scope:
 *    - `cost_daily_stage(tenant, month)`: the per-(tenant, month) advisory lock (a second load of the same month
 *      waits here until this one ends), then a fresh staging table bounded by a CHECK constraint to this tenant and
 *      month; the run's ownership is checked (a run re-queued since need not be loaded at all);
 *    - COPY of the rows straight into the staging table (no temporary table, no DELETE of the old rows);
 *    - the month's rollup slices rebuilt (cost_rollup_daily, then cost_rollup_monthly from it) and the tenant's data
 *      version bumped;
 *    - the run's ownership checked again (a re-queue from here to the commit lets the next owner load the month
 *      again after this one, behind the same lock: still one copy);
 *    - `cost_daily_seal(tenant, month)`: the unique index built, row-level security set, on the staged rows;
 *    - the month's partition locked (ACCESS EXCLUSIVE, at most SWAP_LOCK_TIMEOUT of waiting), the tenant's rows in
 *      the month's default partition deleted, and `cost_daily_swap(tenant, month)`: the old leaf dropped, the new
 *      one attached (catalog work only);
 *    committed together: readers see the old month or the new one, never a mix or both, and a load that dies midway
 *    leaves the old month in place.
 */

/** Who must still own the run when the load commits (the worker's claim of `sync_run`). */
export interface LoadOwner {
  runId: string;
  lockedBy: string;
}

/** The run was re-queued (and maybe taken by another replica) while this load ran: nothing was written. */
export class LoadNotOwnedError extends Error {
  constructor(readonly runId: string) {
    super(`The sync run ${runId} is no longer this worker's: its load was rolled back`);
  }
}

/** Columns of cost_daily after tenant_id, in AGGREGATE_COLUMNS order (the Athena query's order). */
const COPY_COLUMNS = ['tenant_id', ...AGGREGATE_COLUMNS];
/**
 * How long a swap waits for the month's partition (readers of that month hold it briefly); past it the load fails
 * and the sync retries it, instead of queueing every reader of the month behind the swap.
 */
export const SWAP_LOCK_TIMEOUT = '10s';
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

/** Escapes one value for COPY ... FORMAT text. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;
export function copyValue(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * One aggregate row as a COPY text line (without the tenant): empty amounts as 0, values escaped. The common case
 * (nothing to escape, no empty amount) is one join and one scan of the line.
 */
export function copyLine(r: readonly string[]): string {
  const line = r.join('\t');
  let tabs = 0;
  let plain = true;
  for (let i = 0; i < line.length; i++) {
    const ch = line.charCodeAt(i);
    if (ch === 9) tabs++;
    else if (ch === 92 || ch === 10 || ch === 13) {
      plain = false;
      break;
    }
  }
  if (plain && tabs === r.length - 1) {
    let amounts = true;
    for (let i = NUMERIC_FROM; i < r.length; i++) if (r[i] === '') amounts = false;
    if (amounts) return line;
  }
  return r.map((v, i) => (i >= NUMERIC_FROM && v === '' ? '0' : copyValue(v))).join('\t');
}

/** The tenant scope of a transaction (the same statement as db-scope's scopeSql for a tenant session). */
export function tenantScopeSql(tenantId: string): string {
  return `select set_config('role', ${escapeLiteral(TENANT_ROLE)}, true), set_config('${TENANT_SETTING}', ${escapeLiteral(tenantId)}, true)`;
}

/**
 * Bulk-inserts COPY text into a table under row-level security. PostgreSQL refuses COPY FROM into such a table
 * ("COPY FROM not supported with row-level security"), so the rows are copied into a temporary table of the same
 * shape (dropped at commit) and inserted from it in one statement, where the policy checks every row's tenant.
 * Used for the rollup slice (thousands of rows, not millions).
 */
async function copyThroughTemp(
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

async function assertOwner(client: PoolClient, owner: LoadOwner): Promise<void> {
  const r = await client.query(
    `select 1 from sync_run where id = $1 and locked_by = $2 and status = 'running'`,
    [owner.runId, owner.lockedBy],
  );
  if (r.rowCount === 0) throw new LoadNotOwnedError(owner.runId);
}

export interface ReplaceMonthOptions {
  /** When set, the load commits only if this worker still owns the run (checked in the load's transaction). */
  owner?: LoadOwner;
  /**
   * Called with the load's connection when checked out (active) and when done (not active): lets a caller cut it
   * off (release it with an error). With `track`, releasing the connection when done is the caller's.
   */
  track?: (client: PoolClient, active: boolean) => void;
}

/**
 * Replaces the tenant's month with the given aggregate rows (AGGREGATE_COLUMNS order), arriving in batches
 * (one per CSV chunk or result page), streamed: never more than ~256 KB of rows in memory. Returns rows written.
 * `pool` connects as the API's login (no privileges of its own: the tenant scope is set here).
 */
export async function replaceMonth(
  pool: Pool,
  tenantId: string,
  month: string,
  batches: AsyncIterable<string[][]> | Iterable<string[][]>,
  options: ReplaceMonthOptions = {},
): Promise<number> {
  const { start, end } = monthRange(month);
  const scope = tenantScopeSql(tenantId);
  const setup = await pool.connect();
  let parent: string;
  try {
    await setup.query(`begin; ${scope}`);
    parent = (await setup.query<{ p: string }>('select cost_daily_month($1) as p', [start])).rows[0]!.p;
    await setup.query('commit');
  } catch (e) {
    await setup.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    setup.release();
  }

  const client = await pool.connect();
  options.track?.(client, true);
  let count = 0;
  try {
    await client.query(`begin; ${scope}`);
    const staging = (
      await client.query<{ s: string }>('select cost_daily_stage($1, $2) as s', [tenantId, start])
    ).rows[0]!.s;
    if (options.owner) await assertOwner(client, options.owner);
    const rollup = new RollupAccumulator();
    async function* lines() {
      let text = '';
      for await (const rows of batches) {
        for (const r of rows) {
          if (r.length !== AGGREGATE_COLUMNS.length)
            throw new Error(`Expected ${AGGREGATE_COLUMNS.length} columns, got ${r.length}`);
          const date = r[0]!;
          if (date < start || date >= end) throw new Error(`Row dated ${date} is outside ${month}`);
          text += `${tenantId}\t${copyLine(r)}\n`;
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
    // The staging table has no row-level security (COPY FROM refuses it); its CHECK constraint admits only this
    // tenant's rows of this month, and only the tenant role may insert.
    await pipeline(
      Readable.from(lines()),
      client.query(copyFrom(`copy ${escapeIdentifier(staging)} (${COPY_COLUMNS.join(', ')}) from stdin`)),
    );
    await client.query(
      // every dimension named: the key (tenant, dimension, day, name) then reads only this month, not the history
      'delete from cost_rollup_daily where tenant_id = $1 and dimension = any($4) and usage_date >= $2 and usage_date < $3',
      [tenantId, start, end, ROLLUP_DIMENSIONS],
    );
    await copyThroughTemp(
      client,
      'cost_rollup_daily',
      ROLLUP_COLUMNS,
      (function* () {
        for (const r of rollup.rows()) yield `${tenantId}\t${r.map(copyValue).join('\t')}\n`;
      })(),
    );
    // The month's row of each name in the monthly rollup, from the daily slice just written (tens of thousands of
    // rows for a large payer, not the month's millions).
    await client.query(
      'delete from cost_rollup_monthly where tenant_id = $1 and dimension = any($3) and month = $2',
      [tenantId, start, ROLLUP_DIMENSIONS],
    );
    await client.query(
      `insert into cost_rollup_monthly (tenant_id, month, dimension, name, unblended, net_unblended, amortized, net_amortized)
       select tenant_id, $2::date, dimension, name, sum(unblended), sum(net_unblended), sum(amortized), sum(net_amortized)
         from cost_rollup_daily
        where tenant_id = $1 and dimension = any($4) and usage_date >= $2 and usage_date < $3
        group by tenant_id, dimension, name`,
      [tenantId, start, end, ROLLUP_DIMENSIONS],
    );
    await client.query(
      `insert into cost_data_version (tenant_id, version, data_through, updated_at)
       values ($1, 1, (select max(usage_date) from cost_rollup_daily where tenant_id = $1 and dimension = 'charge_class'), now())
       on conflict (tenant_id) do update
         set version = cost_data_version.version + 1, data_through = excluded.data_through, updated_at = now()`,
      [tenantId],
    );
    if (options.owner) await assertOwner(client, options.owner);
    // The index is built before the month is locked; from the lock to the commit only catalog work remains.
    await client.query('select cost_daily_seal($1, $2)', [tenantId, start]);
    await client.query(`set local lock_timeout = '${SWAP_LOCK_TIMEOUT}'`);
    await client.query(`lock table only ${escapeIdentifier(parent)} in access exclusive mode`);
    // Rows written into the month's default partition by hand (not by a load) are part of the month replaced.
    await client.query(`delete from ${escapeIdentifier(`${parent}_default`)} where tenant_id = $1`, [
      tenantId,
    ]);
    await client.query('select cost_daily_swap($1, $2)', [tenantId, start]);
    await client.query('commit');
    return count;
  } catch (e) {
    await client.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    if (options.track) options.track(client, false);
    else client.release();
  }
}
