import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { MetricWatchListQuery } from '@cost-optimizer/dto';
import { AnomalySchema } from '../anomaly/anomaly.entity';
import {
  MetricCollectionRunSchema,
  MetricWatchSchema,
  type MetricCollectionRunEntity,
  type MetricWatchEntity,
} from './metric-watch.entity';

const like = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Named queries; every read is scoped by the tenant id passed in (and by the row-level-security scope of the em
 * given: raw SQL goes through `em.execute`, which applies it).
 */
@Injectable()
export class MetricsRepository {
  find(em: EntityManager, tenantId: string, id: string): Promise<MetricWatchEntity | null> {
    return em.findOne(MetricWatchSchema, { id, tenant: tenantId });
  }

  count(em: EntityManager, tenantId: string): Promise<number> {
    return em.count(MetricWatchSchema, { tenant: tenantId });
  }

  countEnabled(em: EntityManager, tenantId: string): Promise<number> {
    return em.count(MetricWatchSchema, { tenant: tenantId, enabled: true });
  }

  seriesKeys(em: EntityManager, tenantId: string): Promise<MetricWatchEntity[]> {
    return em.find(MetricWatchSchema, { tenant: tenantId });
  }

  /** A page of watches, newest first; search matches namespace, metric, label or a dimension value. */
  async page(
    em: EntityManager,
    tenantId: string,
    q: MetricWatchListQuery,
  ): Promise<[MetricWatchEntity[], number]> {
    const cond = ['tenant_id = ?'];
    const params: unknown[] = [tenantId];
    if (q.namespace) {
      cond.push('namespace = ?');
      params.push(q.namespace);
    }
    if (q.region) {
      cond.push('region = ?');
      params.push(q.region);
    }
    if (q.search) {
      cond.push(
        `(namespace ilike ? or metric_name ilike ? or label ilike ? or exists (select 1 from jsonb_array_elements(dimensions) d where d->>'value' ilike ? or d->>'name' ilike ?))`,
      );
      const s = like(q.search);
      params.push(s, s, s, s, s);
    }
    const where = cond.join(' and ');
    const total = await em.execute<{ n: number }[]>(
      `select count(*)::int as n from metric_watch where ${where}`,
      params,
    );
    const ids = await em.execute<{ id: string }[]>(
      `select id from metric_watch where ${where} order by created_at desc, id limit ? offset ?`,
      [...params, q.page_size, (q.page - 1) * q.page_size],
    );
    const items = ids.length ? await em.find(MetricWatchSchema, { id: { $in: ids.map((r) => r.id) } }) : [];
    const order = new Map(ids.map((r, i) => [r.id, i]));
    items.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    return [items, total[0]?.n ?? 0];
  }

  /** Open (listed) metric episodes per watch. */
  async openAnomalies(em: EntityManager, tenantId: string, watchIds: string[]): Promise<Map<string, number>> {
    if (watchIds.length === 0) return new Map();
    const rows = await em.execute<{ watch_id: string; n: number }[]>(
      `select watch_id, count(*)::int as n from anomaly
          where tenant_id = ? and kind = 'metric' and status = 'open' and not held_back and watch_id in (${watchIds.map(() => '?').join(', ')})
          group by watch_id`,
      [tenantId, ...watchIds],
    );
    return new Map(rows.map((r) => [r.watch_id, r.n]));
  }

  anomaliesBetween(em: EntityManager, tenantId: string, watchId: string, from: Date, to: Date) {
    return em.find(
      AnomalySchema,
      { tenant: tenantId, kind: 'metric', watch: watchId, start_at: { $lte: to }, end_at: { $gte: from } },
      { orderBy: { start_at: 'asc' }, limit: 500 },
    );
  }

  /** Watches linked to a cost service (any spelling given). */
  linkedTo(em: EntityManager, tenantId: string, services: string[]): Promise<MetricWatchEntity[]> {
    if (services.length === 0) return Promise.resolve([]);
    return em
      .find(
        MetricWatchSchema,
        { tenant: tenantId, cost_service: { $ne: null } },
        { orderBy: { created_at: 'asc' } },
      )
      .then((ws) => ws.filter((w) => services.includes((w.cost_service ?? '').toLowerCase())).slice(0, 10));
  }

  recentRuns(em: EntityManager, tenantId: string, limit: number): Promise<MetricCollectionRunEntity[]> {
    return em.find(
      MetricCollectionRunSchema,
      { tenant: tenantId },
      { orderBy: { started_at: 'desc' }, limit },
    );
  }

  async last24h(em: EntityManager, tenantId: string) {
    const rows = await em.execute<
      { runs: number; calls: number; metrics_requested: number; points_stored: number; cost: string }[]
    >(
      `select count(*)::int as runs, coalesce(sum(calls), 0)::int as calls,
              coalesce(sum(metrics_requested), 0)::int as metrics_requested,
              coalesce(sum(points_stored), 0)::int as points_stored, coalesce(sum(estimated_cost_usd), 0) as cost
         from metric_collection_run where tenant_id = ? and started_at > now() - interval '24 hours'`,
      [tenantId],
    );
    const r = rows[0];
    return {
      runs: r?.runs ?? 0,
      calls: r?.calls ?? 0,
      metrics_requested: r?.metrics_requested ?? 0,
      points_stored: r?.points_stored ?? 0,
      estimated_cost_usd: Number(r?.cost ?? 0),
    };
  }
}
