import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { AlertDeliveryError, AlertDeliveryStatus } from '@cost-optimizer/dto';
import type { AlertItem, CostAlertItem } from './alert-message';
import { platformEm } from '../database/db-scope';
import { AlertDeliverySchema, AlertSubscriptionSchema, type AlertSubscriptionEntity } from './alerts.entity';

export interface LastDelivery {
  id: string;
  subscription_id: string;
  status: AlertDeliveryStatus;
  at: Date;
  last_error: AlertDeliveryError | null;
}

/** An open, not held back cost episode with its monitor, as alerts need it. */
export interface OpenEpisode {
  id: string;
  monitor_id: string;
  monitor_name: string;
  dimension: string;
  dimension_value: string;
  start_date: string;
  end_date: string;
  status: 'open' | 'closed';
  expected: number;
  actual: number;
  impact_usd: number;
  impact_pct: number | null;
  severity: 'low' | 'medium' | 'high';
  root_causes: CostAlertItem['root_causes'];
  change_kind: string;
}

/** An open, not held back metric episode with its watch. Values are in the metric's units. */
export interface OpenMetricEpisode {
  id: string;
  watch_id: string;
  label: string;
  namespace: string;
  metric_name: string;
  dimensions: { name: string; value: string }[];
  stat: string;
  period: number;
  region: string;
  start_at: string;
  end_at: string;
  status: 'open' | 'closed';
  expected: number;
  actual: number;
  impact_pct: number | null;
  severity: 'low' | 'medium' | 'high';
}

const ENQUEUE_LOCK = 72_150_011;
const DIGEST_LOCK = 72_150_012;

/**
 * Named queries of the alerts module; every tenant-facing one is scoped by the tenant id it is given and runs in the
 * caller's row-level-security scope (a request's, or the worker's withTenant()). The few cross-tenant ones of the
 * worker (claiming due deliveries, finding tenants with digest or resealing work, requeueing stale sends) say so and
 * run in the platform scope, returning ids only.
 */
@Injectable()
export class AlertsRepository {
  constructor(private readonly em: EntityManager) {}

  findSubscription(em: EntityManager, tenantId: string, id: string): Promise<AlertSubscriptionEntity | null> {
    return em.findOne(AlertSubscriptionSchema, { id, tenant: tenantId });
  }

