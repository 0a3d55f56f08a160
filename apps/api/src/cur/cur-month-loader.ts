import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { FinishedQuery } from '../aws/athena-runner';
import { DomainEvents } from '../events/domain-events';
import { CostStore } from './cost-store';
import { CurAthena, type AthenaClient, type CatalogPartition, type CurAccess } from './cur-athena';
import { CurMonthRepository } from './cur-month.repository';
import { buildMonthQuery } from './cur-sql';
import { incompleteResult } from './cur.errors';
import { MonthShaper } from './month-shaper';
import type { MonthStat, SyncRun } from './sync-run.entity';
import { SyncRunRepository } from './sync-run.repository';

/** A run while it loads its months: where it reads the CUR, what it planned, the months it finished. */
export interface SyncPass {
  run: SyncRun;
  tenantId: string;
  access: CurAccess;
  catalog: CatalogPartition[];
  /** The catalog's partition values (partition-key order). */
  partitions: string[][];
  /** Months read again because AWS restated them (marked so in their figures). */
  restated: Set<string>;
  /** The finished months' figures, this attempt's and an earlier attempt's; a month finished is pushed here. */
  stats: MonthStat[];
  /** How many months the run loads. */
  total: number;
  /** False once the run was taken away from this worker (then nothing more is written). */
  owned: () => Promise<boolean>;
  /** The worker's id (`locked_by`): each month's load checks in its own transaction that the run is still ours. */
  worker: string | undefined;
}

/** A month's result as loaded: rows written, its shaper (line items, folded values), the check it needed. */
interface Replaced {
  loaded: number;
  shaper: MonthShaper;
  /** The newest usage day read (null: none). */
  last: string | null;
  /** Line items loaded before. */
  previous: number;
  /** Line items a count query confirmed (the CUR shrank), or null when none was needed. */
  confirmed: number | null;
  /** Bytes the count queries scanned. */
  countBytes: number;
}

/** What one read-and-load of the result ended with: loaded, or refused as smaller than the loaded month. */
type Attempt = { loaded: number; shaper: MonthShaper } | { refused: number };

/**
 * The result's batches shaped for the load; `seen.last` follows the newest usage day. Once the whole result is read
 * (the load not committed), a result smaller than what is loaded must not replace it unless the CUR itself shrank
 * (`accepted`, checked by a count), so this throws, rolling the load back, and sets `seen.incomplete`.
 */
async function* shapedBatches(
  rows: AsyncIterable<string[][]>,
  sh: MonthShaper,
  previous: number,
  accepted: number | null,
  seen: { last: string | null; incomplete: boolean },
): AsyncGenerator<string[][]> {
  for await (const batch of rows) {
    for (const r of batch) if (r[0] && (!seen.last || r[0] > seen.last)) seen.last = r[0];
    const out = sh.take(batch);
    if (out.length > 0) yield out;
  }
  const rest = sh.rest();
  if (rest.length > 0) yield rest;
  if (sh.lineItems < previous && sh.lineItems !== accepted) {
    seen.incomplete = true;
    throw new Error(`the result holds ${sh.lineItems} line items, ${previous} were loaded`);
  }
}

/**
 * Loads one month of a run: its Athena query, the result streamed into the CostStore (the month replaced
 * atomically), a result smaller than the loaded month checked by a count, then the month's figures on the run, its
 * CUR files recorded and `cur.month_loaded` emitted.
 */
