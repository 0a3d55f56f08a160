// Issue #17, load integrity: results smaller than the loaded month, restated closed months, tenant-controlled
// cardinality and field sizes, and what a tenant sees of an error that is not AWS's. Real API processes, the real SDK
// against the local AWS endpoint (its Parquet CUR rewritten as AWS would), a real PostgreSQL.
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { awsEnv, connectedTenant, syncsSettled, type AwsEnv } from './aws-env';
import { addCurSeries } from './cur-scenario';
import { spawnApi, sql, testApp, until, type ApiProcess, type TestApp } from './harness';

const cents = (x: number) => Math.round(x * 100);

/** The folder of the sample's CUR table (its `year=/month=` partitions below it). */
const tableDir = (env: AwsEnv) => {
  const f = env.sample.files[0]!;
  return f.slice(0, f.indexOf('/year='));
};

/** The Parquet files of one month's partition (legacy layout: year=YYYY/month=M, unpadded). */
function monthFiles(env: AwsEnv, month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const dir = join(tableDir(env), `year=${y}`, `month=${m}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => join(dir, f));
}

async function duck<T>(fn: (run: (q: string) => Promise<any[]>) => Promise<T>): Promise<T> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    return await fn(async (q) => (await conn.runAndReadAll(q)).getRowObjectsJS());
  } finally {
    conn.closeSync();
  }
}

/** Rewrites a month's Parquet files through a SELECT over `t` (the file's rows), as AWS rewrites a restated month. */
async function restate(env: AwsEnv, month: string, select: string): Promise<void> {
  await duck(async (run) => {
    for (const f of monthFiles(env, month)) {
      await run(`CREATE OR REPLACE TABLE t AS SELECT * FROM read_parquet('${f}', hive_partitioning=false)`);
      await run(`COPY (${select}) TO '${f}.new' (FORMAT parquet)`);
      renameSync(`${f}.new`, f);
    }
  });
}

/** What the CUR holds per month: unblended sum (cents) and line items, summed by DuckDB over the Parquet. */
async function curMonths(env: AwsEnv): Promise<Record<string, { cents: number; line_items: number }>> {
  const rows = await duck((run) =>
    run(`SELECT strftime(line_item_usage_start_date, '%Y-%m') AS m, sum(line_item_unblended_cost) AS s,
                count(*) AS n
           FROM read_parquet('${tableDir(env)}/**/*.parquet', hive_partitioning=true) GROUP BY 1 ORDER BY 1`),
  );
  return Object.fromEntries(rows.map((r) => [r.m, { cents: cents(Number(r.s)), line_items: Number(r.n) }]));
}

/** What is loaded per month: unblended sum (cents), line items and rows. */
async function loadedMonths(url: string, tenantId: string) {
  const rows = await sql(
    url,
    `select to_char(usage_date, 'YYYY-MM') as m, sum(unblended)::float8 as s, sum(line_items)::int as n,
            count(*)::int as rows
       from cost_daily where tenant_id = $1 group by 1 order by 1`,
    [tenantId],
  );
  return Object.fromEntries(
    rows.map((r) => [
      r.m as string,
      { cents: cents(r.s), line_items: r.n as number, rows: r.rows as number },
    ]),
  );
}

describe('a result smaller than the loaded month', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 40, rowsPerDay: 30 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_SYNC_RETRY_DELAY_SECONDS: '0' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });
  afterEach(() => env.aws.clearFaults());

  it.each([
    ['an empty', 0],
    ['a partial', 5],
  ])(
    '%s Athena result is refused: the run fails naming the step, the month keeps its data',
    async (_kind, rows) => {
      const t = await connectedTenant(api, env);
      expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
      const before = await loadedMonths(api.databaseUrl, t.tenantId);
      const cur = await curMonths(env);
      const month = Object.keys(before).sort().at(-1)!;
      expect(before[month]!.line_items).toBe(cur[month]!.line_items);
      // Every attempt's aggregate query answers with `rows` rows (a CUR being rewritten, a cut read); the count
      // query is not affected and says what the CUR holds.
      env.aws.addFault({
        service: 'athena',
        operation: 'Query',
        kind: 'truncate',
        rows,
        query_contains: 'GROUP BY',
        count: 10,
      });
      expect((await api.post('/api/cur/sync', { months: 1 }, t.access_token)).status).toBe(202);
      const run = await syncsSettled(api, t.access_token);
      expect(run).toMatchObject({ status: 'failed', attempt: 3 });
      expect(run.error.code).toBe('INCOMPLETE_RESULT');
      expect(run.error.message).toContain(`Checking the Athena result of ${month}`);
      expect(run.error.message).toContain(`the CUR holds ${cur[month]!.line_items}`);
      expect(run.error.message).toContain(`kept as it was`);
      expect(await loadedMonths(api.databaseUrl, t.tenantId)).toEqual(before);
      const dash = (await api.get('/api/dashboard', t.access_token)).body;
      expect(dash.last_sync).toMatchObject({ status: 'failed', error: { code: 'INCOMPLETE_RESULT' } });

      // The result whole again: the next sync loads the same month.
      env.aws.clearFaults();
      expect((await api.post('/api/cur/sync', { months: 1 }, t.access_token)).status).toBe(202);
      expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
      expect(await loadedMonths(api.databaseUrl, t.tenantId)).toEqual(before);
    },
  );
});

describe('closed months AWS restates', () => {
  let env: AwsEnv;
  beforeAll(async () => {
    // About four months through yesterday; the nightly sync re-ingests only the current month.
    env = await awsEnv({ format: 'legacy', days: 100, rowsPerDay: 20 });
  });
  afterAll(() => env?.close());

  it('the nightly sync re-reads a closed month whose CUR files changed: vanished rows go, changed amounts come', async () => {
    const procEnv = { ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_NIGHTLY_MONTHS: '1' };
    const first = await testApp(procEnv);
    let second: ApiProcess | null = null;
    try {
      const t = await connectedTenant(first, env);
      const backfill = await syncsSettled(first, t.access_token);
      expect(backfill).toMatchObject({ status: 'succeeded', mode: 'backfill' });
      const months: string[] = [...backfill.months].sort(); // oldest first
      expect(months.length).toBeGreaterThanOrEqual(4);
      const [, gone, changed, untouched] = [months.at(-1), months.at(-2)!, months.at(-3)!, months.at(-4)!];
      const loaded = await loadedMonths(first.databaseUrl, t.tenantId);
      expect(Object.fromEntries(Object.entries(loaded).map(([m, v]) => [m, v.cents]))).toEqual(
        Object.fromEntries(Object.entries(await curMonths(env)).map(([m, v]) => [m, v.cents])),
      );
      await first.stop();

      // AWS restates two closed months: a service's line items vanish from one, the other's amounts change.
      const top = await duck(async (run) => {
        const r = await run(`SELECT line_item_product_code AS s, count(*) AS n
                               FROM read_parquet([${monthFiles(env, gone)
                                 .map((f) => `'${f}'`)
                                 .join(', ')}], hive_partitioning=false) GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
        return r[0].s as string;
      });
      await restate(env, gone, `SELECT * FROM t WHERE line_item_product_code <> '${top}'`);
      await restate(
        env,
        changed,
        `SELECT * REPLACE (line_item_unblended_cost * 3 + 1 AS line_item_unblended_cost) FROM t`,
      );
      const cur = await curMonths(env);
      expect(cur[gone]!.line_items).toBeLessThan(loaded[gone]!.line_items);
      expect(cur[changed]!.cents).not.toBe(loaded[changed]!.cents);

      // The next night.
      second = await spawnApi(first.databaseUrl, { ...procEnv, CUR_SYNC_CRON: '* * * * * *' });
      const s = second;
      const nightly = await until(
        'the nightly sync done',
        async () => {
          const runs = (await s.get('/api/cur/sync-runs?page_size=100', t.access_token)).body.items;
          const n = runs.find((r: any) => r.trigger === 'nightly');
          return n && (n.status === 'succeeded' || n.status === 'failed') ? n : undefined;
        },
        60_000,
      );
      expect({ status: nightly.status, error: nightly.error }).toEqual({ status: 'succeeded', error: null });
      // The current month (its window), and the two restated months; not the unchanged ones.
      expect(nightly.months).toEqual([months.at(-1), gone, changed]);
      expect(nightly.months).not.toContain(untouched);
      const stats = Object.fromEntries(nightly.month_stats.map((m: any) => [m.month, m]));
      expect(stats[gone]).toMatchObject({ restated: true, shrank_from: loaded[gone]!.line_items });
      expect(stats[gone].line_items).toBe(cur[gone]!.line_items);
      expect(stats[changed]).toMatchObject({ restated: true, line_items: cur[changed]!.line_items });

      const after = await loadedMonths(first.databaseUrl, t.tenantId);
      expect(after[gone]).toMatchObject({ cents: cur[gone]!.cents, line_items: cur[gone]!.line_items });
      expect(after[changed]).toMatchObject({ cents: cur[changed]!.cents });
      expect(after[untouched]).toEqual(loaded[untouched]);
      const vanished = await sql(
        first.databaseUrl,
        `select count(*)::int as n from cost_daily where tenant_id = $1 and service = $2
            and to_char(usage_date, 'YYYY-MM') = $3`,
        [t.tenantId, top, gone],
      );
      expect(vanished[0].n).toBe(0);
      // What the API shows for the changed month is the restated amount.
      const shown = await s.get(
        `/api/costs?from=${changed}-01&to=${changed}-28&group_by=charge_class&measure=unblended&granularity=monthly`,
        t.access_token,
      );
      expect(shown.status).toBe(200);
      const byDay = await sql(
        first.databaseUrl,
        `select sum(unblended)::float8 as s from cost_daily where tenant_id = $1 and usage_date between $2 and $3`,
        [t.tenantId, `${changed}-01`, `${changed}-28`],
      );
      expect(cents(shown.body.items.reduce((a: number, i: any) => a + i.cost, 0))).toBe(cents(byDay[0].s));
    } finally {
      await second?.stop();
      await first.close();
    }
  });
});

