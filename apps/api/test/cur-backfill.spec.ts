import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client } from 'pg';
import { awsEnv, connectedTenant as connected, syncsSettled as settled, type AwsEnv } from './aws-env';
import { spawnApi, testApp, type TestApp } from './harness';

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
/** The n months ending with `newest`, newest first. */
function monthsBack(newest: string, n: number): string[] {
  const [y, m] = newest.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => new Date(Date.UTC(y, m - 1 - i, 1)).toISOString().slice(0, 7));
}

/** The latest 3rd of a month that is not in the future: the day the API's clock is moved to. */
function latestThird(): string {
  const now = new Date();
  const back = now.getUTCDate() >= 3 ? 0 : 1;
  return iso(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 3));
}

async function query<T = any>(url: string, sql: string, params: unknown[]): Promise<T[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(sql, params)).rows as T[];
  } finally {
    await db.end();
  }
}

const loadedDays = (api: TestApp, tenantId: string, from: string, to: string) =>
  query<{ d: string }>(
    api.databaseUrl,
    `select distinct to_char(usage_date, 'YYYY-MM-DD') as d from cost_rollup_daily
      where tenant_id = $1 and dimension = 'charge_class' and usage_date between $2 and $3 order by 1`,
    [tenantId, from, to],
  );

/** The run the connection queued (queued once the connection is saved, shortly after the answer). */
async function firstRun(api: TestApp, token: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const items = (await api.get('/api/cur/sync-runs', token)).body.items;
    if (items.length > 0) return items.at(-1);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no sync was queued after connecting');
}

