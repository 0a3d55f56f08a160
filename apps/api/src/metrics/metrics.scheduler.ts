import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { JobRunner, type Job, type JobQueue } from '../jobs/job-runner';
import { cronSlot } from './metric-logic';
import { MetricCollector } from './metric-collector';
import { MetricPointStore } from './metric-point-store';
import { MetricRuns } from './metric-runs';

/** One tenant's collection of a slot (the run row inserted by the collection is the claim across processes). */
interface CollectJob extends Job {
  slotMs: number;
}

/**
 * A slot's tenants as a queue: a new slot fails the stale runs of dead processes, then lists the tenants to collect
 * (platform scope, ids only); each is collected once, in its own scope, with no retry (the next slot reads again
 * what this one missed); once all are done the retention prune runs.
 */
class SlotQueue implements JobQueue<CollectJob> {
  private slotMs: number | null = null;
  private tenants: string[] | null = null;
  private recovered = false;
  private pruneDue = false;

  constructor(
    private readonly runs: MetricRuns,
    private readonly collector: MetricCollector,
    private readonly store: MetricPointStore,
    private readonly config: AppConfig,
    private readonly logger: Logger,
  ) {}

  /** A slot still has tenants to collect. */
  get pending(): boolean {
    return this.slotMs !== null;
  }

  open(slotMs: number): void {
    this.slotMs = slotMs;
    this.tenants = null;
    this.recovered = false;
  }

  async recoverStale(): Promise<void> {
    if (this.slotMs === null || this.recovered) return;
    await this.abandonOnError(() => this.runs.failStale());
    this.recovered = true;
  }

  async claim(_worker: string, max: number): Promise<CollectJob[]> {
    if (this.slotMs === null) return [];
    const slotMs = this.slotMs;
    this.tenants ??= await this.abandonOnError(() => this.runs.tenantsToCollect());
    const next = this.tenants.splice(0, max);
    if (this.tenants.length === 0) {
      this.slotMs = null;
      this.pruneDue = true;
    }
    return next.map((tenantId) => ({
      id: tenantId,
      tenant_id: tenantId,
      attempt: 1,
      max_attempts: 1,
      slotMs,
    }));
  }

  /** A slot whose housekeeping or listing failed is given up (logged by the runner); the next tick starts anew. */
  private async abandonOnError<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.slotMs = null;
      throw e;
    }
  }

  async run(job: CollectJob): Promise<void> {
    await this.collector.collectTenant(job.tenant_id, job.slotMs, 'schedule');
  }

  fail(job: CollectJob, e: unknown): Promise<void> {
    this.logger.warn({ msg: 'metric collection failed', tenant_id: job.tenant_id, error: String(e) });
    return Promise.resolve();
  }

  /** Every tenant of the slot collected: points older than METRICS_RETENTION_DAYS go. */
  async idle(): Promise<void> {
    if (!this.pruneDue) return;
    this.pruneDue = false;
    const pruned = await this.store.prune(this.config.metrics.retentionDays);
    if (pruned > 0) this.logger.log({ msg: 'metric points pruned', count: pruned });
  }
}

/**
 * Every METRICS_COLLECT_CRON tick (every API process runs the timer), each tenant is collected exactly once: the
 * tick's slot is the scheduled time, and the (tenant, slot) run row is the claim; METRICS_TENANT_CONCURRENCY tenants
 * at a time on each process (the job runner over the slot's tenants). Points older than METRICS_RETENTION_DAYS are
 * deleted after each tick. Row-level security: listing the tenants, failing stale runs and the retention prune are
 * the only cross-tenant steps (platform scope); each tenant is collected in its own scope.
 */
@Injectable()
export class MetricsScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MetricsScheduler');
  private readonly queue: SlotQueue;
  private readonly runner: JobRunner<CollectJob>;

  constructor(
    collector: MetricCollector,
    runs: MetricRuns,
    store: MetricPointStore,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.queue = new SlotQueue(runs, collector, store, config, this.logger);
    this.runner = new JobRunner(
      this.queue,
      {
        name: 'metric tick',
        concurrency: config.metrics.tenantConcurrency,
        backoff: () => 0,
        drainOnStop: true,
      },
      this.logger,
    );
  }

  onApplicationBootstrap(): void {
    const job = new CronJob(this.config.metrics.cron, () => this.onTick(), null, true, 'UTC');
    this.scheduler.addCronJob('metrics-collect', job);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('cron', 'metrics-collect')) this.scheduler.deleteCronJob('metrics-collect');
    await this.runner.stop();
  }

  private onTick(): void {
    if (this.runner.stopping) return;
    if (this.runner.busy || this.queue.pending) {
      this.logger.warn({ msg: 'metric collection still running: tick skipped' });
      return;
    }
    this.queue.open(cronSlot(this.config.metrics.cron, Date.now()));
    this.runner.kick();
  }
}
