import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { TenantSchema } from '../tenants/tenant.entity';
import { tenantRls } from '../database/db-roles.constants';

/**
 * Who changed what in a tenant. Actor columns are copies (no foreign key): the record outlives the account.
 * `details` never holds secrets (AuditService strips them).
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  ...tenantRls(),
  indexes: [{ properties: ['tenant', 'at'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    actor_user_id: p.uuid().nullable(),
    actor_email: p.string().length(254).nullable(),
    action: p.string().length(64),
    target_type: p.string().length(40).nullable(),
    target_id: p.string().length(300).nullable(),
    details: p.json<Record<string, unknown>>(),
    ip: p.string().length(64).nullable(),
    correlation_id: p.string().length(100).nullable(),
    at: p.datetime().onCreate(() => new Date()),
  },
});
export type AuditEventEntity = InferEntity<typeof AuditEventSchema>;
