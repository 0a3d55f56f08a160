import { z } from 'zod';
import { PageQuerySchema, pageOf } from './common';

/**
 * Alert subscriptions: who hears about anomaly episodes, through which channel, above which impact.
 *
 * Episodes are of two kinds. Cost episodes (a monitor's daily cost series) match on `monitor_ids` and on the $ and
 * % thresholds. CloudWatch metric episodes (a metric watch) match when `include_metric_anomalies` is on and the
 * watch is in `metric_watch_ids` (empty = every watch). Their deviation is in the metric's own units, not dollars,
 * so `min_impact_usd` never applies to them: with a % threshold they match when |deviation| reaches it (levels
 * double from it as for cost); with only a $ threshold they match at medium or high severity (medium = level 0,
 * high = level 1, so an escalation to high sends one follow-up).
 */

export const AlertChannelSchema = z.enum(['email', 'slack', 'webhook']).meta({
  id: 'AlertChannel',
  description:
    'email: SMTP to 1-20 recipients; slack: a Slack incoming-webhook URL; webhook: an HTTPS URL that receives signed JSON',
});
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

export const AlertFrequencySchema = z.enum(['immediate', 'daily', 'weekly']).meta({
  id: 'AlertFrequency',
  description:
    'immediate: one message per episode right after detection; daily/weekly: one digest of the matching episodes on the digest schedule',
});
export type AlertFrequency = z.infer<typeof AlertFrequencySchema>;

export const ThresholdModeSchema = z.enum(['and', 'or']).meta({
  id: 'AlertThresholdMode',
  description: 'With both thresholds set: and = both must be reached, or = either one is enough',
});
export type ThresholdMode = z.infer<typeof ThresholdModeSchema>;

const name = z.string().trim().min(1).max(120).meta({ example: 'FinOps team' });
const minUsd = z.number().positive().max(1_000_000_000).meta({
  description:
    'Cost episode impact in USD (actual - expected) that raises an alert; not applied to metric episodes',
  example: 100,
});
const minPct = z.number().positive().max(1_000_000).meta({
  description:
    'Episode impact in % of the expected value that raises an alert: the cost, or for metric episodes the absolute deviation from the expected metric value (nothing expected counts as any %)',
  example: 20,
});
const recipients = z
  .array(z.email({ message: 'Must be a valid email address' }).transform((e) => e.trim().toLowerCase()))
  .min(1, { message: 'At least one recipient' })
  .max(20, { message: 'At most 20 recipients' })
  .refine((r) => new Set(r).size === r.length, { message: 'Recipients must be different' })
  .meta({ example: ['finops@example.com'] });
const url = z.string().trim().min(1).max(2000).meta({
  description:
    'https URL; private, loopback and link-local addresses are refused. Stored encrypted, shown masked afterwards.',
  example: 'https://hooks.slack.com/services/T000/B000/XXXX',
});
const monitorIds = z
  .array(z.uuid())
  .max(100)
  .refine((r) => new Set(r).size === r.length, { message: 'Monitor ids must be different' })
  .meta({ description: 'Monitors whose cost episodes alert; empty = all monitors' });
const metricWatchIds = z
  .array(z.uuid())
  .max(1000)
  .refine((r) => new Set(r).size === r.length, { message: 'Metric watch ids must be different' })
  .meta({
    description: 'Metric watches whose episodes alert (with include_metric_anomalies); empty = all watches',
  });
const includeMetric = z.boolean().meta({
  description:
    "Also alert on CloudWatch metric anomaly episodes. The $ threshold does not apply to them (their deviation is in the metric's units): the % threshold does (on |deviation|); a subscription with only a $ threshold gets metric episodes of medium or high severity.",
});
const includeDrops = z.boolean().meta({
  description:
    'Also alert on cost drops (episodes of kind drop: a fall of >= 50 % that lasts; their impact is negative and the thresholds apply to its size). Off by default: rises alert, drops are only listed. Metric episodes alert in both directions whatever this says.',
});

const common = {
  name,
  min_impact_usd: minUsd.nullable().optional(),
  min_impact_pct: minPct.nullable().optional(),
  threshold_mode: ThresholdModeSchema.default('or'),
  frequency: AlertFrequencySchema.default('immediate'),
  monitor_ids: monitorIds.default([]),
  include_metric_anomalies: includeMetric.default(true),
  metric_watch_ids: metricWatchIds.default([]),
  include_drops: includeDrops.default(false),
  enabled: z.boolean().default(true),
};

