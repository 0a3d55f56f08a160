/**
 * Bench for the authenticated request path (issue #18): the API against a yardstick measured in the same run.
 * The yardstick (bench/auth-path/yardstick.mjs) is a bare Fastify + pg server on the same database that verifies the
 * same HS256 access token and runs one indexed query for the caller's user, membership and tenant, and nothing else.
 * Load: bench/auth-path/load.mjs in its own process (closed loop, keep-alive connections). The machine is shared
 * and its load swings by tens of percent within a minute, so every figure is measured in ROUNDS short rounds; in each
 * round the yardstick and the routes run back to back (their order rotating from round to round), each ratio is taken
 * within its round, and the median of the rounds' ratios is reported with their range. Measured:
 *   1. req/s at 50 connections: yardstick, /api/auth/me (an authenticated no-op), /api/dashboard (a year of rollup
 *      data for 20 accounts x 40 services x 6 regions) (targets >= 0.5x and >= 0.35x), and the server's CPU time per
 *      request (Linux /proc) of each;
 *   2. p50/p99 at 200 concurrent for /api/dashboard and /api/auth/me (target p99 <= 3x p50), with the yardstick's
 *      own p99/p50 in the same rounds (what the machine alone does to the tail);
 *   3. database transactions per request of each route (pg_stat_database of the bench's database, less what the
 *      idle API does meanwhile: its caller-cache sync, the workers polling their queues). Every statement of the
 *      API travels with its row-level-security scope in one message, one implicit transaction, so this counts
 *      the statements (round trips) of a request too.
 * The API runs with its per-request limits raised (one tenant sends everything) and LOG_LEVEL=warn (the yardstick
 * logs nothing either). Compare the ratios, not the req/s.
 * Run: npm run bench -- auth-path [--rounds 9] [--seconds 2] [--keep-db]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_URL, ROOT, dbUrl, freePort, sql } from './lib';

// Another build of the API to compare (e.g. the main branch's): CO_API_DIST=<its apps/api/dist>.
const API_DIST = process.env.CO_API_DIST ?? join(ROOT, 'apps/api/dist');
// Node options for the API process only, e.g. CO_API_NODE_ARGS=--prof (V8 ticks, then node --prof-process).
const API_NODE_ARGS = (process.env.CO_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
/** Seconds of load per measure in a round. */
const SECONDS = flag('seconds', 2);
/** Rounds of the interleaved measures (the ratios reported are the medians of the rounds'). */
const ROUNDS = flag('rounds', 9);
const SECRET = 'bench-auth-path-secret-0123456789abcdef';

interface Load {
  /** CPU time of the measured server process per request (Linux /proc), or NaN. */
  cpu_ms_per_req: number;
  requests: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  errors: number;
}

