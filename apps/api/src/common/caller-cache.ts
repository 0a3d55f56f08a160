import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { PLATFORM_SESSION, scopedRows, tenantSession } from '../database/db-scope';
import type { AuthUser } from './auth-user';

/** How often a replica asks the database which users' access changed. */
export const CALLER_SYNC_INTERVAL_MS = 1000;
/** A replica whose last successful sync started longer ago than this stops answering from its cache. */
export const CALLER_SYNC_STALE_MS = 3000;
/** Changes are looked for this far back (µs of `auth_version`): a revoking transaction that commits late is seen. */
const SYNC_LOOKBACK_US = 120_000_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  user: AuthUser;
  /** The user's `auth_version` when read. */
  version: number;
  loadedAt: number;
}

interface CallerRow {
  email: string;
  is_global_owner: boolean;
  disabled: boolean;
  /** The login session (refresh token family) the access token names is neither revoked nor past its end. */
  session_live: boolean;
  auth_version: string | number;
  role: Role;
}

/**
 * Who is calling, per (user, tenant, login session), cached per replica so an authenticated request does not read
 * the user, the membership and the session again. Revocation still holds (docs/security.md, "Caller cache"):
 * - every change that decides access (user disabled or enabled, made or unmade global owner, email changed,
 *   membership re-roled or removed: database triggers; a session ended by logout or by the reuse of a refresh
 *   token: AuthService) raises `app_user.auth_version` in the same transaction;
 * - every CALLER_SYNC_INTERVAL_MS the replica reads the users whose version rose in the last two minutes and drops
 *   what it cached about them from an older version; an authenticated write through this replica syncs it before
 *   its answer leaves, so the replica that made a change never answers from the state before it;
 * - an entry is used for at most CALLER_CACHE_TTL_SECONDS, and only while the last sync started less than
 *   CALLER_SYNC_STALE_MS ago (the database unreachable: no cache, requests fail as they would without it).
 * So another replica sees a revocation about one sync interval after it commits, and at worst
 * CALLER_CACHE_TTL_SECONDS after. CALLER_CACHE_TTL_SECONDS=0 turns the cache off.
 */
@Injectable()
export class CallerCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CallerCache');
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private lastSyncStart = Number.NEGATIVE_INFINITY;
  private running: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttlMs = config.callerCacheTtlSeconds * 1000;
  }

  onApplicationBootstrap(): void {
    if (this.ttlMs === 0) return;
    this.timer = setInterval(() => void this.sync().catch(() => undefined), CALLER_SYNC_INTERVAL_MS);
    this.timer.unref();
    void this.sync().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The caller, or null when the membership is gone, the user disabled or the session ended. */
  async resolve(userId: string, tenantId: string, sessionId: string): Promise<AuthUser | null> {
    const key = `${userId}:${tenantId}:${sessionId}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.loadedAt < this.ttlMs && now - this.lastSyncStart < CALLER_SYNC_STALE_MS)
      return hit.user;
    const row = await this.read(userId, tenantId, sessionId);
    if (!row || row.disabled || !row.session_live) {
      this.entries.delete(key);
      return null;
    }
    const user: AuthUser = {
      userId,
      email: row.email,
      tenantId,
      role: row.role,
      isGlobalOwner: row.is_global_owner,
    };
    if (this.ttlMs > 0) {
      this.entries.delete(key);
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { user, version: Number(row.auth_version), loadedAt: now });
    }
    return user;
  }

  /**
   * Drops what is cached about users whose access changed. Resolves after a sync that started after the call (a
   * caller that just committed a change knows the cache has seen it).
   */
  sync(): Promise<void> {
    if (this.ttlMs === 0) return Promise.resolve();
    if (!this.running) {
      this.running = this.poll().finally(() => (this.running = null));
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.sync();
      });
    return this.queued;
  }

  private async poll(): Promise<void> {
    const started = Date.now();
    try {
      const changed = await scopedRows<{ id: string; auth_version: string }>(
        this.em,
        PLATFORM_SESSION,
        `select id, auth_version from app_user
            where auth_version > (extract(epoch from clock_timestamp()) * 1000000)::bigint - $1`,
        [SYNC_LOOKBACK_US],
      );
      if (changed.length > 0 && this.entries.size > 0) {
        const versions = new Map(changed.map((r) => [r.id, Number(r.auth_version)]));
        for (const [key, entry] of this.entries) {
          const v = versions.get(entry.user.userId);
          if (v !== undefined && v > entry.version) this.entries.delete(key);
        }
      }
      this.lastSyncStart = started;
      if (this.failing) this.logger.log({ msg: 'caller cache sync works again' });
      this.failing = false;
    } catch (e) {
      if (!this.failing)
        this.logger.warn({ msg: 'caller cache sync failed: cache unused until it works', error: String(e) });
      this.failing = true;
      throw e;
    }
  }

  /**
   * The one indexed read behind a cache miss, in the claimed tenant's scope (one message): membership and user, and
   * whether the session is live (a token of the family not revoked, the login's absolute end not passed).
   */
  private async read(userId: string, tenantId: string, sessionId: string): Promise<CallerRow | null> {
    const rows = await scopedRows<CallerRow>(
      this.em,
      tenantSession(tenantId),
      `select u.email, u.is_global_owner, u.disabled_at is not null as disabled, u.auth_version, m.role,
              exists (select 1 from refresh_token r
                       where r.family_id = $3 and r.user_id = $1 and r.tenant_id = $2
                         and r.revoked_at is null and r.session_expires_at > now()) as session_live
         from membership m join app_user u on u.id = m.user_id
        where m.user_id = $1 and m.tenant_id = $2`,
      [userId, tenantId, sessionId],
    );
    return rows[0] ?? null;
  }
}
