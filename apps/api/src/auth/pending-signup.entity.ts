import { randomUUID } from 'node:crypto';
import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

/**
 * A sign-up waiting for its email to be verified (SIGNUP_EMAIL_VERIFICATION): no user, tenant or membership exists
 * until the link of the verification email is used. Only sha256 of the link's token is stored. One per email: a new
 * sign-up with the same email replaces it (the newest link wins). A platform table (no tenant); the tenant role has
 * no privilege on it (it holds password hashes).
 */
export const PendingSignupSchema = defineEntity({
  name: 'PendingSignup',
  tableName: 'pending_signup',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    email: p.string().length(320).unique(),
    token_hash: p.string().length(64).unique(),
    password_hash: p.string().length(255).lazy(),
    name: p.string().length(120).nullable(),
    tenant_name: p.string().length(120).nullable(),
    created_at: p.datetime().onCreate(() => new Date()),
    expires_at: p.datetime().index(),
  },
});
export type PendingSignup = InferEntity<typeof PendingSignupSchema>;
