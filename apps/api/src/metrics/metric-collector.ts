import { hostname } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import {
  createMetricDetector,
  type MetricDetectorState,
  type MetricPointResult,
} from '@cost-optimizer/anomaly-engine';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError } from '../common/errors';
import { applyScope, inScope, PLATFORM_SESSION, tenantSession, withTenant } from '../database/db-scope';
import { awsErrorName, awsErrorText } from '../aws/aws-clients';
import type { AnomalyChangeKind, MetricDimension } from '@cost-optimizer/dto';
import type { AnomalyExplanation } from '../anomaly/anomaly.entity';
import { AnomalyEpisodes } from '../anomaly/anomaly-episodes';
import type { CollectionError } from './metric-watch.entity';
import {
  backoffMs,
  batchesOf,
  collectEnd,
  collectStart,
  episodesOf,
  estimateCostUsd,
  isThrottle,
  metricEpisodeFields,
  peakOf,
  round,
  type EpisodeDraft,
} from './metric-logic';
import { MetricPointStore } from './metric-point-store';
import { TenantAws, type CloudWatchSession } from './tenant-aws';
import { notConnected } from '../aws-connection';

interface WatchRow {
  id: string;
  region: string;
  namespace: string;
  metric_name: string;
  dimensions: MetricDimension[];
  stat: string;
  period: number;
  label: string;
  /** The newest point the detector has judged (collection re-reads from the period after it). */
  through_ms: number | null;
  never_stored: boolean;
}

interface Pending extends WatchRow {
  startMs: number;
}

/** Newest point fetched per watch in a tick (the watch's last_ts/last_value). */
type Newest = Map<string, { t: number; v: number }>;

/**
 * Points fetched in a tick per watch, for the watches whose fetch covered every point the detector has not judged
 * (the detector then reads them here instead of from the table, which holds the same values after the upsert).
 */
type Fetched = Map<string, { t: number; v: number }[]>;

export interface RunCounters {
  watches: number;
  calls: number;
  metrics_requested: number;
  throttle_retries: number;
  points_stored: number;
  anomalies: number;
  errors: CollectionError[];
}

/** What one tenant's collection did (null when another process had already claimed the tick). */
export interface CollectOutcome extends RunCounters {
  run_id: string;
  status: 'succeeded' | 'partial' | 'failed';
  duration_ms: number;
  estimated_cost_usd: number;
}

/**
 * Collects a tenant's watches for one schedule slot: one claim per (tenant, slot) across every API process,
 * GetMetricData in batches of up to 500 queries per region (NextToken followed), throttling retried. Each watch is
 * read from the first period its detector has not judged, so the trailing METRICS_LATE_DATA_SECONDS are read again
 * on every tick and late datapoints are upserted; a point reaches the streaming detector (state kept in PostgreSQL)
 * once, in order, when its period ended that long ago.
 *
 * Row-level security: a tenant's collection (claim, fetch, points, detection, episodes, run row, and the
 * after-detection listeners) runs in that tenant's scope; only listing the tenants to collect and failing stale runs
 * of dead processes are cross-tenant (platform scope).
 */
@Injectable()
export class MetricCollector {
  private readonly logger = new Logger('MetricCollector');
  readonly worker = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly detectedListeners: ((tenantId: string) => Promise<void>)[] = [];

  constructor(
    private readonly store: MetricPointStore,
    private readonly tenantAws: TenantAws,
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly episodes: AnomalyEpisodes,
  ) {}

  /** One transaction of the points pool in the tenant's scope. */
  private inTenant<T>(tenantId: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return inScope(this.store.pool, tenantSession(tenantId), fn);
  }

  /** Runs after a collection stored anomalous points of a tenant (alerts); a listener's failure never fails it. */
  onDetected(listener: (tenantId: string) => Promise<void>): void {
    this.detectedListeners.push(listener);
  }

  /** Tenants with a working connection and at least one enabled watch (cross-tenant: platform scope, ids only). */
  async tenantsToCollect(): Promise<string[]> {
    const connected = await this.tenantAws.activeTenantIds();
    const res = await inScope(this.store.pool, PLATFORM_SESSION, (client) =>
      client.query<{ tenant_id: string }>(
        `select distinct tenant_id from metric_watch where enabled and tenant_id = any($1::uuid[]) order by tenant_id`,
        [connected],
      ),
    );
    return res.rows.map((r) => r.tenant_id);
  }

