import { Injectable, Logger } from '@nestjs/common';
import {
  createMetricDetector,
  type MetricDetectorState,
  type MetricPointResult,
} from '@cost-optimizer/anomaly-engine';
import type { AnomalyChangeKind } from '@cost-optimizer/dto';
import { applyScope, tenantSession } from '../database/db-scope';
import { AnomalyEpisodes } from '../anomaly/anomaly-episodes';
import type { Fetched, Newest } from './metric-fetcher';
import { episodesOf, peakOf, round, type EpisodeDraft, type MetricEpisodePoint } from './metric-logic';
import { MetricPointStore } from './metric-point-store';

/**
 * Streaming detection of metric watches: each point reaches its watch's detector (state kept in PostgreSQL) once,
 * in order, when its period has settled; anomalous stretches become episodes through the anomaly module's episode
 * store (AnomalyEpisodes), in the same transaction as the detector states.
 */
@Injectable()
export class MetricDetection {
  private readonly logger = new Logger('MetricCollector');

  constructor(
    private readonly store: MetricPointStore,
    private readonly episodes: AnomalyEpisodes,
  ) {}

  /**
   * Feeds every stored point newer than each watch's `detected_through` whose period ended by `settledMs` to its
   * detector, once and in time order (a point still inside the late-data window waits for a later tick, so its
   * value is final when it is judged), under a per-tenant lock (two collections of one tenant never judge a point
   * twice); writes episodes, the states, `detected_through` and the newest point in the same transaction (in the
   * tenant's scope), one statement each for all watches. Returns the anomalous points found.
   */
  async judge(
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
      const openByWatch = await this.episodes.openMetricByWatch(client, tenantId, [...byWatch.keys()]);
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
          await this.episodes.recordMetric(client, tenantId, w, ep, {
            startMs: d.startMs,
            endMs: d.endMs,
            points: pointsOf(d),
            changeKind: changeKindOfMetric(d),
            continues: d.continues,
          });
          if (!(d.continues && ep)) this.logNew(tenantId, w.id, d);
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

  private logNew(tenantId: string, watchId: string, d: EpisodeDraft): void {
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

/** A draft's points as an episode stores them. */
function pointsOf(d: EpisodeDraft): MetricEpisodePoint[] {
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

/** The kind of a metric episode: its peak's (spike, level_shift, drop), or from the side of its peak. */
function changeKindOfMetric(d: EpisodeDraft): AnomalyChangeKind {
  const peak = peakOf(d.points);
  if (peak.kind) return peak.kind;
  return (peak.actual ?? 0) < (peak.expected ?? 0) ? 'drop' : 'spike';
}