  /** How many of these monitor ids belong to the tenant. */
  async ownedMonitorIds(tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.em.execute(
      'select id from anomaly_monitor where tenant_id = ? and id in (select jsonb_array_elements_text(?::jsonb)::uuid)',
      [tenantId, JSON.stringify(ids)],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Which of these metric watch ids belong to the tenant. */
  async ownedWatchIds(tenantId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.em.execute(
      'select id from metric_watch where tenant_id = ? and id in (select jsonb_array_elements_text(?::jsonb)::uuid)',
      [tenantId, JSON.stringify(ids)],
    );
    return new Set(rows.map((r) => r.id));
  }

  async lastDeliveries(subscriptionIds: readonly string[]): Promise<Map<string, LastDelivery>> {
    if (subscriptionIds.length === 0) return new Map();
    const rows: (Omit<LastDelivery, 'at'> & { at: string | Date })[] = await this.em.execute(
      `select distinct on (subscription_id) id, subscription_id, status, coalesce(sent_at, updated_at) as at, last_error
           from alert_delivery where subscription_id in (select jsonb_array_elements_text(?::jsonb)::uuid)
          order by subscription_id, created_at desc, id`,
      [JSON.stringify(subscriptionIds)],
    );
    return new Map(rows.map((r) => [r.subscription_id, { ...r, at: new Date(r.at) }]));
  }

  async pendingDigestCounts(subscriptionIds: readonly string[]): Promise<Map<string, number>> {
    if (subscriptionIds.length === 0) return new Map();
    const rows: { subscription_id: string; n: string }[] = await this.em.execute(
      `select subscription_id, count(*) as n from alert_event
          where subscription_id in (select jsonb_array_elements_text(?::jsonb)::uuid) and delivery_id is null
          group by subscription_id`,
      [JSON.stringify(subscriptionIds)],
    );
    return new Map(rows.map((r) => [r.subscription_id, Number(r.n)]));
  }

  /**
   * Open cost episodes not held back by feedback nor grouped into another episode of the same incident (metric
   * episodes have no monitor: openMetricEpisodes).
   */
  async openEpisodes(em: EntityManager, tenantId: string): Promise<OpenEpisode[]> {
    const rows: (Omit<OpenEpisode, 'expected' | 'actual' | 'impact_usd' | 'impact_pct'> & {
      expected: string;
      actual: string;
      impact_usd: string;
      impact_pct: string | null;
    })[] = await em.execute(
      `select a.id, a.monitor_id, m.name as monitor_name, m.dimension, a.dimension_value,
              to_char(a.start_date, 'YYYY-MM-DD') as start_date, to_char(a.end_date, 'YYYY-MM-DD') as end_date,
              a.status, a.expected, a.actual, a.impact_usd, a.impact_pct, a.severity, a.root_causes, a.change_kind
         from anomaly a join anomaly_monitor m on m.id = a.monitor_id
        where a.tenant_id = ? and a.status = 'open' and a.held_back = false and a.grouped_into is null
        order by a.start_date, a.id`,
      [tenantId],
    );
    return rows.map((r) => ({
      ...r,
      expected: Number(r.expected),
      actual: Number(r.actual),
      impact_usd: Number(r.impact_usd),
      impact_pct: r.impact_pct === null ? null : Number(r.impact_pct),
    }));
  }

  /** Open metric episodes not held back by feedback, with their watch. */
  async openMetricEpisodes(em: EntityManager, tenantId: string): Promise<OpenMetricEpisode[]> {
    const rows: (Omit<OpenMetricEpisode, 'expected' | 'actual' | 'impact_pct' | 'start_at' | 'end_at'> & {
      expected: string;
      actual: string;
      impact_pct: string | null;
      start_at: Date | string;
      end_at: Date | string;
    })[] = await em.execute(
      `select a.id, a.watch_id, w.label, w.namespace, w.metric_name, w.dimensions, w.stat, w.period, w.region,
              a.start_at, coalesce(a.end_at, a.start_at) as end_at, a.status, a.expected, a.actual, a.impact_pct,
              a.severity
         from anomaly a join metric_watch w on w.id = a.watch_id
        where a.tenant_id = ? and a.kind = 'metric' and a.status = 'open' and a.held_back = false
          and a.start_at is not null
        order by a.start_at, a.id`,
      [tenantId],
    );
    return rows.map((r) => ({
      ...r,
      period: Number(r.period),
      start_at: new Date(r.start_at).toISOString(),
      end_at: new Date(r.end_at).toISOString(),
      expected: Number(r.expected),
      actual: Number(r.actual),
      impact_pct: r.impact_pct === null ? null : Number(r.impact_pct),
    }));
  }

  /** Serializes alert enqueueing of one tenant (inside a transaction: `em` is its tx). */
  async lockTenant(em: EntityManager, tenantId: string): Promise<void> {
    await em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [ENQUEUE_LOCK, tenantId]);
  }

  /** Highest level alerted per (subscription, episode) of the tenant. */
  async highestLevels(em: EntityManager, tenantId: string): Promise<Map<string, number>> {
    const rows: { subscription_id: string; anomaly_id: string; level: number }[] = await em.execute(
      'select subscription_id, anomaly_id, max(level) as level from alert_event where tenant_id = ? group by 1, 2',
      [tenantId],
    );
    return new Map(rows.map((r) => [`${r.subscription_id}:${r.anomaly_id}`, Number(r.level)]));
  }

  /** Records that a subscription alerts on an episode at a level; false when it already did. */
  async insertEvent(
    em: EntityManager,
    e: {
      id: string;
      tenantId: string;
      subscriptionId: string;
      anomalyId: string;
      level: number;
      item: AlertItem;
    },
  ): Promise<boolean> {
    const rows: unknown[] = await em.execute(
      `insert into alert_event (id, tenant_id, subscription_id, anomaly_id, level, delivery_id, item, created_at)
       values (?, ?, ?, ?, ?, null, ?::jsonb, now())
       on conflict (subscription_id, anomaly_id, level) do nothing returning id`,
      [e.id, e.tenantId, e.subscriptionId, e.anomalyId, e.level, JSON.stringify(e.item)],
    );
    return rows.length > 0;
  }

  async insertDelivery(
    em: EntityManager,
    d: {
      id: string;
      tenantId: string;
      subscriptionId: string;
      kind: 'alert' | 'digest' | 'test';
      status: 'queued' | 'sending';
      subject: string;
      items: AlertItem[];
      level: number | null;
      attempts: number;
      maxAttempts: number;
      lockedBy?: string;
    },
  ): Promise<void> {
    await em.execute(
      `insert into alert_delivery (id, tenant_id, subscription_id, kind, status, subject, items, level, attempts,
                                   max_attempts, next_attempt_at, locked_by, locked_at, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, now(), ?, case when ? = 'sending' then now() end, clock_timestamp(), now())`,
      [
        d.id,
        d.tenantId,
        d.subscriptionId,
        d.kind,
        d.status,
        d.subject.slice(0, 500),
        JSON.stringify(d.items),
        d.level,
        d.attempts,
        d.maxAttempts,
        d.lockedBy ?? null,
        d.status,
      ],
    );
  }

  async attachEvents(em: EntityManager, deliveryId: string, eventIds: readonly string[]): Promise<void> {
    await em.execute(
      'update alert_event set delivery_id = ? where id in (select jsonb_array_elements_text(?::jsonb)::uuid)',
      [deliveryId, JSON.stringify(eventIds)],
    );
  }

  /**
   * Serializes digest building of one tenant across replicas (inside a transaction: `em` is its tx): two crons
   * firing at once make one digest.
   */
  async lockDigests(em: EntityManager, tenantId: string): Promise<void> {
    await em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [DIGEST_LOCK, tenantId]);
  }

