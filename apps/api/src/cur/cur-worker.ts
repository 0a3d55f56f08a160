import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
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
import { platformEm, withTenant } from '../database/db-scope';
import { DomainEvents } from '../events/domain-events';
import { CurSyncService, SyncFailure } from './cur-sync.service';
import type { SyncError } from './sync-run.entity';

/** What a tenant sees of a failure that is not AWS's (its text is logged with the run id). */
export const INTERNAL_SYNC_ERROR: SyncError = Object.freeze({
  code: 'INTERNAL',
  message:
    'The sync failed on our side (not an AWS error); it is retried. If it persists, contact support with the run id',
  aws_error: null,
});

const CLAIM_LOCK = 72_150_002;

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
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private ticking = false;
  private stopping = false;

  constructor(
    private readonly em: EntityManager,
    private readonly sync: CurSyncService,
    private readonly events: DomainEvents,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    this.timer = setInterval(() => this.kick(), this.config.cur.pollMs);
    this.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    // Release our runs at once so another replica takes them over (the open COPY transaction rolls back).
    await platformEm(this.em)
      .execute(
        `update sync_run set status = 'queued', locked_by = null, progress = jsonb_set(progress, '{phase}', '"re-queued: the worker stopped"') where locked_by = ? and status = 'running'`,
        [this.id],
      )
      .catch(() => undefined);
  }

  /** Enqueues tonight's sync of every connected tenant; the schedule key makes it once per tenant per night. */
  async nightly(): Promise<number> {
    const day = new Date().toISOString().slice(0, 10);
    const tenants: { tenant_id: string }[] = await platformEm(this.em).execute(
      `select tenant_id from aws_connection where status in ('connected', 'pending_data')`,
    );
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
    if (this.ticking || this.stopping) return;
    this.ticking = true;
    this.tick()
      .catch((e: unknown) => {
        if (!this.stopping) this.logger.error({ msg: 'worker tick failed', error: String(e) });
      })
      .finally(() => (this.ticking = false));
  }

  private async tick(): Promise<void> {
    // Runs whose worker died, whoever's they are.
    await platformEm(this.em).execute(
      `update sync_run set
         status = case when attempt < ? then 'queued' else 'failed' end,
         finished_at = case when attempt < ? then null else now() end,
         attempt = case when attempt < ? then attempt + 1 else attempt end,
         error = '{"code":"WORKER_LOST","message":"The process running this sync stopped; it was re-queued","aws_error":null}',
         locked_by = null
       where status = 'running' and heartbeat_at < now() - make_interval(secs => ?)`,
      [
        this.config.cur.maxAttempts,
        this.config.cur.maxAttempts,
        this.config.cur.maxAttempts,
        this.config.cur.staleSeconds,
      ],
    );
    while (!this.stopping && this.inFlight.size < this.config.cur.concurrency) {
      const claimed = await this.claim();
      if (!claimed) break;
      const { id, tenant_id } = claimed;
      // A run whose own failure path cannot reach the database (it is down) rejects: logged here, never an
      // unhandled rejection that would end the process; the run's heartbeat stops, so it is re-queued as stale.
      const p = this.run(id, tenant_id)
        .catch((e: unknown) => {
          if (!this.stopping)
            this.logger.error({ msg: 'sync run failed to record its end', run_id: id, error: String(e) });
        })
        .finally(() => {
          this.inFlight.delete(id);
          this.kick();
        });
      this.inFlight.set(id, p);
    }
  }

  /** Claims the oldest due run of any tenant: the platform scope, for the claim only (the run gets its own). */
  private async claim(): Promise<{ id: string; tenant_id: string } | null> {
    return platformEm(this.em).transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(?)', [CLAIM_LOCK]);
      const rows: { id: string; tenant_id: string }[] = await tx.execute(
        `update sync_run set status = 'running', locked_by = ?, heartbeat_at = now(), started_at = coalesce(started_at, now()),
                progress = jsonb_set(progress, '{phase}', '"starting"')
          where id = (select id from sync_run where status = 'queued' and (not_before is null or not_before <= now())
                        order by created_at limit 1 for update skip locked)
            and (select count(*) from sync_run where status = 'running') < ?
          returning id, tenant_id`,
        [this.id, this.config.cur.concurrency],
      );
      return rows[0] ?? null;
    });
  }

  /** Runs one claimed sync in its tenant's scope. */
  private run(id: string, tenantId: string): Promise<void> {
    return withTenant(this.em, tenantId, () => this.runScoped(id, tenantId));
  }

  private async runScoped(id: string, tenantId: string): Promise<void> {
    const em = this.em.fork();
    const heartbeat = setInterval(
      () => {
        void em
          .execute('update sync_run set heartbeat_at = now() where id = ? and locked_by = ?', [id, this.id])
          .catch(() => undefined);
      },
      Math.min(5000, (this.config.cur.staleSeconds * 1000) / 3),
    ); // well inside the stale limit
    const owned = async () => {
      const r: unknown[] = await em.execute(
        `select 1 from sync_run where id = ? and locked_by = ? and status = 'running'`,
        [id, this.id],
      );
      return r.length > 0;
    };
    try {
      await this.sync.execute(id, owned, this.id);
      await em.execute(
        `update sync_run set status = 'succeeded', finished_at = now(), error = null, locked_by = null,
                progress = jsonb_set(progress, '{phase}', '"done"') where id = ? and locked_by = ?`,
        [id, this.id],
      );
      // Anomaly detection on the fresh data listens: awaited (in the run's tenant scope), its failure never fails
      // the sync (the bus logs it).
      await this.events.emit('cur.sync_finished', { tenantId, runId: id });
    } catch (e) {
      if (this.stopping) return; // released on shutdown; another replica retries it
      // The tenant sees AWS's text or ours written for them, never the text of an internal error (a database
      // error, a bug): that goes to the log, with the run id to find it.
      const error = e instanceof SyncFailure ? e.error : INTERNAL_SYNC_ERROR;
      this.logger.warn({
        msg: 'sync failed',
        run_id: id,
        code: error.code,
        message: error.message,
        aws_error: error.aws_error,
        ...(e instanceof SyncFailure
          ? {}
          : { internal_error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      });
      const maxAttempts = e instanceof SyncFailure && e.permanent ? 0 : this.config.cur.maxAttempts;
      await em.execute(
        `update sync_run set
           status = case when attempt < ? then 'queued' else 'failed' end,
           not_before = case when attempt < ? then now() + make_interval(secs => ? * attempt) else null end,
           finished_at = case when attempt < ? then null else now() end,
           attempt = case when attempt < ? then attempt + 1 else attempt end,
           error = ?, locked_by = null
         where id = ? and locked_by = ?`,
        [
          maxAttempts,
          maxAttempts,
          this.config.cur.retryDelaySeconds,
          maxAttempts,
          maxAttempts,
          JSON.stringify(error),
          id,
          this.id,
        ],
      );
    } finally {
      clearInterval(heartbeat);
    }
  }
}
