import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';

/** Fixed-window counters shared by every API replica (the key includes the window's index). */
export const RateLimitBucketSchema = defineEntity({
  name: 'RateLimitBucket',
  tableName: 'rate_limit_bucket',
  properties: {
    key: p.string().length(300).primary(),
    count: p.integer(),
    expires_at: p.datetime().index(),
  },
});
export type RateLimitBucket = InferEntity<typeof RateLimitBucketSchema>;
