import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import type { SyncRun as SyncRunDto, SyncRunPage } from '@cost-optimizer/dto';
import { DomainEvents } from '../events/domain-events';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError, notFound } from '../common/errors';
import { AthenaQueryError, queryRows, runQuery, type AthenaTarget } from '../aws/athena-runner';
import {
  AwsClients,
  isAwsServiceError,
  tenantAwsErrorText,
  type RoleCredentialSource,
} from '../aws/aws-clients';
import { AssumeRoleFailed, AwsAccessService } from '../aws-connection';
import { CostStore } from './cost-store';
import { parseCsvBatches } from './csv';
import {
  AGGREGATE_COLUMNS,
  buildCountQuery,
  buildMonthQuery,
  monthRange,
  partitionOfMonth,
  type CurTable,
} from './cur-sql';
import { monthSource, type MonthSource } from './cur-month-source';
import { MonthShaper } from './month-shaper';
import {
  firstUsageQuery,
  horizon,
  missingHistory,
  monthsFrom,
  partitionMonths,
  planBackfill,
} from './cur-backfill';
import { SyncRunSchema, type MonthStat, type SyncError, type SyncRun } from './sync-run.entity';

/** Athena's price per byte scanned: $5 per TB. */
export const ATHENA_USD_PER_BYTE = 5 / 1e12;

/** A partition of the CUR table as the Glue catalog lists it: its values (in partition-key order) and S3 location. */
export interface CatalogPartition {
  values: string[];
  location: string | null;
}

/** What a sync loads: the last n months, or months planned from the CUR (the first sync, or history). */
export type SyncPlan = { months: number } | { mode: 'backfill' | 'history' };

export class SyncFailure extends Error {
  /** `permanent`: retrying cannot help (e.g. the role refuses us); the run fails at once. */
  constructor(
    readonly error: SyncError,
    readonly permanent = false,
  ) {
    super(error.message);
  }
}

/** The last n billing months, oldest first, ending with the current (UTC) month. */
export function lastMonths(n: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}

export function toSyncRunDto(r: SyncRun): SyncRunDto {
  return {
    id: r.id,
    status: r.status,
    trigger: r.trigger,
    mode: r.mode,
    months: r.months,
    progress: { ...r.progress, current_month: r.progress.current_month ?? null },
    month_stats: r.month_stats ?? [],
    rows_loaded: r.rows_loaded,
    bytes_scanned: Number(r.bytes_scanned),
    estimated_cost_usd: Number((Number(r.bytes_scanned) * ATHENA_USD_PER_BYTE).toPrecision(6)),
    athena_ms: r.athena_ms,
    load_ms: r.load_ms,
    attempt: r.attempt,
    error: r.error ?? null,
    created_at: r.created_at.toISOString(),
    started_at: r.started_at ? r.started_at.toISOString() : null,
    finished_at: r.finished_at ? r.finished_at.toISOString() : null,
  };
}

@Injectable()
export class CurSyncService {
  private readonly logger = new Logger('CurSync');

