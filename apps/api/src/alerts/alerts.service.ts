import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type {
  AlertDeliveryPage,
  AlertRecipientConfirmed,
  AlertListQuery,
  AlertSubscription,
  AlertSubscriptionPage,
  AlertSubscriptionWithSecret,
  AlertTestResult,
  CreateAlertSubscription,
  UpdateAlertSubscription,
} from '@cost-optimizer/dto';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { notFound } from '../common/errors';
import { platformEm } from '../database/db-scope';
import { TenantSchema } from '../tenants/tenant.entity';
import { SecretBox } from '../common/secret-box';
import {
  matchesChange,
  matchesMonitor,
  matchesWatch,
  nextAlertLevel,
  nextMetricAlertLevel,
  sizeOf,
} from './alert-rules';
import {
  digestOrder,
  renderConfirmation,
  sampleItem,
  subjectOf,
  type AlertItem,
  type CostAlertItem,
  type MetricAlertItem,
} from './alert-message';
import { AlertSender, secretContext, urlContext } from './alert-sender';
import { DeliveryFailure } from './alert-transport';
import {
  AlertDeliverySchema,
  AlertRecipientSchema,
  AlertSendLogSchema,
  AlertSubscriptionSchema,
  type AlertSubscriptionEntity,
} from './alerts.entity';
import {
  confirmationNotFound,
  deliveryFailed,
  emailNotConfigured,
  invalidField,
  noSigningSecret,
  quotaExceeded,
  recipientsUnconfirmed,
} from './alerts.errors';
import { toDeliveryDto, toSubscriptionDto } from './alerts.mapper';
import { AlertsRepository, type OpenEpisode, type OpenMetricEpisode } from './alerts.repository';
import { maskUrl } from './ssrf';

/** A confirmation link works this long after it was issued. */
const CONFIRMATION_TTL_MS = 7 * 24 * 3600 * 1000;
/** Serializes a tenant's on-demand sends (quota check + insert) and recipient registration. */
const QUOTA_LOCK = 72_150_013;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));

