import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { MetricAnomalyDetail, RelatedMetric } from '@cost-optimizer/dto';
import type { AnomalyExplanation } from '../anomaly/anomaly.entity';
import { serviceSpellings } from './metric-logic';
import { MetricPointStore } from './metric-point-store';
import { iso } from './metrics.mapper';
import { MetricsRepository } from './metrics.repository';

/**
 * What the anomaly module shows of metrics: the watches linked to a cost anomaly's services, and a metric
 * anomaly's watch. Read-only; the tenant id scopes every query.
 */
@Injectable()
export class MetricLinks {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: MetricsRepository,
    private readonly points: MetricPointStore,
  ) {}

  /** Watches linked to a cost service, with daily averages over [fromDate, toDate] (YYYY-MM-DD, inclusive). */
  async related(
    tenantId: string,
    services: string[],
    fromDate: string,
    toDate: string,
  ): Promise<RelatedMetric[]> {
    const spellings = [...new Set(services.flatMap(serviceSpellings))];
    const em = this.em.fork();
    const watches = await this.repo.linkedTo(em, tenantId, spellings);
    const from = Date.parse(`${fromDate}T00:00:00Z`);
    const to = Date.parse(`${toDate}T00:00:00Z`) + 86_400_000;
    const daily = await this.points.daily(
      tenantId,
      watches.map((w) => w.id),
      from,
      to,
    );
    return watches.map((w) => ({
      watch_id: w.id,
      label: w.label,
      namespace: w.namespace,
      metric_name: w.metric_name,
      stat: w.stat,
      region: w.region,
      cost_service: w.cost_service ?? '',
      points: (daily.get(w.id) ?? []).map((p) => ({ ts: iso(p.ts), value: p.value })),
    }));
  }

  /** A metric anomaly's watch and the points of its episode (null when the watch is gone). */
  async anomalyDetail(
    tenantId: string,
    watchId: string,
    explanation: AnomalyExplanation,
  ): Promise<MetricAnomalyDetail | null> {
    const w = await this.repo.find(this.em.fork(), tenantId, watchId);
    if (!w) return null;
    return {
      watch_id: w.id,
      namespace: w.namespace,
      metric_name: w.metric_name,
      dimensions: w.dimensions,
      stat: w.stat,
      period: w.period,
      region: w.region,
      points: (explanation.metric_points ?? []).map((p) => ({
        ts: p.ts,
        actual: p.actual,
        expected: p.expected,
        lower: p.lower,
        upper: p.upper,
        score: p.score,
      })),
    };
  }
}
