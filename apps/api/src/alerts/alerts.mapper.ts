import type { AlertDelivery, AlertSubscription } from '@cost-optimizer/dto';
import type { AlertDeliveryEntity, AlertSubscriptionEntity } from './alerts.entity';
import type { LastDelivery } from './alerts.repository';

const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));

/** Entity -> response. Never the sealed URL or secret: only the masked URL and whether a secret exists. */
export function toSubscriptionDto(
  s: AlertSubscriptionEntity,
  last: LastDelivery | null,
  pendingDigest: number,
  confirmed: ReadonlySet<string>,
): AlertSubscription {
  return {
    id: s.id,
    name: s.name,
    channel: s.channel,
    recipients: s.channel === 'email' ? s.recipients : [],
    pending_recipients: s.channel === 'email' ? s.recipients.filter((r) => !confirmed.has(r)) : [],
    url_masked: s.url_masked ?? null,
    has_signing_secret: !!s.secret_sealed,
    min_impact_usd: num(s.min_impact_usd),
    min_impact_pct: num(s.min_impact_pct),
    threshold_mode: s.threshold_mode,
    frequency: s.frequency,
    monitor_ids: s.monitor_ids,
    include_metric_anomalies: s.include_metric_anomalies,
    metric_watch_ids: s.metric_watch_ids,
    include_drops: s.include_drops,
    enabled: s.enabled,
    last_delivery: last
      ? { id: last.id, status: last.status, at: last.at.toISOString(), error: last.last_error ?? null }
      : null,
    pending_digest: pendingDigest,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}

export function toDeliveryDto(d: AlertDeliveryEntity): AlertDelivery {
  return {
    id: d.id,
    kind: d.kind,
    status: d.status,
    subject: d.subject,
    anomaly_ids: d.kind === 'test' ? [] : d.items.map((i) => i.anomaly_id),
    level: d.level ?? null,
    attempts: d.attempts,
    max_attempts: d.max_attempts,
    last_error: d.last_error ?? null,
    next_attempt_at: d.status === 'queued' && d.next_attempt_at ? d.next_attempt_at.toISOString() : null,
    sent_at: d.sent_at ? d.sent_at.toISOString() : null,
    created_at: d.created_at.toISOString(),
  };
}
