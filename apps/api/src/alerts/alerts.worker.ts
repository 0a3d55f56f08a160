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
import { JobRunner } from '../jobs/job-runner';
import { AlertDeliveryQueue, type DeliveryJob } from './alert-delivery.queue';
import { AlertsRepository } from './alerts.repository';
import { AlertOutbox } from './alert-outbox';
import { AlertRecipients } from './alert-recipients';
import { AlertSecrets } from './alert-secrets';

/**
 * The outbox worker on every replica (the job runner over AlertDeliveryQueue): claims due deliveries with FOR UPDATE
 * SKIP LOCKED (no replica sends a row another one holds), sends them one at a time, and on failure queues them again
 * after base x 2^(attempt-1) seconds until ALERT_MAX_ATTEMPTS, then marks them failed; status and last error stay
 * visible. On shutdown the delivery being sent is finished first. The digest crons gather the
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
  private readonly runner: JobRunner<DeliveryJob>;

  constructor(
    private readonly em: EntityManager,
    private readonly repo: AlertsRepository,
    private readonly outbox: AlertOutbox,
    private readonly secrets: AlertSecrets,
    recipients: AlertRecipients,
    private readonly sender: AlertSender,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.runner = new JobRunner(
      new AlertDeliveryQueue(em, repo, recipients, sender, config, this.logger),
      {
        name: 'alert worker tick',
        concurrency: 1,
        pollMs: config.alerts.pollMs,
        backoff: (attempt) => retryDelaySeconds(config.alerts.retryBaseSeconds, attempt),
        drainOnStop: true,
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    const digest = (name: string, cron: string, frequency: 'daily' | 'weekly') => {
      const job = new CronJob(cron, () => void this.digest(frequency), null, true, 'UTC');
      this.scheduler.addCronJob(name, job);
    };
    digest('alerts-digest-daily', this.config.alerts.dailyCron, 'daily');
    digest('alerts-digest-weekly', this.config.alerts.weeklyCron, 'weekly');
    void this.resealAll()
      .then((n) => n && this.logger.log({ msg: 'alert secrets sealed again with the current key', count: n }))
      .catch((e: unknown) => this.logger.warn({ msg: 'resealing alert secrets failed', error: String(e) }));
    this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  /** Called after detection; errors are logged, never thrown into detection. */
  async afterDetection(tenantId: string): Promise<void> {
    const r = await this.outbox.enqueueForTenant(tenantId);
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
      if (this.runner.stopping) break;
      try {
        n += await withTenant(this.em, tenantId, () => this.outbox.createDigests(tenantId, [frequency]));
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
    for (const tenantId of await this.secrets.tenantsToReseal()) {
      try {
        n += await withTenant(this.em, tenantId, () => this.secrets.resealTenant(tenantId));
      } catch (e) {
        this.logger.warn({ msg: 'resealing alert secrets failed', tenant_id: tenantId, error: String(e) });
      }
    }
    return n;
  }

  /** Looks for due deliveries now (on a timer, after enqueueing). */
  kick(): void {
    this.runner.kick();
  }
}
