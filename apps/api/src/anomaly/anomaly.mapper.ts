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

/** Entity -> response; the monitor (cost anomalies) must be loaded. */
export function toAnomalyDto(a: AnomalyEntity, groupedCount = 0): Anomaly {
  return {
    id: a.id,
    kind: a.kind,
    change_kind: a.change_kind,
    grouped_into: a.grouped_into ?? null,
    grouped_count: groupedCount,
    monitor_id: a.monitor?.id ?? null,
    monitor_name: a.monitor?.name ?? a.dimension_value,
    dimension: a.monitor?.dimension ?? null,
    watch_id: a.watch?.id ?? null,
    start_at: a.start_at ? a.start_at.toISOString() : null,
    end_at: a.end_at ? a.end_at.toISOString() : null,
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
