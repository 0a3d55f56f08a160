import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import {
  firstUsageQuery,
  horizon,
  missingHistory,
  monthsFrom,
  partitionMonths,
  planBackfill,
} from './cur-backfill';
import { CurAthena, type CatalogPartition, type CurAccess } from './cur-athena';
import { CurMonthRepository } from './cur-month.repository';
import type { SyncRun } from './sync-run.entity';
import { SyncRunRepository } from './sync-run.repository';

/** The months a run loads, newest first, and those of them read again because AWS restated them. */
export interface PlannedMonths {
  months: string[];
  restated: Set<string>;
}

const newestFirst = (list: Iterable<string>) => [...new Set(list)].sort().reverse();

/**
 * The run's months, newest first, planned at its first start and stored on the run (a retry keeps them):
 * - backfill (the first sync): the horizon's months the CUR holds (13, or CUR_BACKFILL_MONTHS; at least the
 *   90 days before yesterday), read from the partitions (0 bytes) or, for a table whose partitions do not name the
 *   month, from one bounded min(usage start) query;
 * - history: the horizon's months the CUR holds that are not loaded yet;
 * - a nightly run adds the horizon's months older than the loaded range that the CUR gained since (partitions only),
 *   and the loaded months outside its window whose CUR files changed since they were loaded (AWS restated them;
 *   partitions with an S3 location only), which it lists in `restated`.
 */
@Injectable()
export class CurMonthPlanner {
  private readonly logger = new Logger('CurSync');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runs: SyncRunRepository,
    private readonly loaded: CurMonthRepository,
    private readonly io: CurAthena,
  ) {}

  async plan(run: SyncRun, access: CurAccess, catalog: CatalogPartition[]): Promise<PlannedMonths> {
    const restated = new Set<string>();
    // Listed months (a manual sync), or planned by an earlier attempt of this run: as stored.
    if (run.mode === 'months' && run.trigger !== 'nightly')
      return { months: newestFirst(run.months), restated };
    if (run.mode !== 'months' && (run.months.length > 0 || run.month_stats.length > 0))
      return { months: newestFirst(run.months), restated };
    const months = await this.fromCur(run, access, catalog, restated);
    if (months.join() !== run.months.join() || run.mode !== 'months') await this.record(run, months);
    return { months, restated };
  }

  /** The months planned from what the CUR holds and what is loaded. */
  private async fromCur(
    run: SyncRun,
    access: CurAccess,
    catalog: CatalogPartition[],
    restated: Set<string>,
  ): Promise<string[]> {
    const today = new Date().toISOString().slice(0, 10);
    const override = this.config.cur.backfillMonths;
    let available = partitionMonths(
      access.athena.partitionKeys,
      catalog.map((p) => p.values),
    );
    if (available === null && run.mode !== 'months') {
      available = await this.monthsByQuery(run, access, today, override);
    }
    if (run.mode === 'backfill') return planBackfill(today, available, override);
    const loaded = await this.loaded.loadedMonths(run.tenant.id);
    const extra = missingHistory(today, available, loaded, override, run.mode === 'months');
    const months = newestFirst([...run.months, ...extra]);
    if (run.trigger !== 'nightly') return months;
    const listed = new Set(months);
    const closed = horizon(today, override).filter((m) => loaded.has(m) && !listed.has(m));
    for (const m of await this.restatedMonths(run.tenant.id, access, catalog, closed)) restated.add(m);
    return newestFirst([...months, ...restated]);
  }

  /** Stores the planned months on the run (a retry keeps them). */
  private async record(run: SyncRun, months: string[]): Promise<void> {
    await this.runs.planned(run.id, months, {
      phase: `planned ${months.length} month${months.length === 1 ? '' : 's'}`,
      months_done: run.month_stats.length,
      months_total: months.length,
      current_month: null,
    });
    this.logger.log({ msg: 'sync planned', run_id: run.id, mode: run.mode, trigger: run.trigger, months });
  }

  /**
   * Of the given loaded months, those whose CUR files changed since they were loaded. A month loaded before its files
   * were recorded gets its record now (read again only after a later change).
   */
  private async restatedMonths(
    tenantId: string,
    access: CurAccess,
    catalog: CatalogPartition[],
    months: string[],
  ): Promise<string[]> {
    if (months.length === 0 || !catalog.some((p) => p.location)) return [];
    const known = await this.loaded.fingerprints(tenantId, months);
    const changed: string[] = [];
    for (const month of months) {
      const source = await this.io.monthSource(access, catalog, month);
      if (!source) continue;
      const before = known.get(month);
      if (before === undefined) await this.loaded.recordSource(tenantId, month, source);
      else if (before !== source.fingerprint) changed.push(month);
    }
    if (changed.length > 0)
      this.logger.log({ msg: 'restated months to read again', tenant_id: tenantId, months: changed });
    return changed;
  }

  /** Which horizon months hold usage, for a table whose partitions do not say: one bounded one-column query. */
  private async monthsByQuery(
    run: SyncRun,
    access: CurAccess,
    today: string,
    override: number | null,
  ): Promise<Set<string>> {
    const months = horizon(today, override);
    const sql = firstUsageQuery(access.athena, months.at(-1)!, months[0]!);
    await this.runs.progress(run.id, {
      phase: 'finding the months the CUR holds',
      months_done: 0,
      months_total: 0,
      current_month: null,
    });
    const found = await this.io.firstUsage(access, sql, `${run.id}:plan:${run.attempt}`);
    await this.runs.addAthena(run.id, found.bytesScanned, found.athenaMs);
    return monthsFrom(found.first, months[0]!);
  }
}
