import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { APP_CONFIG, type AppConfig } from '../config/config';
import {
  matchesChange,
  matchesMonitor,
  matchesWatch,
  nextAlertLevel,
  nextMetricAlertLevel,
  sizeOf,
} from './alert-rules';
import {
  digestOrder,
  subjectOf,
  type AlertItem,
  type CostAlertItem,
  type MetricAlertItem,
} from './alert-message';
import { AlertSubscriptionSchema } from './alerts.entity';
import { AlertsRepository, type OpenEpisode, type OpenMetricEpisode } from './alerts.repository';

const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));

/**
 * The outbox producer: after detection, an alert event (and for immediate subscriptions a queued delivery) for each
 * open episode a subscription matches at a level not alerted yet; digests gather a subscription's events into one
 * delivery. Runs in the caller's tenant scope (detection's, or the worker's withTenant()).
 */
@Injectable()
export class AlertOutbox {
  private readonly logger = new Logger('Alerts');

  constructor(
    private readonly em: EntityManager,
    private readonly repo: AlertsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * After detection (cost detection, or a metric collection that found anomalous points): records an alert for
   * each open episode that matches an enabled subscription (monitor or metric watch, and thresholds; see
   * alert-rules.ts) at a level not alerted yet. Immediate subscriptions get a queued delivery at once; daily and
   * weekly ones collect the events for their digest. Returns how many deliveries were queued. Runs in the caller's
   * tenant scope (detection and collection call it inside theirs), never in the platform scope.
   */
  async enqueueForTenant(tenantId: string): Promise<{ queued: number; collected: number }> {
    const result = { queued: 0, collected: 0 };
    const subs = await this.em.fork().find(AlertSubscriptionSchema, { tenant: tenantId, enabled: true });
    if (subs.length === 0) return result;
    await this.em.fork().transactional(async (tx) => {
      await this.repo.lockTenant(tx, tenantId);
      const episodes = await this.repo.openEpisodes(tx, tenantId);
      const metricEpisodes = subs.some((s) => s.include_metric_anomalies)
        ? await this.repo.openMetricEpisodes(tx, tenantId)
        : [];
      if (episodes.length === 0 && metricEpisodes.length === 0) return;
      const highest = await this.repo.highestLevels(tx, tenantId);
      for (const s of subs) {
        const thresholds = {
          min_impact_usd: num(s.min_impact_usd),
          min_impact_pct: num(s.min_impact_pct),
          threshold_mode: s.threshold_mode,
        };
        const matches: { id: string; level: number; item: AlertItem }[] = [];
        for (const ep of episodes) {
          if (!matchesMonitor(s.monitor_ids, ep.monitor_id)) continue;
          if (!matchesChange(s, ep.change_kind)) continue;
          const before = highest.get(`${s.id}:${ep.id}`) ?? null;
          const level = nextAlertLevel(thresholds, sizeOf(ep), before);
          if (level !== null)
            matches.push({ id: ep.id, level, item: this.itemOf(ep, level, before !== null) });
        }
        for (const ep of metricEpisodes) {
          if (!matchesWatch(s, ep.watch_id)) continue;
          const before = highest.get(`${s.id}:${ep.id}`) ?? null;
          const level = nextMetricAlertLevel(thresholds, ep, before);
          if (level !== null)
            matches.push({ id: ep.id, level, item: this.metricItemOf(ep, level, before !== null) });
        }
        for (const { id: anomalyId, level, item } of matches) {
          const eventId = randomUUID();
          const inserted = await this.repo.insertEvent(tx, {
            id: eventId,
            tenantId,
            subscriptionId: s.id,
            anomalyId,
            level,
            item,
          });
          if (!inserted) continue;
          if (s.frequency === 'immediate') {
            const deliveryId = randomUUID();
            await this.repo.insertDelivery(tx, {
              id: deliveryId,
              tenantId,
              subscriptionId: s.id,
              kind: 'alert',
              status: 'queued',
              subject: subjectOf('alert', [item], s.name),
              items: [item],
              level,
              attempts: 0,
              maxAttempts: this.config.alerts.maxAttempts,
            });
            await this.repo.attachEvents(tx, deliveryId, [eventId]);
            result.queued++;
          } else {
            result.collected++;
          }
        }
      }
    });
    if (result.queued || result.collected)
      this.logger.log({ msg: 'alerts enqueued', tenant_id: tenantId, ...result });
    return result;
  }

  /**
   * Gathers the collected events of the tenant's digest subscriptions with these frequencies (or of one of them)
   * into one queued digest delivery each. Runs in the caller's tenant scope (a request, or the worker's withTenant);
   * the worker finds which tenants have events waiting.
   */
  async createDigests(
    tenantId: string,
    frequencies: readonly string[],
    subscriptionId?: string,
  ): Promise<number> {
    return this.em.fork().transactional(async (tx) => {
      await this.repo.lockDigests(tx, tenantId);
      const events = await this.repo.claimDigestEvents(tx, tenantId, frequencies, subscriptionId);
      const bySub = new Map<string, typeof events>();
      for (const e of events) bySub.set(e.subscription_id, [...(bySub.get(e.subscription_id) ?? []), e]);
      for (const [subId, list] of bySub) {
        // One line per episode: its latest (highest) level.
        const latest = new Map<string, AlertItem>();
        for (const e of list) {
          const prev = latest.get(e.item.anomaly_id);
          if (!prev || e.item.level >= prev.level) latest.set(e.item.anomaly_id, e.item);
        }
        const items = [...latest.values()].sort(digestOrder);
        const deliveryId = randomUUID();
        const first = list[0]!;
        await this.repo.insertDelivery(tx, {
          id: deliveryId,
          tenantId: first.tenant_id,
          subscriptionId: subId,
          kind: 'digest',
          status: 'queued',
          subject: subjectOf('digest', items, first.name),
          items,
          level: null,
          attempts: 0,
          maxAttempts: this.config.alerts.maxAttempts,
        });
        await this.repo.attachEvents(
          tx,
          deliveryId,
          list.map((e) => e.id),
        );
      }
      return bySub.size;
    });
  }

  private itemOf(ep: OpenEpisode, level: number, followUp: boolean): CostAlertItem {
    return {
      kind: 'cost',
      anomaly_id: ep.id,
      level,
      follow_up: followUp,
      monitor_id: ep.monitor_id,
      monitor_name: ep.monitor_name,
      change_kind: ep.change_kind,
      dimension: ep.dimension,
      dimension_value: ep.dimension_value,
      start_date: ep.start_date,
      end_date: ep.end_date,
      status: ep.status,
      expected: ep.expected,
      actual: ep.actual,
      impact_usd: ep.impact_usd,
      impact_pct: ep.impact_pct,
      severity: ep.severity,
      root_causes: topCauses(ep.root_causes ?? []),
      url: this.anomalyUrl(ep.id),
    };
  }

  private metricItemOf(ep: OpenMetricEpisode, level: number, followUp: boolean): MetricAlertItem {
    return {
      kind: 'metric',
      anomaly_id: ep.id,
      level,
      follow_up: followUp,
      watch_id: ep.watch_id,
      label: ep.label,
      metric: {
        namespace: ep.namespace,
        name: ep.metric_name,
        dimensions: ep.dimensions,
        stat: ep.stat,
        period: ep.period,
        region: ep.region,
      },
      start_at: ep.start_at,
      end_at: ep.end_at,
      status: ep.status,
      expected: ep.expected,
      actual: ep.actual,
      deviation: Math.round((ep.actual - ep.expected) * 1e6) / 1e6,
      impact_pct: ep.impact_pct,
      severity: ep.severity,
      url: this.anomalyUrl(ep.id),
    };
  }

  private anomalyUrl(id: string): string {
    return `${this.config.publicUrl.replace(/\/$/, '')}/anomalies/${id}`;
  }
}

/** The top root cause of each dimension (account, region, usage type, ...), as the stored ranking has them. */
function topCauses(causes: OpenEpisode['root_causes']): CostAlertItem['root_causes'] {
  const seen = new Set<string>();
  const out: CostAlertItem['root_causes'] = [];
  for (const c of causes) {
    if (seen.has(c.dimension)) continue;
    seen.add(c.dimension);
    out.push({
      dimension: c.dimension,
      key: c.key,
      contribution_usd: c.contribution_usd,
      contribution_pct: c.contribution_pct,
    });
  }
  return out.slice(0, 4);
}
