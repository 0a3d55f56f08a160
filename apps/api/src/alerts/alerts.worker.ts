import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { EntityManager } from '@mikro-orm/postgresql';
import { CronJob } from 'cron';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { withTenant } from '../database/db-scope';
import { retryDelaySeconds } from './alert-rules';
import { AlertSender } from './alert-sender';
import { DeliveryFailure } from './alert-transport';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

const BATCH = 10;

/**
 * The outbox worker on every replica: claims due deliveries with FOR UPDATE SKIP LOCKED (no replica sends a row
 * another one holds), sends them, and on failure queues them again after base x 2^(attempt-1) seconds until
 * ALERT_MAX_ATTEMPTS, then marks them failed; status and last error stay visible. The digest crons gather the
 * episodes collected for daily/weekly subscriptions into one delivery each.
 *
 * Row-level security: nothing scopes a background job, so each step picks its scope. Claiming due deliveries,
 * requeueing stale ones, and finding the tenants with digest or resealing work are cross-tenant and run in the
 * platform scope (AlertsRepository; ids only); sending a delivery and recording its outcome, building a tenant's
 * digests and resealing a tenant's secrets run in that tenant's scope (withTenant). afterDetection() runs in its
 * caller's tenant scope.
 */
@Injectable()
export class AlertsWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AlertsWorker');
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopping = false;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: AlertsRepository,
    private readonly alerts: AlertsService,
    private readonly sender: AlertSender,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const digest = (name: string, cron: string, frequency: 'daily' | 'weekly') => {
      const job = new CronJob(cron, () => void this.digest(frequency), null, true, 'UTC');
      this.scheduler.addCronJob(name, job);
    };
    digest('alerts-digest-daily', this.config.alerts.dailyCron, 'daily');
    digest('alerts-digest-weekly', this.config.alerts.weeklyCron, 'weekly');
    this.timer = setInterval(() => this.kick(), this.config.alerts.pollMs);
    void this.resealAll()
      .then((n) => n && this.logger.log({ msg: 'alert secrets sealed again with the current key', count: n }))
      .catch((e: unknown) => this.logger.warn({ msg: 'resealing alert secrets failed', error: String(e) }));
    this.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking?.catch(() => undefined);
  }

  /** Called after detection; errors are logged, never thrown into detection. */
  async afterDetection(tenantId: string): Promise<void> {
    const r = await this.alerts.enqueueForTenant(tenantId);
    if (r.queued) this.kick();
  }

  /** The tenants with events waiting (platform scope), then each tenant's digests in its own scope. */
  async digest(frequency: 'daily' | 'weekly'): Promise<void> {
    let tenants: string[];
    try {
      tenants = await this.repo.digestTenants([frequency]);
    } catch (e) {
      this.logger.error({ msg: 'alert digest failed', frequency, error: String(e) });
      return;
    }
    let n = 0;
    for (const tenantId of tenants) {
      if (this.stopping) break;
      try {
        n += await withTenant(this.em, tenantId, () => this.alerts.createDigests(tenantId, [frequency]));
      } catch (e) {
        this.logger.error({ msg: 'alert digest failed', frequency, tenant_id: tenantId, error: String(e) });
      }
    }
    if (n) {
      this.logger.log({ msg: 'alert digests queued', frequency, count: n });
      this.kick();
    }
  }

  /**
   * After a key rotation: the tenants with values sealed with a previous key (platform scope), then each tenant's
   * subscriptions sealed again in its own scope; a tenant that fails does not stop the others.
   */
  private async resealAll(): Promise<number> {
    let n = 0;
    for (const tenantId of await this.alerts.tenantsToReseal()) {
      try {
        n += await withTenant(this.em, tenantId, () => this.alerts.resealTenant(tenantId));
      } catch (e) {
        this.logger.warn({ msg: 'resealing alert secrets failed', tenant_id: tenantId, error: String(e) });
      }
    }
    return n;
  }

  /** Looks for due deliveries now (on a timer, after enqueueing). */
  kick(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((e: unknown) => {
        if (!this.stopping) this.logger.error({ msg: 'alert worker tick failed', error: String(e) });
      })
      .finally(() => {
        this.ticking = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async tick(): Promise<void> {
    const stale = Math.max(60, Math.ceil((3 * this.config.alerts.sendTimeoutMs) / 1000));
    await this.repo.requeueStale(stale);
    while (!this.stopping) {
      const claimed = await this.repo.claimDue(this.id, BATCH);
      if (claimed.length === 0) return;
      for (const { id, tenant_id } of claimed) await withTenant(this.em, tenant_id, () => this.deliver(id));
    }
  }

  /** Sends one claimed delivery and records the outcome; runs in the delivery's tenant scope. */
  private async deliver(id: string): Promise<void> {
    const em = this.em.fork();
    const d = await this.repo.findDelivery(em, id);
    if (!d) return;
    const sub = d.subscription;
    if (!sub.enabled) {
      await this.repo.finish(id, this.id, {
        status: 'cancelled',
        error: { step: 'config', message: 'The subscription was disabled before this alert was sent' },
      });
      return;
    }
    // Email goes to confirmed recipients only; with none, the alert is cancelled (nobody agreed to receive it).
    const confirmed =
      sub.channel === 'email' ? [...(await this.alerts.confirmedAmong(sub.tenant.id, sub.recipients))] : [];
    if (sub.channel === 'email' && confirmed.length === 0) {
      await this.repo.finish(id, this.id, {
        status: 'cancelled',
        error: { step: 'config', message: 'No recipient has confirmed these alerts yet' },
      });
      return;
    }
    try {
      await this.sender.send(sub, d.kind, d.items, d.id, confirmed);
      await this.repo.finish(id, this.id, { status: 'sent' });
    } catch (e) {
      const f = e instanceof DeliveryFailure ? e : new DeliveryFailure('internal', String(e));
      const retry = d.attempts < d.max_attempts;
      this.logger.warn({
        msg: 'alert delivery failed',
        delivery_id: id,
        subscription_id: sub.id,
        attempt: d.attempts,
        retry,
        step: f.step,
        error: f.message,
      });
      await this.repo.finish(
        id,
        this.id,
        retry
          ? {
              status: 'queued',
              error: f.toJSON(),
              retryInSeconds: retryDelaySeconds(this.config.alerts.retryBaseSeconds, d.attempts),
            }
          : { status: 'failed', error: f.toJSON() },
      );
    }
  }
}
