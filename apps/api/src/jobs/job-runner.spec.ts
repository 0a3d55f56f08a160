import { JobRunner, linearBackoff, type Job, type JobContext, type JobQueue } from './job-runner';

/** An in-memory queue: jobs claimed in order; what the runner asked of it is recorded. */
class MemoryQueue implements JobQueue<Job> {
  readonly due: Job[] = [];
  readonly log: string[] = [];
  running = 0;
  maxRunning = 0;
  constructor(private readonly body: (job: Job, ctx: JobContext) => Promise<void>) {}
  recoverStale(): Promise<void> {
    this.log.push('recover');
    return Promise.resolve();
  }
  claim(_worker: string, max: number): Promise<Job[]> {
    return Promise.resolve(this.due.splice(0, max));
  }
  async run(job: Job, ctx: JobContext): Promise<void> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await this.body(job, ctx);
      this.log.push(`done ${job.id}`);
    } finally {
      this.running--;
    }
  }
  fail(job: Job, e: unknown, retryInSeconds: number | null): Promise<void> {
    this.log.push(`fail ${job.id} ${String(e)} retry=${retryInSeconds}`);
    return Promise.resolve();
  }
  release(worker: string): Promise<void> {
    this.log.push(`release ${worker.split(':').length === 3 ? 'mine' : '?'}`);
    return Promise.resolve();
  }
}

const job = (id: string, attempt = 1, max = 3): Job => ({ id, tenant_id: 't', attempt, max_attempts: max });
const quiet = { error: () => undefined };
const settle = (ms = 30) => new Promise<void>((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await settle(5))
    if (Date.now() > end) throw new Error('timed out');
}

describe('JobRunner', () => {
  it('runs at most `concurrency` jobs at once and claims the rest as they end', async () => {
    const q = new MemoryQueue(() => settle(10));
    q.due.push(job('a'), job('b'), job('c'), job('d'), job('e'));
    const runner = new JobRunner(q, { name: 't', concurrency: 2, backoff: linearBackoff(60) }, quiet);
    runner.kick();
    await waitFor(() => q.log.filter((l) => l.startsWith('done')).length === 5);
    expect(q.maxRunning).toBe(2);
    await waitFor(() => !runner.busy);
  });

  it('retries a failure after the backoff of its attempt, and fails it for good when attempts are used or it is permanent', async () => {
    const q = new MemoryQueue((j) => Promise.reject(new Error(j.id === 'p' ? 'permanent' : 'boom')));
    q.due.push(job('x', 2, 3), job('y', 3, 3), job('p', 1, 3));
    const runner = new JobRunner(
      q,
      {
        name: 't',
        concurrency: 1,
        backoff: linearBackoff(60),
        permanent: (e) => e instanceof Error && e.message === 'permanent',
      },
      quiet,
    );
    runner.kick();
    await waitFor(() => q.log.filter((l) => l.startsWith('fail')).length === 3);
    expect(q.log.filter((l) => l.startsWith('fail'))).toEqual([
      'fail x Error: boom retry=120',
      'fail y Error: boom retry=null',
      'fail p Error: permanent retry=null',
    ]);
  });

  it('on stop releases running jobs at once, and records nothing for them afterwards', async () => {
    const q = new MemoryQueue(() => settle(40).then(() => Promise.reject(new Error('cut'))));
    q.due.push(job('a'));
    const runner = new JobRunner(q, { name: 't', concurrency: 1, backoff: linearBackoff(60) }, quiet);
    runner.kick();
    await settle(10);
    await runner.stop();
    expect(q.log).toContain('release mine');
    await settle(60);
    expect(q.log.some((l) => l.startsWith('fail'))).toBe(false);
  });

  it('with drainOnStop waits for the running job to end and claims nothing more', async () => {
    const q = new MemoryQueue(() => settle(40));
    q.due.push(job('a'), job('b'));
    const runner = new JobRunner(
      q,
      { name: 't', concurrency: 1, backoff: linearBackoff(60), drainOnStop: true },
      quiet,
    );
    runner.kick();
    await settle(10);
    await runner.stop();
    expect(q.log).toEqual(['recover', 'done a']);
  });

  it('beats while a job runs', async () => {
    const beats: string[] = [];
    const q = new MemoryQueue(() => waitFor(() => beats.length >= 2));
    const queue: JobQueue<Job> = Object.assign(q, {
      heartbeat: (j: Job) => {
        beats.push(j.id);
        return Promise.resolve();
      },
    });
    q.due.push(job('a'));
    const runner = new JobRunner(
      queue,
      { name: 't', concurrency: 1, heartbeatMs: 15, backoff: linearBackoff(60) },
      quiet,
    );
    runner.kick();
    await waitFor(() => q.log.includes('done a'));
    const after = beats.length;
    expect(after).toBeGreaterThanOrEqual(2);
    await settle(40);
    expect(beats.length).toBe(after);
  });
});