describe('tenant-controlled cardinality and field sizes', () => {
  let env: AwsEnv;
  let api: TestApp;
  const LONG = `Marketplace-${'x'.repeat(3000)}`;
  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 20, rowsPerDay: 20 });
    // A Marketplace seller's CUR: 400 distinct usage types over the month, and one usage type of 3 kB.
    await addCurSeries(env, [
      ...Array.from({ length: 400 }, (_, i) => ({
        account: '123456789012',
        service: 'AWSMarketplace',
        usageType: `seller-usage-${i}`,
        region: 'us-east-1',
        cost: (_d: string, day: number) => (day % 5 === i % 5 ? 0.25 : 0),
      })),
      {
        account: '123456789012',
        service: 'AWSMarketplace',
        usageType: LONG,
        region: 'us-east-1',
        cost: () => 1.5,
      },
    ]);
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_MAX_DISTINCT_VALUES: '50' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('keeps CUR_MAX_DISTINCT_VALUES usage types a month, folds the rest into "(other)" and says so; totals whole; text cut at 256', async () => {
    const t = await connectedTenant(api, env);
    const run = await syncsSettled(api, t.access_token);
    expect(run.status).toBe('succeeded');
    const cur = await curMonths(env);
    const loaded = await loadedMonths(api.databaseUrl, t.tenantId);
    // Nothing lost: every month's total and line items are the CUR's.
    expect(Object.fromEntries(Object.entries(loaded).map(([m, v]) => [m, [v.cents, v.line_items]]))).toEqual(
      Object.fromEntries(Object.entries(cur).map(([m, v]) => [m, [v.cents, v.line_items]])),
    );
    const perMonth = await sql(
      api.databaseUrl,
      `select to_char(usage_date, 'YYYY-MM') as m, count(distinct usage_type)::int as n,
              bool_or(usage_type = '(other)') as other, max(length(usage_type))::int as longest
         from cost_daily where tenant_id = $1 group by 1 order by 1`,
      [t.tenantId],
    );
    for (const r of perMonth) {
      expect(r.n).toBeLessThanOrEqual(51);
      expect(r.other).toBe(true);
      expect(r.longest).toBeLessThanOrEqual(256);
    }
    const rollup = await sql(
      api.databaseUrl,
      `select to_char(usage_date, 'YYYY-MM') as m, count(distinct name)::int as n
         from cost_rollup_daily where tenant_id = $1 and dimension = 'usage_type' group by 1`,
      [t.tenantId],
    );
    for (const r of rollup) expect(r.n).toBeLessThanOrEqual(51);
    // One row per key in the detail table: folding merged the rows it made equal.
    const dup = await sql(
      api.databaseUrl,
      `select count(*)::int as n from (select 1 from cost_daily where tenant_id = $1
         group by usage_date, account_id, service, region, usage_type, charge_class having count(*) > 1) d`,
      [t.tenantId],
    );
    expect(dup[0].n).toBe(0);
    // The run says which dimension was folded, per month.
    for (const s of run.month_stats) {
      expect(s.folded).toEqual([expect.objectContaining({ dimension: 'usage_type', kept: 50 })]);
      expect(s.folded[0].rows_folded).toBeGreaterThan(0);
    }
    // And the API shows "(other)" as a usage type.
    const month = Object.keys(loaded).sort().at(-1)!;
    const byType = await api.get(
      `/api/costs?from=${month}-01&to=${month}-28&group_by=usage_type&measure=unblended&granularity=monthly`,
      t.access_token,
    );
    expect(byType.body.items.map((i: any) => i.group)).toContain('(other)');
  });
});

