import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { EntityManager } from '@mikro-orm/postgresql';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { withTenant } from '../database/db-scope';
import { AwsAccessService } from '../aws-connection';
import { DomainEvents } from '../events/domain-events';
import { JobRunner, linearBackoff } from '../jobs/job-runner';
import { CurSyncService } from './cur-sync.service';
import { SyncFailure } from './cur.errors';
import { SyncRunQueue, type SyncRunJob } from './sync-run.queue';

export { INTERNAL_SYNC_ERROR } from './sync-run.queue';

/**
 * Runs queued syncs on every replica; PostgreSQL decides who runs what. Claims are serialized by an advisory
 * transaction lock so at most CUR_SYNC_CONCURRENCY syncs run across all replicas; a heartbeat marks live runs;
 * runs whose worker died are re-queued; failures are retried with a growing delay, then shown as failed.
 * Row-level security: only the cross-tenant steps (claiming, re-queuing lost runs, listing tonight's tenants, releasing
 * this worker's runs) use the platform scope; each run, and each tenant's enqueue, runs in that tenant's scope, which
 * the sync service, the anomaly detector and the audit log inherit.
 */
@Injectable()
export class CurWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CurWorker');
  private readonly runner: JobRunner<SyncRunJob>;

  constructor(
    private readonly em: EntityManager,
    private readonly sync: CurSyncService,
    private readonly access: AwsAccessService,
    private readonly events: DomainEvents,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.runner = new JobRunner(
      new SyncRunQueue(em, sync, events, config, this.logger),
      {
        name: 'worker tick',
        concurrency: config.cur.concurrency,
        pollMs: config.cur.pollMs,
        heartbeatMs: Math.min(5000, (config.cur.staleSeconds * 1000) / 3), // well inside the stale limit
        backoff: linearBackoff(config.cur.retryDelaySeconds),
        permanent: (e) => e instanceof SyncFailure && e.permanent,
      },
      this.logger,
    );
  }

  /** This replica's worker id (what `sync_run.locked_by` holds while it runs a sync). */
  get id(): string {
    return this.runner.worker;
  }

  onApplicationBootstrap(): void {
    // The first sync after connecting backfills the history (months planned from the CUR when it starts).
    this.events.on('aws.connected', 'first CUR sync', async ({ tenantId }) => {
      const queued = await withTenant(this.em, tenantId, async () => {
        if (await this.sync.hasSucceeded(tenantId)) return false;
        await this.sync.enqueue(tenantId, 'connect', { mode: 'backfill' }).catch((e: unknown) => {
          if (!(e instanceof Error && 'status' in e && (e as { status: number }).status === 409)) throw e;
        });
        return true;
      });
      if (queued) this.kick();
    });
    const job = new CronJob(
      this.config.cur.cron,
      () =>
        void this.nightly().catch((e: unknown) =>
          this.logger.error({ msg: 'nightly enqueue failed', error: String(e) }),
        ),
      null,
      true,
      'UTC',
    );
    this.scheduler.addCronJob('cur-nightly', job);
    this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Our runs go back to the queue at once for another replica (an open load's commit sees it is no longer ours).
    await this.runner.stop();
  }

  /** Enqueues tonight's sync of every connected tenant; the schedule key makes it once per tenant per night. */
  async nightly(): Promise<number> {
    const day = new Date().toISOString().slice(0, 10);
    const tenants = (await this.access.activeTenantIds()).map((tenant_id) => ({ tenant_id }));
    let queued = 0;
    for (const t of tenants) {
      try {
        const r = await withTenant(this.em, t.tenant_id, () =>
          this.sync.enqueue(
            t.tenant_id,
            'nightly',
            { months: this.config.cur.nightlyMonths },
            `nightly:${day}:${t.tenant_id}`,
          ),
        );
        if (r.created) queued++;
      } catch (e) {
        this.logger.warn({ msg: 'nightly enqueue failed', tenant_id: t.tenant_id, error: String(e) });
      }
    }
    if (queued) this.logger.log({ msg: 'nightly syncs queued', count: queued });
    this.kick();
    return queued;
  }

  /** Looks for work now (called on a timer and after enqueueing). */
  kick(): void {
    this.runner.kick();
  }
}
