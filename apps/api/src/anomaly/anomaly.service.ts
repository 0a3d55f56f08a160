import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { scoreCostSeries } from '@cost-optimizer/anomaly-engine';
import type {
  Anomaly,
  AnomalyDetail,
  AnomalyFeedbackBody,
  AnomalyListQuery,
  AnomalyMonitor,
  AnomalyMonitorList,
  AnomalyPage,
  Backtest,
  BacktestQuery,
  CreateAnomalyMonitor,
  DetectResult,
  RelatedMetric,
  UpdateAnomalyMonitor,
} from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { notFound } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { MetricLinks } from '../metrics/metric-links';
import { AnomalyDetector } from './anomaly.detector';
import { AnomalyMonitorSchema, AnomalySchema, type AnomalyEntity } from './anomaly.entity';
import { tagMonitorUnsupported } from './anomaly.errors';
import { toAnomalyDto, toMonitorDto } from './anomaly.mapper';
import { AnomalyEpisodes } from './anomaly-episodes';
import {
  addDays,
  changeKindOf,
  dailySums,
  isMaterial,
  judge,
  meanDaily,
  observedSinceOf,
  pointsOf,
  round,
  rowsBySeries,
  severityOf,
  summarise,
} from './series';

/** Anomaly use cases; every query is scoped by the tenant id passed in (another tenant's id is a 404). */
@Injectable()
export class AnomalyService {
  constructor(
    private readonly em: EntityManager,
    private readonly detector: AnomalyDetector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly episodes: AnomalyEpisodes,
    private readonly metricLinks: MetricLinks,
  ) {}

  detect(tenantId: string): Promise<DetectResult> {
    return this.detector.detect(tenantId);
  }

  // --- monitors ---

  async monitors(tenantId: string): Promise<AnomalyMonitorList> {
    const items = await this.em
      .fork()
      .find(AnomalyMonitorSchema, { tenant: tenantId }, { orderBy: { created_at: 'asc', name: 'asc' } });
    return { items: items.map(toMonitorDto) };
  }

  async createMonitor(tenantId: string, body: CreateAnomalyMonitor): Promise<AnomalyMonitor> {
    if (body.dimension === 'tag') throw tagMonitorUnsupported();
    const em = this.em.fork();
    const m = em.create(AnomalyMonitorSchema, {
      tenant: tenantId,
      name: body.name,
      dimension: body.dimension,
      filter: body.filter,
      enabled: true,
      is_default: false,
    });
    await this.audit.record(
      {
        tenantId,
        action: 'anomaly_monitor.created',
        target: { type: 'anomaly_monitor', id: m.id },
        details: { name: body.name, dimension: body.dimension, filter: body.filter },
      },
      em,
    );
    await em.flush();
    return toMonitorDto(m);
  }

  async updateMonitor(tenantId: string, id: string, body: UpdateAnomalyMonitor): Promise<AnomalyMonitor> {
    const em = this.em.fork();
    const m = await em.findOne(AnomalyMonitorSchema, { id, tenant: tenantId });
    if (!m) throw notFound('Monitor');
    const changes: Record<string, unknown> = {};
    if (body.name !== undefined && body.name !== m.name) changes.name = { from: m.name, to: body.name };
    if (body.enabled !== undefined && body.enabled !== m.enabled)
      changes.enabled = { from: m.enabled, to: body.enabled };
    if (body.name !== undefined) m.name = body.name;
    if (body.enabled !== undefined) m.enabled = body.enabled;
    if (Object.keys(changes).length > 0) {
      await this.audit.record(
        {
          tenantId,
          action: 'anomaly_monitor.updated',
          target: { type: 'anomaly_monitor', id },
          details: changes,
        },
        em,
      );
    }
    await em.flush();
    return toMonitorDto(m);
  }

  /** Deletes the monitor with its episodes. */
  async deleteMonitor(tenantId: string, id: string): Promise<void> {
    const em = this.em.fork();
    const m = await em.findOne(AnomalyMonitorSchema, { id, tenant: tenantId });
    if (!m) throw notFound('Monitor');
    await em.nativeDelete(AnomalySchema, { tenant: tenantId, monitor: id });
    await this.audit.record(
      {
        tenantId,
        action: 'anomaly_monitor.deleted',
        target: { type: 'anomaly_monitor', id },
        details: { name: m.name, dimension: m.dimension },
      },
      em,
    );
    em.remove(m);
    await em.flush();
  }

