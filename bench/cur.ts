/**
 * Bench for CUR ingestion and the dashboard. Each figure is a ratio to a baseline measured in the same run
 * (these machines are shared and noisy). Run: npm run bench -- cur [--scale 0.2] [--only replace,csv,dashboard] [--keep-db]
 *   1. month replacement (COPY into a fresh partition swapped in, one transaction: the product's CostStore) vs a raw
 *      COPY of the same rows into a table of the same shape and key
 *   2. reading a 100k-row Athena result from the CSV in S3 vs paging GetQueryResults, under 20 ms per-call latency
 *   3. /api/dashboard p50/p99 at 200 concurrent requests on a year of data (20 accounts x 40 services x 6 regions),
 *      and one at a time, warm and right after new data (its figures are cached per data version)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { generateCurSample, startAwsLocal } from '@cost-optimizer/aws-local';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../apps/api/src/config/config';
import { prepareAppDatabase } from '../apps/api/src/database/app-role';
import { parseCsvBatches } from '../apps/api/src/cur/csv';
import { queryRows, runQuery } from '../apps/api/src/aws/athena-runner';
import {
  ADMIN_URL,
  ROOT,
  aggregateRow,
  connectedBenchTenant,
  dbUrl,
  ms,
  pct,
  sql,
  startBenchApi,
} from './lib';

// The product's CostStore, compiled (npm run bench builds first): the Nest decorators need tsc's emit.
const { CostStore } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../apps/api/dist/cur/cost-store') as typeof import('../apps/api/src/cur/cost-store');
const scaleArg = process.argv.indexOf('--scale');
const SCALE = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;

/** Synthetic aggregate rows in the query's column order (usage_date first). */
function* monthRows(month: string, accounts: number, services: number, regions: number): Generator<string[]> {
  const days = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
  for (let d = 1; d <= days; d++) {
    const date = `${month}-${String(d).padStart(2, '0')}`;
    for (let a = 0; a < accounts; a++)
      for (let s = 0; s < services; s++)
        for (let r = 0; r < regions; r++) {
          const cost = ((a + 1) * (s + 3) * (r + 2) * (1 + ((d * 7) % 5) / 10)) / 10;
          yield aggregateRow(date, a, s, r, cost);
        }
  }
}

/** The columns of cost_daily's unique key, as the database has them. */
async function costDailyKey(c: Client): Promise<string> {
  const def = (await c.query<{ d: string }>(`select pg_get_indexdef('cost_daily_key'::regclass) as d`))
    .rows[0]!.d;
  return /\(([^()]*)\)$/.exec(def)![1]!;
}

async function benchReplace(url: string) {
  const accounts = Math.max(2, Math.round(20 * SCALE));
  const rows = [...monthRows('2026-10', accounts, 40, 6)];
  const given = loadConfig({ DATABASE_URL: url });
  const config = { ...given, databaseAppUrl: await prepareAppDatabase(given) }; // as createApp does
  const store = new CostStore(config);
  const tenant = randomUUID();
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query(`insert into tenant (id, name, created_at) values ($1, 'bench', now())`, [tenant]);
  const copyText = () => rows.map((r) => `${tenant}\t${r.join('\t')}\n`).join('');
  // Raw COPY baselines, as the owner, of the same rows: into a plain table of cost_daily's shape with the same unique
  // key (what any load of these rows must build), and into one with no index at all (the floor).
  const rawCopy = async (table: string) => {
    const t = performance.now(); // like the product's path, from the parsed rows: the COPY text is built in the time
    const text = copyText();
    await pipeline(
      Readable.from([text]),
      c.query(
        copyFrom(
          `copy ${table} (tenant_id, usage_date, account_id, service, region, usage_type, charge_class, unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items) from stdin`,
        ),
      ),
    );
    return performance.now() - t;
  };
  await c.query('create table bench_raw_keyed (like cost_daily including defaults)');
  await c.query(`create unique index on bench_raw_keyed (${await costDailyKey(c)})`);
  await c.query('create table bench_raw_bare (like cost_daily including defaults)');
  // The product's path: a first load, then replacements of the same month (COPY into a fresh partition, swapped
  // in). Three rounds, each measuring all three in turn; the medians are compared (the machine is shared).
  await store.replaceMonth(tenant, '2026-10', [rows]);
  const bare: number[] = [];
  const keyed: number[] = [];
  const replace: number[] = [];
  for (let round = 0; round < 3; round++) {
    await c.query('truncate bench_raw_keyed, bench_raw_bare');
    bare.push(await rawCopy('bench_raw_bare'));
    keyed.push(await rawCopy('bench_raw_keyed'));
    const t1 = performance.now();
    await store.replaceMonth(tenant, '2026-10', [rows]);
    replace.push(performance.now() - t1);
  }
  await c.query('drop table bench_raw_keyed, bench_raw_bare');
  await c.end();
  await store.onApplicationShutdown();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  const rawBareMs = median(bare);
  const rawMs = median(keyed);
  const replaceMs = median(replace);
  const rate = (t: number) => rows.length / (t / 1000);
  console.log(
    `1. month replacement: ${rows.length} rows, median of 3 rounds; raw COPY with the same unique key ${ms(rawMs)} (${Math.round(rate(rawMs))} rows/s), without any index ${ms(rawBareMs)} (${Math.round(rate(rawBareMs))} rows/s); replace (COPY into a fresh partition + rollup + swap, one transaction) ${ms(replaceMs)} (${Math.round(rate(replaceMs))} rows/s)`,
  );
  console.log(
    `   ratio replace/raw throughput = ${(rate(replaceMs) / rate(rawMs)).toFixed(2)}x (target >= 0.8x); vs the unindexed floor ${(rate(replaceMs) / rate(rawBareMs)).toFixed(2)}x`,
  );
  const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(', ');
  console.log(
    `   rounds (ms): replace ${list(replace)}; raw keyed ${list(keyed)}; raw unindexed ${list(bare)}`,
  );
}

