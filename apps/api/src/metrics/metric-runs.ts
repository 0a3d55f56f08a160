import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { MetricDimension } from '@cost-optimizer/dto';
import { inScope, PLATFORM_SESSION, tenantSession } from '../database/db-scope';
import type { CollectionError } from './metric-watch.entity';
import { MetricPointStore } from './metric-point-store';
import { TenantAws } from './tenant-aws';

/** A watch as collection reads it. */
export interface WatchRow {
  id: string;
  region: string;
  namespace: string;
  metric_name: string;
  dimensions: MetricDimension[];
  stat: string;
  period: number;
  label: string;
  /** The newest point the detector has judged (collection re-reads from the period after it). */
  through_ms: number | null;
  never_stored: boolean;
}

export interface RunCounters {
  watches: number;
  calls: number;
  metrics_requested: number;
  throttle_retries: number;
  points_stored: number;
  anomalies: number;
  errors: CollectionError[];
}

export type RunStatus = 'succeeded' | 'partial' | 'failed';

export const emptyCounters = (): RunCounters => ({
  watches: 0,
  calls: 0,
  metrics_requested: 0,
  throttle_retries: 0,
  points_stored: 0,
  anomalies: 0,
  errors: [],
});

/**
 * The bookkeeping of metric collection runs (`metric_collection_run`): the (tenant, slot) claim, the run's end, the
 * watches to collect, and the cross-tenant housekeeping (platform scope, ids only). Each tenant's rows are read and
 * written in that tenant's scope.
 */
@Injectable()
export class MetricRuns {
  readonly worker = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(
    private readonly store: MetricPointStore,
    private readonly tenantAws: TenantAws,
  ) {}

  /** One transaction of the points pool in the tenant's scope. */
  private inTenant<T>(tenantId: string, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return inScope(this.store.pool, tenantSession(tenantId), fn);
  }

  /** Tenants with a working connection and at least one enabled watch (cross-tenant: platform scope, ids only). */
  async tenantsToCollect(): Promise<string[]> {
    const connected = await this.tenantAws.activeTenantIds();
    const res = await inScope(this.store.pool, PLATFORM_SESSION, (client) =>
      client.query<{ tenant_id: string }>(
        `select distinct tenant_id from metric_watch where enabled and tenant_id = any($1::uuid[]) order by tenant_id`,
        [connected],
      ),
    );
    return res.rows.map((r) => r.tenant_id);
  }

  /** Runs left 'running' by a process that died are marked failed (housekeeping across tenants: platform scope). */
  async failStale(): Promise<void> {
    await inScope(this.store.pool, PLATFORM_SESSION, (client) =>
      client.query(
        `update metric_collection_run set status = 'failed', finished_at = now(),
                errors = errors || '[{"region":"-","step":"worker","code":"WORKER_LOST","message":"The process collecting stopped"}]'::jsonb
          where status = 'running' and started_at < now() - interval '15 minutes'`,
      ),
    );
  }

  /** Inserts the run row (in the tenant's scope); false when this (tenant, slot) is already claimed. */
  async claim(
    runId: string,
    tenantId: string,
    slotMs: number,
    trigger: 'schedule' | 'manual',
  ): Promise<boolean> {
    const res = await this.inTenant(tenantId, (client) =>
      client.query(
        `insert into metric_collection_run (id, tenant_id, tick_at, trigger, status, worker, started_at, errors)
         values ($1, $2, to_timestamp($3 / 1000.0), $4, 'running', $5, now(), '[]')
         on conflict (tenant_id, tick_at) do nothing`,
        [runId, tenantId, slotMs, trigger, this.worker],
      ),
    );
    return res.rowCount === 1;
  }

  /** Records the run's end: status, duration, counters, cost and (the first 50) errors. */
  async finish(
    runId: string,
    tenantId: string,
    status: RunStatus,
    durationMs: number,
    costUsd: number,
    c: RunCounters,
  ): Promise<void> {
    await this.inTenant(tenantId, (client) =>
      client.query(
        `update metric_collection_run set status = $3, finished_at = now(), duration_ms = $4, watches = $5, calls = $6,
                metrics_requested = $7, throttle_retries = $8, points_stored = $9, anomalies = $10,
                estimated_cost_usd = $11, errors = $12::jsonb
          where id = $1 and tenant_id = $2`,
        [
          runId,
          tenantId,
          status,
          durationMs,
          c.watches,
          c.calls,
          c.metrics_requested,
          c.throttle_retries,
          c.points_stored,
          c.anomalies,
          costUsd,
          JSON.stringify(c.errors.slice(0, 50)),
        ],
      ),
    );
  }

  /** The tenant's enabled watches, with how far their detector has judged. */
  async enabledWatches(tenantId: string): Promise<WatchRow[]> {
    const res = await this.inTenant(tenantId, (client) =>
      client.query<WatchRow>(
        `select id, region, namespace, metric_name, dimensions, stat, period, label,
                extract(epoch from detected_through) * 1000 as through_ms, last_ts is null as never_stored
           from metric_watch where tenant_id = $1 and enabled order by id`,
        [tenantId],
      ),
    );
    return res.rows;
  }
}