  // --- anomalies ---

  /** Episodes, newest first (or largest first); held-back and grouped ones only when asked for. */
  async list(tenantId: string, q: AnomalyListQuery): Promise<AnomalyPage> {
    const where: Record<string, unknown> = { tenant: tenantId };
    if (q.status) where.status = q.status;
    if (q.kind) where.kind = q.kind;
    if (q.change_kind) where.change_kind = q.change_kind;
    if (!q.include_grouped) where.grouped_into = null;
    if (q.monitor) where.monitor = q.monitor;
    if (q.from) where.end_date = { $gte: q.from };
    if (q.to) where.start_date = { $lte: q.to };
    if (!q.include_suppressed) where.held_back = false;
    const em = this.em.fork();
    const [items, total] = await em.findAndCount(AnomalySchema, where, {
      populate: ['monitor'],
      orderBy:
        q.sort === 'impact'
          ? { impact_usd: 'desc', start_date: 'desc', id: 'asc' }
          : { start_date: 'desc', impact_usd: 'desc', id: 'asc' },
      limit: q.page_size,
      offset: (q.page - 1) * q.page_size,
    });
    const counts = await this.groupedCounts(
      em,
      tenantId,
      items.map((a) => a.id),
    );
    return {
      items: items.map((a) => toAnomalyDto(a, counts.get(a.id) ?? 0)),
      total,
      page: q.page,
      page_size: q.page_size,
    };
  }

