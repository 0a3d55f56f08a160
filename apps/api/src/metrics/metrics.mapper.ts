import type { MetricCollectionRun, MetricPoint, MetricWatch } from '@cost-optimizer/dto';
import type { MetricCollectionRunEntity, MetricWatchEntity } from './metric-watch.entity';

export const iso = (ms: number): string => new Date(ms).toISOString();

/** Entity -> response. */
export function toWatchDto(
  w: MetricWatchEntity,
  sparkline: MetricPoint[] = [],
  openAnomalies = 0,
): MetricWatch {
  return {
    id: w.id,
    namespace: w.namespace,
    metric_name: w.metric_name,
    dimensions: w.dimensions,
    stat: w.stat,
    period: w.period,
    region: w.region,
    label: w.label,
    cost_service: w.cost_service ?? null,
    preset: w.preset ?? null,
    enabled: w.enabled,
    last_ts: w.last_ts ? w.last_ts.toISOString() : null,
    last_value: w.last_value === null || w.last_value === undefined ? null : Number(w.last_value),
    sparkline,
    open_anomalies: openAnomalies,
    created_at: w.created_at.toISOString(),
  };
}

export function toRunDto(r: MetricCollectionRunEntity): MetricCollectionRun {
  return {
    id: r.id,
    tick_at: r.tick_at.toISOString(),
    trigger: r.trigger,
    status: r.status,
    started_at: r.started_at.toISOString(),
    finished_at: r.finished_at ? r.finished_at.toISOString() : null,
    duration_ms: r.duration_ms ?? null,
    watches: r.watches,
    calls: r.calls,
    metrics_requested: r.metrics_requested,
    throttle_retries: r.throttle_retries,
    points_stored: r.points_stored,
    anomalies: r.anomalies,
    estimated_cost_usd: Number(r.estimated_cost_usd),
    errors: r.errors,
  };
}