const atLeastOneThreshold = (b: { min_impact_usd?: number | null; min_impact_pct?: number | null }) =>
  (b.min_impact_usd ?? null) !== null || (b.min_impact_pct ?? null) !== null;
const thresholdIssue = {
  message: 'Set min_impact_usd and/or min_impact_pct',
  path: ['min_impact_usd'],
};

export const CreateAlertSubscriptionSchema = z
  .discriminatedUnion('channel', [
    z.object({ channel: z.literal('email'), recipients, ...common }).strict(),
    z.object({ channel: z.literal('slack'), url, ...common }).strict(),
    z.object({ channel: z.literal('webhook'), url, ...common }).strict(),
  ])
  .refine(atLeastOneThreshold, thresholdIssue)
  .meta({
    id: 'CreateAlertSubscription',
    description:
      'A subscription to anomaly episodes. A webhook subscription gets a signing secret, returned once in the answer.',
    example: {
      channel: 'slack',
      name: 'FinOps channel',
      url: 'https://hooks.slack.com/services/T000/B000/XXXX',
      min_impact_usd: 100,
      min_impact_pct: 20,
      threshold_mode: 'and',
      frequency: 'immediate',
      monitor_ids: [],
      include_metric_anomalies: true,
      metric_watch_ids: [],
      include_drops: false,
      enabled: true,
    },
  });
export type CreateAlertSubscription = z.infer<typeof CreateAlertSubscriptionSchema>;
export type CreateAlertSubscriptionInput = z.input<typeof CreateAlertSubscriptionSchema>;

export const UpdateAlertSubscriptionSchema = z
  .object({
    name: name.optional(),
    recipients: recipients.optional().meta({ description: 'Email subscriptions only' }),
    url: url.optional().meta({ description: 'Slack and webhook subscriptions only' }),
    min_impact_usd: minUsd.nullable().optional(),
    min_impact_pct: minPct.nullable().optional(),
    threshold_mode: ThresholdModeSchema.optional(),
    frequency: AlertFrequencySchema.optional(),
    monitor_ids: monitorIds.optional(),
    include_metric_anomalies: includeMetric.optional(),
    metric_watch_ids: metricWatchIds.optional(),
    include_drops: includeDrops.optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'Nothing to change' })
  .meta({
    id: 'UpdateAlertSubscription',
    description:
      'Changes some fields; the channel cannot change (create another subscription). null clears a threshold.',
    example: { min_impact_usd: 250, enabled: true },
  });
export type UpdateAlertSubscription = z.infer<typeof UpdateAlertSubscriptionSchema>;

export const AlertDeliveryStatusSchema = z.enum(['queued', 'sending', 'sent', 'failed', 'cancelled']).meta({
  id: 'AlertDeliveryStatus',
  description:
    'queued: waiting for its first send or a retry (see next_attempt_at); sending: being sent now; sent; failed: every attempt failed; cancelled: the subscription was disabled before it was sent',
});
export type AlertDeliveryStatus = z.infer<typeof AlertDeliveryStatusSchema>;

export const AlertDeliveryErrorSchema = z
  .object({
    step: z.enum(['url', 'dns', 'address', 'connect', 'tls', 'http', 'smtp', 'config', 'internal']).meta({
      description:
        'Where it failed: url (refused URL), dns (no address), address (private/loopback address refused), connect, tls, http (the receiver answered non-2xx or a redirect), smtp, config',
    }),
    message: z.string().meta({ example: 'The webhook answered HTTP 500 Internal Server Error' }),
  })
  .meta({ id: 'AlertDeliveryError' });
export type AlertDeliveryError = z.infer<typeof AlertDeliveryErrorSchema>;

