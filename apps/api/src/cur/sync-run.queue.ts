import { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config/config';
import { platformEm, tenantEm, withTenant } from '../database/db-scope';
import type { DomainEvents } from '../events/domain-events';
import type { Job, JobContext, JobLogger, JobQueue } from '../jobs/job-runner';
import { CurSyncService } from './cur-sync.service';
import { SyncFailure } from './cur.errors';
import type { SyncError } from './sync-run.entity';

/** What a tenant sees of a failure that is not AWS's (its text is logged with the run id). */
export const INTERNAL_SYNC_ERROR: SyncError = Object.freeze({
  code: 'INTERNAL',
  message:
    'The sync failed on our side (not an AWS error); it is retried. If it persists, contact support with the run id',
  aws_error: null,
});

const CLAIM_LOCK = 72_150_002;

export type SyncRunJob = Job;

/**
 * The `sync_run` table as the CUR worker's queue. Claims are serialized by an advisory transaction lock so at most
 * CUR_SYNC_CONCURRENCY syncs run across all replicas; runs whose heartbeat stopped are re-queued (or failed after
 * CUR_SYNC_MAX_ATTEMPTS). Row-level security: only the cross-tenant steps (claiming, re-queuing lost runs,
 * releasing this worker's runs) use the platform scope; each run runs in its tenant's scope, which the sync service,
 * the `cur.sync_finished` listeners (anomaly detection) and the audit log inherit.
 */
export class SyncRunQueue implements JobQueue<SyncRunJob> {
  constructor(
    private readonly em: EntityManager,
    private readonly sync: CurSyncService,
    private readonly events: DomainEvents,
    private readonly config: AppConfig,
    private readonly logger: JobLogger & { warn(message: object): void },
  ) {}

  /** Runs whose worker died, whoever's they are. */
  async recoverStale(): Promise<void> {
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
  }

  /** Claims the oldest due run of any tenant: the platform scope, for the claim only (the run gets its own). */
  claim(worker: string): Promise<SyncRunJob[]> {
    return platformEm(this.em).transactional(async (tx) => {
      await tx.execute('select pg_advisory_xact_lock(?)', [CLAIM_LOCK]);
      const rows: { id: string; tenant_id: string; attempt: number }[] = await tx.execute(
        `update sync_run set status = 'running', locked_by = ?, heartbeat_at = now(), started_at = coalesce(started_at, now()),
                progress = jsonb_set(progress, '{phase}', '"starting"')
          where id = (select id from sync_run where status = 'queued' and (not_before is null or not_before <= now())
                        order by created_at limit 1 for update skip locked)
            and (select count(*) from sync_run where status = 'running') < ?
          returning id, tenant_id, attempt`,
        [worker, this.config.cur.concurrency],
      );
      return rows.map((r) => ({ ...r, max_attempts: this.config.cur.maxAttempts }));
    });
  }

  async heartbeat(job: SyncRunJob, worker: string): Promise<void> {
    // In the run's tenant scope (the beat runs on a timer, outside the run's async context).
    await tenantEm(this.em, job.tenant_id).execute(
      'update sync_run set heartbeat_at = now() where id = ? and locked_by = ?',
      [job.id, worker],
    );
  }

  /** On shutdown: this worker's runs are queued again at once (the open COPY transaction rolls back). */
  async release(worker: string): Promise<void> {
    await platformEm(this.em).execute(
      `update sync_run set status = 'queued', locked_by = null, progress = jsonb_set(progress, '{phase}', '"re-queued: the worker stopped"') where locked_by = ? and status = 'running'`,
      [worker],
    );
  }

  /** Runs one claimed sync in its tenant's scope; detection on the fresh data follows (awaited). */
  run(job: SyncRunJob, ctx: JobContext): Promise<void> {
    return withTenant(this.em, job.tenant_id, async () => {
      const em = this.em.fork();
      // The run is still ours (not released on shutdown, not re-queued as stale): checked before each load commits.
      const owned = async () => {
        const r: unknown[] = await em.execute(
          `select 1 from sync_run where id = ? and locked_by = ? and status = 'running'`,
          [job.id, ctx.worker],
        );
        return r.length > 0;
      };
      await this.sync.execute(job.id, owned, ctx.worker);
      await em.execute(
        `update sync_run set status = 'succeeded', finished_at = now(), error = null, locked_by = null,
                progress = jsonb_set(progress, '{phase}', '"done"') where id = ? and locked_by = ?`,
        [job.id, ctx.worker],
      );
      // Anomaly detection on the fresh data listens: awaited (in the run's tenant scope), its failure never fails
      // the sync (the bus logs it).
      await this.events.emit('cur.sync_finished', { tenantId: job.tenant_id, runId: job.id });
    });
  }

  /**
   * A failed attempt, queued again after the backoff or failed for good. The tenant sees AWS's text or ours
   * written for them, never the text of an internal error (a database error, a bug): that goes to the log, with
   * the run id to find it.
   */
  fail(job: SyncRunJob, e: unknown, retryInSeconds: number | null, ctx: JobContext): Promise<void> {
    return withTenant(this.em, job.tenant_id, async () => {
      const error = e instanceof SyncFailure ? e.error : INTERNAL_SYNC_ERROR;
      this.logger.warn({
        msg: 'sync failed',
        run_id: job.id,
        code: error.code,
        message: error.message,
        aws_error: error.aws_error,
        ...(e instanceof SyncFailure
          ? {}
          : { internal_error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      });
      const retry = retryInSeconds !== null;
      await this.em.fork().execute(
        `update sync_run set
           status = ?, not_before = ${retry ? 'now() + make_interval(secs => ?)' : 'null'},
           finished_at = ${retry ? 'null' : 'now()'}, attempt = ${retry ? 'attempt + 1' : 'attempt'},
           error = ?, locked_by = null
         where id = ? and locked_by = ?`,
        [
          retry ? 'queued' : 'failed',
          ...(retry ? [retryInSeconds] : []),
          JSON.stringify(error),
          job.id,
          ctx.worker,
        ],
      );
    });
  }
}
