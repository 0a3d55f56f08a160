import type { Anomaly, AnomalyMonitor } from '@cost-optimizer/dto';
import type { AnomalyEntity, AnomalyMonitorEntity } from './anomaly.entity';

export function toMonitorDto(m: AnomalyMonitorEntity): AnomalyMonitor {
  return {
    id: m.id,
    name: m.name,
    dimension: m.dimension,
    filter: m.filter,
    enabled: m.enabled,
    is_default: m.is_default,
    created_at: m.created_at.toISOString(),
  };
}

/** Entity -> response; the monitor must be loaded. */
export function toAnomalyDto(a: AnomalyEntity): Anomaly {
  return {
    id: a.id,
    monitor_id: a.monitor.id,
    monitor_name: a.monitor.name,
    dimension: a.monitor.dimension,
    dimension_value: a.dimension_value,
    start_date: a.start_date,
    end_date: a.end_date,
    status: a.status,
    expected: Number(a.expected),
    actual: Number(a.actual),
    impact_usd: Number(a.impact_usd),
    impact_pct: a.impact_pct === null ? null : Number(a.impact_pct),
    severity: a.severity,
    score: Number(a.score),
    root_causes: a.root_causes,
    feedback: a.feedback ?? null,
    feedback_note: a.feedback_note ?? null,
    suppressed_by_feedback: a.suppression ?? null,
    created_at: a.created_at.toISOString(),
    updated_at: a.updated_at.toISOString(),
  };
}