describe('what a tenant sees of an error that is not AWS’s', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 10, rowsPerDay: 20 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_SYNC_RETRY_DELAY_SECONDS: '0' });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close().catch(() => undefined);
  });

  it('a load PostgreSQL refuses: a generic message to the tenant, the database text only in the log', async () => {
    const t = await connectedTenant(api, env);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    await sql(
      api.databaseUrl,
      `alter table cost_rollup_daily add constraint integrity_test_refuses check (unblended < -1e12) not valid`,
    );
    try {
      expect((await api.post('/api/cur/sync', { months: 1 }, t.access_token)).status).toBe(202);
      const run = await syncsSettled(api, t.access_token);
      expect(run.status).toBe('failed');
      expect(run.error).toEqual({
        code: 'INTERNAL',
        message: expect.stringContaining('failed on our side'),
        aws_error: null,
      });
      expect(JSON.stringify(run)).not.toMatch(/violates|constraint|cost_rollup_daily|integrity_test/);
      // The log has the database's text, with the run id to find it.
      const line = api
        .logs()
        .split('\n')
        .find((l) => l.includes(run.id) && l.includes('integrity_test_refuses'));
      expect(line).toBeDefined();
    } finally {
      await sql(api.databaseUrl, 'alter table cost_rollup_daily drop constraint integrity_test_refuses');
    }
  });

  it('AWS unreachable: the tenant reads that AWS could not be reached, never our network details', async () => {
    const t = await connectedTenant(api, env);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    const port = new URL(env.aws.url).port;
    await env.aws.close(); // the endpoint goes away: connections are refused
    expect((await api.post('/api/cur/sync', { months: 1 }, t.access_token)).status).toBe(202);
    const run = await syncsSettled(api, t.access_token);
    expect(run.status).toBe('failed');
    expect(run.error.code).toBe('ASSUME_ROLE_FAILED');
    expect(run.error.aws_error).toBe('AWS could not be reached (network error): retry in a few minutes');
    expect(JSON.stringify(run)).not.toMatch(new RegExp(`ECONNREFUSED|127\\.0\\.0\\.1|:${port}`));
    rmSync(env.dir, { recursive: true, force: true });
  });
});
