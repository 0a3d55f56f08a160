import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type {
  AlertDeliveryPage,
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
import { SecretBox } from '../common/secret-box';
import { sampleItem, subjectOf } from './alert-message';
import { AlertSender, secretContext, urlContext } from './alert-sender';
import { DeliveryFailure } from './alert-transport';
import { AlertDeliverySchema, AlertSubscriptionSchema, type AlertSubscriptionEntity } from './alerts.entity';
import {
  deliveryFailed,
  emailNotConfigured,
  invalidField,
  noSigningSecret,
  recipientsUnconfirmed,
} from './alerts.errors';
import { toDeliveryDto, toSubscriptionDto } from './alerts.mapper';
import { AlertsRepository } from './alerts.repository';
import { maskUrl } from './ssrf';
import { AlertOutbox } from './alert-outbox';
import { AlertRecipients } from './alert-recipients';

const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));

/**
 * Alert subscription use cases (create, change, test, remove, their deliveries); the recipients' confirmations and
 * quotas are AlertRecipients', the outbox producer is AlertOutbox, resealing is AlertSecrets'. The tenant id is always an explicit argument, and every
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
    private readonly recipients: AlertRecipients,
    private readonly outbox: AlertOutbox,
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
      body.channel === 'email' ? await this.recipients.registerRecipients(tenantId, body.recipients) : [];
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
    await this.recipients.sendConfirmations(tenantId, toConfirm);
    const confirmed = await this.recipients.confirmedAmong(tenantId, s.recipients);
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
      body.recipients !== undefined
        ? await this.recipients.registerRecipients(tenantId, body.recipients)
        : [];
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
    await this.recipients.sendConfirmations(tenantId, toConfirm);
    // Episodes collected for a digest are not dropped when the subscription switches to immediate.
    if (toImmediate) await this.outbox.createDigests(tenantId, ['immediate'], s.id);
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
      await this.recipients.lockQuota(tx, tenantId);
      await this.recipients.takeQuota(tx, tenantId, 'test', 1);
    });
    let confirmationsSent = 0;
    let confirmedTo: string[] = [];
    if (s.channel === 'email') {
      const missing = this.sender.mailer.missing();
      if (missing) throw emailNotConfigured(missing);
      const confirmed = await this.recipients.confirmedAmong(tenantId, s.recipients);
      const again = await this.recipients.renewPending(
        tenantId,
        s.recipients.filter((r) => !confirmed.has(r)),
      );
      confirmationsSent = await this.recipients.sendConfirmations(tenantId, again);
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

  // --- helpers ---

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
      tenantId ? this.recipients.confirmedAmong(tenantId, emails) : Promise.resolve(new Set<string>()),
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

/** `whsec_` + 32 random bytes. */
function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
