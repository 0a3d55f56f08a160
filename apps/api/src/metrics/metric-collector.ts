import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError } from '../common/errors';
import { withTenant } from '../database/db-scope';
import { DomainEvents } from '../events/domain-events';
import { MetricDetection } from './metric-detection';
import { MetricFetcher, type Pending } from './metric-fetcher';
import { collectEnd, collectStart, estimateCostUsd } from './metric-logic';
import { MetricPointStore } from './metric-point-store';
import { emptyCounters, MetricRuns, type RunCounters, type RunStatus, type WatchRow } from './metric-runs';
import { TenantAws } from './tenant-aws';
import { notConnected } from '../aws-connection';

export type { RunCounters } from './metric-runs';

/** What one tenant's collection did (null when another process had already claimed the tick). */
export interface CollectOutcome extends RunCounters {
  run_id: string;
  status: RunStatus;
  duration_ms: number;
  estimated_cost_usd: number;
}

/**
 * Collects a tenant's watches for one schedule slot: one claim per (tenant, slot) across every API process
 * (MetricRuns), GetMetricData in batches (MetricFetcher), the points upserted (MetricPointStore), then detection
 * (MetricDetection). Each watch is read from the first period its detector has not judged, so the trailing
 * METRICS_LATE_DATA_SECONDS are read again on every tick and late datapoints are upserted; a point reaches the
 * streaming detector once, in order, when its period ended that long ago. A collection that judged anomalous points
 * emits `metric.point_anomalous` (alerts) once their episodes are committed.
 *
 * Row-level security: a tenant's collection (claim, fetch, points, detection, episodes, run row, and the event's
 * listeners) runs in that tenant's scope; only listing the tenants to collect and failing stale runs of dead
 * processes are cross-tenant (platform scope).
 */
@Injectable()
export class MetricCollector {
  private readonly logger = new Logger('MetricCollector');

  constructor(
    private readonly runs: MetricRuns,
    private readonly fetcher: MetricFetcher,
    private readonly detection: MetricDetection,
    private readonly store: MetricPointStore,
    private readonly tenantAws: TenantAws,
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Collects one tenant for a slot, entirely in the tenant's scope (every `em.fork()` of what it calls, the event's
   * listeners included, inherits it); null when the slot was already claimed.
   */
  collectTenant(
    tenantId: string,
    slotMs: number,
    trigger: 'schedule' | 'manual',
  ): Promise<CollectOutcome | null> {
    return withTenant(this.em, tenantId, () => this.collectInScope(tenantId, slotMs, trigger));
  }

  private async collectInScope(
    tenantId: string,
    slotMs: number,
    trigger: 'schedule' | 'manual',
  ): Promise<CollectOutcome | null> {
    const runId = randomUUID();
    if (!(await this.runs.claim(runId, tenantId, slotMs, trigger))) return null;
    const started = Date.now();
    const c = emptyCounters();
    let status: RunStatus;
    try {
      status = await this.collect(tenantId, runId, c);
    } catch (e) {
      status = 'failed';
      c.errors.push({
        region: '-',
        step:
          e instanceof AppError
            ? String((e.details as { step?: string } | undefined)?.step ?? e.code)
            : 'collect',
        code: e instanceof AppError ? e.code : 'INTERNAL',
        message: e instanceof Error ? e.message : String(e),
      });
      this.logger.warn({ msg: 'metric collection failed', tenant_id: tenantId, error: String(e) });
    }
    const duration = Date.now() - started;
    const cost = estimateCostUsd(c.metrics_requested);
    await this.runs.finish(runId, tenantId, status, duration, cost, c);
    return { run_id: runId, status, duration_ms: duration, estimated_cost_usd: cost, ...c };
  }

  private async collect(tenantId: string, runId: string, c: RunCounters): Promise<RunStatus> {
    const conn = await this.tenantAws.connection(tenantId);
    if (!conn) {
      const e = notConnected();
      c.errors.push({ region: '-', step: 'connection', code: e.code, message: e.message });
      return 'failed';
    }
    const watches = await this.runs.enabledWatches(tenantId);
    const now = Date.now();
    const end = collectEnd(now);
    const pending = this.due(watches, now, end);
    c.watches = pending.length;
    if (pending.length === 0) return 'succeeded';

    const session = this.tenantAws.session(tenantId, conn, 'metrics');
    let f;
    try {
      f = await this.fetcher.fetch(tenantId, session, pending, end, c);
    } finally {
      session.close();
    }
    const stored = await this.store.upsert(tenantId, f.ids, f.ts, f.values);
    for (const n of stored.added.values()) c.points_stored += n;
    if (stored.changed > 0)
      this.logger.log({ msg: 'late metric datapoints updated', tenant_id: tenantId, count: stored.changed });
    // Only watches whose batch was read in this tick: what the detector judges was just re-read.
    if (f.fetched.length > 0)
      c.anomalies = await this.detection.judge(
        tenantId,
        f.fetched,
        end - this.config.metrics.lateDataSeconds * 1000,
        f.newest,
        f.inMemory,
      );
    // Alerts after the episodes are committed.
    if (c.anomalies > 0)
      await this.events.emit('metric.point_anomalous', { tenantId, runId, anomalies: c.anomalies });
    if (f.failedBatches === f.batches) return 'failed';
    return f.failedBatches > 0 || c.errors.length > 0 ? 'partial' : 'succeeded';
  }

  /** The watches with a whole new period to ask for, each from the first period its detector has not judged. */
  private due(watches: WatchRow[], now: number, end: number): Pending[] {
    const pending: Pending[] = [];
    for (const w of watches) {
      const through = w.through_ms === null ? null : Math.round(Number(w.through_ms));
      // From the first period the detector has not judged: points stored but not yet settled are read again
      // (late datapoints land there), settled ones never are.
      const startMs = collectStart(through, w.period, now, this.config.metrics.backfillHours);
      // Nothing to ask for until a whole new period has passed (a daily metric is requested once a day).
      if (startMs + w.period * 1000 > end) continue;
      pending.push({ ...w, through_ms: through, startMs });
    }
    return pending;
  }
}
