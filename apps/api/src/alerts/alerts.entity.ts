import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import type { AlertDeliveryError } from '@cost-optimizer/dto';
import { AnomalySchema } from '../anomaly/anomaly.entity';
import { TenantSchema } from '../tenants/tenant.entity';
import type { AlertItem } from './alert-message';
import { tenantRls } from '../database/db-roles.constants';
import { baseProperties, entityId, createdAt } from '../database/base-entity';

/** Who hears about anomaly episodes. Slack/webhook URLs and the signing secret are sealed (common/secret-box). */
export const AlertSubscriptionSchema = defineEntity({
  name: 'AlertSubscription',
  tableName: 'alert_subscription',
  ...tenantRls(),
  indexes: [{ properties: ['tenant', 'created_at'] }],
  properties: {
    ...baseProperties(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    name: p.string().length(120),
    channel: p.enum(['email', 'slack', 'webhook'] as const),
    recipients: p.json<string[]>(),
    /** Sealed URL (slack, webhook); context `alert_subscription:<id>:url`. */
    url_sealed: p.text().nullable(),
    url_masked: p.string().length(300).nullable(),
    /** Sealed webhook signing secret; context `alert_subscription:<id>:secret`. */
    secret_sealed: p.text().nullable(),
    min_impact_usd: p.decimal('number').precision(20).scale(2).nullable(),
    min_impact_pct: p.decimal('number').precision(12).scale(2).nullable(),
    threshold_mode: p.enum(['and', 'or'] as const),
    frequency: p.enum(['immediate', 'daily', 'weekly'] as const),
    /** Cost episodes of these monitors; empty = all. */
    monitor_ids: p.json<string[]>(),
    /** Metric episodes alert too (see alert-rules.ts for how thresholds apply to them). */
    include_metric_anomalies: p.boolean().default(true),
    /** Metric episodes of these watches; empty = all. */
    metric_watch_ids: p.json<string[]>().default('[]'),
    /** Cost episodes of kind `drop` alert too (off: rises alert, drops are only listed). */
    include_drops: p.boolean().default(false),
    enabled: p.boolean().default(true),
  },
});
export type AlertSubscriptionEntity = InferEntity<typeof AlertSubscriptionSchema>;

/**
 * The outbox: one message to send (an alert, a digest or a test) with its retry state. Workers on every replica
 * claim queued rows with FOR UPDATE SKIP LOCKED. `items` freezes what the message says about each episode.
 */
export const AlertDeliverySchema = defineEntity({
  name: 'AlertDelivery',
  tableName: 'alert_delivery',
  ...tenantRls(),
  indexes: [{ properties: ['subscription', 'created_at'] }, { properties: ['status', 'next_attempt_at'] }],
  properties: {
    ...baseProperties(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade').index(),
    subscription: () => p.manyToOne(AlertSubscriptionSchema).deleteRule('cascade'),
    kind: p.enum(['alert', 'digest', 'test'] as const),
    status: p.enum(['queued', 'sending', 'sent', 'failed', 'cancelled'] as const),
    subject: p.string().length(500),
    items: p.json<AlertItem[]>(),
    level: p.integer().nullable(),
    attempts: p.integer().default(0),
    max_attempts: p.integer(),
    last_error: p.json<AlertDeliveryError>().nullable(),
    next_attempt_at: p.datetime().nullable(),
    locked_by: p.string().length(120).nullable(),
    locked_at: p.datetime().nullable(),
    sent_at: p.datetime().nullable(),
  },
});
export type AlertDeliveryEntity = InferEntity<typeof AlertDeliverySchema>;

/**
 * That a subscription alerted on an episode at a level: unique, so an episode alerts once per level. Digest
 * subscriptions collect events with no delivery yet; the digest job gathers them into one delivery.
 */
export const AlertEventSchema = defineEntity({
  name: 'AlertEvent',
  tableName: 'alert_event',
  ...tenantRls(),
  uniques: [{ properties: ['subscription', 'anomaly', 'level'] }],
  properties: {
    id: entityId(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade').index(),
    subscription: () => p.manyToOne(AlertSubscriptionSchema).deleteRule('cascade'),
    anomaly: () => p.manyToOne(AnomalySchema).deleteRule('cascade').index(),
    level: p.integer(),
    delivery: () => p.manyToOne(AlertDeliverySchema).deleteRule('set null').nullable().index(),
    item: p.json<AlertItem>(),
    created_at: createdAt(),
  },
});
export type AlertEventEntity = InferEntity<typeof AlertEventSchema>;

/**
 * An email address a tenant's alerts may go to once it confirmed (a link in a confirmation email): alerts and tests
 * reach confirmed addresses only. One row per (tenant, address), kept when the address leaves a subscription, so a
 * confirmed address stays confirmed for the tenant. `token_hash` is the SHA-256 of the pending link's token.
 */
export const AlertRecipientSchema = defineEntity({
  name: 'AlertRecipient',
  tableName: 'alert_recipient',
  ...tenantRls(),
  uniques: [{ properties: ['tenant', 'email'] }],
  properties: {
    id: entityId(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    email: p.string().length(320),
    token_hash: p.string().length(64).nullable().unique(),
    /** When the last confirmation email was sent (links expire 7 days after). */
    sent_at: p.datetime().nullable(),
    confirmed_at: p.datetime().nullable(),
    created_at: createdAt(),
  },
});
export type AlertRecipientEntity = InferEntity<typeof AlertRecipientSchema>;

/**
 * Messages a tenant sent on demand (test alerts, recipient confirmations), counted for the per-tenant limits
 * ALERT_TEST_PER_HOUR and ALERT_CONFIRMATIONS_PER_DAY. Not tied to a subscription: deleting one frees nothing.
 */
export const AlertSendLogSchema = defineEntity({
  name: 'AlertSendLog',
  tableName: 'alert_send_log',
  ...tenantRls(),
  indexes: [{ properties: ['tenant', 'kind', 'created_at'] }],
  properties: {
    id: entityId(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    kind: p.enum(['test', 'confirmation'] as const),
    count: p.integer(),
    created_at: createdAt(),
  },
});
export type AlertSendLogEntity = InferEntity<typeof AlertSendLogSchema>;
