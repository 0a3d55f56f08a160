import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { awsEnv, connectedTenant as connected, syncsSettled as settled, type AwsEnv } from './aws-env';
import { spawnApi, testApp, type ApiProcess, type TestApp } from './harness';

type Measure = 'unblended' | 'net_unblended' | 'amortized' | 'net_amortized';
const MEASURES: Record<'legacy' | 'cur2' | 'focus', Measure[]> = {
  legacy: ['unblended', 'net_unblended', 'amortized', 'net_amortized'],
  cur2: ['unblended', 'net_unblended', 'amortized', 'net_amortized'],
  focus: ['unblended', 'net_amortized'],
};

async function syncNow(api: ApiProcess, token: string, months: number): Promise<any> {
  const started = await api.post('/api/cur/sync', { months }, token);
  if (started.status !== 202) throw new Error(`sync: ${started.status} ${JSON.stringify(started.body)}`);
  return settled(api, token);
}

/** Daily totals per measure from /api/costs, to compare with the sample's expected.json. */
async function dailyTotals(
  api: ApiProcess,
  token: string,
  from: string,
  to: string,
  measure: Measure,
): Promise<Map<string, number>> {
  const res = await api.get(
    `/api/costs?from=${from}&to=${to}&group_by=charge_class&measure=${measure}&granularity=daily`,
    token,
  );
  expect(res.status).toBe(200);
  const out = new Map<string, number>();
  for (const i of res.body.items) out.set(i.date, (out.get(i.date) ?? 0) + i.cost);
  return out;
}

const cents = (x: number) => Math.round(x * 100);

describe.each(['legacy', 'cur2', 'focus'] as const)('CUR sync of a %s sample', (format) => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format, days: 40, rowsPerDay: 50 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('stores daily costs equal to expected.json to the cent, for every measure', async () => {
    const t = await connected(api, env);
    const first = await settled(api, t.access_token); // the backfill after connecting
    expect(first).toMatchObject({ status: 'succeeded', trigger: 'connect', mode: 'backfill' });
    // The backfill read the months from the format's partitions: every month of the sample, newest first.
    const sample = JSON.parse(readFileSync(join(env.dir, 'expected.json'), 'utf8'));
    const sampleMonths = [...new Set(Object.keys(sample.daily).map((d) => d.slice(0, 7)))].sort().reverse();
    expect(first.months).toEqual(sampleMonths);
    expect(first.month_stats.map((m: any) => m.month)).toEqual(sampleMonths);
    const run = await syncNow(api, t.access_token, 3);
    expect(run.status).toBe('succeeded');
    expect(run.rows_loaded).toBeGreaterThan(0);
    expect(run.bytes_scanned).toBeGreaterThan(0);
    const expected = JSON.parse(readFileSync(join(env.dir, 'expected.json'), 'utf8'));
    const days = Object.keys(expected.daily).sort();
    for (const measure of MEASURES[format]) {
      const got = await dailyTotals(api, t.access_token, days[0]!, days.at(-1)!, measure);
      const mismatches = days.filter((d) => cents(got.get(d) ?? 0) !== cents(expected.daily[d][measure]));
      expect({ measure, mismatches }).toEqual({ measure, mismatches: [] });
      const total = [...got.values()].reduce((a, b) => a + b, 0);
      expect(cents(total)).toBe(cents(expected.totals[measure]));
    }

    // The dashboard agrees with expected.json: month to date, the 90-day chart and its stack, the top lists.
    const dash = (await api.get('/api/dashboard?measure=unblended', t.access_token)).body;
    const through = days.at(-1)!;
    expect(dash.data_through).toBe(through);
    const sum = (from: string, to: string) =>
      days.filter((d) => d >= from && d <= to).reduce((a, d) => a + expected.daily[d].unblended, 0);
    expect(cents(dash.month_to_date)).toBe(cents(sum(`${through.slice(0, 7)}-01`, through)));
    for (const p of dash.daily) {
      if (expected.daily[p.date]) expect(cents(p.cost)).toBe(cents(expected.daily[p.date].unblended));
      const i = dash.daily_by_service.dates.indexOf(p.date);
      const stacked = dash.daily_by_service.series.reduce((a: number, s: any) => a + s.costs[i], 0);
      expect(cents(stacked)).toBe(cents(p.cost));
    }
    const services = await api.get(
      `/api/costs?from=${through.slice(0, 7)}-01&to=${through}&group_by=service&measure=unblended&granularity=monthly`,
      t.access_token,
    );
    const byService = [...services.body.items].sort((a: any, b: any) => b.cost - a.cost).slice(0, 10);
    expect(dash.top_services.map((x: any) => [x.name, cents(x.cost)])).toEqual(
      byService.map((x: any) => [x.group || '(none)', cents(x.cost)]),
    );
  });
});

