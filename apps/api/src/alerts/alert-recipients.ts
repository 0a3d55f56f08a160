import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { AlertRecipientConfirmed } from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { platformEm } from '../database/db-scope';
import { TenantSchema } from '../tenants/tenant.entity';
import { renderConfirmation } from './alert-message';
import { AlertSender } from './alert-sender';
import { AlertRecipientSchema, AlertSendLogSchema } from './alerts.entity';
import { confirmationNotFound, quotaExceeded } from './alerts.errors';
import { AlertsRepository } from './alerts.repository';

/** A confirmation link works this long after it was issued. */
const CONFIRMATION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Serializes a tenant's on-demand sends (quota check + insert) and recipient registration. */
const QUOTA_LOCK = 72_150_013;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Email recipients of alerts: who confirmed, the confirmation links (sent once a change is saved, within
 * ALERT_CONFIRMATIONS_PER_DAY), and the tenant's on-demand quota (test sends, confirmations). Runs in the caller's
 * tenant scope, except confirmRecipient (public link: platform scope, by the token's hash).
 */
@Injectable()
export class AlertRecipients {
  private readonly logger = new Logger('Alerts');

  constructor(
    private readonly em: EntityManager,
    private readonly repo: AlertsRepository,
    private readonly sender: AlertSender,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The addresses among `emails` that confirmed the tenant's alerts. Runs in the caller's tenant scope. */
  async confirmedAmong(tenantId: string, emails: readonly string[]): Promise<Set<string>> {
    if (emails.length === 0) return new Set();
    const rows = await this.em
      .fork()
      .find(
        AlertRecipientSchema,
        { tenant: tenantId, email: { $in: [...emails] }, confirmed_at: { $ne: null } },
        { fields: ['email'] },
      );
    return new Set(rows.map((r) => r.email));
  }

  /**
   * Public (no session): the link of a confirmation email. Looked up by the token's hash in the platform scope, as
   * sign-in looks up an account; the link works once, within 7 days of being sent.
   */
  async confirmRecipient(token: string): Promise<AlertRecipientConfirmed> {
    const em = platformEm(this.em);
    const r = await em.findOne(AlertRecipientSchema, { token_hash: sha256(token) }, { populate: ['tenant'] });
    if (!r || !r.sent_at || r.sent_at.getTime() + CONFIRMATION_TTL_MS < Date.now())
      throw confirmationNotFound();
    r.confirmed_at = new Date();
    r.token_hash = null;
    await em.flush();
    this.logger.log({ msg: 'alert recipient confirmed', tenant_id: r.tenant.id, recipient_id: r.id });
    return { email: r.email, tenant_name: r.tenant.name };
  }

  /**
   * Addresses new to the tenant get a pending row and a confirmation link (within ALERT_CONFIRMATIONS_PER_DAY, else
   * 429 and nothing changes); returns the links to mail once the caller's change is saved.
   */
  async registerRecipients(
    tenantId: string,
    emails: readonly string[],
  ): Promise<{ email: string; token: string }[]> {
    return this.em.fork().transactional(async (tx) => {
      await this.lockQuota(tx, tenantId);
      const known = await tx.find(
        AlertRecipientSchema,
        { tenant: tenantId, email: { $in: [...emails] } },
        { fields: ['email'] },
      );
      const seen = new Set(known.map((r) => r.email));
      const fresh = [...new Set(emails)].filter((e) => !seen.has(e));
      if (fresh.length === 0) return [];
      await this.takeQuota(tx, tenantId, 'confirmation', fresh.length);
      const links = fresh.map((email) => ({ email, token: randomBytes(32).toString('base64url') }));
      for (const { email, token } of links)
        tx.create(AlertRecipientSchema, {
          tenant: tenantId,
          email,
          token_hash: sha256(token),
          sent_at: new Date(),
          confirmed_at: null,
        });
      return links;
    });
  }

  /** New links for the addresses among `emails` that have not confirmed (counted in the confirmation quota). */
  async renewPending(
    tenantId: string,
    emails: readonly string[],
  ): Promise<{ email: string; token: string }[]> {
    if (emails.length === 0) return [];
    return this.em.fork().transactional(async (tx) => {
      await this.lockQuota(tx, tenantId);
      const pending = await tx.find(AlertRecipientSchema, {
        tenant: tenantId,
        email: { $in: [...emails] },
        confirmed_at: null,
      });
      if (pending.length === 0) return [];
      await this.takeQuota(tx, tenantId, 'confirmation', pending.length);
      return pending.map((r) => {
        const token = randomBytes(32).toString('base64url');
        r.token_hash = sha256(token);
        r.sent_at = new Date();
        return { email: r.email, token };
      });
    });
  }

  /** Mails confirmation links, one message per address; a failed send is logged (a test sends it again). */
  async sendConfirmations(
    tenantId: string,
    links: readonly { email: string; token: string }[],
  ): Promise<number> {
    if (links.length === 0) return 0;
    const tenant = await this.em.fork().findOne(TenantSchema, { id: tenantId }, { fields: ['name'] });
    let sent = 0;
    for (const { email, token } of links) {
      const link = `${this.config.publicUrl.replace(/\/$/, '')}/confirm-alerts?token=${token}`;
      const m = renderConfirmation(tenant?.name ?? 'A Cost Optimizer company', link);
      try {
        await this.sender.mailer.send([email], m.subject, m.text, m.html);
        sent++;
      } catch (e) {
        this.logger.warn({
          msg: 'alert recipient confirmation not sent',
          tenant_id: tenantId,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    }
    return sent;
  }

  async lockQuota(tx: EntityManager, tenantId: string): Promise<void> {
    await tx.execute('select pg_advisory_xact_lock(?, hashtext(?))', [QUOTA_LOCK, tenantId]);
  }

  /**
   * Counts `n` on-demand messages of `kind` against the tenant's limit over its rolling window, or throws 429 with
   * the wait until enough of them age out. Inside a transaction holding lockQuota (so two requests cannot both take
   * the last one). Rows older than two days are dropped on the way.
   */
  async takeQuota(
    tx: EntityManager,
    tenantId: string,
    kind: 'test' | 'confirmation',
    n: number,
  ): Promise<void> {
    const [max, windowS, what, window] =
      kind === 'test'
        ? [this.config.alerts.testsPerHour, 3600, 'test alerts', 'hour']
        : [this.config.alerts.confirmationsPerDay, 86400, 'confirmation emails', 'day'];
    await tx.execute(
      `delete from alert_send_log where tenant_id = ? and created_at < now() - interval '2 days'`,
      [tenantId],
    );
    const rows: { count: number; created_at: string | Date }[] = await tx.execute(
      `select count, created_at from alert_send_log
        where tenant_id = ? and kind = ? and created_at > now() - make_interval(secs => ?)
        order by created_at`,
      [tenantId, kind, windowS],
    );
    let used = rows.reduce((a, r) => a + Number(r.count), 0);
    if (used + n > max) {
      // The wait until enough earlier sends leave the window (never, when n alone is more than the limit).
      let at = Date.now() + windowS * 1000;
      for (const r of rows) {
        used -= Number(r.count);
        if (used + n <= max) {
          at = new Date(r.created_at).getTime() + windowS * 1000;
          break;
        }
      }
      throw quotaExceeded(what, max, window, Math.max(1, Math.ceil((at - Date.now()) / 1000)));
    }
    tx.create(AlertSendLogSchema, { tenant: tenantId, kind, count: n });
    await tx.flush();
  }
}
