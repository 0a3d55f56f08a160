import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import type {
  LoginRequest,
  MeResponse,
  Role,
  SignupCheckEmail,
  SignupRequest,
  TokenResponse,
} from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { AuthUser } from '../common/auth-user';
import { AppError } from '../common/errors';
import { MembershipSchema, TenantSchema, UserSchema, type User } from '../tenants/tenant.entity';
import { InvitationSchema } from '../tenants/invitation.entity';
import { AuditService } from '../audit/audit.service';
import { RefreshTokenSchema } from './refresh-token.entity';
import { dummyHash, hashPassword, verifyPassword } from './password';
import { RateLimitService } from './rate-limit.service';
import { SignupNotice } from './signup-notice';
import { PLATFORM_SESSION, platformEm, scopedRows, tenantEm } from '../database/db-scope';
import { CallerCache } from '../common/caller-cache';

export interface AccessClaims {
  sub: string;
  tid: string;
  /** The login session: the refresh token family (ended by logout or by the reuse of a refresh token). */
  sid: string;
  typ: 'access';
}

interface MeRow {
  id: string;
  email: string;
  name: string | null;
  is_global_owner: boolean;
  tenant_id: string;
  tenant_name: string;
  role: Role;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** How long a sign-up's verification link works. */
export const SIGNUP_VERIFICATION_TTL_HOURS = 24;
/** Sign-up emails (verification links and notes) one address gets per hour at most. */
export const SIGNUP_EMAILS_PER_ADDRESS_HOUR = 5;

interface PendingRow {
  email: string;
  password_hash: string;
  name: string | null;
  tenant_name: string | null;
  expired: boolean;
}

const sameHash = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

const emailTaken = (message: string) =>
  new AppError(409, 'EMAIL_TAKEN', message, [{ field: 'email', message: 'Already has an account' }]);

const CHECK_EMAIL: SignupCheckEmail = { status: 'check_email', message: 'Check your email to continue.' };

@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly em: EntityManager,
    private readonly jwt: JwtService,
    private readonly limits: RateLimitService,
    private readonly callers: CallerCache,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private notice: SignupNotice | null = null;
  private get signupNotice(): SignupNotice {
    return (this.notice ??= new SignupNotice(this.config));
  }

  /**
   * Sign-up. Through an invitation link (`invitation_token`): the invited email's account, signed in, member of the
   * inviting tenant. Otherwise, with email verification on (SIGNUP_EMAIL_VERIFICATION), the same 202 `check_email`
   * whether or not the email has an account: a new email gets a verification link (a pending sign-up, no user yet),
   * a taken one a note; the password is hashed and the mail sent in the background either way, so neither the body
   * nor the timing tells them apart. With verification off: a new account and its tenant, signed in (201), and a
   * taken email answers 202 `check_email` (docs/security.md: what that leaves).
   */
  async signup(body: SignupRequest, ip: string): Promise<TokenResponse | SignupCheckEmail> {
    await this.limits.hit(
      { key: `signup-ip:${ip}`, max: this.config.rateLimits.signupsPerIp, windowSeconds: 3600 },
      'sign-ups from this address',
    );
    const passwordHash = await hashPassword(body.password);
    if (body.invitation_token) return this.signupByInvitation(body, body.invitation_token, passwordHash);
    if (this.config.signupEmailVerification) return this.signupPending(body, passwordHash);
    const em = platformEm(this.em);
    const created = await em.transactional(async (tx) => {
      if (await tx.count(UserSchema, { email: body.email })) return null;
      const tenant = tx.create(TenantSchema, { name: body.tenant_name ?? defaultTenantName(body.email) });
      const user = tx.create(UserSchema, {
        email: body.email,
        name: body.name ?? null,
        password_hash: passwordHash,
        is_global_owner: false,
      });
      tx.create(MembershipSchema, { tenant, user, role: 'owner' });
      await tx.flush();
      return { user, tenantId: tenant.id };
    });
    if (!created) {
      this.logger.log({ msg: 'signup with an existing email' });
      void this.signupNotice.send(body.email);
      return CHECK_EMAIL;
    }
    const { user, tenantId } = created;
    this.logger.log({ msg: 'signup', user_id: user.id, tenant_id: tenantId });
    return this.issueTokens(em, user.id, tenantId, randomUUID(), this.newSessionEnd());
  }

