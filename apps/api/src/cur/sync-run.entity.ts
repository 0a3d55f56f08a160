import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { TenantSchema } from '../tenants/tenant.entity';
import { tenantRls } from '../database/db-roles.constants';
import type { FoldedDimension } from './month-shaper';
import { entityId, createdAt } from '../database/base-entity';

export interface SyncProgress {
  phase: string;
  months_done: number;
  months_total: number;
  /** The month being queried or loaded. */
  current_month?: string | null;
}
/** One loaded month of a run: what it cost in Athena and what it stored. */
export interface MonthStat {
  month: string;
  rows: number;
  bytes_scanned: number;
  athena_ms: number;
  load_ms: number;
  /** CUR line items the month's rows stand for. */
  line_items?: number;
  /** Set when the CUR of the month shrank (confirmed by a count): the line items loaded before. */
  shrank_from?: number;
  /** Re-read because its CUR files changed since it was loaded (a closed month AWS restated). */
  restated?: boolean;
  /** Dimensions with more distinct values than CUR_MAX_DISTINCT_VALUES: the rest are stored as "(other)". */
  folded?: FoldedDimension[];
}
export interface SyncError {
  code: string;
  message: string;
  aws_error: string | null;
}

/**
 * One CUR sync: also the job queue. Workers on any replica claim `queued` rows with FOR UPDATE SKIP LOCKED;
 * a partial unique index keeps at most one active run per tenant, and `schedule_key` makes the nightly run
 * of a tenant unique per night across replicas.
 */
export const SyncRunSchema = defineEntity({
  name: 'SyncRun',
  tableName: 'sync_run',
  ...tenantRls(),
  indexes: [
    { properties: ['tenant', 'created_at'] },
    { properties: ['status', 'not_before'] },
    {
      name: 'sync_run_one_active_per_tenant',
      expression: `create unique index "sync_run_one_active_per_tenant" on "sync_run" ("tenant_id") where status in ('queued', 'running')`,
    },
  ],
  properties: {
    id: entityId(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    status: p.enum(['queued', 'running', 'succeeded', 'failed'] as const),
    trigger: p.enum(['manual', 'nightly', 'connect'] as const),
    /** months: the listed months; backfill: planned from the CUR at the first start; history: horizon months not loaded. */
    mode: p.enum(['months', 'backfill', 'history'] as const).default('months'),
    months: p.json<string[]>(),
    schedule_key: p.string().length(64).nullable().unique(),
    progress: p.json<SyncProgress>(),
    /** The months loaded, in load order: a retry resumes after them. */
    month_stats: p.json<MonthStat[]>().default('[]'),
    rows_loaded: p.integer().default(0),
    bytes_scanned: p.bigint('number').default(0),
    athena_ms: p.integer().default(0),
    load_ms: p.integer().default(0),
    attempt: p.integer().default(1),
    error: p.json<SyncError>().nullable(),
    locked_by: p.string().length(100).nullable(),
    heartbeat_at: p.datetime().nullable(),
    not_before: p.datetime().nullable(),
    created_at: createdAt(),
    started_at: p.datetime().nullable(),
    finished_at: p.datetime().nullable(),
  },
});
export type SyncRun = InferEntity<typeof SyncRunSchema>;