async function healthy(url: string, proc: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`${url}: the process exited with ${proc.exitCode}`);
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status > 0 && status < 500) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer in 30 s`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

/** User + system CPU time of a process in ms (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * (1000 / 100);
  } catch {
    return NaN;
  }
}

async function load(
  url: string,
  connections: number,
  seconds: number,
  token: string,
  server?: ChildProcess,
): Promise<Load> {
  const args = [join(ROOT, 'bench/auth-path/load.mjs'), url, String(connections), String(seconds), token];
  const before = cpuMs(server?.pid);
  const out = await run(process.execPath, args);
  const r = JSON.parse(out.trim()) as Omit<Load, 'cpu_ms_per_req'>;
  if (r.non_2xx > 0 || r.errors > 0)
    throw new Error(`${url}: ${r.non_2xx} non-2xx answers, ${r.errors} errors`);
  return { ...r, cpu_ms_per_req: (cpuMs(server?.pid) - before) / r.requests };
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
}

/** A year of rollup rows (what a year of CUR data for 20 accounts x 40 services x 6 regions leaves there). */
async function seed(url: string, tenant: string): Promise<number> {
  await sql(
    url,
    `insert into aws_connection (id, tenant_id, status, created_at, updated_at) values (gen_random_uuid(), $1, 'connected', now(), now())`,
    [tenant],
  );
  const [row] = await sql(
    url,
    `with days as (select d::date as day from generate_series(current_date - 365, current_date - 1, interval '1 day') d),
          names as (
            select 'service' as dimension, 'AmazonService' || i as name, 40 as n from generate_series(1, 40) i
            union all select 'account', '1000000000' || lpad(i::text, 2, '0'), 20 from generate_series(1, 20) i
            union all select 'region', (array['us-east-1','us-west-2','eu-west-1','eu-central-1','ap-southeast-1','ap-northeast-1'])[i], 6 from generate_series(1, 6) i
            union all select 'usage_type', 'UsageType' || i, 30 from generate_series(1, 30) i
            union all select 'charge_class', (array['usage','tax','credit'])[i], 3 from generate_series(1, 3) i),
          ins as (
            insert into cost_rollup_daily (tenant_id, usage_date, dimension, name, unblended, net_unblended, amortized, net_amortized)
            select $1, day, dimension, name, c, c * 0.95, c, c * 0.95
              from days, names, lateral (select (1000.0 / n) * (1 + 0.2 * sin(extract(doy from day))) as c) x
            returning 1)
     select count(*)::int as n from ins`,
    [tenant],
  );
  // the monthly rollup of the same rows, as a month load writes it
  await sql(
    url,
    `insert into cost_rollup_monthly (tenant_id, month, dimension, name, unblended, net_unblended, amortized, net_amortized)
     select tenant_id, date_trunc('month', usage_date)::date, dimension, name, sum(unblended), sum(net_unblended),
            sum(amortized), sum(net_amortized)
       from cost_rollup_daily where tenant_id = $1 group by 1, 2, 3, 4`,
    [tenant],
  );
  await sql(
    url,
    `insert into cost_data_version (tenant_id, version, data_through, updated_at) values ($1, 1, current_date - 1, now())
     on conflict (tenant_id) do update set version = cost_data_version.version + 1, data_through = excluded.data_through`,
    [tenant],
  );
  await sql(url, 'analyze cost_rollup_daily');
  return row!.n as number;
}

/** Transactions of the database so far; a backend reports its counts when idle, so this waits for that first. */
async function transactions(url: string): Promise<{ n: number; at: number }> {
  await new Promise((r) => setTimeout(r, 11_500));
  const [row] = await sql(
    url,
    'select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()',
  );
  return { n: Number(row!.n), at: Date.now() };
}

/** Database transactions per request of each route (3 s of load each), less the idle API's own. */
async function transactionsPerRequest(url: string, routes: Record<string, string>, token: string) {
  const idleFrom = await transactions(url);
  const idleTo = await transactions(url);
  const perMs = (idleTo.n - idleFrom.n) / (idleTo.at - idleFrom.at);
  const out: Record<string, number> = {};
  let before = idleTo;
  for (const [name, route] of Object.entries(routes)) {
    const r = await load(route, 50, 3, token);
    const after = await transactions(url);
    out[name] = (after.n - before.n - perMs * (after.at - before.at)) / r.requests;
    before = after;
  }
  return out;
}

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
/** The median of sorted numbers. */
const median = (sorted: number[]) =>
  sorted.length % 2
    ? sorted[(sorted.length - 1) / 2]!
    : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;

async function main() {
  const name = `co_bench_auth_${Date.now().toString(36)}`;
  await sql(ADMIN_URL, `create database "${name}"`);
  const url = dbUrl(name);
  const procs: ChildProcess[] = [];
  try {
    await run(process.execPath, [join(API_DIST, 'cli.js'), 'migrate'], {
      ...process.env,
      DATABASE_URL: url,
      LOG_LEVEL: 'error',
    });
    const apiPort = await freePort();
    const api = spawn(process.execPath, [...API_NODE_ARGS, join(API_DIST, 'main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        JWT_SECRET: SECRET,
        SIGNUP_MAX_PER_IP: '1000',
        RATE_LIMIT_TENANT_RPS: '1000000',
        RATE_LIMIT_TENANT_BURST: '1000000',
        RATE_LIMIT_IP_RPS: '1000000',
        RATE_LIMIT_IP_BURST: '1000000',
        TENANT_MAX_IN_FLIGHT: '10000',
      },
      stdio: 'inherit',
    });
    procs.push(api);
    const base = `http://127.0.0.1:${apiPort}`;
    await healthy(`${base}/api/health`, api);
    const signup = (await (
      await fetch(`${base}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'bench-password-123' }),
      })
    ).json()) as { access_token: string };
    const token = signup.access_token;
    const me = (await (
      await fetch(`${base}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      tenant: { id: string };
    };
    const rows = await seed(url, me.tenant.id);

    const yPort = await freePort();
    const yardstick = spawn(
      process.execPath,
      [join(ROOT, 'bench/auth-path/yardstick.mjs'), url, SECRET, String(yPort)],
      {
        stdio: 'inherit',
      },
    );
    procs.push(yardstick);
    const yUrl = `http://127.0.0.1:${yPort}/me`;
    await healthy(yUrl, yardstick);

    console.log(
      `Auth path bench: ${SECONDS} s per measure; PostgreSQL ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}; dashboard tenant: ${rows} rollup rows (a year)`,
    );
    const routes = {
      yardstick: { url: yUrl, proc: yardstick },
      me: { url: `${base}/api/auth/me`, proc: api },
      dashboard: { url: `${base}/api/dashboard`, proc: api },
    };
    type Route = keyof typeof routes;
    const names = Object.keys(routes) as Route[];
    // warm up (JIT, pools, the dashboard's per-version cache)
    for (const k of names) await load(routes[k].url, 50, 2, token);

    /** ROUNDS rounds of every route back to back at `connections`, the order rotating from round to round. */
    const rounds = async (connections: number, label: string) => {
      const out: Record<Route, Load>[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const r = {} as Record<Route, Load>;
        for (let i = 0; i < names.length; i++) {
          const k = names[(round + i) % names.length]!;
          r[k] = await load(routes[k].url, connections, SECONDS, token, routes[k].proc);
        }
        out.push(r);
        console.log(
          `   ${label} round ${round + 1}: ${names.map((k) => `${k} ${f0(r[k].req_per_s)} req/s (p50 ${f1(r[k].p50_ms)}, p99 ${f1(r[k].p99_ms)} ms, CPU ${f2(r[k].cpu_ms_per_req)} ms/req)`).join('; ')}`,
        );
      }
      return out;
    };
    const c50 = await rounds(50, '50 connections');
    const c200 = await rounds(200, '200 concurrent');
    const perRequest = await transactionsPerRequest(
      url,
      { '/api/auth/me': `${base}/api/auth/me`, '/api/dashboard': `${base}/api/dashboard` },
      token,
    );
    const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
    /** The median and range of a per-round figure. */
    const summary = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return { median: median(sorted), min: sorted[0]!, max: sorted.at(-1)! };
    };
    const show = (x: { median: number; min: number; max: number }) =>
      `${f2(x.median)}x (rounds ${f2(x.min)}-${f2(x.max)})`;
    const throughput = (k: Route) => summary(c50.map((r) => r[k].req_per_s / r.yardstick.req_per_s));
    const cpuRatio = (k: Route) => summary(c50.map((r) => r.yardstick.cpu_ms_per_req / r[k].cpu_ms_per_req));
    const medianOf = (xs: number[]) => median([...xs].sort((a, b) => a - b));
    const rps = (k: Route) => medianOf(c50.map((r) => r[k].req_per_s));
    const meT = throughput('me');
    const dash = throughput('dashboard');
    // Less sensitive to the shared machine than req/s: what one request costs the server process.
    console.log(
      `\nServer CPU per request at 50 connections (medians of ${ROUNDS} rounds): yardstick ${f2(medianOf(c50.map((r) => r.yardstick.cpu_ms_per_req)))} ms, /api/auth/me ${f2(medianOf(c50.map((r) => r.me.cpu_ms_per_req)))} ms (throughput per CPU ${show(cpuRatio('me'))} the yardstick's), /api/dashboard ${f2(medianOf(c50.map((r) => r.dashboard.cpu_ms_per_req)))} ms (${show(cpuRatio('dashboard'))})`,
    );
    console.log(
      `Database transactions (= statements, round trips) per request: ${Object.entries(perRequest)
        .map(([k, v]) => `${k} ${f2(v)}`)
        .join(', ')}`,
    );
    console.log(
      `\n| Measure (${ROUNDS} interleaved rounds of ${SECONDS} s; median of the per-round ratios, range) | API | Yardstick | Ratio | Target |`,
    );
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      `| \`/api/auth/me\`, 50 connections | ${f0(rps('me'))} req/s | ${f0(rps('yardstick'))} req/s | ${show(meT)} | >= 0.5x (${mark(meT.median >= 0.5)}) |`,
    );
    console.log(
      `| \`/api/dashboard\`, 50 connections | ${f0(rps('dashboard'))} req/s | ${f0(rps('yardstick'))} req/s | ${show(dash)} | >= 0.35x (${mark(dash.median >= 0.35)}) |`,
    );
    const ySpread = summary(c200.map((r) => r.yardstick.p99_ms / r.yardstick.p50_ms));
    for (const k of ['dashboard', 'me'] as const) {
      const spread = summary(c200.map((r) => r[k].p99_ms / r[k].p50_ms));
      console.log(
        `| \`/api/${k === 'me' ? 'auth/me' : k}\`, 200 concurrent | p50 ${f0(medianOf(c200.map((r) => r[k].p50_ms)))} ms, p99 ${f0(medianOf(c200.map((r) => r[k].p99_ms)))} ms | p50 ${f0(medianOf(c200.map((r) => r.yardstick.p50_ms)))} ms, p99 ${f0(medianOf(c200.map((r) => r.yardstick.p99_ms)))} ms; p99 = ${show(ySpread)} p50 | p99 = ${show(spread)} p50 | p99 <= 3x p50 (${mark(spread.median <= 3)}) |`,
      );
    }
  } finally {
    for (const p of procs.reverse()) await stop(p);
    if (process.argv.includes('--keep-db')) console.log(`kept database ${name} (--keep-db)`);
    else await sql(ADMIN_URL, `drop database if exists "${name}" with (force)`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
