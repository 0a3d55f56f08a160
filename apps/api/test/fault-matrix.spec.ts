// The fault matrix of issue #10, part 1: a revoked role and a sync process killed at each stage. Real API processes,
// the real SDK clients against the local AWS endpoint and its faults, a real PostgreSQL.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { ACCOUNT, awsEnv, connectBody, connectedTenant, syncsSettled, type AwsEnv } from './aws-env';
import {
  API_DIST,
  cloneDatabase,
  freePort,
  spawnApi,
  sql,
  testApp,
  until,
  type ApiProcess,
  type TestApp,
} from './harness';
import { startEmbeddedPg, type EmbeddedPg } from './embedded-pg';

const cents = (x: number) => Math.round(x * 100);

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

/** A webhook receiver on 127.0.0.1 that keeps the path and delivery id of every request. */
async function webhookSink() {
  const got: { path: string; delivery: string }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got.push({ path: req.url ?? '', delivery: String(req.headers['x-costoptimizer-delivery'] ?? '') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    got,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('fault matrix: three API processes on one database', () => {
  it('run the nightly sync of each tenant once and send each alert of an episode once', async () => {
    const [env, rx] = await Promise.all([
      awsEnv({ format: 'legacy', days: 100, rowsPerDay: 30 }),
      webhookSink(),
    ]);
    const alertEnv = {
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_PORTS: '1024-65535',
      ALERT_WORKER_POLL_MS: '100',
      PUBLIC_URL: 'https://costs.example.com',
    };
    const db = await cloneDatabase();
    const procs: ApiProcess[] = [];
    try {
      const nightly = {
        ...env.apiEnv,
        ...alertEnv,
        CUR_WORKER_POLL_MS: '200',
        CUR_BACKFILL_MONTHS: '4',
        CUR_SYNC_CRON: '* * * * * *', // a tick every second on each process
      };
      procs.push(...(await Promise.all([1, 2, 3].map(() => spawnApi(db.url, nightly)))));
      const api = procs[0]!;
      // Two tenants, each with a webhook subscription, then connected: the backfill and its detection run on
      // whichever process claims them, the outbox is polled by all three.
      const subs: string[] = [];
      const sessions: Awaited<ReturnType<typeof api.signup>>[] = [];
      for (const i of [0, 1]) {
        const s = await api.signup();
        sessions.push(s);
        const sub = await api.post(
          '/api/alert-subscriptions',
          {
            channel: 'webhook',
            name: 'Ops',
            url: rx.url(`/hook/${i}`),
            min_impact_usd: 1,
            frequency: 'immediate',
          },
          s.access_token,
        );
        expect(sub.status).toBe(201);
        subs.push(sub.body.id);
        const conn = await api.get('/api/tenants/connection', s.access_token);
        const role = `ThreeProcs${i}`;
        env.aws.setRole(ACCOUNT, role, { external_id: conn.body.external_id });
        const res = await api.post(
          '/api/tenants/connect',
          connectBody(conn.body.external_id, { aws_role_arn: `arn:aws:iam::${ACCOUNT}:role/${role}` }),
          s.access_token,
        );
        expect(res.status).toBe(200);
      }
      const nightlyRuns = () =>
        sql(
          db.url,
          `select tenant_id, count(*)::int as n, bool_and(status = 'succeeded') as ok from sync_run
            where trigger = 'nightly' group by 1`,
        );
      await until(
        'both nightly syncs done',
        async () => {
          const r = await nightlyRuns();
          return r.length === 2 && r.every((x) => x.ok);
        },
        60_000,
      );
      // An absence needs a window: each process ticks about three more times, and still one nightly run per tenant.
      await new Promise((r) => setTimeout(r, 3000));
      expect((await nightlyRuns()).map((r) => r.n)).toEqual([1, 1]);

      // Alerts: the sample's episodes are over (closed) by now. A late CUR correction opens one on the last judged
      // day of each tenant, and all three processes run detection at once: each (subscription, episode, level) is
      // one alert_event and one delivery, sent once although three outbox workers poll.
      for (const [i, s] of sessions.entries()) {
        const judged: string = (await api.post('/api/anomalies/detect', {}, s.access_token)).body
          .judged_through;
        expect(judged).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        const me = await api.get('/api/auth/me', s.access_token);
        await sql(
          db.url,
          `insert into cost_daily (tenant_id, usage_date, account_id, service, region, usage_type, charge_class,
             unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items)
           values ($1, $2, $3, 'AWSLambda', 'us-east-1', $4, 'usage', 50000, 50000, 50000, 50000, 50000, 1, 1)`,
          [me.body.tenant.id, judged, ACCOUNT, `fault-matrix-${i}`],
        );
      }
      const detected = await Promise.all(
        procs.flatMap((p) => sessions.map((s) => p.post('/api/anomalies/detect', {}, s.access_token))),
      );
      expect(detected.map((d) => d.status)).toEqual(detected.map(() => 202));
      const events = () =>
        sql(
          db.url,
          `select e.subscription_id, count(*)::int as n from alert_event e where e.subscription_id = any($1) group by 1`,
          [subs],
        );
      const pending = () =>
        sql(
          db.url,
          `select count(*)::int as n from alert_delivery where subscription_id = any($1) and status <> 'sent'`,
          [subs],
        );
      await until(
        'alerts sent',
        async () => (await events()).length > 0 && (await pending())[0].n === 0,
        30_000,
      ).catch(async (e: Error) => {
        const why = await sql(
          db.url,
          `select status, held_back, count(*)::int as n, max(impact_usd)::float8 as max from anomaly group by 1, 2`,
        );
        const runs = await sql(db.url, `select trigger, status, error from sync_run`);
        throw new Error(`${e.message}: anomalies ${JSON.stringify(why)} runs ${JSON.stringify(runs)}`);
      });
      const deliveries = await sql(
        db.url,
        `select id, kind, attempts from alert_delivery where subscription_id = any($1)`,
        [subs],
      );
      expect(deliveries.filter((d) => d.kind === 'alert').length).toBeGreaterThan(0);
      expect(deliveries.every((d) => d.attempts === 1)).toBe(true);
      const received = rx.got.filter((g) => g.path.startsWith('/hook/'));
      expect(received.map((g) => g.delivery).sort()).toEqual(deliveries.map((d) => d.id).sort());
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
      await db.drop();
      await Promise.all([env.close(), rx.close()]);
    }
  });
});

describe('fault matrix: PostgreSQL restarted under load', () => {
  // The machine's shared PostgreSQL cannot be restarted: an embedded one of our own, on a free port.
  let pgDir: string;
  let env: AwsEnv;
  let pg: EmbeddedPg | null = null;
  let api: ApiProcess | null = null;
  const startPg = (port: number) => startEmbeddedPg(pgDir, port, 'fault_matrix');
  beforeAll(async () => {
    pgDir = mkdtempSync(join(tmpdir(), 'co-pg-'));
    chmodSync(pgDir, 0o777); // as root the server runs as the `postgres` user
    env = await awsEnv({ format: 'cur2', days: 10, rowsPerDay: 20 });
  });
  afterAll(async () => {
    await api?.stop();
    await pg?.stop();
    await env?.close();
    rmSync(pgDir, { recursive: true, force: true });
  });

  it('answers 503 in the one error shape while it is down, and recovers without restarting the API', async () => {
    pg = await startPg(await freePort());
    const port = new URL(pg.url).port;
    execFileSync(process.execPath, [join(API_DIST, 'cli.js'), 'migrate'], {
      env: { ...process.env, DATABASE_URL: pg.url, LOG_LEVEL: 'error' },
      stdio: 'pipe',
    });
    api = await spawnApi(pg.url, {
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      CUR_SYNC_RETRY_DELAY_SECONDS: '0',
      ALERT_WORKER_POLL_MS: '200',
    });
    const a = api;
    const t = await connectedTenant(a, env);
    expect((await syncsSettled(a, t.access_token)).status).toBe('succeeded');
    const dash = (await a.get('/api/dashboard?measure=unblended', t.access_token)).body;

    // Load: dashboard reads and sign-ups in a loop, through the outage.
    const seen: { status: number; body: any }[] = [];
    let loading = true;
    const load = (async () => {
      while (loading && seen.length < 5000) {
        const [d, s] = await Promise.all([
          a.get('/api/dashboard?measure=unblended', t.access_token),
          a.post('/api/auth/signup', {
            email: `load-${randomUUID()}@example.com`,
            password: 'correct-horse-battery',
          }),
        ]);
        seen.push(d, s);
      }
    })();
    await until('some answers under load', () => seen.length >= 10);

    await pg.stop();
    pg = null;
    const down = await until('health 503', async () => {
      const h = await a.get('/api/health');
      return h.status === 503 ? h : undefined;
    });
    expect(down.body).toMatchObject({ status: 'degraded', database: 'down' });
    // Authenticated: the token is fine, the membership lookup fails: 503, never a 401 that would log users out.
    const failed = await a.get('/api/dashboard?measure=unblended', t.access_token);
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({
      code: 'DATABASE_UNAVAILABLE',
      message: expect.stringContaining('database'),
      correlation_id: expect.any(String),
    });
    expect(failed.headers.get('retry-after')).toBeTruthy();

    pg = await startPg(Number(port));
    expect(new URL(pg.url).port).toBe(port);
    await until('health 200 again', async () => (await a.get('/api/health')).status === 200, 30_000);
    await until('the dashboard again', async () => {
      const d = await a.get('/api/dashboard?measure=unblended', t.access_token);
      return d.status === 200 && d.body.month_to_date === dash.month_to_date;
    });
    loading = false;
    await load;
    // Every answer under load was a success or a clean 5xx in the one error shape, never a hang or a raw error.
    const unclean = seen.filter(
      (r) => r.status >= 300 && !(r.status === 503 && r.body?.code === 'DATABASE_UNAVAILABLE'),
    );
    // On failure, the API's own log lines for those answers say which error was not recognised.
    const logsOf = (r: { body: any }) =>
      a
        .logs()
        .split('\n')
        .filter((l) => r.body?.correlation_id && l.includes(r.body.correlation_id))
        .join('\n')
        .slice(0, 3000);
    expect(unclean.map((r) => ({ status: r.status, body: r.body, logs: logsOf(r) }))).toEqual([]);
    for (const r of seen.filter((x) => x.status >= 300)) expect(typeof r.body?.correlation_id).toBe('string');
    expect(seen.some((r) => r.status === 503)).toBe(true);
    expect(seen.at(-1)!.status).toBeLessThan(300);

    // The worker resumes: a sync queued now runs to the end on the same process.
    expect((await a.post('/api/cur/sync', { months: 1 }, t.access_token)).status).toBe(202);
    expect((await syncsSettled(a, t.access_token)).status).toBe('succeeded');
  });
});
