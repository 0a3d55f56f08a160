import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

export const TenantSchema = defineEntity({
  name: 'Tenant',
  tableName: 'tenant',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    name: p.string().length(120),
    created_at: p.datetime().onCreate(() => new Date()),
  },
});
export type Tenant = InferEntity<typeof TenantSchema>;

export const MembershipSchema = defineEntity({
  name: 'Membership',
  tableName: 'membership',
  uniques: [{ properties: ['tenant', 'user'] }],
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade').index(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').index(),
    role: p.enum(['owner', 'admin', 'viewer'] as const),
    created_at: p.datetime().onCreate(() => new Date()),
  },
});
export type Membership = InferEntity<typeof MembershipSchema>;

// Declared here (not in auth/) so the three core tables live in one definition file without import cycles.
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'app_user',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    email: p.string().length(254).unique(),
    name: p.string().length(120).nullable(),
    password_hash: p.string().length(255),
    is_global_owner: p.boolean().default(false),
    disabled_at: p.datetime().nullable(),
    created_at: p.datetime().onCreate(() => new Date()),
  },
});
export type User = InferEntity<typeof UserSchema>;
