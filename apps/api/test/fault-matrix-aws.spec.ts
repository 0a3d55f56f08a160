// The fault matrix of issue #10, part 2: every AWS call the product makes, throttled; credentials that expire
// during a sync. The real API process and SDK clients against the local AWS endpoint's faults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { awsEnv, connectedTenant, syncsSettled, type AwsEnv } from './aws-env';
import { testApp, type TestApp } from './harness';

const cents = (x: number) => Math.round(x * 100);

type Flow = 'verify' | 'sync' | 'collect' | 'discover';
type Service = 'sts' | 'athena' | 'glue' | 's3' | 'cloudwatch';

/**
 * Every AWS operation the API calls (`grep -o "new [A-Za-z]*Command" apps/api/src`) and the flows that call it.
 * StopQueryExecution, called only when a query outlives its deadline, has its own test below.
 */
const CALLS: [Service, string, Flow[]][] = [
  ['sts', 'AssumeRole', ['verify', 'sync', 'collect', 'discover']],
  ['athena', 'GetWorkGroup', ['verify']],
  ['athena', 'StartQueryExecution', ['verify', 'sync']],
  ['athena', 'GetQueryExecution', ['verify', 'sync']],
  ['athena', 'GetQueryResults', ['verify']],
  ['glue', 'GetDatabase', ['verify']],
  ['glue', 'GetTable', ['verify']],
  ['glue', 'GetPartitions', ['verify', 'sync']],
  ['s3', 'GetObject', ['sync']],
  ['cloudwatch', 'GetMetricData', ['collect']],
  ['cloudwatch', 'ListMetrics', ['discover']],
];

/** Throttles per call: more than the SDK's default retries absorb (AWS_MAX_ATTEMPTS is 5 below). */
const THROTTLES = 4;

describe('fault matrix: every AWS call throttled', () => {
  let env: AwsEnv;
  let api: TestApp;
  let t: Awaited<ReturnType<typeof connectedTenant>>;
  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 20, rowsPerDay: 20 });
    api = await testApp({
      ...env.apiEnv,
      // Four throttled attempts, then the fifth succeeds: more than the SDK's default (3 attempts) absorbs, so a
      // client built without AWS_MAX_ATTEMPTS fails its row.
      AWS_MAX_ATTEMPTS: '5',
      CUR_WORKER_POLL_MS: '200',
      CUR_SYNC_RETRY_DELAY_SECONDS: '0',
      ATHENA_QUERY_TIMEOUT_SECONDS: '5',
      METRICS_COLLECT_CRON: '0 0 1 1 *',
    });
    t = await connectedTenant(api, env);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    const added = await api.post('/api/metric-watches/presets', { presets: ['ec2_cpu'] }, t.access_token);
    expect(added.status).toBe(201);
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });
  afterEach(() => env.aws.clearFaults());

  const flows: Record<Flow, () => Promise<void>> = {
    verify: async () => {
      const r = await api.post('/api/tenants/connection/verify', {}, t.access_token);
      expect({ status: r.status, body: r.status === 200 ? 'ok' : r.body }).toEqual({
        status: 200,
        body: 'ok',
      });
      expect(r.body.status).toBe('connected');
    },
    sync: async () => {
      const r = await api.post('/api/cur/sync', { months: 1 }, t.access_token);
      expect(r.status).toBe(202);
      const run = await syncsSettled(api, t.access_token);
      expect({ status: run.status, attempt: run.attempt, error: run.error }).toEqual({
        status: 'succeeded',
        attempt: 1,
        error: null,
      });
    },
    collect: async () => {
      const r = await api.post('/api/metric-watches/collect', {}, t.access_token);
      expect({ status: r.status, run: r.body.status }).toEqual({ status: 200, run: 'succeeded' });
    },
    discover: async () => {
      const r = await api.get('/api/metric-watches/discover?namespace=AWS/EC2', t.access_token);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeGreaterThan(0);
    },
  };

  const rows = CALLS.flatMap(([service, op, fs]) => fs.map((flow) => [service, op, flow] as const));
  it.each(rows)('%s %s throttled 4 times: %s still succeeds (the SDK retries)', async (service, op, flow) => {
    env.aws.resetCalls();
    const since = Date.now();
    env.aws.addFault({ service, operation: op, kind: 'throttle', count: THROTTLES });
    await flows[flow]();
    // Every throttled attempt reached the endpoint, then at least one that succeeded.
    expect(env.aws.calls()[`${service}.${op}`] ?? 0).toBeGreaterThanOrEqual(THROTTLES + 1);
    if (op === 'StartQueryExecution') {
      // The retries of a start carried its ClientRequestToken: one query per token, never a query started twice.
      const { queries } = (await (await fetch(`${env.aws.url}/_aws-local/queries`)).json()) as {
        queries: { client_request_token: string | null; submitted: number }[];
      };
      const started = queries.filter((q) => q.submitted >= since);
      expect(started.length).toBeGreaterThan(0);
      const tokens = started.map((q) => q.client_request_token);
      expect(tokens.every((x) => typeof x === 'string' && x.length > 0)).toBe(true);
      expect(new Set(tokens).size).toBe(started.length);
    }
  });

  it('athena StopQueryExecution throttled twice: a query past its deadline is still stopped, the retry succeeds', async () => {
    env.aws.resetCalls();
    // The first query outlives ATHENA_QUERY_TIMEOUT_SECONDS (5 s): the sync stops it (throttled twice), the run is
    // retried and its next query succeeds.
    env.aws.addFault({ service: 'athena', operation: 'Query', kind: 'latency', ms: 15_000, count: 1 });
    env.aws.addFault({ service: 'athena', operation: 'StopQueryExecution', kind: 'throttle', count: 2 });
    const r = await api.post('/api/cur/sync', { months: 1 }, t.access_token);
    expect(r.status).toBe(202);
    const run = await syncsSettled(api, t.access_token);
    expect({ status: run.status, attempt: run.attempt }).toEqual({ status: 'succeeded', attempt: 2 });
    expect(env.aws.calls()['athena.StopQueryExecution']).toBeGreaterThanOrEqual(3);
    const queries = await (await fetch(`${env.aws.url}/_aws-local/queries`)).json();
    expect(JSON.stringify(queries)).toContain('CANCELLED');
  });
});