  /** The tenant's events waiting for a digest of subscriptions with this frequency, locked for this transaction. */
  async claimDigestEvents(
    em: EntityManager,
    tenantId: string,
    frequencies: readonly string[],
    subscriptionId?: string,
  ): Promise<{ id: string; tenant_id: string; subscription_id: string; name: string; item: AlertItem }[]> {
    return em.execute(
      `select e.id, e.tenant_id, e.subscription_id, s.name, e.item
         from alert_event e join alert_subscription s on s.id = e.subscription_id
        where e.tenant_id = ? and e.delivery_id is null and s.enabled
          and s.frequency in (select jsonb_array_elements_text(?::jsonb))
          ${subscriptionId ? 'and s.id = ?' : ''}
        order by e.subscription_id, e.created_at
        for update of e skip locked`,
      subscriptionId
        ? [tenantId, JSON.stringify(frequencies), subscriptionId]
        : [tenantId, JSON.stringify(frequencies)],
    );
  }

  /**
   * Platform scope (cross-tenant, ids only): the tenants with events waiting for a digest of subscriptions with
   * this frequency. Each tenant's digests are then built in its own scope (claimDigestEvents).
   */
  async digestTenants(frequencies: readonly string[]): Promise<string[]> {
    const rows: { tenant_id: string }[] = await platformEm(this.em).execute(
      `select distinct e.tenant_id
         from alert_event e join alert_subscription s on s.id = e.subscription_id
        where e.delivery_id is null and s.enabled and s.frequency in (select jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(frequencies)],
    );
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Platform scope (cross-tenant, ids only): the tenants with a subscription URL or secret sealed with another key
   * than `keyId` (the key id is the second part of a sealed value, see SecretBox). They are sealed again in each
   * tenant's own scope.
   */
  async tenantsWithStaleSeals(keyId: string): Promise<string[]> {
    const rows: { tenant_id: string }[] = await platformEm(this.em).execute(
      `select distinct tenant_id from alert_subscription
        where split_part(url_sealed, '.', 2) <> ? or split_part(secret_sealed, '.', 2) <> ?`,
      [keyId, keyId],
    );
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Platform scope (cross-tenant queue, ids only): claims up to `limit` queued deliveries that are due, for this
   * worker: FOR UPDATE SKIP LOCKED, so replicas never take the same row; the attempt is counted when claimed. Each
   * delivery is then sent in its tenant's scope.
   */
  async claimDue(
    workerId: string,
    limit: number,
  ): Promise<
    { id: string; tenant_id: string; subscription_id: string; attempt: number; max_attempts: number }[]
  > {
    return platformEm(this.em).execute(
      `update alert_delivery set status = 'sending', locked_by = ?, locked_at = now(), attempts = attempts + 1,
              updated_at = now()
        where id in (select id from alert_delivery
                      where status = 'queued' and next_attempt_at <= now()
                      order by next_attempt_at, created_at limit ? for update skip locked)
        returning id, tenant_id, subscription_id, attempts as attempt, max_attempts`,
      [workerId, limit],
    );
  }

  /**
   * Platform scope (housekeeping of the cross-tenant queue): deliveries left in `sending` by a process that died
   * are queued again (their attempt stays counted); a test send that never finished is marked failed.
   */
  async requeueStale(staleSeconds: number): Promise<number> {
    const rows: unknown[] = await platformEm(this.em).execute(
      `update alert_delivery set
          status = case when kind <> 'test' and attempts < max_attempts then 'queued' else 'failed' end,
          next_attempt_at = now(), locked_by = null, updated_at = now(),
          last_error = '{"step":"internal","message":"The process sending this alert stopped before it finished"}'::jsonb
        where status = 'sending' and locked_at < now() - make_interval(secs => ?)
        returning id`,
      [staleSeconds],
    );
    return rows.length;
  }

  /** Records the outcome of a send (in the delivery's tenant scope). */
  async finish(
    id: string,
    workerId: string,
    outcome:
      | { status: 'sent' }
      | { status: 'queued'; error: AlertDeliveryError; retryInSeconds: number }
      | { status: 'failed' | 'cancelled'; error: AlertDeliveryError },
  ): Promise<void> {
    if (outcome.status === 'sent') {
      await this.em.execute(
        `update alert_delivery set status = 'sent', sent_at = now(), locked_by = null, updated_at = now()
          where id = ? and locked_by = ?`,
        [id, workerId],
      );
      return;
    }
    await this.em.execute(
      `update alert_delivery set status = ?, last_error = ?::jsonb, locked_by = null, updated_at = now(),
              next_attempt_at = case when ? = 'queued' then now() + make_interval(secs => ?) else null end
        where id = ? and locked_by = ?`,
      [
        outcome.status,
        JSON.stringify(outcome.error),
        outcome.status,
        outcome.status === 'queued' ? outcome.retryInSeconds : 0,
        id,
        workerId,
      ],
    );
  }

  findDelivery(em: EntityManager, id: string) {
    return em.findOne(AlertDeliverySchema, { id }, { populate: ['subscription'] });
  }
}