describe('CUR sync behaviour', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 40, rowsPerDay: 40 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_SYNC_RETRY_DELAY_SECONDS: '0' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });
  afterEach(() => env.aws.clearFaults());

  it('answers 202, 409 while one runs, 422 when not connected, 403 for viewers, 404 across tenants', async () => {
    const t = await connected(api, env);
    await settled(api, t.access_token);
    env.aws.addFault({ service: 'athena', operation: 'Query', kind: 'latency', ms: 1500, count: 1 });
    const a = await api.post('/api/cur/sync', {}, t.access_token);
    expect(a.status).toBe(202);
    const b = await api.post('/api/cur/sync', {}, t.access_token);
    expect(b.status).toBe(409);
    expect(b.body.details.run_id).toBe(a.body.run_id);
    const run = await api.get(`/api/cur/sync-runs/${a.body.run_id}`, t.access_token);
    expect(run.body.months).toHaveLength(2);
    await settled(api, t.access_token);

    const lonely = await api.signup();
    expect((await api.post('/api/cur/sync', {}, lonely.access_token)).body.code).toBe('NOT_CONNECTED');
    expect((await api.get(`/api/cur/sync-runs/${a.body.run_id}`, lonely.access_token)).status).toBe(404);
    expect((await api.post('/api/cur/sync', { months: 99 }, t.access_token)).status).toBe(400);

    const v = await api.signup();
    await api.addMember(t, v, 'viewer');
    const viewer = (
      await api.post('/api/auth/login', { email: v.email, password: v.password, tenant_id: t.tenantId })
    ).body;
    expect((await api.post('/api/cur/sync', {}, viewer.access_token)).status).toBe(403);
    expect((await api.get('/api/cur/sync-runs', viewer.access_token)).status).toBe(200);
  });

  it('replaces only the months it syncs (a restated month)', async () => {
    const t = await connected(api, env);
    await settled(api, t.access_token);
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    try {
      const months = await db.query(
        `select to_char(usage_date, 'YYYY-MM') as m, sum(unblended) as s from cost_daily where tenant_id = $1 group by 1 order by 1`,
        [t.tenantId],
      );
      expect(months.rows.length).toBeGreaterThanOrEqual(2);
      // Pretend both months changed on our side; a sync of the current month alone must restore only it.
      await db.query('update cost_daily set unblended = unblended * 2 where tenant_id = $1', [t.tenantId]);
      const run = await syncNow(api, t.access_token, 1);
      expect(run.months).toEqual([months.rows.at(-1).m]);
      const after = await db.query(
        `select to_char(usage_date, 'YYYY-MM') as m, sum(unblended) as s from cost_daily where tenant_id = $1 group by 1 order by 1`,
        [t.tenantId],
      );
      const last = after.rows.length - 1;
      expect(cents(Number(after.rows[last].s))).toBe(cents(Number(months.rows[last].s)));
      expect(cents(Number(after.rows[0].s))).toBe(cents(Number(months.rows[0].s) * 2));
      // The re-synced month's rollup (what the dashboard and /api/costs read) was rebuilt in the same load.
      const rollup = await db.query(
        `select dimension, sum(unblended) as s from cost_rollup_daily
          where tenant_id = $1 and to_char(usage_date, 'YYYY-MM') = $2 group by 1 order by 1`,
        [t.tenantId, months.rows[last].m],
      );
      expect(rollup.rows.map((r) => r.dimension)).toEqual([
        'account',
        'charge_class',
        'region',
        'service',
        'usage_type',
      ]);
      for (const r of rollup.rows) expect(cents(Number(r.s))).toBe(cents(Number(months.rows[last].s)));
      // Built while loading, it equals the SQL rollup the migration uses for older data, row for row.
      const diff = await db.query(
        `with built as (select usage_date, dimension, name, net_amortized from cost_rollup_daily where tenant_id = $1),
              sql as (select usage_date, d.dimension, d.name, sum(c.net_amortized) as net_amortized
                        from cost_daily c
                        cross join lateral (values ('service', c.service), ('account', c.account_id),
                          ('region', c.region), ('usage_type', c.usage_type), ('charge_class', c.charge_class)) d(dimension, name)
                       where c.tenant_id = $1 and to_char(c.usage_date, 'YYYY-MM') = $2
                       group by 1, 2, 3)
         select count(*) as n from sql full join built using (usage_date, dimension, name)
          where to_char(usage_date, 'YYYY-MM') = $2
            and (sql.net_amortized is null or built.net_amortized is null
                 or abs(sql.net_amortized - built.net_amortized) > 0.000001)`,
        [t.tenantId, months.rows[last].m],
      );
      expect(Number(diff.rows[0].n)).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('still succeeds when Athena throttles', async () => {
    const t = await connected(api, env);
    await settled(api, t.access_token);
    env.aws.addFault({ service: 'athena', operation: 'StartQueryExecution', kind: 'throttle', count: 2 });
    env.aws.addFault({ service: 'athena', operation: 'GetQueryExecution', kind: 'throttle', count: 2 });
    const run = await syncNow(api, t.access_token, 2);
    expect(run.status).toBe('succeeded');
  });

  it("retries a failed query, then shows it failed with Athena's reason", async () => {
    const t = await connected(api, env);
    await settled(api, t.access_token);
    env.aws.addFault({
      service: 'athena',
      operation: 'Query',
      kind: 'fail',
      count: 10,
      message: 'HIVE_BAD_DATA: Error parsing field value',
    });
    const run = await syncNow(api, t.access_token, 1);
    expect(run.status).toBe('failed');
    expect(run.attempt).toBe(3);
    expect(run.error).toMatchObject({ code: 'ATHENA_QUERY_FAILED' });
    expect(run.error.aws_error).toContain('HIVE_BAD_DATA: Error parsing field value');
    // The dashboard shows it: nothing fails silently.
    expect((await api.get('/api/dashboard', t.access_token)).body.last_sync.status).toBe('failed');
  });
});

describe('CUR sync across processes', () => {
  let env: AwsEnv;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 20, rowsPerDay: 30 });
  });
  afterAll(() => env?.close());

  it('a sync killed mid-load leaves the previous data intact, and the next process completes it', async () => {
    const api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_SYNC_STALE_SECONDS: '2' });
    let second: ApiProcess | null = null;
    try {
      const t = await connected(api, env);
      await settled(api, t.access_token);
      const before = await api.get('/api/dashboard?measure=unblended', t.access_token);
      expect(before.body.month_to_date).toBeGreaterThan(0);
      // Slow down reading the result CSV so the process is killed inside the load transaction.
      env.aws.addFault({ service: 's3', operation: 'GetObject', kind: 'latency', ms: 4000, count: 1 });
      const started = await api.post('/api/cur/sync', { months: 1 }, t.access_token);
      for (let i = 0; i < 100; i++) {
        const r = await api.get(`/api/cur/sync-runs/${started.body.run_id}`, t.access_token);
        if (r.body.progress.phase.startsWith('loading')) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      await api.kill(); // the process dies mid-load
      second = await spawnApi(api.databaseUrl, {
        ...env.apiEnv,
        CUR_WORKER_POLL_MS: '200',
        CUR_SYNC_STALE_SECONDS: '2',
      });
      const during = await second.get('/api/dashboard?measure=unblended', t.access_token);
      expect(during.body.month_to_date).toBe(before.body.month_to_date);
      const run = await settled(second, t.access_token).catch((e: Error) => {
        throw new Error(`${e.message}\n--- second process logs:\n${second?.logs().slice(-3000)}`);
      });
      expect(run.id).toBe(started.body.run_id);
      expect(run.attempt).toBe(2);
      expect(run.status).toBe('succeeded');
      const after = await second.get('/api/dashboard?measure=unblended', t.access_token);
      expect(after.body.month_to_date).toBe(before.body.month_to_date);
    } finally {
      await second?.stop();
      await api.close();
    }
  });

  it('two API processes started together run the nightly sync of each tenant once', async () => {
    const base = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200' });
    const a = await connected(base, env);
    const b = await connected(base, env);
    await settled(base, a.access_token);
    await settled(base, b.access_token);
    await base.stop();
    const nightlyEnv = { ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_SYNC_CRON: '* * * * * *' };
    const [p1, p2] = await Promise.all([
      spawnApi(base.databaseUrl, nightlyEnv),
      spawnApi(base.databaseUrl, nightlyEnv),
    ]);
    try {
      await new Promise((r) => setTimeout(r, 3500)); // several cron ticks on both processes
      const db = new Client({ connectionString: base.databaseUrl });
      await db.connect();
      const rows = await db.query(
        `select tenant_id, count(*)::int as n from sync_run where trigger = 'nightly' group by 1`,
      );
      await db.end();
      expect(rows.rows.map((r) => r.n)).toEqual([1, 1]);
      expect((await settled(p1, a.access_token)).status).toBe('succeeded');
      expect((await settled(p2, b.access_token)).status).toBe('succeeded');
    } finally {
      await p1.stop();
      await p2.stop();
      await base.db.drop();
    }
  });
});