  /**
   * Verification on: stores (or replaces: the newest link wins) the pending sign-up of a new email, purges expired
   * ones, and mails the link or the note in the background. Same answer for both. Emails to one address are capped
   * per hour (SIGNUP_EMAILS_PER_ADDRESS_HOUR) so sign-up cannot flood a mailbox; above it sign-up answers the same
   * and changes nothing.
   */
  private async signupPending(body: SignupRequest, passwordHash: string): Promise<SignupCheckEmail> {
    const token = randomBytes(32).toString('base64url');
    const mails = await this.limits.increment({
      key: `signup-mail:${sha256(body.email).slice(0, 32)}`,
      windowSeconds: 3600,
    });
    // Above the cap the pending sign-up (and its link, already mailed) stays as it is: no new link, no email.
    const mail = mails <= SIGNUP_EMAILS_PER_ADDRESS_HOUR;
    const em = platformEm(this.em);
    const taken = await em.transactional(async (tx) => {
      await tx.execute('delete from pending_signup where expires_at < now()');
      if (await tx.count(UserSchema, { email: body.email })) return true;
      if (!mail) return false;
      await tx.execute(
        `insert into pending_signup (id, email, token_hash, password_hash, name, tenant_name, created_at, expires_at)
         values (?, ?, ?, ?, ?, ?, now(), now() + make_interval(hours => ?))
         on conflict (email) do update set token_hash = excluded.token_hash, password_hash = excluded.password_hash,
           name = excluded.name, tenant_name = excluded.tenant_name, created_at = excluded.created_at,
           expires_at = excluded.expires_at`,
        [
          randomUUID(),
          body.email,
          sha256(token),
          passwordHash,
          body.name ?? null,
          body.tenant_name ?? null,
          SIGNUP_VERIFICATION_TTL_HOURS,
        ],
      );
      return false;
    });
    this.logger.log({ msg: taken ? 'signup with an existing email' : 'signup pending verification' });
    if (mail) {
      if (taken) void this.signupNotice.send(body.email);
      else void this.signupNotice.sendVerification(body.email, token, SIGNUP_VERIFICATION_TTL_HOURS);
    }
    return CHECK_EMAIL;
  }

  /**
   * The link of a verification email: creates the user, the tenant and the owner membership of the pending sign-up
   * and signs in. The token works once (its row is deleted in the same transaction, also when the answer is an
   * error); an email that got an account meanwhile answers 409 EMAIL_TAKEN and creates nothing.
   */
  async verifyEmail(token: string, ip: string): Promise<TokenResponse> {
    await this.limits.hit(
      {
        key: `verify-email-ip:${ip}`,
        max: this.config.rateLimits.loginAttemptsPerIp,
        windowSeconds: this.config.rateLimits.windowSeconds,
      },
      'email verifications from this address',
    );
    const em = platformEm(this.em);
    const outcome = await em.transactional(async (tx) => {
      const rows: PendingRow[] = await tx.execute(
        `delete from pending_signup where token_hash = ?
         returning email, password_hash, name, tenant_name, expires_at < now() as expired`,
        [sha256(token)],
      );
      const pending = rows[0];
      if (!pending) return 'unknown' as const;
      if (pending.expired) return 'expired' as const;
      if (await tx.count(UserSchema, { email: pending.email })) return 'taken' as const;
      const tenant = tx.create(TenantSchema, {
        name: pending.tenant_name ?? defaultTenantName(pending.email),
      });
      const user = tx.create(UserSchema, {
        email: pending.email,
        name: pending.name,
        password_hash: pending.password_hash,
        is_global_owner: false,
      });
      tx.create(MembershipSchema, { tenant, user, role: 'owner' });
      await tx.flush();
      return { userId: user.id, tenantId: tenant.id };
    });
    if (outcome === 'unknown' || outcome === 'expired') {
      throw new AppError(
        400,
        'VERIFICATION_TOKEN_INVALID',
        outcome === 'expired'
          ? `This verification token has expired (links work for ${SIGNUP_VERIFICATION_TTL_HOURS} hours): sign up again`
          : 'This verification token is unknown or was already used: sign up again, or log in if you already verified',
        [{ field: 'token', message: outcome === 'expired' ? 'Expired' : 'Unknown or already used' }],
      );
    }
    if (outcome === 'taken')
      throw emailTaken('An account with this email was created meanwhile: log in instead');
    this.logger.log({ msg: 'signup verified', user_id: outcome.userId, tenant_id: outcome.tenantId });
    return this.issueTokens(em, outcome.userId, outcome.tenantId, randomUUID(), this.newSessionEnd());
  }

