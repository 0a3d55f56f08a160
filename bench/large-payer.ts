/**
 * Bench: a large payer next to a small tenant (issue #18). Figures are ratios to baselines measured in the same run.
 * Run: npm run bench -- large-payer [--accounts 1000] [--services 150] [--regions 12] [--months 13]
 *        [--density 0.005] [--keep-db]
 *      npm run bench -- large-payer --reuse-db <name kept by --keep-db>   (part 3 again, on the loaded data)
 *
 * The large payer has `accounts` linked accounts x `services` x `regions`; `density` is the share of those
 * (account, service, region) combinations that have usage on every day (1 = all of them: 1.8 M rows a day at the
 * full size, ~700 M over 13 months, far beyond this 2-core machine; the default gives ~270 k rows a month, ~3.5 M in
 * all, and runs in a few minutes). Rows are generated lazily and streamed into the database in batches of 2,000:
 * the month is never held in memory.
 *
 * It loads with the product's CostStore (the code the API's sync worker runs) in this process, and prints:
 *   1. each month's load time and rate as the table grows, and one month's replacement on a near-empty table, on
 *      the full table, and with half its rows (replacement time should follow the month's rows, not the table's),
 *      against a raw COPY of the same rows into a plain table with the same key;
 *   2. this loader's peak RSS and heap while it loads (bounded: flat whatever the rows), and the API's RSS while it
 *      serves the large payer's dashboard during the load;
 *   3. /api/dashboard and /api/costs p50 (one at a time, warm and right after new data), and the answers' sizes, for
 *      the large payer and a small tenant (5 accounts x 20 services x 4 regions, every combination), and their ratio
 *      (target <= 2x): the two tenants' requests alternate, and the ratio is the median of the per-pair ratios.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../apps/api/src/config/config';
import { prepareAppDatabase } from '../apps/api/src/database/app-role';
import {
  ADMIN_URL,
  ROOT,
  aggregateRow,
  connectedBenchTenant,
  dbUrl,
  mb,
  ms,
  pct,
  sql,
  startBenchApi,
} from './lib';

// The product's CostStore, compiled (npm run bench builds first): the Nest decorators need tsc's emit.
const { CostStore } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../apps/api/dist/cur/cost-store') as typeof import('../apps/api/src/cur/cost-store');

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const ACCOUNTS = flag('accounts', 1000);
const SERVICES = flag('services', 150);
const REGIONS = flag('regions', 12);
const MONTHS = flag('months', 13);
const DENSITY = flag('density', 0.005);

/** A deterministic pseudo-random fraction of an (account, service, region) combination. */
function share(a: number, s: number, r: number): number {
  let h = (a * 73856093) ^ (s * 19349663) ^ (r * 83492791);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** The (account, service, region) combinations with usage: `density` of all of them (all of them at 1). */
function combinations(accounts: number, services: number, regions: number, density: number): Int32Array {
  const out: number[] = [];
  for (let a = 0; a < accounts; a++)
    for (let s = 0; s < services; s++)
      for (let r = 0; r < regions; r++) if (density >= 1 || share(a, s, r) < density) out.push(a, s, r);
  return Int32Array.from(out);
}

/** A month's aggregate rows (the Athena query's column order), generated lazily in batches, up to `lastDay`. */
function* monthBatches(month: string, combos: Int32Array, lastDay: string, every = 1): Generator<string[][]> {
  const days = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
  let batch: string[][] = [];
  for (let d = 1; d <= days; d++) {
    const date = `${month}-${String(d).padStart(2, '0')}`;
    if (date > lastDay) break;
    for (let i = 0; i < combos.length; i += 3 * every) {
      const a = combos[i]!;
      const s = combos[i + 1]!;
      const r = combos[i + 2]!;
      const cost =
        Math.round(((a % 17) + 1) * ((s % 11) + 2) * ((r % 5) + 1) * (1 + ((d * 7) % 5) / 10)) / 100;
      batch.push(aggregateRow(date, a, s, r, cost));
      if (batch.length === 2000) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length) yield batch;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function timed(url: string, token: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t;
}

/** 3.: the read routes of both tenants, alternating request by request. */
async function measureReads(
  base: string,
  url: string,
  tenants: Record<'small' | 'large', { id: string; token: string }>,
  from: string,
  yesterday: string,
): Promise<void> {
  const routes = {
    dashboard: '/api/dashboard',
    'costs by service': `/api/costs?from=${from}&to=${yesterday}&group_by=service`,
    'costs by account': `/api/costs?from=${from}&to=${yesterday}&group_by=account&granularity=monthly`,
    'costs by service, top 10': `/api/costs?from=${from}&to=${yesterday}&group_by=service&top=10`,
    'costs by account, top 10': `/api/costs?from=${from}&to=${yesterday}&group_by=account&granularity=monthly&top=10`,
  };
  console.log(
    '3. one request at a time, small and large tenant alternating, p50 (warm: 30 pairs; right after new data: 15); /api/costs by service is daily over 13 months, by account monthly; every group, or the top 10 and "Other"',
  );
  for (const [label, path] of Object.entries(routes)) {
    // The small and the large tenant alternate request by request (the machine is shared: its load moves within
    // seconds), and each ratio is the median of the per-pair ratios.
    for (let i = 0; i < 5; i++)
      for (const k of ['small', 'large'] as const) await timed(`${base}${path}`, tenants[k].token); // warm up
    const pairs = { warm: [] as [number, number][], cold: [] as [number, number][] };
    for (let i = 0; i < 30; i++)
      pairs.warm.push([
        await timed(`${base}${path}`, tenants.small.token),
        await timed(`${base}${path}`, tenants.large.token),
      ]);
    const fresh = async (k: 'small' | 'large') => {
      await sql(url, 'update cost_data_version set version = version + 1 where tenant_id = $1', [
        tenants[k].id,
      ]);
      return timed(`${base}${path}`, tenants[k].token);
    };
    for (let i = 0; i < 15; i++) pairs.cold.push([await fresh('small'), await fresh('large')]);
    const p50 = (xs: [number, number][], side: 0 | 1) =>
      pct(
        xs.map((x) => x[side]),
        50,
      );
    const ratio = (xs: [number, number][]) =>
      pct(
        xs.map(([s, l]) => l / s),
        50,
      );
    const size = async (k: 'small' | 'large') =>
      (
        await (
          await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tenants[k].token}` } })
        ).arrayBuffer()
      ).byteLength;
    const [sBytes, lBytes] = [await size('small'), await size('large')];
    console.log(
      `   ${label.padEnd(27)} small ${p50(pairs.warm, 0).toFixed(1)} ms warm / ${p50(pairs.cold, 0).toFixed(1)} ms new data; large ${p50(pairs.warm, 1).toFixed(1)} / ${p50(pairs.cold, 1).toFixed(1)} ms; ratio large/small (median of pairs) ${ratio(pairs.warm).toFixed(2)}x warm, ${ratio(pairs.cold).toFixed(2)}x new data (target <= 2x); answer ${(sBytes / 1024).toFixed(0)} KB vs ${(lBytes / 1024).toFixed(0)} KB`,
    );
  }
}

/** --reuse-db NAME: part 3 only, on a database a run kept (--keep-db), with its two tenants. */
async function reuse(name: string): Promise<void> {
  const url = dbUrl(name);
  const { base, proc } = await startBenchApi(url);
  try {
    const tenants = {} as Record<'small' | 'large', { id: string; token: string }>;
    for (const k of ['small', 'large'] as const) {
      const [row] = await sql<{ email: string; tenant_id: string }>(
        url,
        `select u.email, m.tenant_id from app_user u join membership m on m.user_id = u.id where u.email like $1`,
        [`bench-${k}-%`],
      );
      const login = (await (
        await fetch(`${base}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: row!.email, password: 'bench-password-123' }),
        })
      ).json()) as { access_token: string };
      tenants[k] = { id: row!.tenant_id, token: login.access_token };
    }
    const [range] = await sql<{ from: string; to: string }>(
      url,
      `select to_char(min(usage_date), 'YYYY-MM-01') as from, to_char(max(usage_date), 'YYYY-MM-DD') as to
         from cost_rollup_daily where tenant_id = $1 and dimension = 'charge_class'`,
      [tenants.large.id],
    );
    console.log(`Large payer bench, reads only, on ${name} (${range!.from} to ${range!.to})`);
    await measureReads(base, url, tenants, range!.from, range!.to);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
}

