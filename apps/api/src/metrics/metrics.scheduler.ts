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
import { cronSlot } from './metric-logic';
import { MetricCollector } from './metric-collector';
import { MetricRuns } from './metric-runs';
import { MetricPointStore } from './metric-point-store';

/**
 * Every METRICS_COLLECT_CRON tick (every API process runs the timer), each tenant is collected exactly once: the
 * tick's slot is the scheduled time, and the (tenant, slot) run row is the claim. Points older than
 * METRICS_RETENTION_DAYS are deleted on each tick. Row-level security: listing the tenants, failing stale runs and
 * the retention prune are the only cross-tenant steps (platform scope); each tenant is collected in its own scope.
 */
@Injectable()
export class MetricsScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MetricsScheduler');
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly collector: MetricCollector,
    private readonly runs: MetricRuns,
    private readonly store: MetricPointStore,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const job = new CronJob(this.config.metrics.cron, () => this.onTick(), null, true, 'UTC');
    this.scheduler.addCronJob('metrics-collect', job);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('cron', 'metrics-collect')) this.scheduler.deleteCronJob('metrics-collect');
    await this.running?.catch(() => undefined);
  }

  private onTick(): void {
    if (this.stopping) return;
    if (this.running) {
      this.logger.warn({ msg: 'metric collection still running: tick skipped' });
      return;
    }
    const slot = cronSlot(this.config.metrics.cron, Date.now());
    this.running = this.tick(slot)
      .catch((e: unknown) => {
        if (!this.stopping) this.logger.error({ msg: 'metric tick failed', error: String(e) });
      })
      .finally(() => (this.running = null));
  }

  /** Collects every tenant not yet claimed for this slot, METRICS_TENANT_CONCURRENCY at a time. */
  async tick(slotMs: number): Promise<void> {
    await this.runs.failStale();
    const tenants = await this.runs.tenantsToCollect();
    let next = 0;
    const workers = Array.from(
      { length: Math.min(this.config.metrics.tenantConcurrency, tenants.length) },
      async () => {
        while (!this.stopping && next < tenants.length) {
          const tenantId = tenants[next++]!;
          try {
            await this.collector.collectTenant(tenantId, slotMs, 'schedule');
          } catch (e) {
            this.logger.warn({ msg: 'metric collection failed', tenant_id: tenantId, error: String(e) });
          }
        }
      },
    );
    await Promise.all(workers);
    if (!this.stopping) {
      const pruned = await this.store.prune(this.config.metrics.retentionDays);
      if (pruned > 0) this.logger.log({ msg: 'metric points pruned', count: pruned });
    }
  }
}
