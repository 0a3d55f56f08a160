// The fault matrix of issue #10, part 1: a revoked role and a sync process killed at each stage. Real API processes,
// the real SDK clients against the local AWS endpoint and its faults, a real PostgreSQL.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ACCOUNT, awsEnv, connectedTenant, syncsSettled, type AwsEnv } from './aws-env';
import { spawnApi, testApp, type ApiProcess, type TestApp } from './harness';

const cents = (x: number) => Math.round(x * 100);

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms` naming `what`. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function sql<T = any>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(text, params)).rows as T[];
  } finally {
    await db.end();
  }
}

/** What a sync wrote for the tenant: per month the unblended sum (cents) and the row counts of both tables. */
async function snapshot(url: string, tenantId: string) {
  const daily = await sql(
    url,
    `select to_char(usage_date, 'YYYY-MM') as m, count(*)::int as n, sum(unblended)::float8 as s
       from cost_daily where tenant_id = $1 group by 1 order by 1`,
    [tenantId],
  );
  const rollup = await sql(url, `select count(*)::int as n from cost_rollup_daily where tenant_id = $1`, [
    tenantId,
  ]);
  return {
    months: daily.map((r) => ({ month: r.m as string, rows: r.n as number, cents: cents(r.s) })),
    rollup_rows: rollup[0].n as number,
  };
}

/** expected.json's unblended sums per month, in cents. */
function expectedMonths(dir: string): Record<string, number> {
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));
  const out: Record<string, number> = {};
  for (const [day, m] of Object.entries<any>(expected.daily))
    out[day.slice(0, 7)] = (out[day.slice(0, 7)] ?? 0) + m.unblended;
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, cents(v)]));
}

function roleNameOf(arn: string): string {
  return arn.split('/').at(-1)!;
}

describe('fault matrix: a revoked role', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 20, rowsPerDay: 30 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_SYNC_RETRY_DELAY_SECONDS: '0' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('fails the next sync with AWS AccessDenied, marks the connection broken once, keeps every cost row', async () => {
    const t = await connectedTenant(api, env);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    const role = roleNameOf(
      (await api.get('/api/tenants/connection', t.access_token)).body.settings.aws_role_arn,
    );
    const before = await snapshot(api.databaseUrl, t.tenantId);
    const dashBefore = (await api.get('/api/dashboard?measure=unblended', t.access_token)).body;
    expect(dashBefore.month_to_date).toBeGreaterThan(0);

    expect(env.aws.revokeRole(ACCOUNT, role)).toBe(true);
    const started = await api.post('/api/cur/sync', { months: 2 }, t.access_token);
    expect(started.status).toBe(202);
    const run = await syncsSettled(api, t.access_token);
    // Retrying cannot help: the run fails at once, with the step and AWS's own text.
    expect(run).toMatchObject({ id: started.body.run_id, status: 'failed', attempt: 1 });
    expect(run.error.code).toBe('ASSUME_ROLE_FAILED');
    expect(run.error.aws_error).toMatch(/^AccessDenied: .*not authorized to perform: sts:AssumeRole/);

    const conn = (await api.get('/api/tenants/connection', t.access_token)).body;
    expect(conn.status).toBe('error');
    expect(conn.last_error).toMatchObject({ code: 'ASSUME_ROLE_FAILED', step: 'assume_role' });
    expect(conn.last_error.aws_error).toContain('AccessDenied');
    const dash = (await api.get('/api/dashboard?measure=unblended', t.access_token)).body;
    expect(dash.connected).toBe(false);
    expect(dash.last_sync).toMatchObject({ status: 'failed', error: { code: 'ASSUME_ROLE_FAILED' } });
    expect(dash.month_to_date).toBe(dashBefore.month_to_date);
    expect(dash.daily).toEqual(dashBefore.daily);
    expect(await snapshot(api.databaseUrl, t.tenantId)).toEqual(before);

    // More attempts say why they cannot run and record nothing more: one event for the episode.
    for (let i = 0; i < 3; i++) {
      const again = await api.post('/api/cur/sync', {}, t.access_token);
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({ code: 'NOT_CONNECTED', details: { step: 'assume_role' } });
      expect(again.body.message).toContain('broken');
    }
    expect((await api.get('/api/cur/sync-runs', t.access_token)).body.total).toBe(2);
    const events = await sql(
      api.databaseUrl,
      `select details from audit_event where tenant_id = $1 and action = 'aws.verification_failed'`,
      [t.tenantId],
    );
    expect(events.map((e) => e.details)).toEqual([
      expect.objectContaining({ request: 'sync', code: 'ASSUME_ROLE_FAILED', status: 'error' }),
    ]);

    // The customer restores the role and verifies again: connected, and the next sync loads the same data.
    env.aws.setRole(ACCOUNT, role, { external_id: conn.external_id });
    const verified = await api.post('/api/tenants/connection/verify', {}, t.access_token);
    expect(verified.status).toBe(200);
    expect(verified.body.status).toBe('connected');
    expect((await api.post('/api/cur/sync', { months: 2 }, t.access_token)).status).toBe(202);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    expect(await snapshot(api.databaseUrl, t.tenantId)).toEqual(before);
  });
});

describe('fault matrix: a sync process killed at each stage', () => {
  let env: AwsEnv;
  let api: ApiProcess;
  let dropDb: () => Promise<void>;
  const procEnv = () => ({
    ...env.apiEnv,
    CUR_WORKER_POLL_MS: '200',
    CUR_SYNC_STALE_SECONDS: '2',
    CUR_SYNC_RETRY_DELAY_SECONDS: '0',
  });
  let t: Awaited<ReturnType<typeof connectedTenant>>;
  let baseline: Awaited<ReturnType<typeof snapshot>>;

  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 40, rowsPerDay: 30 });
    const app = await testApp(procEnv());
    api = app;
    dropDb = () => app.db.drop();
    t = await connectedTenant(api, env);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    baseline = await snapshot(api.databaseUrl, t.tenantId);
    // The sample's months, to the cent (so a duplicated or missing row cannot hide in the baseline).
    expect(Object.fromEntries(baseline.months.map((m) => [m.month, m.cents]))).toEqual(
      expectedMonths(env.dir),
    );
  });
  afterAll(async () => {
    await api?.stop();
    await dropDb?.();
    await env?.close();
  });
  afterEach(() => env.aws.clearFaults());

  const runOf = async (id: string) => (await api.get(`/api/cur/sync-runs/${id}`, t.access_token)).body;
  /** The backend of the API's query waiting on a lock whose text contains `fragment`. */
  const waitingOn = (fragment: string) =>
    until(`a query waiting on a lock: ${fragment}`, async () => {
      const rows = await sql(
        api.databaseUrl,
        `select pid from pg_stat_activity where wait_event_type = 'Lock' and query like $1`,
        [`%${fragment}%`],
      );
      return rows.length > 0;
    });

  /** A stage: armed before the sync starts; `reached` resolves once the process is held there; `release` after the kill. */
  interface Hold {
    reached: (runId: string) => Promise<unknown>;
    release?: () => Promise<void>;
  }
  const lockClient = async (text: string, params: unknown[]) => {
    const c = new Client({ connectionString: api.databaseUrl });
    await c.connect();
    await c.query('begin');
    await c.query(text, params);
    return async () => {
      await c.query('rollback');
      await c.end();
    };
  };

  const stages: [string, () => Hold | Promise<Hold>][] = [
    [
      'AssumeRole',
      () => {
        // Held inside the STS call: the endpoint has received it, the answer is 8 s away.
        const before = env.aws.calls()['sts.AssumeRole'] ?? 0;
        env.aws.addFault({ service: 'sts', operation: 'AssumeRole', kind: 'latency', ms: 8000, count: 1 });
        return {
          reached: () =>
            until('AssumeRole received', () => (env.aws.calls()['sts.AssumeRole'] ?? 0) > before),
        };
      },
    ],
    [
      'Athena running',
      () => {
        const before = env.aws.calls()['athena.StartQueryExecution'] ?? 0;
        env.aws.addFault({ service: 'athena', operation: 'Query', kind: 'latency', ms: 8000, count: 1 });
        return {
          reached: (runId) =>
            until(
              'the query started',
              async () =>
                (await runOf(runId)).progress.phase.startsWith('querying') &&
                (env.aws.calls()['athena.StartQueryExecution'] ?? 0) > before,
            ),
        };
      },
    ],
    [
      'reading the CSV',
      () => {
        const before = env.aws.calls()['s3.GetObject'] ?? 0;
        env.aws.addFault({ service: 's3', operation: 'GetObject', kind: 'latency', ms: 8000, count: 1 });
        return {
          reached: (runId) =>
            until(
              'GetObject of the result CSV',
              async () =>
                (await runOf(runId)).progress.phase.startsWith('loading') &&
                (env.aws.calls()['s3.GetObject'] ?? 0) > before,
            ),
        };
      },
    ],
    [
      'the load transaction',
      async () => {
        // The month's old rows are deleted and the new ones copied, uncommitted: the version bump waits on our lock.
        const release = await lockClient('select * from cost_data_version where tenant_id = $1 for update', [
          t.tenantId,
        ]);
        return { reached: () => waitingOn('insert into cost_data_version'), release };
      },
    ],
    [
      'the gap after the commit, before the run is marked done',
      async () => {
        // Reading the CSV is slowed so we can lock the run's row; the month then commits and the run's own update
        // (rows loaded) waits on our lock.
        env.aws.addFault({ service: 's3', operation: 'GetObject', kind: 'latency', ms: 3000, count: 1 });
        const version = async () =>
          Number(
            (
              await sql(api.databaseUrl, 'select version from cost_data_version where tenant_id = $1', [
                t.tenantId,
              ])
            )[0].version,
          );
        const v0 = await version();
        let release: (() => Promise<void>) | undefined;
        return {
          reached: async (runId) => {
            await until('loading', async () => (await runOf(runId)).progress.phase.startsWith('loading'));
            release = await lockClient('select * from sync_run where id = $1 for update', [runId]);
            await waitingOn('rows_loaded = rows_loaded +');
            expect(await version()).toBe(v0 + 1); // committed
          },
          release: async () => release?.(),
        };
      },
    ],
  ];

  it.each(stages)(
    'killed during %s: old data intact, the next process completes, no duplicate rows',
    async (_stage, arm) => {
      const hold = await arm();
      let runId: string | undefined;
      try {
        const started = await api.post('/api/cur/sync', { months: 1 }, t.access_token);
        expect(started.status).toBe(202);
        const id: string = started.body.run_id;
        runId = id;
        await hold.reached(id);
        await api.kill();
        expect(await snapshot(api.databaseUrl, t.tenantId)).toEqual(baseline);
      } finally {
        await hold.release?.();
      }
      api = await spawnApi(api.databaseUrl, procEnv());
      const run = await syncsSettled(api, t.access_token).catch((e: Error) => {
        throw new Error(`${e.message}\n--- next process:\n${api.logs().slice(-3000)}`);
      });
      expect(run).toMatchObject({ id: runId, status: 'succeeded', attempt: 2 });
      expect(await snapshot(api.databaseUrl, t.tenantId)).toEqual(baseline);
    },
  );
});
