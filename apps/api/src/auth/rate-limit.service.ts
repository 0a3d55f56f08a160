import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../common/errors';
import { platformEm } from '../database/db-scope';

export interface Limit {
  key: string;
  max: number;
  windowSeconds: number;
}

/** Fixed-window rate limits kept in PostgreSQL, so every API replica shares them (a platform table: no tenant). */
@Injectable()
export class RateLimitService {
  constructor(private readonly em: EntityManager) {}

  /** Counts one event; throws 429 with Retry-After once the window's count exceeds max. */
  async hit(limit: Limit, what: string): Promise<void> {
    if ((await this.increment(limit)) > limit.max) throw this.tooMany(this.bucket(limit).expiresAt, what);
  }

  /** Counts one event and returns the window's count (no limit applied). */
  async increment(limit: Omit<Limit, 'max'>): Promise<number> {
    const { bucket, expiresAt } = this.bucket(limit);
    const rows: { count: number }[] = await platformEm(this.em).execute(
      `insert into rate_limit_bucket (key, count, expires_at) values (?, 1, ?)
       on conflict (key) do update set count = rate_limit_bucket.count + 1 returning count`,
      [bucket, expiresAt],
    );
    return rows[0]?.count ?? 0;
  }

  /** The window's count so far. */
  async count(limit: Omit<Limit, 'max'>): Promise<number> {
    const rows: { count: number }[] = await platformEm(this.em).execute(
      'select count from rate_limit_bucket where key = ?',
      [this.bucket(limit).bucket],
    );
    return rows[0]?.count ?? 0;
  }

  /** Throws 429 when the window already holds max events (without counting this one). */
  async check(limit: Limit, what: string): Promise<void> {
    if ((await this.count(limit)) >= limit.max) throw this.tooMany(this.bucket(limit).expiresAt, what);
  }

  async purgeExpired(): Promise<void> {
    await platformEm(this.em).execute('delete from rate_limit_bucket where expires_at < now()');
  }

  private bucket(limit: Omit<Limit, 'max'>) {
    const windowMs = limit.windowSeconds * 1000;
    const index = Math.floor(Date.now() / windowMs);
    return {
      bucket: `${limit.key}:${limit.windowSeconds}:${index}`,
      expiresAt: new Date((index + 1) * windowMs),
    };
  }

  private tooMany(expiresAt: Date, what: string) {
    const retryAfter = Math.max(1, Math.ceil((expiresAt.getTime() - Date.now()) / 1000));
    return new AppError(
      429,
      'RATE_LIMITED',
      `Too many ${what}; try again in ${retryAfter} s`,
      { retry_after_s: retryAfter },
      { 'retry-after': String(retryAfter) },
    );
  }
}
