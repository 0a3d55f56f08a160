import { randomUUID } from 'node:crypto';
import { p } from '@mikro-orm/postgresql';

/**
 * The base of every entity schema (the module template in the README): a UUID primary key made by the API, and
 * the row's timestamps. Spread them first into `properties`:
 *
 *   properties: { ...baseProperties(), tenant: () => p.manyToOne(TenantSchema), ... }
 *
 * An append-only row (an event, a log line) takes `entityId()` and `createdAt()` only.
 */
export const entityId = () =>
  p
    .uuid()
    .primary()
    .onCreate(() => randomUUID());

export const createdAt = () => p.datetime().onCreate(() => new Date());

export const updatedAt = () =>
  p
    .datetime()
    .onCreate(() => new Date())
    .onUpdate(() => new Date());

/** id, created_at, updated_at. */
export const baseProperties = () => ({ id: entityId(), created_at: createdAt(), updated_at: updatedAt() });