describe('fault matrix: credentials expire during a sync', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 80, rowsPerDay: 20 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_SYNC_RETRY_DELAY_SECONDS: '0' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('a sync of several months outliving its credentials refreshes them and loads every month right', async () => {
    const t = await connectedTenant(api, env);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    let synced: string[];
    // Every issued session lives 4 s, whatever DurationSeconds asks: far shorter than the 5-minute refresh margin.
    const TTL = 4;
    env.aws.config.credential_ttl_seconds = TTL;
    try {
      env.aws.resetCalls();
      // Each month's query takes 6 s, longer than a session: the polling of every query outlives the credentials it
      // started with, so only a refresh between requests (not between steps or months) keeps the sync alive.
      env.aws.addFault({ service: 'athena', operation: 'Query', kind: 'latency', ms: 6000, count: 3 });
      const r = await api.post('/api/cur/sync', { months: 3 }, t.access_token);
      expect(r.status).toBe(202);
      const run = await syncsSettled(api, t.access_token);
      expect({ status: run.status, attempt: run.attempt, error: run.error }).toEqual({
        status: 'succeeded',
        attempt: 1,
        error: null,
      });
      expect(run.months).toHaveLength(3);
      synced = run.months;
      expect(Date.parse(run.finished_at) - Date.parse(run.started_at)).toBeGreaterThan(TTL * 1000);
      // at least one refresh inside each month's query, besides the first session
      expect(env.aws.calls()['sts.AssumeRole']).toBeGreaterThanOrEqual(4);
    } finally {
      env.aws.config.credential_ttl_seconds = null;
      env.aws.clearFaults();
    }
    // Every month to the cent of expected.json, and one row per day and key (none twice).
    const expected = JSON.parse(readFileSync(join(env.dir, 'expected.json'), 'utf8'));
    const want: Record<string, number> = {};
    for (const [day, m] of Object.entries<any>(expected.daily))
      if (synced.includes(day.slice(0, 7)))
        want[day.slice(0, 7)] = (want[day.slice(0, 7)] ?? 0) + m.unblended;
    expect(Object.keys(want).length).toBeGreaterThanOrEqual(2);
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    try {
      const months = await db.query(
        `select to_char(usage_date, 'YYYY-MM') as m, sum(unblended)::float8 as s from cost_daily
          where tenant_id = $1 and to_char(usage_date, 'YYYY-MM') = any($2) group by 1 order by 1`,
        [t.tenantId, synced],
      );
      expect(Object.fromEntries(months.rows.map((x) => [x.m, cents(x.s)]))).toEqual(
        Object.fromEntries(Object.entries(want).map(([k, v]) => [k, cents(v)])),
      );
      const dup = await db.query(
        `select count(*)::int as n from (select 1 from cost_rollup_daily where tenant_id = $1
           group by usage_date, dimension, name having count(*) > 1) d`,
        [t.tenantId],
      );
      expect(dup.rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
  });
});