async function main() {
  const reused = process.argv.indexOf('--reuse-db');
  if (reused > 0) return reuse(process.argv[reused + 1]!);
  const name = `co_bench_lp_${Date.now().toString(36)}`;
  await sql(ADMIN_URL, `create database "${name}"`);
  const url = dbUrl(name);
  let api: ReturnType<typeof spawn> | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, [join(ROOT, 'apps/api/dist/cli.js'), 'migrate'], {
        env: { ...process.env, DATABASE_URL: url },
        stdio: 'inherit',
      });
      p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`migrate exited ${code}`))));
    });
    const started = await startBenchApi(url);
    api = started.proc;
    const base = started.base;
    const tenants: Record<'small' | 'large', { id: string; token: string }> = {
      small: await connectedBenchTenant(base, url, 'small'),
      large: await connectedBenchTenant(base, url, 'large'),
    };
    const given = loadConfig({ DATABASE_URL: url });
    const config = { ...given, databaseAppUrl: await prepareAppDatabase(given) }; // as createApp does
    const store = new CostStore(config);
    const now = new Date();
    const months = Array.from({ length: MONTHS }, (_, i) =>
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (MONTHS - 1 - i), 1))
        .toISOString()
        .slice(0, 7),
    );
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const probe = months[Math.max(0, months.length - 2)]!; // the last full month

    // The small tenant: every combination of 5 x 20 x 4.
    const small = combinations(5, 20, 4, 1);
    let smallRows = 0;
    for (const m of months)
      smallRows += await store.replaceMonth(tenants.small.id, m, monthBatches(m, small, yesterday));

    const combos = combinations(ACCOUNTS, SERVICES, REGIONS, DENSITY);
    console.log(
      `Large payer bench: ${ACCOUNTS} accounts x ${SERVICES} services x ${REGIONS} regions, density ${DENSITY} -> ${combos.length / 3} combinations with usage a day, ${MONTHS} months; small tenant 5 x 20 x 4 (${smallRows} rows)`,
    );

    // Memory: this loader (the product's CostStore) and the API, sampled through the whole load.
    let loaderRss = 0;
    let loaderHeap = 0;
    let apiRss = 0;
    const apiPid = api.pid!;
    const apiRssBefore = rssOf(apiPid);
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      loaderRss = Math.max(loaderRss, m.rss);
      loaderHeap = Math.max(loaderHeap, m.heapUsed);
      apiRss = Math.max(apiRss, rssOf(apiPid));
    }, 100);
    // The API keeps serving the large payer's dashboard while it loads.
    let serving = true;
    let served = 0;
    const busy = (async () => {
      while (serving) {
        await timed(`${base}/api/dashboard`, tenants.large.token).catch(() => undefined);
        served++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    const replace = async (month: string, every = 1) => {
      const t = performance.now();
      const rows = await store.replaceMonth(
        tenants.large.id,
        month,
        monthBatches(month, combos, yesterday, every),
      );
      return { rows, ms: performance.now() - t };
    };
    const tableRows = async () =>
      Number(
        (
          await sql<{ n: string }>(url, `select count(*) as n from cost_daily where tenant_id = $1`, [
            tenants.large.id,
          ])
        )[0]!.n,
      );

    const first = await replace(probe);
    const onSmall = await replace(probe);
    console.log(
      `1. ${probe}: first load ${first.rows} rows ${ms(first.ms)}; replaced with the table holding only that month: ${ms(onSmall.ms)} (${Math.round(onSmall.rows / (onSmall.ms / 1000))} rows/s)`,
    );
    let total = first.rows;
    const tLoad = performance.now();
    for (const m of months) {
      if (m === probe) continue;
      const r = await replace(m);
      total += r.rows;
      console.log(
        `   loaded ${m}: ${r.rows} rows in ${ms(r.ms)} (${Math.round(r.rows / (r.ms / 1000))} rows/s); table now ${total} rows of this tenant; loader RSS now ${mb(process.memoryUsage().rss)}`,
      );
    }
    const loadMs = performance.now() - tLoad;
    const onBig = await replace(probe);
    const half = await replace(probe, 2);
    const again = await replace(probe);
    serving = false;
    await busy;
    clearInterval(sampler);
    console.log(
      `   ${probe} replaced with the table holding ${await tableRows()} rows: ${ms(onBig.ms)} (${Math.round(onBig.rows / (onBig.ms / 1000))} rows/s); ratio full table/one-month table = ${(onBig.ms / onSmall.ms).toFixed(2)}x (target ~1x: grows with the month, not the table)`,
    );
    console.log(
      `   ${probe} with half its rows (${half.rows}): ${ms(half.ms)}; then full again (${again.rows}): ${ms(again.ms)}; ratio half/full time = ${(half.ms / again.ms).toFixed(2)}x (rows ratio ${(half.rows / again.rows).toFixed(2)})`,
    );
    // Raw COPY baseline of the same month's rows into a plain table with the same unique key, as the owner.
    const c = new Client({ connectionString: url });
    await c.connect();
    const def = (await c.query<{ d: string }>(`select pg_get_indexdef('cost_daily_key'::regclass) as d`))
      .rows[0]!.d;
    await c.query('create table bench_raw_keyed (like cost_daily including defaults)');
    await c.query(`create unique index on bench_raw_keyed (${/\(([^()]*)\)$/.exec(def)![1]})`);
    const tenant = tenants.large.id;
    const t0 = performance.now();
    await pipeline(
      Readable.from(
        (function* () {
          for (const batch of monthBatches(probe, combos, yesterday))
            yield batch.map((r) => `${tenant}\t${r.join('\t')}\n`).join('');
        })(),
      ),
      c.query(
        copyFrom(
          'copy bench_raw_keyed (tenant_id, usage_date, account_id, service, region, usage_type, charge_class, unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items) from stdin',
        ),
      ),
    );
    const rawMs = performance.now() - t0;
    await c.query('drop table bench_raw_keyed');
    await c.end();
    console.log(
      `   raw COPY of the same ${again.rows} rows (same key, generated the same way): ${ms(rawMs)}; ratio replace/raw throughput = ${(rawMs / again.ms).toFixed(2)}x (target >= 0.8x)`,
    );
    console.log(
      `   all ${MONTHS} months: ${total} rows in ${ms(loadMs + first.ms)} (${Math.round(total / ((loadMs + first.ms) / 1000))} rows/s)`,
    );
    console.log(
      `2. memory while loading ${total} rows: loader (the product's CostStore) peak RSS ${mb(loaderRss)}, peak heap ${mb(loaderHeap)}; API RSS ${mb(apiRssBefore)} before, peak ${mb(apiRss)} while serving ${served} dashboards of the large payer during the load`,
    );
    await store.onApplicationShutdown();

    await sql(url, 'analyze cost_daily');
    await sql(url, 'analyze cost_rollup_daily');
    await sql(url, 'analyze cost_rollup_monthly');
    const [size] = await sql<{ bytes: string; parts: string }>(
      url,
      `select sum(pg_total_relation_size(relid)) as bytes, count(*) as parts from pg_partition_tree('cost_daily')`,
    );
    console.log(`   cost_daily: ${mb(Number(size!.bytes))} in ${size!.parts} partitions (all levels)`);

    await measureReads(base, url, tenants, `${months[0]}-01`, yesterday);
  } finally {
    if (api) {
      api.kill('SIGTERM');
      await new Promise((r) => api!.once('exit', r));
    }
    if (process.argv.includes('--keep-db')) console.log(`kept database ${name} (--keep-db)`);
    else await sql(ADMIN_URL, `drop database if exists "${name}" with (force)`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