  constructor(
    private readonly em: EntityManager,
    private readonly store: CostStore,
    private readonly aws: AwsClients,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connections: AwsAccessService,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Queues a sync. At most one queued/running run per tenant (a partial unique index): a second request gets
   * 409 with the active run's id. A nightly run carries a schedule key, so replicas enqueue it once.
   * A backfill or history run lists its months once it has read which months the CUR holds (when it starts).
   */
  async enqueue(
    tenantId: string,
    trigger: SyncRun['trigger'],
    plan: SyncPlan,
    scheduleKey: string | null = null,
  ): Promise<{ run_id: string; created: boolean }> {
    const em = this.em.fork();
    await this.connections.requireActive(tenantId);
    const mode = 'mode' in plan ? plan.mode : 'months';
    const list = 'months' in plan ? lastMonths(plan.months).reverse() : [];
    const inserted: { id: string }[] = await em.execute(
      `insert into sync_run (id, tenant_id, status, trigger, mode, months, month_stats, schedule_key, progress,
                             rows_loaded, bytes_scanned, athena_ms, load_ms, attempt, created_at)
       values (gen_random_uuid(), ?, 'queued', ?, ?, ?, '[]', ?, ?, 0, 0, 0, 0, 1, now())
       on conflict do nothing returning id`,
      [
        tenantId,
        trigger,
        mode,
        JSON.stringify(list),
        scheduleKey,
        JSON.stringify({ phase: 'queued', months_done: 0, months_total: list.length, current_month: null }),
      ],
    );
    if (inserted[0]) {
      this.logger.log({
        msg: 'sync queued',
        tenant_id: tenantId,
        run_id: inserted[0].id,
        trigger,
        mode,
        months: list,
      });
      return { run_id: inserted[0].id, created: true };
    }
    const active = await em.findOne(SyncRunSchema, {
      tenant: tenantId,
      status: { $in: ['queued', 'running'] },
    });
    if (active) {
      if (scheduleKey) return { run_id: active.id, created: false };
      throw new AppError(409, 'CONFLICT', 'A sync is already queued or running for this tenant', {
        run_id: active.id,
      });
    }
    const same = scheduleKey ? await em.findOne(SyncRunSchema, { schedule_key: scheduleKey }) : null;
    if (same) return { run_id: same.id, created: false };
    throw new AppError(409, 'CONFLICT', 'Could not queue the sync; try again');
  }

  async list(tenantId: string, page: number, pageSize: number): Promise<SyncRunPage> {
    const em = this.em.fork();
    const [rows, total] = await em.findAndCount(
      SyncRunSchema,
      { tenant: tenantId },
      { orderBy: { created_at: 'desc', id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize },
    );
    return { items: rows.map(toSyncRunDto), total, page, page_size: pageSize };
  }

  async get(tenantId: string, runId: string): Promise<SyncRunDto> {
    const run = await this.em.fork().findOne(SyncRunSchema, { id: runId, tenant: tenantId });
    if (!run) throw notFound('Sync run');
    return toSyncRunDto(run);
  }

  async latest(tenantId: string): Promise<SyncRunDto | null> {
    const run = await this.em
      .fork()
      .findOne(SyncRunSchema, { tenant: tenantId }, { orderBy: { created_at: 'desc' } });
    return run ? toSyncRunDto(run) : null;
  }

  async hasSucceeded(tenantId: string): Promise<boolean> {
    return (await this.em.fork().count(SyncRunSchema, { tenant: tenantId, status: 'succeeded' })) > 0;
  }

  /**
   * Runs one claimed sync: AssumeRole (refreshed before expiry), one Athena query per month, results streamed
   * from the CSV Athena wrote (paged only for managed-results workgroups), each month replaced atomically.
   * `owned()` is false once the run was taken away from this worker (then nothing more is written); `worker` (its
   * `locked_by`) makes each month's load check that inside its own transaction too.
   * Runs in the scope of the run's tenant (the worker calls it inside withTenant()).
   */
  async execute(runId: string, owned: () => Promise<boolean>, worker?: string): Promise<void> {
    const em = this.em.fork();
    const run = await em.findOneOrFail(SyncRunSchema, { id: runId });
    const tenantId = run.tenant.id;
    const conn = await this.connections.activeConnection(tenantId);
    if (!conn?.athena) {
      throw new SyncFailure({
        code: 'NOT_CONNECTED',
        message: 'The AWS connection is not active',
        aws_error: null,
      });
    }
    const table: CurTable = conn.athena;
    const target: AthenaTarget = conn.athena;
    const region = conn.role.region;
    // Refreshed before expiry; AccessDenied (the role is gone or no longer trusts us) fails the run for good and has
    // marked the connection broken. Throttling and 5xx were retried by the SDK already.
    const roleCredentials = this.connections.credentials(conn, 'cur-sync');
    const credentials = () =>
      roleCredentials().catch((e: unknown) => {
        if (!(e instanceof AssumeRoleFailed)) throw e;
        throw new SyncFailure({ code: e.code, message: e.message, aws_error: e.awsError }, e.denied);
      });

    const catalog = table.partitionKeys.length ? await this.partitions(region, credentials, table) : [];
    const partitions = catalog.map((p) => p.values);
    const restated = new Set<string>();
    const months = await this.plan(run, table, partitions, {
      region,
      credentials,
      target,
      tenantId,
      catalog,
      restated,
    });
    const stats: MonthStat[] = [...(run.month_stats ?? [])];
    const done = new Set(stats.map((st) => st.month)); // loaded by an earlier attempt of this run: not again
    const total = months.length;
    let maxDate: string | null = null;
    for (const month of months) {
      if (done.has(month)) continue;
      const sql = buildMonthQuery(table, month, partitions);
      if (sql === null) {
        await this.monthDone(
          run.id,
          { month, rows: 0, bytes_scanned: 0, athena_ms: 0, load_ms: 0 },
          stats,
          total,
          {
            phase: `no CUR partition for ${month}: kept as is`,
          },
        );
        continue;
      }
      await this.progress(run.id, {
        phase: `querying ${month}`,
        months_done: stats.length,
        months_total: total,
        current_month: month,
      });
      // The CUR files of the month as they are before its query reads them: recorded with the load, so a later
      // change (AWS restating the month) makes the nightly sync read it again.
      const source = await this.monthSourceOf(region, credentials, table, catalog, month);
      // The clients ask for credentials before each request: refreshed before expiry even inside one step.
      const athena = this.aws.athena(region, credentials);
      const t0 = Date.now();
      const q = await this.query(
        athena,
        sql,
        target,
        `${run.id}:${month}:${run.attempt}`,
        `Athena query for ${month}`,
      );
      const athenaMs = Date.now() - t0;
      if (!(await owned())) {
        athena.destroy();
        return;
      }
      await this.progress(run.id, {
        phase: `loading ${month}`,
        months_done: stats.length,
        months_total: total,
        current_month: month,
      });
      const t1 = Date.now();
      const previous = await this.loadedLineItems(tenantId, month);
      let confirmed: number | null = null; // line items the CUR holds, once a count query said so
      let shaper: MonthShaper;
      let last: string | null = null;
      let loaded: number;
      let countBytes = 0;
      try {
        for (;;) {
          const rows =
            q.outputLocation && !conn.athena.managedResults
              ? this.csvRows(region, credentials, q.outputLocation)
              : this.pagedRows(athena, q.queryExecutionId);
          const sh = (shaper = new MonthShaper(this.config.cur.maxDistinctValues));
          let incomplete = false;
          const accepted = confirmed;
          const shaped = (async function* () {
            for await (const batch of rows) {
              for (const r of batch) if (r[0] && (!last || r[0] > last)) last = r[0];
              const out = sh.take(batch);
              if (out.length > 0) yield out;
            }
            const rest = sh.rest();
            if (rest.length > 0) yield rest;
            // The whole result is read, the load not committed: a result smaller than what is loaded must not
            // replace it unless the CUR itself shrank (checked below), so this rolls the load back.
            if (sh.lineItems < previous && sh.lineItems !== accepted) {
              incomplete = true;
              throw new Error(`the result holds ${sh.lineItems} line items, ${previous} were loaded`);
            }
          })();
          try {
            // with the worker's id, the load commits only if the run is still this worker's (checked in its
            // transaction)
            loaded = await this.store.replaceMonth(
              tenantId,
              month,
              shaped,
              worker ? { runId: run.id, lockedBy: worker } : undefined,
            );
            break;
          } catch (e) {
            if (!incomplete || accepted !== null) {
              if (incomplete) throw this.incomplete(month, sh.lineItems, accepted ?? 0, previous);
              throw e;
            }
          }
          // Fewer line items than loaded: a partial or empty result (a CUR being rewritten, a cut read), or AWS
          // restated the month. One count over the same rows decides; the previous data stays until then.
          await this.progress(run.id, {
            phase: `checking ${month}: the result is smaller than the loaded month`,
            months_done: stats.length,
            months_total: total,
            current_month: month,
          });
          const counted = await this.countLineItems(
            athena,
            table,
            month,
            partitions,
            target,
            `${run.id}:${month}:${run.attempt}:count`,
          );
          countBytes += counted.bytes;
          if (counted.lineItems !== sh.lineItems)
            throw this.incomplete(month, sh.lineItems, counted.lineItems, previous);
          confirmed = counted.lineItems; // the CUR really shrank: load what it holds now
          this.logger.log({
            msg: 'the CUR of a month shrank: loading it',
            tenant_id: tenantId,
            run_id: run.id,
            month,
            line_items: confirmed,
            previous_line_items: previous,
          });
        }
      } finally {
        athena.destroy();
      }
      if (source) await this.recordMonthSource(tenantId, month, source);
      const folded = shaper.folded();
      if (folded.length > 0)
        this.logger.warn({
          msg: 'distinct values over the cap: folded',
          tenant_id: tenantId,
          run_id: run.id,
          month,
          folded,
        });
      if (last && (!maxDate || last > maxDate)) maxDate = last;
      const stat: MonthStat = {
        month,
        rows: loaded,
        bytes_scanned: q.dataScannedBytes + countBytes,
        athena_ms: athenaMs,
        load_ms: Date.now() - t1,
        line_items: shaper.lineItems,
        ...(confirmed !== null ? { shrank_from: previous } : {}),
        ...(restated.has(month) ? { restated: true } : {}),
        ...(folded.length > 0 ? { folded } : {}),
      };
      await this.monthDone(run.id, stat, stats, total, { phase: `loaded ${month}` });
      this.logger.log({
        msg: 'month loaded',
        tenant_id: tenantId,
        run_id: run.id,
        month,
        rows: loaded,
        bytes_scanned: stat.bytes_scanned,
        athena_ms: athenaMs,
        months_done: stats.length,
        months_total: total,
      });
      await this.events.emit('cur.month_loaded', { tenantId, runId: run.id, month, rows: loaded });
      if (last) await this.advanceDataThrough(tenantId, last); // the dashboard fills month by month
    }
    if (maxDate) await this.advanceDataThrough(tenantId, maxDate);
  }

  private async advanceDataThrough(tenantId: string, day: string): Promise<void> {
    await this.connections.advanceDataThrough(tenantId, day);
  }

  /**
   * The run's months, newest first, planned at its first start and stored on the run (a retry keeps them):
   * - backfill (the first sync): the horizon's months the CUR holds (13, or CUR_BACKFILL_MONTHS; at least the
   *   90 days before yesterday), read from the partitions (0 bytes) or, for a table whose partitions do not name the
   *   month, from one bounded min(usage start) query;
   * - history: the horizon's months the CUR holds that are not loaded yet;
   * - a nightly run adds the horizon's months older than the loaded range that the CUR gained since (partitions only),
   *   and the loaded months outside its window whose CUR files changed since they were loaded (AWS restated them;
   *   partitions with an S3 location only), which it lists in `ctx.restated`.
   */
  private async plan(
    run: SyncRun,
    table: CurTable,
    partitions: string[][],
    ctx: {
      region: string;
      credentials: RoleCredentialSource;
      target: AthenaTarget;
      tenantId: string;
      catalog: CatalogPartition[];
      restated: Set<string>;
    },
  ): Promise<string[]> {
    const newestFirst = (list: Iterable<string>) => [...new Set(list)].sort().reverse();
    // Listed months (a manual sync), or planned by an earlier attempt of this run: as stored.
    if (run.mode === 'months' && run.trigger !== 'nightly') return newestFirst(run.months);
    if (run.mode !== 'months' && (run.months.length > 0 || run.month_stats.length > 0))
      return newestFirst(run.months);
    const today = new Date().toISOString().slice(0, 10);
    const override = this.config.cur.backfillMonths;
    let available = partitionMonths(table.partitionKeys, partitions);
    if (available === null && run.mode !== 'months') {
      available = await this.monthsByQuery(run, table, today, override, ctx);
    }
    let months: string[];
    if (run.mode === 'backfill') months = planBackfill(today, available, override);
    else {
      const loaded = await this.loadedMonths(ctx.tenantId);
      const extra = missingHistory(today, available, loaded, override, run.mode === 'months');
      months = newestFirst([...run.months, ...extra]);
      if (run.trigger === 'nightly') {
        const listed = new Set(months);
        const closed = horizon(today, override).filter((m) => loaded.has(m) && !listed.has(m));
        for (const m of await this.restatedMonths(ctx, table, closed)) ctx.restated.add(m);
        months = newestFirst([...months, ...ctx.restated]);
      }
    }
    if (months.join() !== run.months.join() || run.mode !== 'months') {
      await this.em
        .fork()
        .execute(`update sync_run set months = ?, progress = ?, heartbeat_at = now() where id = ?`, [
          JSON.stringify(months),
          JSON.stringify({
            phase: `planned ${months.length} month${months.length === 1 ? '' : 's'}`,
            months_done: run.month_stats.length,
            months_total: months.length,
            current_month: null,
          }),
          run.id,
        ]);
      this.logger.log({ msg: 'sync planned', run_id: run.id, mode: run.mode, trigger: run.trigger, months });
    }
    return months;
  }

  /**
   * Of the given loaded months, those whose CUR files changed since they were loaded. A month loaded before its files
   * were recorded gets its record now (read again only after a later change).
   */
  private async restatedMonths(
    ctx: { region: string; credentials: RoleCredentialSource; tenantId: string; catalog: CatalogPartition[] },
    table: CurTable,
    months: string[],
  ): Promise<string[]> {
    if (months.length === 0 || !ctx.catalog.some((p) => p.location)) return [];
    const rows: { month: string; fingerprint: string }[] = await this.em
      .fork()
      .execute('select month, fingerprint from cur_month_source where tenant_id = ? and month in (?)', [
        ctx.tenantId,
        months,
      ]);
    const known = new Map(rows.map((r) => [r.month, r.fingerprint]));
    const changed: string[] = [];
    for (const month of months) {
      const source = await this.monthSourceOf(ctx.region, ctx.credentials, table, ctx.catalog, month);
      if (!source) continue;
      const before = known.get(month);
      if (before === undefined) await this.recordMonthSource(ctx.tenantId, month, source);
      else if (before !== source.fingerprint) changed.push(month);
    }
    if (changed.length > 0)
      this.logger.log({ msg: 'restated months to read again', tenant_id: ctx.tenantId, months: changed });
    return changed;
  }

  /**
   * The month's CUR files (its partitions' S3 objects), or null when they cannot be listed: no partitions with a
   * location, or S3 refused (then restatements of closed months are not detected; the sync itself goes on).
   */
  private async monthSourceOf(
    region: string,
    credentials: RoleCredentialSource,
    table: CurTable,
    catalog: CatalogPartition[],
    month: string,
  ): Promise<MonthSource | null> {
    const locations = catalog
      .filter((p) => p.location && partitionOfMonth(table, month, p.values))
      .map((p) => p.location!);
    if (locations.length === 0) return null;
    const s3 = this.aws.s3(region, credentials);
    try {
      return await monthSource(s3, locations);
    } catch (e) {
      if (e instanceof SyncFailure) throw e; // AssumeRole failed
      this.logger.warn({
        msg: 'cannot list the CUR files of a month (s3:ListBucket): restatements of it are not detected',
        month,
        error: tenantAwsErrorText(e),
      });
      return null;
    } finally {
      s3.destroy();
    }
  }

  /** Records the month's CUR files as loaded (in the run's tenant scope). */
  private async recordMonthSource(tenantId: string, month: string, source: MonthSource): Promise<void> {
    await this.em.fork().execute(
      `insert into cur_month_source (tenant_id, month, fingerprint, objects, checked_at)
       values (?, ?, ?, ?, now())
       on conflict (tenant_id, month) do update
         set fingerprint = excluded.fingerprint, objects = excluded.objects, checked_at = now()`,
      [tenantId, month, source.fingerprint, source.objects],
    );
  }

  /** The CUR line items the loaded month stands for (0: not loaded). */
  private async loadedLineItems(tenantId: string, month: string): Promise<number> {
    const { start, end } = monthRange(month);
    const rows = await this.store.query<{ n: string }>(
      tenantId,
      'select coalesce(sum(line_items), 0)::bigint as n from cost_daily where tenant_id = $1 and usage_date >= $2 and usage_date < $3',
      [tenantId, start, end],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** How many line items the CUR holds for the month: one count(*) over the rows of the month's query. */
  private async countLineItems(
    athena: ReturnType<AwsClients['athena']>,
    table: CurTable,
    month: string,
    partitions: string[][],
    target: AthenaTarget,
    token: string,
  ): Promise<{ lineItems: number; bytes: number }> {
    const sql = buildCountQuery(table, month, partitions);
    if (sql === null) return { lineItems: 0, bytes: 0 };
    const q = await this.query(athena, sql, target, token, `Counting the CUR line items of ${month}`);
    let n = 0;
    for await (const rec of queryRows(athena, q.queryExecutionId)) n = Number(rec['line_items'] ?? 0);
    return { lineItems: n, bytes: q.dataScannedBytes };
  }

  /** The refusal of a result smaller than the CUR: the month keeps its loaded data. */
  private incomplete(month: string, got: number, cur: number, previous: number): SyncFailure {
    return new SyncFailure({
      code: 'INCOMPLETE_RESULT',
      message:
        `Checking the Athena result of ${month}: it holds ${got} CUR line items, but the CUR holds ${cur} ` +
        `(${previous} were loaded): the result was refused and ${month} kept as it was`,
      aws_error: null,
    });
  }

  /** Months with loaded data (from the small per-day rollup, not the detail table). */
  private async loadedMonths(tenantId: string): Promise<Set<string>> {
    const rows: { m: string }[] = await this.em.fork().execute(
      `select distinct to_char(usage_date, 'YYYY-MM') as m from cost_rollup_daily
        where tenant_id = ? and dimension = 'charge_class'`,
      [tenantId],
    );
    return new Set(rows.map((r) => r.m));
  }

  /** Which horizon months hold usage, for a table whose partitions do not say: one bounded one-column query. */
  private async monthsByQuery(
    run: SyncRun,
    table: CurTable,
    today: string,
    override: number | null,
    ctx: { region: string; credentials: RoleCredentialSource; target: AthenaTarget },
  ): Promise<Set<string>> {
    const months = horizon(today, override);
    const sql = firstUsageQuery(table, months.at(-1)!, months[0]!);
    await this.progress(run.id, {
      phase: 'finding the months the CUR holds',
      months_done: 0,
      months_total: 0,
      current_month: null,
    });
    const athena = this.aws.athena(ctx.region, ctx.credentials);
    const t0 = Date.now();
    try {
      const q = await this.query(
        athena,
        sql,
        ctx.target,
        `${run.id}:plan:${run.attempt}`,
        'Finding the CUR months',
      );
      let first: string | undefined;
      for await (const rec of queryRows(athena, q.queryExecutionId)) first = rec['first_usage'] ?? undefined;
      await this.em
        .fork()
        .execute(
          'update sync_run set bytes_scanned = bytes_scanned + ?, athena_ms = athena_ms + ? where id = ?',
          [q.dataScannedBytes, Date.now() - t0, run.id],
        );
      return monthsFrom(first, months[0]!);
    } finally {
      athena.destroy();
    }
  }

  /** One Athena query to its end, its failures as a SyncFailure naming what it was for. */
  private async query(
    athena: ReturnType<AwsClients['athena']>,
    sql: string,
    target: AthenaTarget,
    token: string,
    what: string,
  ) {
    try {
      return await runQuery(athena, sql, target, {
        deadlineMs: this.config.aws.athenaQueryTimeoutMs,
        clientRequestToken: createHash('sha256').update(token).digest('hex').slice(0, 64),
      });
    } catch (e) {
      athena.destroy();
      if (e instanceof SyncFailure) throw e; // AssumeRole failed while refreshing
      if (e instanceof AthenaQueryError) {
        throw new SyncFailure({
          code: 'ATHENA_QUERY_FAILED',
          message: `${what} ${e.kind === 'timeout' ? 'timed out' : 'failed'}`,
          aws_error: e.reason,
        });
      }
      if (!isAwsServiceError(e)) this.logger.warn({ msg: `${what} could not run`, error: String(e) });
      throw new SyncFailure({
        code: 'AWS_ERROR',
        message: `${what} could not run`,
        aws_error: tenantAwsErrorText(e),
      });
    }
  }

  /** Records a finished month on the run (its figures, the progress) in one statement. */
  private async monthDone(
    runId: string,
    stat: MonthStat,
    stats: MonthStat[],
    total: number,
    p: { phase: string },
  ): Promise<void> {
    stats.push(stat);
    await this.em.fork().execute(
      `update sync_run set rows_loaded = rows_loaded + ?, bytes_scanned = bytes_scanned + ?, athena_ms = athena_ms + ?,
              load_ms = load_ms + ?, month_stats = month_stats || ?::jsonb, progress = ?, heartbeat_at = now()
        where id = ?`,
      [
        stat.rows,
        stat.bytes_scanned,
        stat.athena_ms,
        stat.load_ms,
        JSON.stringify([stat]),
        JSON.stringify({ ...p, months_done: stats.length, months_total: total, current_month: null }),
        runId,
      ],
    );
  }

  private async progress(
    runId: string,
    p: { phase: string; months_done: number; months_total: number; current_month: string | null },
  ): Promise<void> {
    await this.em
      .fork()
      .execute('update sync_run set progress = ?, heartbeat_at = now() where id = ?', [
        JSON.stringify(p),
        runId,
      ]);
  }

  private async partitions(
    region: string,
    creds: RoleCredentialSource,
    t: CurTable,
  ): Promise<CatalogPartition[]> {
    const glue = this.aws.glue(region, creds);
    try {
      const out: CatalogPartition[] = [];
      let token: string | undefined;
      do {
        const page = await glue.send(
          new GetPartitionsCommand({ DatabaseName: t.database, TableName: t.table, NextToken: token }),
        );
        for (const p of page.Partitions ?? [])
          out.push({ values: p.Values ?? [], location: p.StorageDescriptor?.Location ?? null });
        token = page.NextToken;
      } while (token);
      return out;
    } catch (e) {
      if (e instanceof SyncFailure) throw e; // AssumeRole failed
      if (!isAwsServiceError(e)) this.logger.warn({ msg: 'glue:GetPartitions failed', error: String(e) });
      throw new SyncFailure({
        code: 'AWS_ERROR',
        message: 'Cannot list the CUR partitions (glue:GetPartitions)',
        aws_error: tenantAwsErrorText(e),
      });
    } finally {
      glue.destroy();
    }
  }

  /** The result CSV, streamed with one GetObject (AWS.md §6: far faster than paging), in batches of records. */
  private async *csvRows(
    region: string,
    creds: RoleCredentialSource,
    location: string,
  ): AsyncGenerator<string[][]> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!m)
      throw new SyncFailure({
        code: 'AWS_ERROR',
        message: `Unexpected result location ${location}`,
        aws_error: null,
      });
    const s3 = this.aws.s3(region, creds);
    try {
      const obj = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
      const body = obj.Body as AsyncIterable<Buffer> | undefined;
      if (!body) throw new Error('empty body');
      let header = true;
      for await (const batch of parseCsvBatches(body)) {
        if (header) {
          header = false;
          const record = batch.shift()!;
          if (record.join(',') !== AGGREGATE_COLUMNS.join(',')) {
            throw new SyncFailure({
              code: 'AWS_ERROR',
              message: `Unexpected result columns: ${record.join(', ')}`,
              aws_error: null,
            });
          }
        }
        yield batch;
      }
    } catch (e) {
      if (e instanceof SyncFailure) throw e;
      if (!isAwsServiceError(e))
        this.logger.warn({ msg: 'reading the query result failed', error: String(e) });
      throw new SyncFailure({
        code: 'AWS_ERROR',
        message: `Cannot read the query result ${location}`,
        aws_error: tenantAwsErrorText(e),
      });
    } finally {
      s3.destroy();
    }
  }

  private async *pagedRows(athena: Parameters<typeof queryRows>[0], id: string): AsyncGenerator<string[][]> {
    let batch: string[][] = [];
    for await (const rec of queryRows(athena, id)) {
      batch.push(AGGREGATE_COLUMNS.map((c) => rec[c] ?? ''));
      if (batch.length === 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}