export const AlertSubscriptionSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    channel: AlertChannelSchema,
    recipients: z.array(z.string()).meta({ description: 'Email recipients; empty for other channels' }),
    pending_recipients: z.array(z.string()).meta({
      description:
        'Email recipients who have not confirmed yet (a link in the confirmation email sent when they were added): alerts and tests go to confirmed recipients only',
    }),
    url_masked: z.string().nullable().meta({
      description: 'Scheme and host of the Slack/webhook URL only',
      example: 'https://hooks.slack.com/…',
    }),
    has_signing_secret: z
      .boolean()
      .meta({ description: 'Webhooks: a signing secret exists (never shown again)' }),
    min_impact_usd: z.number().nullable(),
    min_impact_pct: z.number().nullable(),
    threshold_mode: ThresholdModeSchema,
    frequency: AlertFrequencySchema,
    monitor_ids: z
      .array(z.uuid())
      .meta({ description: 'Cost episodes of these monitors; empty = all monitors' }),
    include_metric_anomalies: z.boolean().meta({
      description:
        'Metric anomaly episodes alert too ($ threshold not applied; % on |deviation|; $-only: medium/high severity)',
    }),
    metric_watch_ids: z
      .array(z.uuid())
      .meta({ description: 'Metric episodes of these watches; empty = all watches' }),
    include_drops: z
      .boolean()
      .meta({ description: 'Cost drops (kind drop) alert too; off: they are only listed' }),
    enabled: z.boolean(),
    last_delivery: z
      .object({
        id: z.uuid(),
        status: AlertDeliveryStatusSchema,
        at: z.iso.datetime().meta({ description: 'When it was sent, or last changed' }),
        error: AlertDeliveryErrorSchema.nullable(),
      })
      .nullable()
      .meta({ description: 'The newest delivery (tests included), null before the first one' }),
    pending_digest: z
      .number()
      .int()
      .meta({ description: 'daily/weekly: episodes waiting for the next digest' }),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'AlertSubscription' });
export type AlertSubscription = z.infer<typeof AlertSubscriptionSchema>;

export const AlertSubscriptionWithSecretSchema = AlertSubscriptionSchema.extend({
  signing_secret: z.string().nullable().meta({
    description:
      'Webhooks: the HMAC signing secret, shown only in this answer (on create and rotate); null for other channels',
    example: 'whsec_3q2+7wXJ0aZ2kQ9mV1f8yH4sT6uB5nC0',
  }),
}).meta({ id: 'AlertSubscriptionWithSecret' });
export type AlertSubscriptionWithSecret = z.infer<typeof AlertSubscriptionWithSecretSchema>;

export const AlertSubscriptionPageSchema = pageOf(AlertSubscriptionSchema, 'AlertSubscriptionPage');
export type AlertSubscriptionPage = z.infer<typeof AlertSubscriptionPageSchema>;

export const AlertListQuerySchema = PageQuerySchema;
export type AlertListQuery = z.infer<typeof AlertListQuerySchema>;

export const AlertDeliverySchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['alert', 'digest', 'test']).meta({
      description:
        'alert: one episode (or its follow-up); digest: the daily/weekly summary; test: POST .../test',
    }),
    status: AlertDeliveryStatusSchema,
    subject: z.string().meta({ example: '[Cost Optimizer] +$1,250.00 (+84.0 %) AmazonEC2 — Per service' }),
    anomaly_ids: z.array(z.uuid()),
    level: z.number().int().nullable().meta({
      description:
        'Alert level: 0 at the threshold, n at 2^n x the threshold (follow-ups); null for digests/tests',
    }),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    last_error: AlertDeliveryErrorSchema.nullable(),
    next_attempt_at: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'When a queued delivery is tried (again)' }),
    sent_at: z.iso.datetime().nullable(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'AlertDelivery' });
export type AlertDelivery = z.infer<typeof AlertDeliverySchema>;

export const AlertDeliveryPageSchema = pageOf(AlertDeliverySchema, 'AlertDeliveryPage');
export type AlertDeliveryPage = z.infer<typeof AlertDeliveryPageSchema>;

export const AlertTestResultSchema = z
  .object({
    delivery_id: z.uuid(),
    status: z.literal('sent'),
    channel: AlertChannelSchema,
    detail: z.string().meta({ description: "The receiver's answer", example: 'HTTP 200' }),
    confirmations_sent: z.number().int().meta({
      description:
        'Email: confirmation emails sent again to the recipients who have not confirmed (the test itself goes to confirmed recipients only)',
    }),
    duration_ms: z.number().int(),
  })
  .meta({ id: 'AlertTestResult' });
export type AlertTestResult = z.infer<typeof AlertTestResultSchema>;

export const ConfirmAlertRecipientSchema = z
  .object({ token: z.string().min(20).max(200).meta({ description: 'The token of the confirmation link' }) })
  .strict()
  .meta({ id: 'ConfirmAlertRecipient' });
export type ConfirmAlertRecipient = z.infer<typeof ConfirmAlertRecipientSchema>;

export const AlertRecipientConfirmedSchema = z
  .object({
    email: z.string().meta({ example: 'finops@example.com' }),
    tenant_name: z.string().meta({ description: 'Whose alerts the address now receives', example: 'Acme' }),
  })
  .meta({ id: 'AlertRecipientConfirmed' });
export type AlertRecipientConfirmed = z.infer<typeof AlertRecipientConfirmedSchema>;
