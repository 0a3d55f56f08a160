import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import type {
  AnomalyChangeKind,
  AnomalyFeedbackBody,
  AnomalySuppression,
  AnomalyRootCause,
} from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import {
  AnomalyMonitorSchema,
  AnomalySchema,
  type AnomalyEntity,
  type AnomalyExplanation,
  type AnomalyMonitorEntity,
} from './anomaly.entity';
import { groupEpisodes, GROUP_RANK, type GroupCandidate, isFall } from './anomaly-grouping';
import { feedbackBar } from './feedback-bar';
import { addDays, round, scopeOf, type Severity } from './series';
import { metricEpisodeFields, type MetricEpisodePoint } from '../metrics/metric-logic';

/** Where an episode belongs: a cost series (monitor + value) or a metric watch. */
export type SeriesRef =
  | { kind: 'cost'; monitorId: string; value: string; start: string }
  | { kind: 'metric'; watchId: string; startMs: number };

/** SQL with `?` placeholders, run in the caller's transaction (an EntityManager or a pg client). */
export interface Sql {
  rows<T>(text: string, params: unknown[]): Promise<T[]>;
}

export const emSql = (em: EntityManager): Sql => ({
  rows: <T>(text: string, params: unknown[]) => em.execute<T[]>(text, params),
});

export const pgSql = (client: PoolClient): Sql => ({
  rows: async <T>(text: string, params: unknown[]) => {
    let i = 0;
    const res = await client.query(
      text.replace(/\?/g, () => `$${++i}`),
      params,
    );
    return res.rows as T[];
  },
});

/** What a metric collection found for one episode (fields computed by the metrics module). */
export interface MetricEpisodeFields {
  startMs: number;
  endMs: number;
  expected: number;
  actual: number;
  impactPct: number | null;
  severity: Severity;
  score: number;
  changeKind: AnomalyChangeKind;
  /** |actual - expected| at the peak, in the metric's unit (what the feedback bar compares). */
  deviation: number;
  explanation: AnomalyExplanation;
}

/** An open metric episode, as metric detection reads it in its transaction. */
export interface OpenMetricEpisode {
  id: string;
  watch_id: string;
  start_ms: string;
  end_ms: string;
  explanation: AnomalyExplanation;
}

/** A stretch of anomalous points of one watch that metric detection found (metric-detection.ts). */
export interface MetricEpisodeDraft {
  startMs: number;
  endMs: number;
  /** The anomalous points, in time order. */
  points: MetricEpisodePoint[];
  changeKind: AnomalyChangeKind;
  /** Grows the watch's open episode instead of raising a new one. */
  continues: boolean;
}

/** A cost episode as detection found it (anomaly.detector.ts), to store or to grow. */
export interface CostEpisodeFields {
  end_date: string;
  status: 'open' | 'closed';
  change_kind: AnomalyChangeKind;
  expected: number;
  actual: number;
  impact_usd: number;
  impact_pct: number | null;
  severity: Severity;
  score: number;
  root_causes: AnomalyRootCause[];
  explanation: AnomalyExplanation;
}

/**
 * The one owner of anomaly rows: cost detection and the metric collector store, grow and close their episodes here;
 * feedback and its bar live here; so does the grouping of one incident seen by several default monitors. Every
 * method runs in its caller's transaction and tenant scope.
 */
@Injectable()
export class AnomalyEpisodes {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The bar that feedback on an earlier episode of the same series sets for an episode of this size, if any. */
  async barFor(sql: Sql, tenantId: string, ref: SeriesRef, size: number): Promise<AnomalySuppression | null> {
    const rows =
      ref.kind === 'cost'
        ? await sql.rows<{ id: string; feedback: 'no' | 'planned_activity'; size: number }>(
            `select id, feedback, abs(impact_usd)::float8 as size from anomaly
              where tenant_id = ? and monitor_id = ? and dimension_value = ?
                and feedback in ('no', 'planned_activity') and start_date < ?
              order by start_date desc limit 1`,
            [tenantId, ref.monitorId, ref.value, ref.start],
          )
        : await sql.rows<{ id: string; feedback: 'no' | 'planned_activity'; size: number }>(
            `select id, feedback, abs(actual - expected)::float8 as size from anomaly
              where tenant_id = ? and kind = 'metric' and watch_id = ?
                and feedback in ('no', 'planned_activity') and start_at < to_timestamp(? / 1000.0)
              order by start_at desc limit 1`,
            [tenantId, ref.watchId, ref.startMs],
          );
    const s = rows[0];
    if (!s) return null;
    return feedbackBar(
      { ...s, size: Number(s.size) },
      ref.kind === 'cost' ? 'usd' : 'metric',
      this.config.anomaly.feedbackFactor,
      size,
    );
  }

