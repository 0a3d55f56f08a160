import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { ANOMALY_CHANGE_KINDS } from '@cost-optimizer/dto';
import type {
  AnomalyChangeKind,
  AnomalyRootCause,
  AnomalySuppression,
  MonitorDimension,
  MonitorFilter,
} from '@cost-optimizer/dto';
import { TenantSchema } from '../tenants/tenant.entity';
import { MetricWatchSchema } from '../metrics/metric-watch.entity';
import type { MetricEpisodePoint } from '../metrics/metric-logic';
import { tenantRls } from '../database/db-roles.constants';
import { baseProperties, entityId, createdAt, updatedAt } from '../database/base-entity';

/** A set of daily cost series watched for anomalies (usage charges only, in the tenant's default measure). */
export const AnomalyMonitorSchema = defineEntity({
  name: 'AnomalyMonitor',
  tableName: 'anomaly_monitor',
  ...tenantRls(),
  indexes: [{ properties: ['tenant', 'created_at'] }],
  properties: {
    id: entityId(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    name: p.string().length(120),
    dimension: p
      .enum([
        'total',
        'service',
        'account',
        'region',
        'usage_type',
        'service_account',
        'account_usage_type',
        'tag',
        'custom',
      ] as const)
      .$type<MonitorDimension>(),
    filter: p.json<MonitorFilter>(),
    enabled: p.boolean().default(true),
    is_default: p.boolean().default(false),
    created_at: createdAt(),
  },
});
export type AnomalyMonitorEntity = InferEntity<typeof AnomalyMonitorSchema>;

/** The engine's numbers behind an episode, kept so the decision can be explained later. */
export interface AnomalyExplanation {
  rules: string[];
  peak_date: string;
  peak_impact: number;
  /** Metric anomalies: the anomalous points as the streaming detector judged them. */
  metric_points?: MetricEpisodePoint[];
  days: {
    date: string;
    actual: number | null;
    expected: number | null;
    upper: number | null;
    score: number;
    rule: string;
    z: number;
    sigma: number;
  }[];
}

/** One episode: consecutive anomalous days of one series; grows instead of being duplicated. */
export const AnomalySchema = defineEntity({
  name: 'Anomaly',
  tableName: 'anomaly',
  ...tenantRls(),
  uniques: [
    { properties: ['tenant', 'monitor', 'dimension_value', 'start_date'] },
    { properties: ['watch', 'start_at'] },
  ],
  indexes: [
    { properties: ['tenant', 'status'] },
    { properties: ['tenant', 'start_date'] },
    { properties: ['grouped_into'] },
  ],
  properties: {
    ...baseProperties(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    /** cost: a daily cost series of a monitor; metric: a CloudWatch metric watch (monitor is null). */
    kind: p.enum(['cost', 'metric'] as const).default('cost'),
    /** What changed, as the engine names it (spike, level_shift, ramp, drop, weekend, new_series, drift). */
    change_kind: p.enum(ANOMALY_CHANGE_KINDS).$type<AnomalyChangeKind>().default('spike'),
    /**
     * Set when the same incident was seen by a more telling series of the default monitors: the id of that
     * episode (listed and alerted instead of this one). Recomputed by every detection (anomaly-grouping.ts).
     */
    grouped_into: p.uuid().nullable(),
    monitor: () => p.manyToOne(AnomalyMonitorSchema).deleteRule('cascade').nullable(),
    watch: () => p.manyToOne(MetricWatchSchema).deleteRule('cascade').nullable(),
    dimension_value: p.string().length(256),
    start_date: p.date(),
    /** Metric anomalies: first and last anomalous point. */
    start_at: p.datetime().nullable(),
    end_at: p.datetime().nullable(),
    end_date: p.date(),
    status: p.enum(['open', 'closed'] as const),
    expected: p.decimal('number').precision(20).scale(6),
    actual: p.decimal('number').precision(20).scale(6),
    impact_usd: p.decimal('number').precision(20).scale(6),
    impact_pct: p.decimal('number').precision(20).scale(6).nullable(),
    severity: p.enum(['low', 'medium', 'high'] as const),
    score: p.decimal('number').precision(10).scale(8),
    root_causes: p.json<AnomalyRootCause[]>(),
    explanation: p.json<AnomalyExplanation>(),
    /** Set when feedback on an earlier (or this) episode of the series raised the bar for it. */
    suppression: p.json<AnomalySuppression>().nullable(),
    /** The episode stayed below the bar feedback set: kept, but not listed by default nor counted as open. */
    held_back: p.boolean().default(false),
    feedback: p.enum(['yes', 'no', 'planned_activity'] as const).nullable(),
    feedback_note: p.string().length(1000).nullable(),
  },
});
export type AnomalyEntity = InferEntity<typeof AnomalySchema>;

/**
 * What detection last judged for one series: the last judged day and a fingerprint (cents per day) of the
 * judged window, so a restated day is noticed and the days from it on are judged again.
 */
export const AnomalySeriesStateSchema = defineEntity({
  name: 'AnomalySeriesState',
  tableName: 'anomaly_series_state',
  ...tenantRls(),
  uniques: [{ properties: ['monitor', 'dimension_value'] }],
  properties: {
    id: entityId(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade').index(),
    monitor: () => p.manyToOne(AnomalyMonitorSchema).deleteRule('cascade'),
    dimension_value: p.string().length(256),
    measure: p.string().length(32),
    /** The tenant's first day of data when the series was last judged: when older months arrive it is judged again. */
    data_start: p.date().nullable(),
    judged_through: p.date(),
    fingerprint: p.json<Record<string, number>>(),
    updated_at: updatedAt(),
  },
});
export type AnomalySeriesState = InferEntity<typeof AnomalySeriesStateSchema>;