  /** Runs left 'running' by a process that died are marked failed (housekeeping across tenants: platform scope). */
  async failStaleRuns(): Promise<void> {
    await inScope(this.store.pool, PLATFORM_SESSION, (client) =>
      client.query(
        `update metric_collection_run set status = 'failed', finished_at = now(),
                errors = errors || '[{"region":"-","step":"worker","code":"WORKER_LOST","message":"The process collecting stopped"}]'::jsonb
          where status = 'running' and started_at < now() - interval '15 minutes'`,
      ),
    );
  }

  /** Inserts the run row (in the tenant's scope); false when this (tenant, slot) is already claimed. */
  private async claim(runId: string, tenantId: string, slotMs: number, trigger: 'schedule' | 'manual') {
    const res = await this.inTenant(tenantId, (client) =>
      client.query(
        `insert into metric_collection_run (id, tenant_id, tick_at, trigger, status, worker, started_at, errors)
         values ($1, $2, to_timestamp($3 / 1000.0), $4, 'running', $5, now(), '[]')
         on conflict (tenant_id, tick_at) do nothing`,
        [runId, tenantId, slotMs, trigger, this.worker],
      ),
    );
    return res.rowCount === 1;
  }

  /**
   * Collects one tenant for a slot, entirely in the tenant's scope (every `em.fork()` of what it calls, the
   * after-detection listeners included, inherits it); null when the slot was already claimed.
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
    if (!(await this.claim(runId, tenantId, slotMs, trigger))) return null;
    const started = Date.now();
    const c: RunCounters = {
      watches: 0,
      calls: 0,
      metrics_requested: 0,
      throttle_retries: 0,
      points_stored: 0,
      anomalies: 0,
      errors: [],
    };
    let status: CollectOutcome['status'];
    try {
      status = await this.collect(tenantId, c);
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
    await this.inTenant(tenantId, (client) =>
      client.query(
        `update metric_collection_run set status = $3, finished_at = now(), duration_ms = $4, watches = $5, calls = $6,
                metrics_requested = $7, throttle_retries = $8, points_stored = $9, anomalies = $10,
                estimated_cost_usd = $11, errors = $12::jsonb
          where id = $1 and tenant_id = $2`,
        [
          runId,
          tenantId,
          status,
          duration,
          c.watches,
          c.calls,
          c.metrics_requested,
          c.throttle_retries,
          c.points_stored,
          c.anomalies,
          cost,
          JSON.stringify(c.errors.slice(0, 50)),
        ],
      ),
    );
    return { run_id: runId, status, duration_ms: duration, estimated_cost_usd: cost, ...c };
  }

  private async collect(tenantId: string, c: RunCounters): Promise<'succeeded' | 'partial' | 'failed'> {
    const conn = await this.tenantAws.connection(tenantId);
    if (!conn) {
      const e = notConnected();
      c.errors.push({ region: '-', step: 'connection', code: e.code, message: e.message });
      return 'failed';
    }
    const res = await this.inTenant(tenantId, (client) =>
      client.query<WatchRow>(
        `select id, region, namespace, metric_name, dimensions, stat, period, label,
                extract(epoch from detected_through) * 1000 as through_ms, last_ts is null as never_stored
           from metric_watch where tenant_id = $1 and enabled order by id`,
        [tenantId],
      ),
    );
    const now = Date.now();
    const end = collectEnd(now);
    const lateMs = this.config.metrics.lateDataSeconds * 1000;
    const pending: Pending[] = [];
    for (const w of res.rows) {
      const through = w.through_ms === null ? null : Math.round(Number(w.through_ms));
      // From the first period the detector has not judged: points stored but not yet settled are read again
      // (late datapoints land there), settled ones never are.
      const startMs = collectStart(through, w.period, now, this.config.metrics.backfillHours);
      // Nothing to ask for until a whole new period has passed (a daily metric is requested once a day).
      if (startMs + w.period * 1000 > end) continue;
      pending.push({ ...w, through_ms: through, startMs });
    }
    c.watches = pending.length;
    if (pending.length === 0) return 'succeeded';

    const session = this.tenantAws.session(tenantId, conn, 'metrics');
    const ids: string[] = [];
    const ts: number[] = [];
    const values: number[] = [];
    const newest: Newest = new Map();
    const seen = new Set<string>();
    const fetched: string[] = [];
    const inMemory: Fetched = new Map();
    for (const w of pending) {
      // Complete when the fetch starts at the first period not judged (not clamped by the backfill bound), or the
      // watch has never stored a point.
      if (w.through_ms === null ? w.never_stored : w.startMs <= w.through_ms + w.period * 1000)
        inMemory.set(w.id, []);
    }
    let failedBatches = 0;
    const batches = batchesOf(pending, this.config.metrics.queriesPerCall);
    try {
      for (const batch of batches) {
        try {
          await this.fetchBatch(
            session,
            batch,
            end,
            c,
            (w, t, v) => {
              // One row per (watch, ts) for the upsert (a point repeated across pages is taken once).
              const key = `${w}|${t}`;
              if (seen.has(key)) return;
              seen.add(key);
              ids.push(w);
              ts.push(t);
              values.push(v);
              const n = newest.get(w);
              if (!n || n.t <= t) newest.set(w, { t, v });
              inMemory.get(w)?.push({ t, v });
            },
            // A series AWS answered with an error: the detector reads its points from the table.
            (w) => inMemory.delete(w),
          );
          for (const w of batch) fetched.push(w.id);
        } catch (e) {
          failedBatches++;
          const region = batch[0]?.region ?? '-';
          if (e instanceof AppError) throw e; // AssumeRole failed: nothing else can work
          c.errors.push({ region, step: 'GetMetricData', code: awsErrorName(e), message: awsErrorText(e) });
          this.logger.warn({
            msg: 'GetMetricData failed',
            tenant_id: tenantId,
            region,
            error: awsErrorText(e),
          });
        }
      }
    } finally {
      session.close();
    }
    const stored = await this.store.upsert(tenantId, ids, ts, values);
    for (const n of stored.added.values()) c.points_stored += n;
    if (stored.changed > 0)
      this.logger.log({ msg: 'late metric datapoints updated', tenant_id: tenantId, count: stored.changed });
    // Only watches whose batch was read in this tick: what the detector judges was just re-read.
    if (fetched.length > 0)
      c.anomalies = await this.detect(tenantId, fetched, end - lateMs, newest, inMemory);
    // Alerts (onDetected listeners) after the episodes are committed.
    if (c.anomalies > 0)
      for (const listener of this.detectedListeners)
        await listener(tenantId).catch((e: unknown) =>
          this.logger.warn({ msg: 'after-detection listener failed', tenant_id: tenantId, error: String(e) }),
        );
    if (failedBatches === batches.length) return 'failed';
    return failedBatches > 0 || c.errors.length > 0 ? 'partial' : 'succeeded';
  }

  /** One batch: GetMetricData pages (NextToken) for the batch's time range; points at or after each start. */
  private async fetchBatch(
    session: CloudWatchSession,
    batch: Pending[],
    endMs: number,
    c: RunCounters,
    emit: (watchId: string, tsMs: number, value: number) => void,
    failed: (watchId: string) => void = () => undefined,
  ): Promise<void> {
    const region = batch[0]!.region;
    const client = await session.client(region);
    const startMs = Math.min(...batch.map((w) => w.startMs));
    const queries: MetricDataQuery[] = batch.map((w, i) => ({
      Id: `m${i}`,
      MetricStat: {
        Metric: {
          Namespace: w.namespace,
          MetricName: w.metric_name,
          Dimensions: w.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
        },
        Period: w.period,
        Stat: w.stat,
      },
      ReturnData: true,
    }));
    let token: string | undefined;
    do {
      const cmd = new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(startMs),
        EndTime: new Date(endMs),
        ScanBy: 'TimestampAscending',
        ...(token ? { NextToken: token } : {}),
      });
      const out = await this.sendWithRetry(() => client.send(cmd), c);
      c.calls++;
      c.metrics_requested += queries.length;
      for (const r of out.MetricDataResults ?? []) {
        const w = batch[Number((r.Id ?? '').slice(1))];
        if (!w) continue;
        const times = r.Timestamps ?? [];
        const vals = r.Values ?? [];
        for (let i = 0; i < times.length; i++) {
          const t = times[i]!.getTime();
          const v = vals[i];
          // Whole periods only, from the watch's own start (the batch asks from the earliest start).
          if (v === undefined || !Number.isFinite(v) || t < w.startMs || t + w.period * 1000 > endMs)
            continue;
          emit(w.id, t, v);
        }
        if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
          failed(w.id);
          c.errors.push({
            region,
            step: 'GetMetricData',
            code: r.StatusCode,
            message: `${w.label}: ${(r.Messages ?? []).map((m) => `${m.Code}: ${m.Value}`).join('; ') || r.StatusCode}`,
          });
        }
      }
      token = out.NextToken;
    } while (token);
  }

  /** The SDK retries throttling itself (standard mode); when it gives up we wait with full jitter and retry. */
  private async sendWithRetry<T>(send: () => Promise<T>, c: RunCounters): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (e) {
        if (!isThrottle(e) || attempt >= this.config.metrics.throttleRetries) throw e;
        c.throttle_retries++;
        await sleep(backoffMs(attempt));
      }
    }
  }

  /**
   * Feeds every stored point newer than each watch's `detected_through` whose period ended by `settledMs` to its
   * detector, once and in time order (a point still inside the late-data window waits for a later tick, so its
   * value is final when it is judged), under a per-tenant lock (two collections of one tenant never judge a point
   * twice); writes episodes, the states, `detected_through` and the newest point in the same transaction (in the
   * tenant's scope), one statement each for all watches. Returns the anomalous points found.
   */
  async detect(
    tenantId: string,
    watchIds: string[],
    settledMs: number,
    newest: Newest = new Map(),
    fetchedPoints: Fetched = new Map(),
  ): Promise<number> {
    const client = await this.store.pool.connect();
    let anomalies = 0;
    try {
      await client.query('begin');
      await applyScope(client, tenantSession(tenantId));
      await client.query(`select pg_advisory_xact_lock(hashtext('metric-detect'), hashtext($1))`, [tenantId]);
      // Read after the lock: detected_through is what the previous detection committed.
      const watches = await client.query<{
        id: string;
        period: number;
        label: string;
        detector_state: MetricDetectorState | null;
        through_ms: number | null;
      }>(
        `select id, period, label, detector_state, (extract(epoch from detected_through) * 1000)::float8 as through_ms
           from metric_watch where tenant_id = $1 and id = any($2::uuid[]) order by id for update`,
        [tenantId, watchIds],
      );
      // Points not judged yet whose period ended by settledMs: from this tick's fetch when it covered them all,
      // from the table otherwise.
      const byWatch = new Map<string, { t: number; v: number }[]>();
      const fromTable: string[] = [];
      for (const w of watches.rows) {
        const mem = fetchedPoints.get(w.id);
        if (!mem) {
          fromTable.push(w.id);
          continue;
        }
        const after = w.through_ms === null ? -Infinity : Math.round(w.through_ms);
        const pts = mem.filter((p) => p.t > after && p.t + w.period * 1000 <= settledMs);
        pts.sort((a, b) => a.t - b.t);
        if (pts.length > 0) byWatch.set(w.id, pts);
      }
      if (fromTable.length > 0) {
        const points = await client.query<{ watch_id: string; t: number; value: number }>(
          `select p.watch_id, (extract(epoch from p.ts) * 1000)::float8 as t, p.value
             from metric_watch w join metric_point p on p.watch_id = w.id
            where w.tenant_id = $1 and w.id = any($2::uuid[])
              and (w.detected_through is null or p.ts > w.detected_through)
              and p.ts <= to_timestamp($3 / 1000.0) - make_interval(secs => w.period)
            order by p.watch_id, p.ts`,
          [tenantId, fromTable, settledMs],
        );
        for (const p of points.rows) {
          const list = byWatch.get(p.watch_id) ?? [];
          list.push({ t: Math.round(p.t), v: p.value });
          byWatch.set(p.watch_id, list);
        }
      }
      const open = byWatch.size
        ? await client.query<{
            id: string;
            watch_id: string;
            start_ms: string;
            end_ms: string;
            explanation: AnomalyExplanation;
          }>(
            `select id, watch_id, extract(epoch from start_at) * 1000 as start_ms, extract(epoch from end_at) * 1000 as end_ms, explanation
               from anomaly where tenant_id = $1 and kind = 'metric' and status = 'open' and watch_id = any($2::uuid[])`,
            [tenantId, [...byWatch.keys()]],
          )
        : { rows: [] };
      const openByWatch = new Map(open.rows.map((r) => [r.watch_id, r]));
      const toClose: string[] = [];
      const upd = new Map<string, { s: string | null; d: number | null }>();
      for (const w of watches.rows) {
        const pts = byWatch.get(w.id);
        if (!pts || pts.length === 0) continue;
        const detector = createMetricDetector({}, w.detector_state ?? undefined);
        const results: MetricPointResult[] = pts.map((p) => detector.update(p.t, p.v, true));
        anomalies += results.filter((r) => r.isAnomaly).length;
        const ep = openByWatch.get(w.id);
        const openEnd = ep ? Math.round(Number(ep.end_ms)) : null;
        const drafts = episodesOf(results, w.period, openEnd);
        for (const d of drafts) {
          if (d.continues && ep) await this.extendEpisode(client, ep.id, ep.explanation, d);
          else await this.createEpisode(client, tenantId, w.id, w.label, d);
        }
        // An open episode is over once the series has been normal for longer than the gap.
        const lastT = results[results.length - 1]!.time;
        const lastAnomalous = [...results].reverse().find((r) => r.isAnomaly)?.time ?? openEnd;
        if (lastAnomalous === null || lastT - lastAnomalous > 2 * w.period * 1000) toClose.push(w.id);
        upd.set(w.id, { s: JSON.stringify(detector.getState()), d: lastT });
      }
      await this.episodes.closeMetric(client, tenantId, toClose);
      // One statement for every watch: detector state and detected_through (watches that judged points), the newest
      // point (watches that fetched any; a changed value of the newest point is taken too).
      const ids = [...new Set([...upd.keys(), ...newest.keys()])];
      if (ids.length > 0) {
        await client.query(
          `update metric_watch w
              set detector_state = coalesce(x.s::jsonb, w.detector_state),
                  detected_through = coalesce(to_timestamp(x.d / 1000.0), w.detected_through),
                  last_ts = case when x.t is not null and (w.last_ts is null or w.last_ts <= to_timestamp(x.t / 1000.0))
                                 then to_timestamp(x.t / 1000.0) else w.last_ts end,
                  last_value = case when x.t is not null and (w.last_ts is null or w.last_ts <= to_timestamp(x.t / 1000.0))
                                    then x.v else w.last_value end,
                  updated_at = now()
             from unnest($1::uuid[], $2::text[], $3::float8[], $4::float8[], $5::float8[]) as x(id, s, d, t, v)
            where w.id = x.id and w.tenant_id = $6`,
          [
            ids,
            ids.map((id) => upd.get(id)?.s ?? null),
            ids.map((id) => upd.get(id)?.d ?? null),
            ids.map((id) => newest.get(id)?.t ?? null),
            ids.map((id) => newest.get(id)?.v ?? null),
            tenantId,
          ],
        );
      }
      await client.query('commit');
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
    return anomalies;
  }

  private episodeFields(points: NonNullable<AnomalyExplanation['metric_points']>) {
    const f = metricEpisodeFields(points);
    const explanation: AnomalyExplanation = {
      rules: f.rules,
      peak_date: f.peakTs.slice(0, 10),
      peak_impact: round(f.actual - f.expected),
      metric_points: points,
      days: [],
    };
    return {
      expected: round(f.expected),
      actual: round(f.actual),
      impactPct: f.deviationPct === null ? null : round(f.deviationPct, 4),
      severity: f.severity,
      score: round(f.score, 8),
      deviation: Math.abs(f.actual - f.expected),
      explanation,
    };
  }

  private pointsOf(d: EpisodeDraft): NonNullable<AnomalyExplanation['metric_points']> {
    return d.points.map((r) => ({
      ts: new Date(r.time).toISOString(),
      actual: round(r.actual ?? 0),
      expected: r.expected === null ? null : round(r.expected),
      lower: r.lower === null ? null : round(r.lower),
      upper: r.upper === null ? null : round(r.upper),
      score: round(r.anomalyScore, 8),
      z: round(Number.isFinite(r.z) ? r.z : 0, 4),
      rule: r.rule,
      shift_z: round(Number.isFinite(r.shiftZ) ? r.shiftZ : 0, 4),
    }));
  }

  /** The open episode grows (written by the anomaly module's episode store). */
  private async extendEpisode(client: PoolClient, id: string, old: AnomalyExplanation, d: EpisodeDraft) {
    const points = [...(old.metric_points ?? []), ...this.pointsOf(d)].slice(-500);
    const f = this.episodeFields(points);
    await this.episodes.extendMetric(client, id, { ...f, endMs: d.endMs, changeKind: changeKindOfMetric(d) });
  }

  /** A new episode: the anomaly module's episode store writes it and applies the feedback bar. */
  private async createEpisode(
    client: PoolClient,
    tenantId: string,
    watchId: string,
    label: string,
    d: EpisodeDraft,
  ) {
    const f = this.episodeFields(this.pointsOf(d));
    await this.episodes.createMetric(client, tenantId, watchId, label, {
      ...f,
      startMs: d.startMs,
      endMs: d.endMs,
      changeKind: changeKindOfMetric(d),
    });
    const peak = peakOf(d.points);
    this.logger.log({
      msg: 'metric anomaly',
      tenant_id: tenantId,
      watch_id: watchId,
      at: new Date(peak.time).toISOString(),
      actual: peak.actual,
      expected: peak.expected,
    });
  }
}

/** The kind of a metric episode: its peak's (spike, level_shift, drop), or from the side of its peak. */
function changeKindOfMetric(d: EpisodeDraft): AnomalyChangeKind {
  const peak = peakOf(d.points);
  if (peak.kind) return peak.kind;
  return (peak.actual ?? 0) < (peak.expected ?? 0) ? 'drop' : 'spike';
}