  // --- cost episodes ---

  /**
   * Stores the episodes one judgement of a cost series found: each grows the stored episode it overlaps (one row
   * per incident), or is created; stored episodes starting on a day judged again that the judgement no longer finds
   * are removed (restated days, or older months showing the series existed before).
   */
  async storeCost(
    em: EntityManager,
    tenantId: string,
    monitor: AnomalyMonitorEntity,
    value: string,
    judgeFrom: string,
    found: (CostEpisodeFields & { start_date: string })[],
  ): Promise<void> {
    const stored = await em.find(
      AnomalySchema,
      {
        tenant: tenantId,
        monitor: monitor.id,
        dimension_value: value,
        end_date: { $gte: addDays(judgeFrom, -1) },
      },
      { orderBy: { start_date: 'asc' } },
    );
    const matched = new Set<AnomalyEntity>();
    for (const ep of found) {
      const overlapping = stored.filter(
        (s) => !matched.has(s) && s.start_date <= ep.end_date && s.end_date >= addDays(ep.start_date, -1),
      );
      const keep = overlapping[0];
      const start = keep && keep.start_date < ep.start_date ? keep.start_date : ep.start_date;
      const { start_date: _ignored, ...fields } = ep;
      const size = Math.abs(ep.impact_usd);
      const bar = await this.barFor(
        emSql(em),
        tenantId,
        { kind: 'cost', monitorId: monitor.id, value, start },
        size,
      );
      if (keep) {
        matched.add(keep);
        // Feedback on this very episode keeps its own suppression record.
        const own = keep.suppression?.source_anomaly_id === keep.id ? keep.suppression : bar;
        em.assign(keep, { ...fields, suppression: own, held_back: own?.held_back ?? false });
        for (const extra of overlapping.slice(1)) {
          matched.add(extra);
          em.remove(extra);
        }
      } else {
        em.create(AnomalySchema, {
          tenant: tenantId,
          monitor,
          dimension_value: value,
          start_date: start,
          suppression: bar,
          held_back: bar?.held_back ?? false,
          grouped_into: null,
          feedback: null,
          feedback_note: null,
          ...fields,
        });
      }
    }
    for (const s of stored) {
      if (matched.has(s) || s.start_date < judgeFrom) continue;
      // Feedback given on it stays visible: the episode is closed rather than removed.
      if (s.feedback) s.status = 'closed';
      else em.remove(s);
    }
  }

  /**
   * Removes `new_series` episodes of a series that, now that older data is loaded, had cost before they started
   * (it existed before: it was never new). Episodes with feedback are kept and closed, so the answer stays visible.
   */
  async dropStaleNewSeries(
    em: EntityManager,
    tenantId: string,
    monitorId: string,
    value: string,
    hadCostBefore: (date: string) => boolean,
  ): Promise<void> {
    const stale = await em.find(AnomalySchema, {
      tenant: tenantId,
      monitor: monitorId,
      dimension_value: value,
      change_kind: 'new_series',
    });
    for (const a of stale) {
      if (!hadCostBefore(a.start_date)) continue;
      if (a.feedback) a.status = 'closed';
      else em.remove(a);
    }
  }

  /** An episode whose last anomalous day is before the latest judged day is over. */
  async closeCost(em: EntityManager, tenantId: string, judgeThrough: string): Promise<void> {
    await em.nativeUpdate(
      AnomalySchema,
      { tenant: tenantId, kind: 'cost', status: 'open', end_date: { $lt: judgeThrough } },
      { status: 'closed' },
    );
  }

