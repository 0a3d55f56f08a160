import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { TenantSchema, UserSchema } from '../tenants/tenant.entity';
import { tenantRls } from '../database/db-roles.constants';

/**
 * One row per issued refresh token. The token string is `<id>.<secret>`; only sha256(secret) is stored.
 * Tokens of one login form a family: reusing a used token revokes the whole family.
 */
export const RefreshTokenSchema = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_token',
  ...tenantRls(),
  properties: {
    id: p.uuid().primary(),
    tenant: () => p.manyToOne(TenantSchema).deleteRule('cascade').index(),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').index(),
    family_id: p.uuid().index(),
    token_hash: p.string().length(64),
    expires_at: p.datetime(),
    /** The login's absolute end (REFRESH_TOKEN_SESSION_MAX_DAYS after it), copied to every rotated token. */
    session_expires_at: p.datetime(),
    used_at: p.datetime().nullable(),
    revoked_at: p.datetime().nullable(),
    created_at: p.datetime().onCreate(() => new Date()),
  },
});
export type RefreshToken = InferEntity<typeof RefreshTokenSchema>;