/** Follows a run, recording each month it reported loading, until `until` holds. */
async function follow(api: TestApp, token: string, runId: string, until: (run: any) => boolean) {
  const seen: string[] = [];
  const deadline = Date.now() + 90_000;
  for (;;) {
    const run = (await api.get(`/api/cur/sync-runs/${runId}`, token)).body;
    const m = run.progress?.current_month;
    if (m && seen.at(-1) !== m) seen.push(m);
    if (until(run)) return { run, seen };
    if (Date.now() > deadline) throw new Error(`run did not get there: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

describe('the first sync on the 3rd of a month', () => {
  const today = latestThird();
  const yesterday = iso(Date.parse(today) - DAY);
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    // 15 months of CUR data through yesterday (the day the API lives in), a few rows a day.
    env = await awsEnv({ format: 'legacy', days: 450, rowsPerDay: 3, endDate: yesterday });
    api = await testApp({
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      NODE_OPTIONS: `--require ${join(__dirname, 'shifted-clock.cjs')}`,
      TEST_CLOCK_AT: `${today}T09:00:00Z`,
    });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('loads 13 months newest first, covering the 90 complete days before yesterday, with the bytes scanned', async () => {
    const t = await connected(api, env);
    const created = await firstRun(api, t.access_token);
    const { run, seen } = await follow(api, t.access_token, created.id, (r) => r.status === 'succeeded');
    expect(run).toMatchObject({ trigger: 'connect', mode: 'backfill', attempt: 1 });

    // 13 months (the CUR has 15: never more than the horizon), newest first, loaded in that order.
    const months = monthsBack(today.slice(0, 7), 13);
    expect(run.months).toEqual(months);
    expect(run.month_stats.map((s: any) => s.month)).toEqual(months);
    for (let i = 1; i < seen.length; i++) expect(seen[i]! < seen[i - 1]!).toBe(true);
    expect(run.progress).toMatchObject({ months_done: 13, months_total: 13 });

    // Athena's bytes scanned, per month and summed, and what they cost.
    for (const s of run.month_stats) {
      expect(s.bytes_scanned).toBeGreaterThan(0);
      expect(s.rows).toBeGreaterThan(0);
    }
    const bytes = run.month_stats.reduce((a: number, s: any) => a + s.bytes_scanned, 0);
    expect(run.bytes_scanned).toBe(bytes);
    expect(run.estimated_cost_usd).toBeCloseTo((bytes / 1e12) * 5, 12);
    expect(run.rows_loaded).toBe(run.month_stats.reduce((a: number, s: any) => a + s.rows, 0));

    // Every one of the 90 complete days before yesterday is loaded (3 months would have left 27 out).
    const first = iso(Date.parse(yesterday) - 90 * DAY);
    const days = await loadedDays(api, t.tenantId, first, iso(Date.parse(yesterday) - DAY));
    expect(days).toHaveLength(90);
    expect(days[0]!.d).toBe(first);
    // ... and all 13 months, back to the first day of the oldest.
    const oldest = await loadedDays(api, t.tenantId, '2000-01-01', `${months.at(-1)}-01`);
    expect(oldest.map((r) => r.d)).toEqual([`${months.at(-1)}-01`]); // nothing older than the horizon

    // The dashboard: no empty days in its 90-day chart, and it says where loaded history starts.
    const dash = (await api.get('/api/dashboard?measure=unblended', t.access_token)).body;
    expect(dash.data_through).toBe(yesterday);
    expect(dash.data_from).toBe(`${months.at(-1)}-01`);
    expect(dash.daily).toHaveLength(90);
    expect(dash.daily.filter((p: any) => p.cost === 0)).toEqual([]);
  });

  it('"load history" loads the horizon months that are missing, newest first', async () => {
    const t = await connected(api, env);
    await settled(api, t.access_token);
    // As if the CUR had gained its three oldest months after the first sync: they are not loaded.
    const months = monthsBack(today.slice(0, 7), 13);
    const gone = months.slice(-3);
    for (const table of ['cost_daily', 'cost_rollup_daily'])
      await query(api.databaseUrl, `delete from ${table} where tenant_id = $1 and usage_date < $2::date`, [
        t.tenantId,
        `${months.at(-4)}-01`,
      ]);
    const started = await api.post('/api/cur/sync', { history: true }, t.access_token);
    expect(started.status).toBe(202);
    const run = await settled(api, t.access_token);
    expect(run).toMatchObject({
      id: started.body.run_id,
      status: 'succeeded',
      mode: 'history',
      trigger: 'manual',
    });
    expect(run.months).toEqual(gone);
    expect(run.month_stats.map((s: any) => s.month)).toEqual(gone);
    const oldest = await loadedDays(api, t.tenantId, '2000-01-01', `${months.at(-1)}-01`);
    expect(oldest).toHaveLength(1);
  });

  it('the nightly sync re-reads the current and previous month, and loads older months the CUR gained', async () => {
    const t = await connected(api, env);
    await settled(api, t.access_token);
    const months = monthsBack(today.slice(0, 7), 13);
    // As if the CUR had gained its two oldest months after the first sync.
    for (const table of ['cost_daily', 'cost_rollup_daily'])
      await query(api.databaseUrl, `delete from ${table} where tenant_id = $1 and usage_date < $2::date`, [
        t.tenantId,
        `${months.at(-3)}-01`,
      ]);
    const nightly = await spawnApi(api.databaseUrl, {
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      CUR_SYNC_CRON: '* * * * * *',
      NODE_OPTIONS: `--require ${join(__dirname, 'shifted-clock.cjs')}`,
      TEST_CLOCK_AT: `${today}T09:00:00Z`,
    });
    try {
      let run: any;
      for (let i = 0; i < 300; i++) {
        run = (await api.get('/api/cur/sync-runs', t.access_token)).body.items[0];
        if (run.trigger === 'nightly' && run.status === 'succeeded') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(run).toMatchObject({ trigger: 'nightly', mode: 'months', status: 'succeeded' });
      expect(run.months).toEqual([months[0], months[1], months[11], months[12]]);
      const oldest = await loadedDays(api, t.tenantId, '2000-01-01', `${months.at(-1)}-01`);
      expect(oldest).toHaveLength(1);
    } finally {
      await nightly.stop();
    }
  });
});

describe('the first sync with CUR_BACKFILL_MONTHS, and a failing month', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 240, rowsPerDay: 3 });
    api = await testApp({
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      CUR_BACKFILL_MONTHS: '5',
      CUR_SYNC_RETRY_DELAY_SECONDS: '2',
    });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });
  afterEach(() => {
    env.aws.clearFaults();
    env.aws.config.athena.queued_ms = 10;
  });

  it('CUR_BACKFILL_MONTHS overrides the number of months', async () => {
    const t = await connected(api, env);
    const run = await settled(api, t.access_token);
    const newest = new Date().toISOString().slice(0, 7);
    expect(run).toMatchObject({ status: 'succeeded', mode: 'backfill' });
    expect(run.months).toEqual(monthsBack(newest, 5));
    expect(run.month_stats.map((s: any) => s.month)).toEqual(monthsBack(newest, 5));
    expect(run.bytes_scanned).toBeGreaterThan(0);
  });

  it('a failure in an older month keeps the newer months loaded; the retry loads only the rest', async () => {
    env.aws.config.athena.queued_ms = 500; // a fault added now reaches the query of the next month
    const t = await connected(api, env);
    const created = await firstRun(api, t.access_token);
    const newest = new Date().toISOString().slice(0, 7);
    const months = monthsBack(newest, 5);
    await follow(api, t.access_token, created.id, (r) => r.progress.months_done >= 2);
    env.aws.addFault({
      service: 'athena',
      operation: 'Query',
      kind: 'fail',
      count: 1,
      message: 'HIVE_CURSOR_ERROR: Failed to read Parquet file',
    });
    const { run: failed } = await follow(
      api,
      t.access_token,
      created.id,
      (r) => r.status === 'queued' && r.attempt === 2,
    );
    expect(failed.error).toMatchObject({ code: 'ATHENA_QUERY_FAILED' });
    expect(failed.error.message).toContain(months[2]);
    expect(failed.month_stats.map((s: any) => s.month)).toEqual(months.slice(0, 2));
    // The two newest months are in place while the run waits for its retry.
    const loaded = await query<{ m: string }>(
      api.databaseUrl,
      `select distinct to_char(usage_date, 'YYYY-MM') as m from cost_rollup_daily where tenant_id = $1 order by 1 desc`,
      [t.tenantId],
    );
    expect(loaded.map((r) => r.m)).toEqual(months.slice(0, 2));

    env.aws.config.athena.queued_ms = 10;
    const run = await settled(api, t.access_token);
    expect(run).toMatchObject({ id: created.id, status: 'succeeded', attempt: 2, error: null });
    // Each month loaded once: the retry resumed at the failed month.
    expect(run.month_stats.map((s: any) => s.month)).toEqual(months);
    expect(run.progress).toMatchObject({ months_done: 5, months_total: 5 });
    const after = await query<{ m: string }>(
      api.databaseUrl,
      `select distinct to_char(usage_date, 'YYYY-MM') as m from cost_rollup_daily where tenant_id = $1 order by 1 desc`,
      [t.tenantId],
    );
    expect(after.map((r) => r.m)).toEqual(months);
  });
});

describe('the first sync of a CUR table without partitions', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 100, rowsPerDay: 3 });
    // The same rows in one file, no billing_period folders: a customer's table without partitions.
    const files = readdirSync(join(env.dir, 's3/cur-data'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.parquet') && e.parentPath.includes('billing_period='))
      .map((e) => `'${join(e.parentPath, e.name)}'`);
    const flat = join(env.dir, 's3/cur-data/flat');
    mkdirSync(flat, { recursive: true });
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(
      `COPY (SELECT * FROM read_parquet([${files.join(', ')}], hive_partitioning = false, union_by_name = true)) TO '${join(flat, 'data.parquet')}' (FORMAT parquet)`,
    );
    duck.closeSync();
    env.aws.config.accounts[0]!.databases.find((d) => d.name === 'extra_db')!.tables.push({
      name: 'flat_cur',
      location: 's3://cur-data/flat/',
    });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('finds its months with one bounded query and loads them newest first', async () => {
    const t = await connected(api, env, { athena_db: 'extra_db', athena_table: 'flat_cur' });
    const run = await settled(api, t.access_token);
    expect(run).toMatchObject({ status: 'succeeded', mode: 'backfill' });
    const first = iso(Date.now() - 100 * DAY); // 100 days through yesterday
    const newest = new Date().toISOString().slice(0, 7);
    const expected: string[] = [];
    for (let m = newest; m >= first.slice(0, 7); m = monthsBack(m, 2)[1]!) expected.push(m);
    expect(run.months).toEqual(expected);
    expect(run.month_stats.map((s: any) => s.month)).toEqual(expected);
    // The planning query's bytes count too: the run scanned more than its months' queries.
    const months = run.month_stats.reduce((a: number, s: any) => a + s.bytes_scanned, 0);
    expect(run.bytes_scanned).toBeGreaterThan(months);
    const days = await loadedDays(api, t.tenantId, '2000-01-01', '2100-01-01');
    expect(days.length).toBe(100);
  });
});