  /**
   * Groups the cost episodes of the default monitors that end on or after `from` (anomaly-grouping.ts): one incident
   * seen by the total, a service, an account, a region and a usage type is listed and alerted once, as its most
   * telling series, with the others attached. Held-back episodes are not grouped (they are not listed anyway).
   */
  async group(em: EntityManager, tenantId: string, from: string): Promise<void> {
    const defaults = await em.find(AnomalyMonitorSchema, { tenant: tenantId, is_default: true });
    const ids = defaults.filter((m) => GROUP_RANK[m.dimension] !== undefined).map((m) => m.id);
    if (ids.length === 0) return;
    const episodes = await em.find(
      AnomalySchema,
      { tenant: tenantId, kind: 'cost', monitor: { $in: ids }, end_date: { $gte: from } },
      { populate: ['monitor'] },
    );
    const candidates: GroupCandidate[] = [];
    for (const a of episodes) {
      if (!a.monitor || a.held_back) continue;
      candidates.push({
        id: a.id,
        dimension: a.monitor.dimension,
        scope: scopeOf(a.monitor, a.dimension_value),
        start: a.start_date,
        end: a.end_date,
        impact: Number(a.impact_usd),
        drop: isFall(a.change_kind, Number(a.impact_usd)),
        rootCauses: a.root_causes,
      });
    }
    const groups = groupEpisodes(candidates);
    for (const a of episodes) {
      const into = groups.get(a.id) ?? null;
      if (a.grouped_into !== into) a.grouped_into = into;
    }
  }

  // --- metric episodes (the metric detection's pg transaction) ---

  /** The open metric episode of each of these watches. */
  async openMetricByWatch(
    client: PoolClient,
    tenantId: string,
    watchIds: string[],
  ): Promise<Map<string, OpenMetricEpisode>> {
    if (watchIds.length === 0) return new Map();
    const open = await client.query<OpenMetricEpisode>(
      `select id, watch_id, extract(epoch from start_at) * 1000 as start_ms, extract(epoch from end_at) * 1000 as end_ms, explanation
         from anomaly where tenant_id = $1 and kind = 'metric' and status = 'open' and watch_id = any($2::uuid[])`,
      [tenantId, watchIds],
    );
    return new Map(open.rows.map((r) => [r.watch_id, r]));
  }

  /**
   * Stores what detection found for a watch: a draft that continues the open episode grows it (its last 500
   * points kept), any other raises a new episode judged against the feedback bar.
   */
  async recordMetric(
    client: PoolClient,
    tenantId: string,
    watch: { id: string; label: string },
    open: OpenMetricEpisode | undefined,
    d: MetricEpisodeDraft,
  ): Promise<void> {
    if (d.continues && open) {
      const points = [...(open.explanation.metric_points ?? []), ...d.points].slice(-500);
      await this.extendMetric(client, open.id, {
        ...metricFields(points),
        endMs: d.endMs,
        changeKind: d.changeKind,
      });
      return;
    }
    await this.createMetric(client, tenantId, watch.id, watch.label, {
      ...metricFields(d.points),
      startMs: d.startMs,
      endMs: d.endMs,
      changeKind: d.changeKind,
    });
  }

  /** A new metric episode, judged against the bar of earlier feedback on the same watch. */
  async createMetric(
    client: PoolClient,
    tenantId: string,
    watchId: string,
    label: string,
    f: MetricEpisodeFields,
  ): Promise<void> {
    const bar = await this.barFor(
      pgSql(client),
      tenantId,
      { kind: 'metric', watchId, startMs: f.startMs },
      f.deviation,
    );
    await client.query(
      `insert into anomaly (id, tenant_id, kind, change_kind, monitor_id, watch_id, dimension_value, start_date, end_date,
                            start_at, end_at, status, expected, actual, impact_usd, impact_pct, severity, score,
                            root_causes, explanation, suppression, held_back, grouped_into, feedback, feedback_note,
                            created_at, updated_at)
       values ($1, $2, 'metric', $15, null, $3, $4, (to_timestamp($5 / 1000.0) at time zone 'UTC')::date,
               (to_timestamp($6 / 1000.0) at time zone 'UTC')::date, to_timestamp($5 / 1000.0), to_timestamp($6 / 1000.0),
               'open', $7, $8, 0, $9, $10, $11, '[]', $12::jsonb, $13::jsonb, $14, null, null, null, now(), now())
       on conflict (watch_id, start_at) do nothing`,
      [
        randomUUID(),
        tenantId,
        watchId,
        label.slice(0, 256),
        f.startMs,
        f.endMs,
        f.expected,
        f.actual,
        f.impactPct,
        f.severity,
        f.score,
        JSON.stringify(f.explanation),
        bar ? JSON.stringify(bar) : null,
        bar?.held_back ?? false,
        f.changeKind,
      ],
    );
  }