  /** How many episodes are grouped into each of these (the same incident seen by other series). */
  private async groupedCounts(
    em: EntityManager,
    tenantId: string,
    ids: string[],
  ): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; n: number | string }[] = await em.execute(
      `select grouped_into as id, count(*) as n from anomaly
        where tenant_id = ? and grouped_into in (select jsonb_array_elements_text(?::jsonb)::uuid)
        group by grouped_into`,
      [tenantId, JSON.stringify(ids)],
    );
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  private async groupedCount(em: EntityManager, tenantId: string, id: string): Promise<number> {
    return (await this.groupedCounts(em, tenantId, [id])).get(id) ?? 0;
  }

  private async find(em: EntityManager, tenantId: string, id: string): Promise<AnomalyEntity> {
    const a = await em.findOne(AnomalySchema, { id, tenant: tenantId }, { populate: ['monitor'] });
    if (!a) throw notFound('Anomaly');
    return a;
  }

  /** One episode with the engine's numbers and the series around it (band included). */
  async get(tenantId: string, id: string): Promise<AnomalyDetail> {
    const em = this.em.fork();
    const a = await this.find(em, tenantId, id);
    const groupedRows = await em.find(
      AnomalySchema,
      { tenant: tenantId, grouped_into: a.id },
      { populate: ['monitor'], orderBy: { impact_usd: 'desc', id: 'asc' } },
    );
    const grouped = groupedRows.map((g) => ({
      id: g.id,
      monitor_name: g.monitor?.name ?? g.dimension_value,
      dimension: g.monitor?.dimension ?? null,
      dimension_value: g.dimension_value,
      change_kind: g.change_kind,
      impact_usd: Number(g.impact_usd),
    }));
    const dto = toAnomalyDto(a, grouped.length);
    if (a.kind === 'metric' || !a.monitor) {
      const metric = a.watch
        ? await this.metricLinks.anomalyDetail(tenantId, a.watch.id, a.explanation)
        : null;
      return { ...dto, explanation: a.explanation, series: [], related_metrics: [], metric, grouped };
    }
    const w = await this.detector.window(tenantId);
    let series: AnomalyDetail['series'] = [];
    if (w) {
      const from = addDays(a.start_date, -30);
      const toCandidate = addDays(a.end_date, 14);
      const to = toCandidate < w.judgeThrough ? toCandidate : w.judgeThrough;
      const scoreFrom = addDays(from, -this.config.anomaly.historyDays);
      const rows = await this.detector.usageRows(tenantId, w.measure, scoreFrom, to);
      const seriesRows = rowsBySeries(a.monitor, rows).get(a.dimension_value) ?? [];
      const tenantDaily = meanDaily(rows, from < w.dataStart ? w.dataStart : from, to);
      const points = pointsOf(dailySums(seriesRows), scoreFrom, to, w.dataStart);
      const scored = scoreCostSeries(points, {
        ...this.detector.optionsFor(a.monitor.dimension, tenantDaily),
        observedSince: observedSinceOf(points),
      });
      series = scored
        .filter((r) => r.date >= from)
        .map((r) => ({
          date: r.date,
          actual: r.actual === null ? null : round(r.actual),
          expected: r.expected === null ? null : round(r.expected),
          lower: r.lower === null ? null : round(r.lower),
          upper: r.upper === null ? null : round(r.upper),
          is_anomaly: r.isAnomaly,
        }));
    }
    return {
      ...dto,
      explanation: a.explanation,
      series,
      related_metrics: await this.relatedMetrics(tenantId, a),
      metric: null,
      grouped,
    };
  }

  /** Metric watches linked to the episode's services (its own value, its monitor's filter, its root causes). */
  private async relatedMetrics(tenantId: string, a: AnomalyEntity): Promise<RelatedMetric[]> {
    if (!a.monitor) return [];
    const services = new Set<string>();
    if (a.monitor.dimension === 'service') services.add(a.dimension_value);
    for (const s of a.monitor.filter.services ?? []) services.add(s);
    for (const c of a.root_causes) if (c.dimension === 'service') services.add(c.key);
    if (services.size === 0) return [];
    return this.metricLinks.related(
      tenantId,
      [...services],
      addDays(a.start_date, -14),
      addDays(a.end_date, 7),
    );
  }

  /** Feedback as in AWS (yes / no / planned_activity); the bar it sets is the episode store's (AnomalyEpisodes). */
  async feedback(tenantId: string, id: string, body: AnomalyFeedbackBody): Promise<Anomaly> {
    return this.em.fork().transactional(async (em) => {
      const a = await this.find(em, tenantId, id);
      await this.episodes.feedback(em, tenantId, a, body);
      return toAnomalyDto(a, await this.groupedCount(em, tenantId, a.id));
    });
  }

  /** What a monitor would have raised over the last `days` settled days; nothing is stored. */
  async backtest(tenantId: string, q: BacktestQuery): Promise<Backtest> {
    const monitor = await this.em.fork().findOne(AnomalyMonitorSchema, { id: q.monitor, tenant: tenantId });
    if (!monitor) throw notFound('Monitor');
    const w = await this.detector.window(tenantId);
    if (!w || w.judgeThrough < w.dataStart)
      return { monitor_id: monitor.id, from: null, to: null, alerts: [] };
    const from = addDays(w.judgeThrough, -q.days + 1);
    const scoreFrom = addDays(from, -this.config.anomaly.historyDays);
    const rows = await this.detector.usageRows(tenantId, w.measure, scoreFrom, w.judgeThrough);
    const alerts: Backtest['alerts'] = [];
    const windowFrom = from < w.dataStart ? w.dataStart : from;
    const tenantDaily = meanDaily(rows, windowFrom, w.judgeThrough);
    const options = this.detector.optionsFor(monitor.dimension, tenantDaily);
    const a = this.config.anomaly;
    for (const [value, seriesRows] of rowsBySeries(monitor, rows)) {
      const sums = dailySums(seriesRows);
      // The same usage types detection watches (material spend only).
      if (
        monitor.dimension === 'account_usage_type' &&
        !isMaterial(sums, windowFrom, w.judgeThrough, tenantDaily, a.detailMinShare, a.detailMinUsd)
      )
        continue;
      const points = pointsOf(sums, scoreFrom, w.judgeThrough, w.dataStart);
      const { results, episodes } = judge(points, from, options);
      for (const ep of episodes) {
        const s = summarise(results, ep.start, ep.end);
        alerts.push({
          dimension_value: value,
          start_date: ep.start,
          end_date: ep.end,
          impact_usd: round(s.impact),
          impact_pct: s.impactPct === null ? null : round(s.impactPct * 100, 4),
          severity: severityOf(s.impact, s.impactPct),
          score: round(s.score, 8),
          change_kind: changeKindOf(ep),
        });
      }
    }
    alerts.sort((x, y) => x.start_date.localeCompare(y.start_date) || y.impact_usd - x.impact_usd);
    return { monitor_id: monitor.id, from, to: w.judgeThrough, alerts };
  }
}