  /**
   * Sign-up through an invitation link: the token (`<invitation id>.<secret>`) proves the invited address, so the
   * account is created at once, as a member of the inviting tenant with the invitation's role (no tenant of its own),
   * and the invitation is used up. The email must be the invited one.
   */
  private async signupByInvitation(
    body: SignupRequest,
    token: string,
    passwordHash: string,
  ): Promise<TokenResponse> {
    const [id, secret] = token.split('.');
    const invalid = () =>
      new AppError(
        400,
        'INVITATION_TOKEN_INVALID',
        'This invitation token is unknown, used, revoked or expired: ask for a new invitation',
        [{ field: 'invitation_token', message: 'Unknown, used, revoked or expired' }],
      );
    if (!id || !secret || !/^[0-9a-f-]{36}$/.test(id)) throw invalid();
    const em = platformEm(this.em);
    const created = await em.transactional(async (tx) => {
      const inv = await tx.findOne(
        InvitationSchema,
        { id, expires_at: { $gt: new Date() } },
        { populate: ['token_hash'], lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!inv?.token_hash || !sameHash(inv.token_hash, sha256(secret))) throw invalid();
      if (inv.email !== body.email) {
        throw new AppError(
          422,
          'INVITATION_EMAIL_MISMATCH',
          'This invitation was sent to another email address: sign up with the address it was sent to',
          [{ field: 'email', message: 'Not the invited address' }],
        );
      }
      if (await tx.count(UserSchema, { email: body.email }))
        throw emailTaken('An account already uses this email: log in, then accept the invitation');
      const tenantId = inv.tenant.id;
      const user = tx.create(UserSchema, {
        email: body.email,
        name: body.name ?? null,
        password_hash: passwordHash,
        is_global_owner: false,
      });
      tx.create(MembershipSchema, { tenant: tenantId, user, role: inv.role });
      await this.audit.record(
        {
          tenantId,
          action: 'member.added',
          target: { type: 'user', id: user.id },
          details: { email: body.email, role: inv.role, invitation: inv.id, signup: true },
        },
        tx,
      );
      tx.remove(inv);
      await tx.flush();
      return { userId: user.id, tenantId };
    });
    this.logger.log({ msg: 'signup by invitation', user_id: created.userId, tenant_id: created.tenantId });
    return this.issueTokens(em, created.userId, created.tenantId, randomUUID(), this.newSessionEnd());
  }

  /**
   * Failed logins are counted per (account, address): one address that guesses an account's password is stopped
   * (429) after LOGIN_MAX_FAILURES_PER_ACCOUNT failures, but addresses that never failed keep their chance, so
   * guesses from many addresses cannot lock the owner out. Failures across all addresses slow every later attempt
   * at the account instead (see loginDelayMs), whatever the password, so the delay reveals nothing.
   */
  async login(body: LoginRequest, ip: string): Promise<TokenResponse> {
    const window = this.config.rateLimits.windowSeconds;
    await this.limits.hit(
      { key: `login-ip:${ip}`, max: this.config.rateLimits.loginAttemptsPerIp, windowSeconds: window },
      'login attempts from this address',
    );
    const threshold = this.config.rateLimits.loginFailuresPerAccount;
    const pairLimit = {
      key: `login-fail:${sha256(body.email).slice(0, 32)}:${ip}`,
      max: threshold,
      windowSeconds: window,
    };
    await this.limits.check(pairLimit, 'failed logins for this account from this address');
    const accountCounter = { key: `login-fail:${body.email}`, windowSeconds: window };
    const delay = loginDelayMs(await this.limits.count(accountCounter), threshold);
    if (delay > 0) await sleep(delay);
    const em = platformEm(this.em);
    const user = await em.findOne(UserSchema, { email: body.email }, { populate: ['password_hash'] });
    let ok = false;
    if (user && !user.disabled_at) ok = await verifyPassword(user.password_hash, body.password);
    else await verifyPassword(await dummyHash(), body.password); // same cost whether or not the account exists
    if (!user || !ok) {
      await this.limits.increment(accountCounter);
      await this.limits.hit(pairLimit, 'failed logins for this account from this address');
      throw new AppError(401, 'INVALID_CREDENTIALS', 'Email or password is incorrect');
    }
    const membership = await this.pickMembership(em, user.id, body.tenant_id);
    if (!membership) {
      throw new AppError(
        401,
        'INVALID_CREDENTIALS',
        body.tenant_id ? 'You are not a member of that tenant' : 'Your account belongs to no tenant',
      );
    }
    return this.issueTokens(em, user.id, membership.tenantId, randomUUID(), this.newSessionEnd());
  }

  async refresh(token: string): Promise<TokenResponse> {
    // The token names its tenant: found in the platform scope, then everything else in that tenant's.
    const row = await this.findRefresh(platformEm(this.em), token);
    if (!row)
      throw new AppError(401, 'REFRESH_TOKEN_INVALID', 'Refresh token is invalid or expired: log in again');
    const em = tenantEm(this.em, row.tenant.id);
    // Claim the token atomically: a concurrent or later second use finds it used.
    const claimed: unknown[] = await em.execute(
      'update refresh_token set used_at = now() where id = ? and used_at is null and revoked_at is null returning id',
      [row.id],
    );
    if (claimed.length === 0) {
      await this.endSession(row.family_id);
      this.logger.warn({
        msg: 'refresh token reuse: family revoked',
        user_id: row.user.id,
        family_id: row.family_id,
      });
      throw new AppError(
        401,
        'REFRESH_TOKEN_REUSED',
        'This refresh token was already used: the session is revoked, log in again',
      );
    }
    if (row.expires_at.getTime() < Date.now() || row.session_expires_at.getTime() < Date.now()) {
      throw new AppError(401, 'REFRESH_TOKEN_INVALID', 'Refresh token is invalid or expired: log in again');
    }
    const who = await this.resolveUser(row.user.id, row.tenant.id);
    if (!who) {
      await this.endSession(row.family_id);
      throw new AppError(401, 'REFRESH_TOKEN_INVALID', 'Your access to this tenant has ended: log in again');
    }
    return this.issueTokens(em, row.user.id, row.tenant.id, row.family_id, row.session_expires_at);
  }

  /**
   * Ends the login session of a refresh token: the token and every token rotated from it, and the session's access
   * tokens (they name it, `sid`): refused by this replica before the answer leaves, by the others within the caller
   * cache's bound (docs/security.md, "Caller cache").
   */
  async logout(token: string): Promise<void> {
    const row = await this.findRefresh(platformEm(this.em), token);
    if (row) await this.endSession(row.family_id);
  }

  /** The caller behind an access token, or null when the user or membership is gone. */
  async resolveUser(userId: string, tenantId: string): Promise<AuthUser | null> {
    const em = tenantEm(this.em, tenantId);
    const m = await em.findOne(MembershipSchema, { user: userId, tenant: tenantId }, { populate: ['user'] });
    if (!m || m.user.disabled_at) return null;
    return { userId, email: m.user.email, tenantId, role: m.role, isGlobalOwner: m.user.is_global_owner };
  }

  /**
   * One statement (the platform scope: the caller's memberships in other tenants are listed too), nothing hydrated:
   * the user, and each membership with its tenant, oldest first.
   */
  async me(who: AuthUser): Promise<MeResponse> {
    const rows = await scopedRows<MeRow>(
      this.em,
      PLATFORM_SESSION,
      `select u.id, u.email, u.name, u.is_global_owner, m.tenant_id, t.name as tenant_name, m.role
         from app_user u join membership m on m.user_id = u.id join tenant t on t.id = m.tenant_id
        where u.id = $1
        order by m.created_at, m.tenant_id`,
      [who.userId],
    );
    const current = rows.find((m) => m.tenant_id === who.tenantId);
    if (!current)
      throw new AppError(401, 'UNAUTHORIZED', 'Your access to this tenant has ended: log in again');
    return {
      user: { id: current.id, email: current.email, name: current.name ?? null },
      tenant: { id: current.tenant_id, name: current.tenant_name },
      role: current.role,
      is_global_owner: current.is_global_owner,
      memberships: rows.map((m) => ({ tenant_id: m.tenant_id, tenant_name: m.tenant_name, role: m.role })),
    };
  }

  /** Creates or updates the platform administrator from ADMIN_EMAIL / ADMIN_PASSWORD (idempotent). */
  async ensureGlobalOwner(email: string, password: string): Promise<{ created: boolean }> {
    const em = platformEm(this.em);
    const normalized = email.trim().toLowerCase();
    return em.transactional(async (tx) => {
      let user: User | null = await tx.findOne(
        UserSchema,
        { email: normalized },
        { populate: ['password_hash'] },
      );
      const created = !user;
      if (!user) {
        user = tx.create(UserSchema, {
          email: normalized,
          name: 'Platform admin',
          password_hash: await hashPassword(password),
          is_global_owner: true,
        });
        const tenant = tx.create(TenantSchema, { name: 'Platform administration' });
        tx.create(MembershipSchema, { tenant, user, role: 'owner' });
      } else {
        user.is_global_owner = true;
        if (!(await verifyPassword(user.password_hash, password)))
          user.password_hash = await hashPassword(password);
      }
      await tx.flush();
      return { created };
    });
  }

  private async pickMembership(
    em: EntityManager,
    userId: string,
    tenantId?: string,
  ): Promise<{ tenantId: string; role: Role } | null> {
    const m = await em.findOne(
      MembershipSchema,
      tenantId ? { user: userId, tenant: tenantId } : { user: userId },
      { orderBy: { created_at: 'asc' } },
    );
    return m ? { tenantId: m.tenant.id, role: m.role } : null;
  }

  private async issueTokens(
    em: EntityManager,
    userId: string,
    tenantId: string,
    familyId: string,
    sessionExpiresAt: Date,
  ): Promise<TokenResponse> {
    const claims: AccessClaims = { sub: userId, tid: tenantId, sid: familyId, typ: 'access' };
    const access = await this.jwt.signAsync(claims, {
      expiresIn: this.config.jwt.accessTtlSeconds,
      algorithm: 'HS256',
    });
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    em.create(RefreshTokenSchema, {
      id,
      tenant: tenantId,
      user: userId,
      family_id: familyId,
      token_hash: sha256(secret),
      expires_at: new Date(
        Math.min(Date.now() + this.config.jwt.refreshTtlDays * 86_400_000, sessionExpiresAt.getTime()),
      ),
      session_expires_at: sessionExpiresAt,
    });
    await em.flush();
    return {
      access_token: access,
      refresh_token: `${id}.${secret}`,
      token_type: 'Bearer',
      expires_in: this.config.jwt.accessTtlSeconds,
    };
  }

  /** The absolute end of a login that starts now. */
  private newSessionEnd(): Date {
    return new Date(Date.now() + this.config.jwt.refreshSessionMaxDays * 86_400_000);
  }

  private async findRefresh(em: EntityManager, token: string) {
    const [id, secret] = token.split('.');
    if (!id || !secret || !/^[0-9a-f-]{36}$/.test(id)) return null;
    const row = await em.findOne(RefreshTokenSchema, { id });
    if (!row) return null;
    const a = Buffer.from(row.token_hash);
    const b = Buffer.from(sha256(secret));
    return a.length === b.length && timingSafeEqual(a, b) ? row : null;
  }

  /**
   * Revokes a refresh token family and, in the same statement, raises its user's `auth_version`, so every replica's
   * caller cache drops what it holds about the user and re-reads the session (ended) at its next request; then syncs
   * this replica's cache before returning. Platform scope: the tenant role does not write `app_user`.
   */
  private async endSession(familyId: string): Promise<void> {
    await scopedRows(
      this.em,
      PLATFORM_SESSION,
      `with ended as (update refresh_token set revoked_at = now()
                       where family_id = $1 and revoked_at is null returning user_id)
       update app_user set auth_version = greatest(auth_version + 1, (extract(epoch from clock_timestamp()) * 1000000)::bigint)
        where id in (select user_id from ended)`,
      [familyId],
    );
    await this.callers.sync();
  }
}

/** First delay once an account has this many failures in the window, doubled per further failure, capped. */
export const LOGIN_DELAY_BASE_MS = 500;
export const LOGIN_DELAY_MAX_MS = 5000;

/**
 * The wait before an attempt at an account that has `failures` failed logins in the window (from any address):
 * none below `threshold`, then 0.5 s, 1 s, 2 s, 4 s, 5 s... Spread guessing is slowed; the owner still gets in.
 */
export function loginDelayMs(failures: number, threshold: number): number {
  if (failures < threshold) return 0;
  return Math.min(LOGIN_DELAY_MAX_MS, LOGIN_DELAY_BASE_MS * 2 ** Math.min(failures - threshold, 20));
}

function defaultTenantName(email: string): string {
  const domain = email.split('@')[1] ?? 'My company';
  return domain.length > 120 ? domain.slice(0, 120) : domain;
}