/**
 * Alert subscription use cases and the outbox producer; the tenant id is always an explicit argument, and every
 * method runs in the caller's row-level-security scope (a request's, or the worker's withTenant()), except
 * tenantsToReseal (platform scope, ids only).
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger('Alerts');

  constructor(
    private readonly em: EntityManager,
    private readonly repo: AlertsRepository,
    private readonly sender: AlertSender,
    private readonly box: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  // --- subscriptions ---

  async list(tenantId: string, q: AlertListQuery): Promise<AlertSubscriptionPage> {
    const [items, total] = await this.em
      .fork()
      .findAndCount(
        AlertSubscriptionSchema,
        { tenant: tenantId },
        { orderBy: { created_at: 'asc', id: 'asc' }, limit: q.page_size, offset: (q.page - 1) * q.page_size },
      );
    return { items: await this.toDtos(items), total, page: q.page, page_size: q.page_size };
  }

  async get(tenantId: string, id: string): Promise<AlertSubscription> {
    const s = await this.find(this.em.fork(), tenantId, id);
    return (await this.toDtos([s]))[0]!;
  }

  async create(tenantId: string, body: CreateAlertSubscription): Promise<AlertSubscriptionWithSecret> {
    if (body.channel === 'email') {
      const missing = this.sender.mailer.missing();
      if (missing) throw emailNotConfigured(missing);
    } else {
      await this.checkUrl(body.url);
    }
    await this.checkMonitors(tenantId, body.monitor_ids);
    await this.checkWatches(tenantId, body.metric_watch_ids);
    const toConfirm =
      body.channel === 'email' ? await this.registerRecipients(tenantId, body.recipients) : [];
    const em = this.em.fork();
    const id = randomUUID();
    const secret = body.channel === 'webhook' ? newSigningSecret() : null;
    const s = em.create(AlertSubscriptionSchema, {
      id,
      tenant: tenantId,
      name: body.name,
      channel: body.channel,
      recipients: body.channel === 'email' ? body.recipients : [],
      url_sealed: body.channel === 'email' ? null : this.box.seal(body.url, urlContext(id)),
      url_masked: body.channel === 'email' ? null : maskUrl(body.url),
      secret_sealed: secret ? this.box.seal(secret, secretContext(id)) : null,
      min_impact_usd: body.min_impact_usd ?? null,
      min_impact_pct: body.min_impact_pct ?? null,
      threshold_mode: body.threshold_mode,
      frequency: body.frequency,
      monitor_ids: body.monitor_ids,
      include_metric_anomalies: body.include_metric_anomalies,
      metric_watch_ids: body.metric_watch_ids,
      include_drops: body.include_drops,
      enabled: body.enabled,
    });
    await this.audit.record(
      {
        tenantId,
        action: 'alert_subscription.created',
        target: { type: 'alert_subscription', id },
        details: { name: body.name, channel: body.channel, target: s.url_masked ?? s.recipients },
      },
      em,
    );
    await em.flush();
    await this.sendConfirmations(tenantId, toConfirm);
    const confirmed = await this.confirmedAmong(tenantId, s.recipients);
    return { ...toSubscriptionDto(s, null, 0, confirmed), signing_secret: secret };
  }

  async update(tenantId: string, id: string, body: UpdateAlertSubscription): Promise<AlertSubscription> {
    const em = this.em.fork();
    const s = await this.find(em, tenantId, id);
    if (body.recipients !== undefined && s.channel !== 'email')
      throw invalidField('recipients', `A ${s.channel} subscription has no recipients; it has a url`);
    if (body.url !== undefined && s.channel === 'email')
      throw invalidField('url', 'An email subscription has no url; it has recipients');
    const usd = body.min_impact_usd !== undefined ? body.min_impact_usd : num(s.min_impact_usd);
    const pct = body.min_impact_pct !== undefined ? body.min_impact_pct : num(s.min_impact_pct);
    if (usd === null && pct === null)
      throw invalidField('min_impact_usd', 'Set min_impact_usd and/or min_impact_pct');
    if (body.url !== undefined) {
      await this.checkUrl(body.url);
      s.url_sealed = this.box.seal(body.url, urlContext(s.id));
      s.url_masked = maskUrl(body.url);
    }
    if (body.monitor_ids !== undefined) {
      await this.checkMonitors(tenantId, body.monitor_ids);
      s.monitor_ids = body.monitor_ids;
    }
    if (body.metric_watch_ids !== undefined) {
      await this.checkWatches(tenantId, body.metric_watch_ids);
      s.metric_watch_ids = body.metric_watch_ids;
    }
    if (body.include_metric_anomalies !== undefined)
      s.include_metric_anomalies = body.include_metric_anomalies;
    if (body.include_drops !== undefined) s.include_drops = body.include_drops;
    const toConfirm =
      body.recipients !== undefined ? await this.registerRecipients(tenantId, body.recipients) : [];
    if (body.recipients !== undefined) s.recipients = body.recipients;
    if (body.name !== undefined) s.name = body.name;
    s.min_impact_usd = usd;
    s.min_impact_pct = pct;
    if (body.threshold_mode !== undefined) s.threshold_mode = body.threshold_mode;
    const toImmediate = body.frequency === 'immediate' && s.frequency !== 'immediate';
    if (body.frequency !== undefined) s.frequency = body.frequency;
    if (body.enabled !== undefined) s.enabled = body.enabled;
    await this.audit.record(
      {
        tenantId,
        action: 'alert_subscription.updated',
        target: { type: 'alert_subscription', id: s.id },
        // Which fields changed; a new URL appears only masked.
        details: {
          name: s.name,
          changed: Object.keys(body).filter((k) => body[k as keyof UpdateAlertSubscription] !== undefined),
          ...(body.url !== undefined ? { target: s.url_masked } : {}),
        },
      },
      em,
    );
    await em.flush();
    await this.sendConfirmations(tenantId, toConfirm);
    // Episodes collected for a digest are not dropped when the subscription switches to immediate.
    if (toImmediate) await this.createDigests(tenantId, ['immediate'], s.id);
    return this.get(tenantId, id);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const em = this.em.fork();
    const s = await this.find(em, tenantId, id);
    em.remove(s);
    await this.audit.record(
      {
        tenantId,
        action: 'alert_subscription.deleted',
        target: { type: 'alert_subscription', id: s.id },
        details: { name: s.name, channel: s.channel },
      },
      em,
    );
    await em.flush();
  }

  /** A new signing secret for a webhook, shown in this answer only. */
  async rotateSecret(tenantId: string, id: string): Promise<AlertSubscriptionWithSecret> {
    const em = this.em.fork();
    const s = await this.find(em, tenantId, id);
    if (s.channel !== 'webhook') throw noSigningSecret();
    const secret = newSigningSecret();
    s.secret_sealed = this.box.seal(secret, secretContext(s.id));
    await this.audit.record(
      {
        tenantId,
        action: 'alert_subscription.secret_rotated',
        target: { type: 'alert_subscription', id: s.id },
        details: { name: s.name },
      },
      em,
    );
    await em.flush();
    return { ...(await this.get(tenantId, id)), signing_secret: secret };
  }

  /**
   * Sends a test alert now (not through the outbox), records it as a delivery and answers with the result. At most
   * ALERT_TEST_PER_HOUR per tenant. Email: the test goes to the confirmed recipients only; the others get their
   * confirmation email again (within ALERT_CONFIRMATIONS_PER_DAY); none confirmed answers 422.
   */
  async test(tenantId: string, id: string): Promise<AlertTestResult> {
    const em = this.em.fork();
    const s = await this.find(em, tenantId, id);
    await this.em.fork().transactional(async (tx) => {
      await this.lockQuota(tx, tenantId);
      await this.takeQuota(tx, tenantId, 'test', 1);
    });
    let confirmationsSent = 0;
    let confirmedTo: string[] = [];
    if (s.channel === 'email') {
      const missing = this.sender.mailer.missing();
      if (missing) throw emailNotConfigured(missing);
      const confirmed = await this.confirmedAmong(tenantId, s.recipients);
      const again = await this.renewPending(
        tenantId,
        s.recipients.filter((r) => !confirmed.has(r)),
      );
      confirmationsSent = await this.sendConfirmations(tenantId, again);
      confirmedTo = s.recipients.filter((r) => confirmed.has(r));
      if (confirmedTo.length === 0) throw recipientsUnconfirmed(confirmationsSent);
    }
    const items = [sampleItem(this.config.publicUrl)];
    const deliveryId = randomUUID();
    const lockedBy = `test:${deliveryId}`;
    await this.repo.insertDelivery(em, {
      id: deliveryId,
      tenantId,
      subscriptionId: s.id,
      kind: 'test',
      status: 'sending',
      subject: subjectOf('test', items, s.name),
      items,
      level: null,
      attempts: 1,
      maxAttempts: 1,
      lockedBy,
    });
    const started = Date.now();
    try {
      const r = await this.sender.send(s, 'test', items, deliveryId, confirmedTo);
      await this.repo.finish(deliveryId, lockedBy, { status: 'sent' });
      return {
        delivery_id: deliveryId,
        status: 'sent',
        channel: s.channel,
        detail: r.detail,
        confirmations_sent: confirmationsSent,
        duration_ms: Date.now() - started,
      };
    } catch (e) {
      const f = e instanceof DeliveryFailure ? e : new DeliveryFailure('internal', String(e));
      await this.repo.finish(deliveryId, lockedBy, { status: 'failed', error: f.toJSON() });
      throw deliveryFailed(f, deliveryId);
    }
  }

  async deliveries(tenantId: string, id: string, q: AlertListQuery): Promise<AlertDeliveryPage> {
    const em = this.em.fork();
    await this.find(em, tenantId, id);
    const [items, total] = await em.findAndCount(
      AlertDeliverySchema,
      { subscription: id, tenant: tenantId },
      { orderBy: { created_at: 'desc', id: 'asc' }, limit: q.page_size, offset: (q.page - 1) * q.page_size },
    );
    return { items: items.map(toDeliveryDto), total, page: q.page, page_size: q.page_size };
  }

  // --- email recipients: confirmation and on-demand limits ---

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
  private async registerRecipients(
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
  private async renewPending(
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
  private async sendConfirmations(
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

  private async lockQuota(tx: EntityManager, tenantId: string): Promise<void> {
    await tx.execute('select pg_advisory_xact_lock(?, hashtext(?))', [QUOTA_LOCK, tenantId]);
  }

  /**
   * Counts `n` on-demand messages of `kind` against the tenant's limit over its rolling window, or throws 429 with
   * the wait until enough of them age out. Inside a transaction holding lockQuota (so two requests cannot both take
   * the last one). Rows older than two days are dropped on the way.
   */
  private async takeQuota(
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

  // --- the outbox producer ---

  /**
   * After detection (cost detection, or a metric collection that found anomalous points): records an alert for
   * each open episode that matches an enabled subscription (monitor or metric watch, and thresholds; see
   * alert-rules.ts) at a level not alerted yet. Immediate subscriptions get a queued delivery at once; daily and
   * weekly ones collect the events for their digest. Returns how many deliveries were queued. Runs in the caller's
   * tenant scope (detection and collection call it inside theirs), never in the platform scope.
   */
  async enqueueForTenant(tenantId: string): Promise<{ queued: number; collected: number }> {
    const result = { queued: 0, collected: 0 };
    const subs = await this.em.fork().find(AlertSubscriptionSchema, { tenant: tenantId, enabled: true });
    if (subs.length === 0) return result;
    await this.em.fork().transactional(async (tx) => {
      await this.repo.lockTenant(tx, tenantId);
      const episodes = await this.repo.openEpisodes(tx, tenantId);
      const metricEpisodes = subs.some((s) => s.include_metric_anomalies)
        ? await this.repo.openMetricEpisodes(tx, tenantId)
        : [];
      if (episodes.length === 0 && metricEpisodes.length === 0) return;
      const highest = await this.repo.highestLevels(tx, tenantId);
      for (const s of subs) {
        const thresholds = {
          min_impact_usd: num(s.min_impact_usd),
          min_impact_pct: num(s.min_impact_pct),
          threshold_mode: s.threshold_mode,
        };
        const matches: { id: string; level: number; item: AlertItem }[] = [];
        for (const ep of episodes) {
          if (!matchesMonitor(s.monitor_ids, ep.monitor_id)) continue;
          if (!matchesChange(s, ep.change_kind)) continue;
          const before = highest.get(`${s.id}:${ep.id}`) ?? null;
          const level = nextAlertLevel(thresholds, sizeOf(ep), before);
          if (level !== null)
            matches.push({ id: ep.id, level, item: this.itemOf(ep, level, before !== null) });
        }
        for (const ep of metricEpisodes) {
          if (!matchesWatch(s, ep.watch_id)) continue;
          const before = highest.get(`${s.id}:${ep.id}`) ?? null;
          const level = nextMetricAlertLevel(thresholds, ep, before);
          if (level !== null)
            matches.push({ id: ep.id, level, item: this.metricItemOf(ep, level, before !== null) });
        }
        for (const { id: anomalyId, level, item } of matches) {
          const eventId = randomUUID();
          const inserted = await this.repo.insertEvent(tx, {
            id: eventId,
            tenantId,
            subscriptionId: s.id,
            anomalyId,
            level,
            item,
          });
          if (!inserted) continue;
          if (s.frequency === 'immediate') {
            const deliveryId = randomUUID();
            await this.repo.insertDelivery(tx, {
              id: deliveryId,
              tenantId,
              subscriptionId: s.id,
              kind: 'alert',
              status: 'queued',
              subject: subjectOf('alert', [item], s.name),
              items: [item],
              level,
              attempts: 0,
              maxAttempts: this.config.alerts.maxAttempts,
            });
            await this.repo.attachEvents(tx, deliveryId, [eventId]);
            result.queued++;
          } else {
            result.collected++;
          }
        }
      }
    });
    if (result.queued || result.collected)
      this.logger.log({ msg: 'alerts enqueued', tenant_id: tenantId, ...result });
    return result;
  }

  /**
   * Gathers the collected events of the tenant's digest subscriptions with these frequencies (or of one of them)
   * into one queued digest delivery each. Runs in the caller's tenant scope (a request, or the worker's withTenant);
   * the worker finds which tenants have events waiting.
   */
  async createDigests(
    tenantId: string,
    frequencies: readonly string[],
    subscriptionId?: string,
  ): Promise<number> {
    return this.em.fork().transactional(async (tx) => {
      await this.repo.lockDigests(tx, tenantId);
      const events = await this.repo.claimDigestEvents(tx, tenantId, frequencies, subscriptionId);
      const bySub = new Map<string, typeof events>();
      for (const e of events) bySub.set(e.subscription_id, [...(bySub.get(e.subscription_id) ?? []), e]);
      for (const [subId, list] of bySub) {
        // One line per episode: its latest (highest) level.
        const latest = new Map<string, AlertItem>();
        for (const e of list) {
          const prev = latest.get(e.item.anomaly_id);
          if (!prev || e.item.level >= prev.level) latest.set(e.item.anomaly_id, e.item);
        }
        const items = [...latest.values()].sort(digestOrder);
        const deliveryId = randomUUID();
        const first = list[0]!;
        await this.repo.insertDelivery(tx, {
          id: deliveryId,
          tenantId: first.tenant_id,
          subscriptionId: subId,
          kind: 'digest',
          status: 'queued',
          subject: subjectOf('digest', items, first.name),
          items,
          level: null,
          attempts: 0,
          maxAttempts: this.config.alerts.maxAttempts,
        });
        await this.repo.attachEvents(
          tx,
          deliveryId,
          list.map((e) => e.id),
        );
      }
      return bySub.size;
    });
  }

  /** Platform scope, ids only: the tenants with subscription URLs or secrets sealed with a previous key. */
  tenantsToReseal(): Promise<string[]> {
    return this.repo.tenantsWithStaleSeals(this.box.keyId);
  }

  /**
   * After a key rotation: seals the tenant's URLs and secrets sealed with a previous ENCRYPTION_KEY again with the
   * current one. Runs in the caller's tenant scope (the worker's withTenant).
   */
  async resealTenant(tenantId: string): Promise<number> {
    const em = this.em.fork();
    const subs = await em.find(AlertSubscriptionSchema, {
      tenant: tenantId,
      $or: [{ url_sealed: { $ne: null } }, { secret_sealed: { $ne: null } }],
    });
    let n = 0;
    for (const s of subs) {
      if (s.url_sealed && this.box.needsReseal(s.url_sealed)) {
        s.url_sealed = this.box.seal(this.box.open(s.url_sealed, urlContext(s.id)), urlContext(s.id));
        n++;
      }
      if (s.secret_sealed && this.box.needsReseal(s.secret_sealed)) {
        s.secret_sealed = this.box.seal(
          this.box.open(s.secret_sealed, secretContext(s.id)),
          secretContext(s.id),
        );
        n++;
      }
    }
    await em.flush();
    return n;
  }

  // --- helpers ---

  private itemOf(ep: OpenEpisode, level: number, followUp: boolean): CostAlertItem {
    return {
      kind: 'cost',
      anomaly_id: ep.id,
      level,
      follow_up: followUp,
      monitor_id: ep.monitor_id,
      monitor_name: ep.monitor_name,
      change_kind: ep.change_kind,
      dimension: ep.dimension,
      dimension_value: ep.dimension_value,
      start_date: ep.start_date,
      end_date: ep.end_date,
      status: ep.status,
      expected: ep.expected,
      actual: ep.actual,
      impact_usd: ep.impact_usd,
      impact_pct: ep.impact_pct,
      severity: ep.severity,
      root_causes: topCauses(ep.root_causes ?? []),
      url: this.anomalyUrl(ep.id),
    };
  }

  private metricItemOf(ep: OpenMetricEpisode, level: number, followUp: boolean): MetricAlertItem {
    return {
      kind: 'metric',
      anomaly_id: ep.id,
      level,
      follow_up: followUp,
      watch_id: ep.watch_id,
      label: ep.label,
      metric: {
        namespace: ep.namespace,
        name: ep.metric_name,
        dimensions: ep.dimensions,
        stat: ep.stat,
        period: ep.period,
        region: ep.region,
      },
      start_at: ep.start_at,
      end_at: ep.end_at,
      status: ep.status,
      expected: ep.expected,
      actual: ep.actual,
      deviation: Math.round((ep.actual - ep.expected) * 1e6) / 1e6,
      impact_pct: ep.impact_pct,
      severity: ep.severity,
      url: this.anomalyUrl(ep.id),
    };
  }

  private anomalyUrl(id: string): string {
    return `${this.config.publicUrl.replace(/\/$/, '')}/anomalies/${id}`;
  }

  private async find(em: EntityManager, tenantId: string, id: string): Promise<AlertSubscriptionEntity> {
    const s = await this.repo.findSubscription(em, tenantId, id);
    if (!s) throw notFound('Alert subscription');
    return s;
  }

  private async toDtos(subs: AlertSubscriptionEntity[]): Promise<AlertSubscription[]> {
    const ids = subs.map((s) => s.id);
    const tenantId = subs[0]?.tenant.id;
    const emails = [...new Set(subs.flatMap((s) => (s.channel === 'email' ? s.recipients : [])))];
    const [last, pending, confirmed] = await Promise.all([
      this.repo.lastDeliveries(ids),
      this.repo.pendingDigestCounts(ids),
      tenantId ? this.confirmedAmong(tenantId, emails) : Promise.resolve(new Set<string>()),
    ]);
    return subs.map((s) => toSubscriptionDto(s, last.get(s.id) ?? null, pending.get(s.id) ?? 0, confirmed));
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await this.sender.checkTarget(url);
    } catch (e) {
      if (e instanceof DeliveryFailure) throw invalidField('url', e.message);
      throw e;
    }
  }

  private async checkMonitors(tenantId: string, ids: readonly string[]): Promise<void> {
    const owned = await this.repo.ownedMonitorIds(tenantId, ids);
    const unknown = ids.filter((i) => !owned.has(i));
    if (unknown.length) throw invalidField('monitor_ids', `No such monitor: ${unknown.join(', ')}`);
  }

  private async checkWatches(tenantId: string, ids: readonly string[]): Promise<void> {
    const owned = await this.repo.ownedWatchIds(tenantId, ids);
    const unknown = ids.filter((i) => !owned.has(i));
    if (unknown.length) throw invalidField('metric_watch_ids', `No such metric watch: ${unknown.join(', ')}`);
  }
}

/** The top root cause of each dimension (account, region, usage type, ...), as the stored ranking has them. */
function topCauses(causes: OpenEpisode['root_causes']): CostAlertItem['root_causes'] {
  const seen = new Set<string>();
  const out: CostAlertItem['root_causes'] = [];
  for (const c of causes) {
    if (seen.has(c.dimension)) continue;
    seen.add(c.dimension);
    out.push({
      dimension: c.dimension,
      key: c.key,
      contribution_usd: c.contribution_usd,
      contribution_pct: c.contribution_pct,
    });
  }
  return out.slice(0, 4);
}

/** `whsec_` + 32 random bytes. */
function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
