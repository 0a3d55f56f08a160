import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/** A claimed job: its row id, its tenant (the job runs in that tenant's scope) and its attempt (1-based). */
export interface Job {
  id: string;
  tenant_id: string;
  attempt: number;
  max_attempts: number;
}

/** What a worker's queue table provides to the runner; every method decides its own database scope. */
export interface JobQueue<J extends Job> {
  /** Jobs held by workers that stopped (no heartbeat, or claimed too long ago) are queued again or failed. */
  recoverStale(): Promise<void>;
  /** Claims up to `max` due jobs for this worker (FOR UPDATE SKIP LOCKED, or a unique claim row). */
  claim(worker: string, max: number): Promise<J[]>;
  /** Runs a claimed job and records its success; throws to have it retried (or failed). */
  run(job: J, ctx: JobContext): Promise<void>;
  /**
   * Records a failed attempt: queued again after `retryInSeconds`, or failed for good when that is null (no
   * attempt left, or the failure is permanent).
   */
  fail(job: J, error: unknown, retryInSeconds: number | null, ctx: JobContext): Promise<void>;
  /** Marks a running job alive (its stale limit is measured from the last beat). */
  heartbeat?(job: J, worker: string): Promise<void>;
  /** On shutdown: this worker's running jobs go back to the queue at once, for another replica. */
  release?(worker: string): Promise<void>;
  /** Called when a tick found nothing to claim and nothing is running. */
  idle?(): Promise<void>;
}

export interface JobContext {
  worker: string;
  /** True once the runner is stopping: a job that sees it returns without recording anything. */
  stopping(): boolean;
}

/** Seconds to wait after failed attempt `attempt` (1-based) before the next one. */
export type Backoff = (attempt: number) => number;
export const linearBackoff =
  (baseSeconds: number): Backoff =>
  (attempt) =>
    baseSeconds * attempt;

export interface JobRunnerOptions {
  /** The worker's tick in the logs ("<name> failed"). */
  name: string;
  /** Jobs this replica runs at once. */
  concurrency: number;
  /** Looks for work this often (none: only when kicked). */
  pollMs?: number;
  /** Beats this often while a job runs (with a `heartbeat` in the queue). */
  heartbeatMs?: number;
  backoff: Backoff;
  /** A failure no retry can fix (failed at once). */
  permanent?: (error: unknown) => boolean;
  /**
   * On shutdown, wait for running jobs to end (their work is short, e.g. one webhook) instead of releasing them to
   * another replica (`release`).
   */
  drainOnStop?: boolean;
}

export interface JobLogger {
  error(message: object): void;
}

/**
 * One shape for the background workers (CUR syncs, metric collection, alert deliveries): every replica runs one;
 * PostgreSQL decides who runs what. A tick re-queues the jobs of dead workers, then claims due jobs while fewer than
 * `concurrency` run here; each job runs with a heartbeat, and a failure is queued again after the backoff until its
 * attempts are used up. A kick during a tick runs one more tick after it; a job that ends kicks. On shutdown nothing
 * new is claimed, and running jobs are either drained (awaited) or released to another replica at once.
 */
export class JobRunner<J extends Job> {
  readonly worker = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly ctx: JobContext = { worker: this.worker, stopping: () => this.stopped };

  constructor(
    private readonly queue: JobQueue<J>,
    private readonly options: JobRunnerOptions,
    private readonly logger: JobLogger,
  ) {}

  get stopping(): boolean {
    return this.stopped;
  }

  /** True while a tick or a job is running. */
  get busy(): boolean {
    return this.ticking !== null || this.inFlight.size > 0;
  }

  start(): void {
    if (this.options.pollMs) this.timer = setInterval(() => this.kick(), this.options.pollMs);
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (!this.options.drainOnStop && this.queue.release) {
      // Released at once so another replica takes them over (a running load's commit sees it is no longer ours).
      await this.queue.release(this.worker).catch(() => undefined);
      return;
    }
    await this.ticking?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Looks for work now (on the timer, after enqueueing, when a job ends). */
  kick(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((e: unknown) => {
        if (!this.stopped) this.logger.error({ msg: `${this.options.name} failed`, error: String(e) });
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
    await this.queue.recoverStale();
    let claimed = 0;
    while (!this.stopped && this.inFlight.size < this.options.concurrency) {
      const jobs = await this.queue.claim(this.worker, this.options.concurrency - this.inFlight.size);
      if (jobs.length === 0) break;
      claimed += jobs.length;
      for (const job of jobs) this.launch(job);
    }
    if (claimed === 0 && this.inFlight.size === 0 && !this.stopped) await this.queue.idle?.();
  }

  private launch(job: J): void {
    // A job whose own failure path cannot reach the database (it is down) rejects: logged here, never an unhandled
    // rejection that would end the process; its heartbeat stops, so it is re-queued as stale.
    const p = this.runOne(job)
      .catch((e: unknown) => {
        if (!this.stopped)
          this.logger.error({
            msg: `${this.options.name}: a job failed to record its end`,
            job_id: job.id,
            error: String(e),
          });
      })
      .finally(() => {
        this.inFlight.delete(job.id);
        this.kick();
      });
    this.inFlight.set(job.id, p);
  }

  private async runOne(job: J): Promise<void> {
    const beat = this.queue.heartbeat?.bind(this.queue);
    const heartbeat =
      beat && this.options.heartbeatMs
        ? setInterval(() => void beat(job, this.worker).catch(() => undefined), this.options.heartbeatMs)
        : null;
    try {
      await this.queue.run(job, this.ctx);
    } catch (e) {
      if (this.stopped && !this.options.drainOnStop) return; // released on shutdown; another replica retries it
      const permanent = this.options.permanent?.(e) ?? false;
      const retryIn = !permanent && job.attempt < job.max_attempts ? this.options.backoff(job.attempt) : null;
      await this.queue.fail(job, e, retryIn, this.ctx);
    } finally {
      if (heartbeat) clearInterval(heartbeat);
    }
  }
}