@Injectable()
export class CurMonthLoader {
  private readonly logger = new Logger('CurSync');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: CostStore,
    private readonly io: CurAthena,
    private readonly runs: SyncRunRepository,
    private readonly months: CurMonthRepository,
    private readonly events: DomainEvents,
  ) {}

  /** Loads the month: the newest usage day it holds (null: none), or 'lost' when the run is no longer ours. */
  async load(pass: SyncPass, month: string): Promise<{ last: string | null } | 'lost'> {
    const { run, access } = pass;
    const sql = buildMonthQuery(access.athena, month, pass.partitions);
    if (sql === null) {
      const stat = { month, rows: 0, bytes_scanned: 0, athena_ms: 0, load_ms: 0 };
      await this.monthDone(pass, stat, `no CUR partition for ${month}: kept as is`);
      return { last: null };
    }
    await this.progress(pass, `querying ${month}`, month);
    // The CUR files of the month as they are before its query reads them: recorded with the load, so a later
    // change (AWS restating the month) makes the nightly sync read it again.
    const source = await this.io.monthSource(access, pass.catalog, month);
    const athena = this.io.client(access);
    const t0 = Date.now();
    const q = await this.io.query(
      athena,
      sql,
      access,
      `${run.id}:${month}:${run.attempt}`,
      `Athena query for ${month}`,
    );
    const athenaMs = Date.now() - t0;
    if (!(await pass.owned())) {
      athena.destroy();
      return 'lost';
    }
    await this.progress(pass, `loading ${month}`, month);
    const t1 = Date.now();
    let replaced: Replaced;
    try {
      replaced = await this.replace(pass, month, athena, q);
    } finally {
      athena.destroy();
    }
    if (source) await this.months.recordSource(pass.tenantId, month, source);
    await this.finish(pass, month, replaced, { bytes: q.dataScannedBytes, athenaMs, t1 });
    return { last: replaced.last };
  }

  /**
   * Replaces the month with the query's result. Fewer line items than loaded: a partial or empty result (a CUR
   * being rewritten, a cut read), or AWS restated the month. One count over the same rows decides; the previous data
   * stays until then.
   */
  private async replace(
    pass: SyncPass,
    month: string,
    athena: AthenaClient,
    q: FinishedQuery,
  ): Promise<Replaced> {
    const { run } = pass;
    const previous = await this.months.loadedLineItems(pass.tenantId, month);
    const seen = { last: null as string | null, incomplete: false };
    let confirmed: number | null = null; // line items the CUR holds, once a count query said so
    let countBytes = 0;
    for (;;) {
      const attempt = await this.tryReplace(pass, month, this.io.resultRows(pass.access, athena, q), {
        previous,
        accepted: confirmed,
        seen,
      });
      if ('loaded' in attempt) return { ...attempt, last: seen.last, previous, confirmed, countBytes };
      await this.progress(pass, `checking ${month}: the result is smaller than the loaded month`, month);
      const counted = await this.io.countLineItems(
        athena,
        pass.access,
        month,
        pass.partitions,
        `${run.id}:${month}:${run.attempt}:count`,
      );
      countBytes += counted.bytes;
      if (counted.lineItems !== attempt.refused)
        throw incompleteResult(month, attempt.refused, counted.lineItems, previous);
      confirmed = counted.lineItems; // the CUR really shrank: load what it holds now
      this.logger.log({
        msg: 'the CUR of a month shrank: loading it',
        tenant_id: pass.tenantId,
        run_id: run.id,
        month,
        line_items: confirmed,
        previous_line_items: previous,
      });
    }
  }

  /** One read of the result into the CostStore; a result smaller than the loaded month is refused (rolled back). */
  private async tryReplace(
    pass: SyncPass,
    month: string,
    rows: AsyncIterable<string[][]>,
    check: { previous: number; accepted: number | null; seen: { last: string | null; incomplete: boolean } },
  ): Promise<Attempt> {
    const { previous, accepted, seen } = check;
    const sh = new MonthShaper(this.config.cur.maxDistinctValues);
    seen.incomplete = false;
    try {
      // with the worker's id, the load commits only if the run is still this worker's (checked in its transaction)
      const loaded = await this.store.replaceMonth(
        pass.tenantId,
        month,
        shapedBatches(rows, sh, previous, accepted, seen),
        pass.worker ? { runId: pass.run.id, lockedBy: pass.worker } : undefined,
      );
      return { loaded, shaper: sh };
    } catch (e) {
      if (!seen.incomplete) throw e;
      if (accepted !== null) throw incompleteResult(month, sh.lineItems, accepted, previous);
      return { refused: sh.lineItems };
    }
  }

  /** The month's figures on the run, its log lines and `cur.month_loaded`. */
  private async finish(
    pass: SyncPass,
    month: string,
    r: Replaced,
    t: { bytes: number; athenaMs: number; t1: number },
  ): Promise<void> {
    const { run, tenantId } = pass;
    const folded = r.shaper.folded();
    if (folded.length > 0)
      this.logger.warn({
        msg: 'distinct values over the cap: folded',
        tenant_id: tenantId,
        run_id: run.id,
        month,
        folded,
      });
    const stat: MonthStat = {
      month,
      rows: r.loaded,
      bytes_scanned: t.bytes + r.countBytes,
      athena_ms: t.athenaMs,
      load_ms: Date.now() - t.t1,
      line_items: r.shaper.lineItems,
      ...(r.confirmed !== null ? { shrank_from: r.previous } : {}),
      ...(pass.restated.has(month) ? { restated: true } : {}),
      ...(folded.length > 0 ? { folded } : {}),
    };
    await this.monthDone(pass, stat, `loaded ${month}`);
    this.logger.log({
      msg: 'month loaded',
      tenant_id: tenantId,
      run_id: run.id,
      month,
      rows: r.loaded,
      bytes_scanned: stat.bytes_scanned,
      athena_ms: t.athenaMs,
      months_done: pass.stats.length,
      months_total: pass.total,
    });
    await this.events.emit('cur.month_loaded', { tenantId, runId: run.id, month, rows: r.loaded });
  }

  /** Records a finished month on the run (its figures, the progress) in one statement. */
  private async monthDone(pass: SyncPass, stat: MonthStat, phase: string): Promise<void> {
    pass.stats.push(stat);
    await this.runs.monthDone(pass.run.id, stat, {
      phase,
      months_done: pass.stats.length,
      months_total: pass.total,
      current_month: null,
    });
  }

  private async progress(pass: SyncPass, phase: string, month: string): Promise<void> {
    await this.runs.progress(pass.run.id, {
      phase,
      months_done: pass.stats.length,
      months_total: pass.total,
      current_month: month,
    });
  }
}
