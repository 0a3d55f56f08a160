import { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config/config';
import { withTenant } from '../database/db-scope';
import type { Job, JobContext, JobQueue } from '../jobs/job-runner';
import { AlertSender } from './alert-sender';
import { DeliveryFailure } from './alert-transport';
import { AlertsRepository } from './alerts.repository';
import { AlertRecipients } from './alert-recipients';

export interface DeliveryJob extends Job {
  subscription_id: string;
}

/**
 * The alert outbox (`alert_delivery`) as the alert worker's queue: due deliveries claimed with FOR UPDATE SKIP LOCKED
 * (no replica sends a row another one holds; claiming counts the attempt), deliveries left `sending` by a dead
 * process queued again. Claiming and requeueing are cross-tenant (platform scope, ids only); sending a delivery and
 * recording its outcome run in the delivery's tenant scope.
 */
export class AlertDeliveryQueue implements JobQueue<DeliveryJob> {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: AlertsRepository,
    private readonly recipients: AlertRecipients,
    private readonly sender: AlertSender,
    private readonly config: AppConfig,
    private readonly logger: { warn(message: object): void },
  ) {}

  async recoverStale(): Promise<void> {
    await this.repo.requeueStale(Math.max(60, Math.ceil((3 * this.config.alerts.sendTimeoutMs) / 1000)));
  }

  claim(worker: string, max: number): Promise<DeliveryJob[]> {
    return this.repo.claimDue(worker, max);
  }

  /** Sends one claimed delivery and records the outcome; a failed send throws (retried by the runner). */
  run(job: DeliveryJob, ctx: JobContext): Promise<void> {
    return withTenant(this.em, job.tenant_id, async () => {
      const d = await this.repo.findDelivery(this.em.fork(), job.id);
      if (!d) return;
      const sub = d.subscription;
      if (!sub.enabled) {
        await this.repo.finish(job.id, ctx.worker, {
          status: 'cancelled',
          error: { step: 'config', message: 'The subscription was disabled before this alert was sent' },
        });
        return;
      }
      // Email goes to confirmed recipients only; with none, the alert is cancelled (nobody agreed to receive it).
      const confirmed =
        sub.channel === 'email'
          ? [...(await this.recipients.confirmedAmong(sub.tenant.id, sub.recipients))]
          : [];
      if (sub.channel === 'email' && confirmed.length === 0) {
        await this.repo.finish(job.id, ctx.worker, {
          status: 'cancelled',
          error: { step: 'config', message: 'No recipient has confirmed these alerts yet' },
        });
        return;
      }
      await this.sender.send(sub, d.kind, d.items, d.id, confirmed);
      await this.repo.finish(job.id, ctx.worker, { status: 'sent' });
    });
  }

  /** Queued again after base x 2^(attempt-1) seconds until ALERT_MAX_ATTEMPTS, then failed; the error stays visible. */
  fail(job: DeliveryJob, e: unknown, retryInSeconds: number | null, ctx: JobContext): Promise<void> {
    return withTenant(this.em, job.tenant_id, async () => {
      const f = e instanceof DeliveryFailure ? e : new DeliveryFailure('internal', String(e));
      this.logger.warn({
        msg: 'alert delivery failed',
        delivery_id: job.id,
        subscription_id: job.subscription_id,
        attempt: job.attempt,
        retry: retryInSeconds !== null,
        step: f.step,
        error: f.message,
      });
      await this.repo.finish(
        job.id,
        ctx.worker,
        retryInSeconds !== null
          ? { status: 'queued', error: f.toJSON(), retryInSeconds }
          : { status: 'failed', error: f.toJSON() },
      );
    });
  }
}