async function benchCsvVsPaging() {
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-'));
  try {
    await generateCurSample({
      out: dir,
      format: 'legacy',
      days: 31,
      rowsPerDay: Math.round(4000 * Math.max(SCALE, 0.25)),
      accounts: 4,
      seed: 3,
    });
    const aws = await startAwsLocal({ root: dir, port: 0 });
    aws.config.athena.queued_ms = 5;
    aws.config.athena.running_ms = 5;
    const platform = { accessKeyId: 'AKIABENCHPLATFORM001', secretAccessKey: 'x' };
    const sts = new STSClient({ endpoint: aws.url, region: 'us-east-1', credentials: platform });
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::123456789012:role/CostOptimizerAccess',
        RoleSessionName: 'bench',
        ExternalId: aws.config.accounts[0]!.roles[0]!.external_id ?? undefined,
      }),
    );
    const credentials = {
      accessKeyId: assumed.Credentials!.AccessKeyId!,
      secretAccessKey: assumed.Credentials!.SecretAccessKey!,
      sessionToken: assumed.Credentials!.SessionToken!,
    };
    const athena = new AthenaClient({ endpoint: aws.url, region: 'us-east-1', credentials });
    const s3 = new S3Client({ endpoint: aws.url, region: 'us-east-1', credentials, forcePathStyle: true });
    const rowsWanted = Math.round(100_000 * Math.max(SCALE, 0.25));
    const q = await runQuery(
      athena,
      `SELECT identity_line_item_id, line_item_usage_account_id, line_item_product_code, line_item_unblended_cost FROM "cost_optimizer_cur_db"."cost_optimizer_cur_table" LIMIT ${rowsWanted}`,
      { workgroup: 'primary', outputLocation: null },
      { deadlineMs: 120_000 },
    );
    // Simulated network latency per API call (the same for both paths).
    aws.addFault({ service: 's3', operation: 'GetObject', kind: 'latency', ms: 20 });
    aws.addFault({ service: 'athena', operation: 'GetQueryResults', kind: 'latency', ms: 20 });
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(q.outputLocation!)!;
    const t0 = performance.now();
    let csvRows = -1;
    const obj = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    for await (const batch of parseCsvBatches(obj.Body as AsyncIterable<Buffer>)) csvRows += batch.length;
    const csvMs = performance.now() - t0;
    const t1 = performance.now();
    let paged = 0;
    for await (const _ of queryRows(athena, q.queryExecutionId)) paged++;
    const pageMs = performance.now() - t1;
    console.log(
      `2. reading ${csvRows} result rows (20 ms latency per call): CSV from S3 ${ms(csvMs)}; GetQueryResults paging (${Math.ceil((paged + 1) / 1000)} pages) ${ms(pageMs)}`,
    );
    console.log(`   ratio paging/CSV time = ${(pageMs / csvMs).toFixed(1)}x (target >= 10x)`);
    if (csvRows !== paged) throw new Error(`row counts differ: ${csvRows} vs ${paged}`);
    await aws.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function latencies(
  url: string,
  token: string | null,
  total: number,
  concurrency: number,
): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url}: ${res.status}`);
        out.push(performance.now() - t);
      }
    }),
  );
  return out.sort((a, b) => a - b);
}

async function benchDashboard(url: string) {
  const { base, proc: api } = await startBenchApi(url);
  try {
    const { id: tenant, token } = await connectedBenchTenant(base, url, 'dashboard');
    const accounts = Math.max(2, Math.round(20 * SCALE));
    const given = loadConfig({ DATABASE_URL: url });
    const config = { ...given, databaseAppUrl: await prepareAppDatabase(given) }; // as createApp does
    const store = new CostStore(config);
    const now = new Date();
    let rows = 0;
    const t0 = performance.now();
    for (let i = 11; i >= 0; i--) {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
      const month = d.toISOString().slice(0, 7);
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      rows += await store.replaceMonth(tenant, month, [
        [...monthRows(month, accounts, 40, 6)].filter((r) => r[0]! <= yesterday),
      ]);
    }
    await store.onApplicationShutdown();
    await sql(url, 'analyze cost_daily');
    await sql(url, 'analyze cost_rollup_daily');
    console.log(
      `3. dashboard: loaded a year of data, ${rows} rows (${accounts} accounts x 40 services x 6 regions) in ${ms(performance.now() - t0)}`,
    );
    const total = Math.max(400, Math.round(1000 * SCALE));
    await latencies(`${base}/api/dashboard`, token, 50, 10); // warm up
    const oneHealth = await latencies(`${base}/api/health`, null, 100, 1);
    const oneDash = await latencies(`${base}/api/dashboard`, token, 100, 1);
    // Cold: the figures are cached per data version; a new version (what a sync's month replacement does) each time.
    const cold: number[] = [];
    for (let i = 0; i < 30; i++) {
      await sql(url, 'update cost_data_version set version = version + 1 where tenant_id = $1', [tenant]);
      cold.push(...(await latencies(`${base}/api/dashboard`, token, 1, 1)));
    }
    cold.sort((a, b) => a - b);
    console.log(
      `   one at a time: /api/health p50 ${ms(pct(oneHealth, 50))}; /api/dashboard p50 ${ms(pct(oneDash, 50))} (${(pct(oneDash, 50) / pct(oneHealth, 50)).toFixed(1)}x), right after new data p50 ${ms(pct(cold, 50))} (${(pct(cold, 50) / pct(oneHealth, 50)).toFixed(1)}x)`,
    );
    const health = await latencies(`${base}/api/health`, null, total, 200);
    const meLat = await latencies(`${base}/api/auth/me`, token, total, 200);
    const dash = await latencies(`${base}/api/dashboard`, token, total, 200);
    console.log(
      `   /api/health    (baseline) ${total} requests, 200 concurrent: p50 ${ms(pct(health, 50))}, p99 ${ms(pct(health, 99))}`,
    );
    console.log(
      `   /api/auth/me   (baseline) ${total} requests, 200 concurrent: p50 ${ms(pct(meLat, 50))}, p99 ${ms(pct(meLat, 99))}`,
    );
    console.log(
      `   /api/dashboard            ${total} requests, 200 concurrent: p50 ${ms(pct(dash, 50))}, p99 ${ms(pct(dash, 99))}`,
    );
    console.log(
      `   ratio dashboard/health: p50 ${(pct(dash, 50) / pct(health, 50)).toFixed(1)}x, p99 ${(pct(dash, 99) / pct(health, 99)).toFixed(1)}x; dashboard/me (an authenticated no-op): p50 ${(pct(dash, 50) / pct(meLat, 50)).toFixed(1)}x, p99 ${(pct(dash, 99) / pct(meLat, 99)).toFixed(1)}x`,
    );
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
  }
}

async function main() {
  const name = `co_bench_${Date.now().toString(36)}`;
  await sql(ADMIN_URL, `create database "${name}"`);
  const url = dbUrl(name);
  try {
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [join(ROOT, 'apps/api/dist/cli.js'), 'migrate'], {
        env: { ...process.env, DATABASE_URL: url },
        stdio: 'inherit',
      });
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited ${code}`))));
    });
    console.log(`CUR bench (scale ${SCALE}); PostgreSQL ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}`);
    const onlyArg = process.argv.indexOf('--only');
    const only = onlyArg > 0 ? process.argv[onlyArg + 1]!.split(',') : ['replace', 'csv', 'dashboard'];
    if (only.includes('replace')) await benchReplace(url);
    if (only.includes('csv')) await benchCsvVsPaging();
    if (only.includes('dashboard')) await benchDashboard(url);
  } finally {
    if (process.argv.includes('--keep-db')) console.log(`kept database ${name} (--keep-db)`);
    else await sql(ADMIN_URL, `drop database if exists "${name}" with (force)`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
