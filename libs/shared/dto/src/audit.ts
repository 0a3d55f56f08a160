import { z } from 'zod';
import { PageQuerySchema, pageOf } from './common';

/** What the audit log records. Other modules may add actions (e.g. alert channels); the list is documentation. */
export const AUDIT_ACTIONS = [
  'aws.connected',
  'aws.reconfigured',
  'aws.verified',
  'aws.verification_failed',
  'aws.disconnected',
  'member.added',
  'member.role_changed',
  'member.removed',
  'tenant.renamed',
  'tenant.default_measure_changed',
  'user.disabled',
  'user.enabled',
  'anomaly_monitor.created',
  'anomaly_monitor.updated',
  'anomaly_monitor.deleted',
  'alert_subscription.created',
  'alert_subscription.updated',
  'alert_subscription.deleted',
  'alert_subscription.secret_rotated',
  'platform.access',
] as const;

export const AuditActionSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, { message: 'Must look like area.verb, e.g. member.added' })
  .max(64)
  .meta({ description: `One of: ${AUDIT_ACTIONS.join(', ')} (more may be added)`, example: 'member.added' });

export const AuditEventSchema = z
  .object({
    id: z.uuid(),
    at: z.iso.datetime().meta({ example: '2026-11-25T03:00:00.000Z' }),
    action: AuditActionSchema,
    actor: z
      .object({
        user_id: z.uuid().nullable(),
        email: z.string().nullable().meta({ example: 'ada@example.com' }),
      })
      .meta({ description: 'Who did it (null for the platform itself)' }),
    target: z
      .object({
        type: z.string().meta({ example: 'member' }),
        id: z.string().nullable().meta({ example: 'grace@example.com' }),
      })
      .nullable(),
    details: z
      .record(z.string(), z.unknown())
      .meta({ description: 'What changed (never secrets)', example: { role: 'admin' } }),
    ip: z.string().nullable().meta({ example: '203.0.113.7' }),
    correlation_id: z.string().nullable(),
  })
  .meta({ id: 'AuditEvent' });
export type AuditEvent = z.infer<typeof AuditEventSchema>;

export const AuditEventQuerySchema = PageQuerySchema.extend({
  action: AuditActionSchema.optional(),
});
export type AuditEventQuery = z.infer<typeof AuditEventQuerySchema>;

export const AuditEventPageSchema = pageOf(AuditEventSchema, 'AuditEventPage');
export type AuditEventPage = z.infer<typeof AuditEventPageSchema>;