  /** The open metric episode grows (its kind stays the one it was raised with). */
  async extendMetric(client: PoolClient, id: string, f: Omit<MetricEpisodeFields, 'startMs'>): Promise<void> {
    await client.query(
      `update anomaly set end_at = to_timestamp($2 / 1000.0), end_date = (to_timestamp($2 / 1000.0) at time zone 'UTC')::date,
              expected = $3, actual = $4, impact_pct = $5, severity = $6, score = $7, explanation = $8::jsonb,
              status = 'open', updated_at = now()
        where id = $1`,
      [id, f.endMs, f.expected, f.actual, f.impactPct, f.severity, f.score, JSON.stringify(f.explanation)],
    );
  }

  /** Open metric episodes of these watches are over. */
  async closeMetric(client: PoolClient, tenantId: string, watchIds: string[]): Promise<void> {
    if (watchIds.length === 0) return;
    await client.query(
      `update anomaly set status = 'closed', updated_at = now()
        where tenant_id = $1 and kind = 'metric' and watch_id = any($2::uuid[]) and status = 'open'`,
      [tenantId, watchIds],
    );
  }

  // --- feedback ---

  /**
   * Feedback as in AWS (yes / no / planned_activity). "no" and "planned_activity" set the bar (feedbackBar) on this
   * episode and every later episode of the same series (cost series or metric watch) is judged against it again.
   */
  async feedback(
    em: EntityManager,
    tenantId: string,
    a: AnomalyEntity,
    body: AnomalyFeedbackBody,
  ): Promise<void> {
    a.feedback = body.feedback;
    a.feedback_note = body.note ?? null;
    const metric = a.kind === 'metric';
    if (body.feedback === 'yes') {
      if (a.suppression?.source_anomaly_id === a.id) a.suppression = null;
    } else {
      a.suppression = feedbackBar(
        { id: a.id, feedback: body.feedback, size: sizeOf(a) },
        metric ? 'metric' : 'usd',
        this.config.anomaly.feedbackFactor,
        Infinity,
      );
      a.held_back = false;
    }
    await em.flush();
    const later = metric
      ? a.watch && a.start_at
        ? await em.find(AnomalySchema, {
            tenant: tenantId,
            kind: 'metric',
            watch: a.watch.id,
            start_at: { $gt: a.start_at },
          })
        : []
      : a.monitor
        ? await em.find(AnomalySchema, {
            tenant: tenantId,
            monitor: a.monitor.id,
            dimension_value: a.dimension_value,
            start_date: { $gt: a.start_date },
          })
        : [];
    for (const l of later) {
      if (l.suppression?.source_anomaly_id === l.id) continue;
      const ref: SeriesRef =
        metric && a.watch && l.start_at
          ? { kind: 'metric', watchId: a.watch.id, startMs: l.start_at.getTime() }
          : { kind: 'cost', monitorId: a.monitor!.id, value: l.dimension_value, start: l.start_date };
      const s = await this.barFor(emSql(em), tenantId, ref, sizeOf(l));
      l.suppression = s;
      l.held_back = s?.held_back ?? false;
    }
    await em.flush();
  }
}

/** The size the feedback bar compares: |impact| in USD (cost), |actual - expected| at the peak (metric). */
function sizeOf(a: AnomalyEntity): number {
  return a.kind === 'metric'
    ? Math.abs(Number(a.actual) - Number(a.expected))
    : Math.abs(Number(a.impact_usd));
}

/** A metric episode's stored figures and explanation from its points. */
function metricFields(points: MetricEpisodePoint[]) {
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
