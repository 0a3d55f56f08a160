import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import type { MetricDetectorState } from '@cost-optimizer/anomaly-engine';
import type { MetricDimension } from '@cost-optimizer/dto';
import { TenantSchema } from '../tenants/tenant.entity';
import { tenantRls } from '../database/db-roles.constants';
import { baseProperties, entityId } from '../database/base-entity';

/**
 * One CloudWatch series a tenant collects. Its points live in `metric_point` (hand-written SQL, kept out of the
 * ORM like `cost_daily`); its streaming detector state lives here, so detection survives restarts.
 */
export const MetricWatchSchema = defineEntity({
  name: 'MetricWatch',
  tableName: 'metric_watch',
  ...tenantRls(),
  uniques: [{ properties: ['tenant', 'series_key'] }],
  indexes: [{ properties: ['tenant', 'created_at'] }],
  // metric_point has no foreign key (one RI check per bulk-inserted point was half the insert time): deleting a
  // watch, directly or through its tenant, deletes its points here.
  triggers: [
    {
      name: 'metric_watch_delete_points',
      timing: 'after',
      events: ['delete'],
      forEach: 'row',
      body: 'delete from metric_point where watch_id = old.id; return null;',
    },
  ],
  properties: {
    ...baseProperties(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    namespace: p.string().length(255),
    metric_name: p.string().length(255),
    /** Sorted by name. */
    dimensions: p.json<MetricDimension[]>(),
    stat: p.string().length(32),
    period: p.integer(),
    region: p.string().length(32),
    /** sha256 of region, namespace, metric, dimensions, stat and period: one watch per series and tenant. */
    series_key: p.string().length(64),
    label: p.string().length(120),
    cost_service: p.string().length(128).nullable(),
    preset: p.string().length(64).nullable(),
    enabled: p.boolean().default(true),
    /** Newest stored point (collection resumes after it). */
    last_ts: p.datetime().nullable(),
    last_value: p.double().nullable(),
    /** The streaming detector's state after the newest point it has seen (detected_through). */
    detector_state: p.json<MetricDetectorState>().nullable(),
    detected_through: p.datetime().nullable(),
  },
});
export type MetricWatchEntity = InferEntity<typeof MetricWatchSchema>;

export interface CollectionError {
  region: string;
  step: string;
  code: string;
  message: string;
}

/**
 * One collection of one tenant for one schedule slot. The unique (tenant, tick_at) row is the claim: across API
 * processes only the one that inserts it collects that tenant for that tick.
 */
export const MetricCollectionRunSchema = defineEntity({
  name: 'MetricCollectionRun',
  tableName: 'metric_collection_run',
  ...tenantRls(),
  uniques: [{ properties: ['tenant', 'tick_at'] }],
  indexes: [{ properties: ['tenant', 'started_at'] }],
  properties: {
    id: entityId(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    tick_at: p.datetime(),
    trigger: p.enum(['schedule', 'manual'] as const),
    status: p.enum(['running', 'succeeded', 'partial', 'failed'] as const),
    worker: p.string().length(128),
    started_at: p.datetime(),
    finished_at: p.datetime().nullable(),
    duration_ms: p.integer().nullable(),
    watches: p.integer().default(0),
    calls: p.integer().default(0),
    metrics_requested: p.integer().default(0),
    throttle_retries: p.integer().default(0),
    points_stored: p.integer().default(0),
    anomalies: p.integer().default(0),
    estimated_cost_usd: p.decimal('number').precision(14).scale(6).default(0),
    errors: p.json<CollectionError[]>(),
  },
});
export type MetricCollectionRunEntity = InferEntity<typeof MetricCollectionRunSchema>;
