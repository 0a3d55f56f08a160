import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { tenantRls } from '../database/db-roles.constants';
import { TenantSchema } from './tenant.entity';

/**
 * An invitation to join a tenant with a role. Adding a member creates one; the person becomes a member only when
 * they accept it while signed in with that email (they sign up first when they have no account). The answer to the
 * inviter is the same whether or not an account uses the email. When the platform sends email the invitee gets a
 * link with a single-use token, which also lets someone without an account sign up straight into the tenant. One per (tenant, email): inviting again renews it.
 */
export const InvitationSchema = defineEntity({
  name: 'Invitation',
  tableName: 'invitation',
  ...tenantRls(),
  uniques: [{ properties: ['tenant', 'email'] }],
  indexes: [{ properties: ['email'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade'),
    email: p.string().length(320),
    role: p.enum(['owner', 'admin', 'viewer'] as const),
    invited_by: p.uuid().nullable(),
    created_at: p.datetime().onCreate(() => new Date()),
    expires_at: p.datetime(),
    /**
     * sha256 of the secret of the invitation link (`/invitation?token=<id>.<secret>`, emailed when the platform sends
     * email); a new secret each time the invitation is renewed; the link dies with the invitation (accepted, revoked).
     */
    token_hash: p.string().length(64).nullable().lazy(),
  },
});
export type InvitationEntity = InferEntity<typeof InvitationSchema>;
