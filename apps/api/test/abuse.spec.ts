import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { testApp, type Session, type TestApp } from './harness';

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Daily costs for a tenant, straight into the rollup the dashboard and /api/costs read. */
async function seedCosts(databaseUrl: string, tenantId: string, days: number, names: number): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `insert into cost_rollup_daily (tenant_id, usage_date, dimension, name, unblended, net_unblended, amortized, net_amortized)
       select $1, current_date - d, dim, dim || '-' || s, c, c, c, c
         from generate_series(1, $2::int) d, generate_series(1, $3::int) s,
              unnest(array['service', 'account', 'region', 'usage_type', 'charge_class']) dim,
              lateral (select (10 + (d * 7 + s * 13) % 50)::float8 as c) cost`,
      [tenantId, days, names],
    );
  } finally {
    await db.end();
  }
}

async function tenant(api: TestApp): Promise<Session & { tenantId: string }> {
  const s = await api.signup();
  const me = await api.get('/api/auth/me', s.access_token);
  return { ...s, tenantId: me.body.tenant.id as string };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/**
 * Other tenants' latencies: `n` sequential requests paced at `perSecond` in all, taking turns among the tokens
 * (each tenant stays under its own rate limit, as well-behaved clients do). Every one must succeed.
 */
async function probe(api: TestApp, path: string, tokens: string[], n: number, perSecond: number) {
  const out: number[] = [];
  const period = 1000 / perSecond;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = start + i * period - performance.now();
    if (wait > 0) await sleep(wait);
    const t0 = performance.now();
    const res = await fetch(api.url + path, {
      headers: { authorization: `Bearer ${tokens[i % tokens.length]}` },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`probe ${path}: ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * Tenant A's flood from its own process (so the probe's measurements are not queued behind the flood's client
 * work): `concurrency` keep-alive connections, each sending the next request as soon as the last answer arrives,
 * ignoring Retry-After. Prints the status counts when told to stop.
 */
const FLOOD = `
const http = require('node:http');
const { URL: u, TOKEN: token, CONCURRENCY: c } = process.env;
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(c) });
const counts = {};
let stop = false;
let paused = true;
function one(done) {
  const req = http.get(u, { agent, headers: { authorization: 'Bearer ' + token } }, (res) => {
    res.resume();
    res.on('end', () => { counts[res.statusCode] = (counts[res.statusCode] || 0) + 1; done(); });
  });
  req.on('error', () => { counts.error = (counts.error || 0) + 1; done(); });
}
function loop() { if (stop) return; if (paused) setTimeout(loop, 20); else one(loop); }
for (let i = 0; i < Number(c); i++) loop();
process.stdin.on('data', (d) => {
  for (const cmd of d.toString().trim().split('\\n')) {
    if (cmd === 'resume') paused = false;
    if (cmd === 'pause') paused = true;
    if (cmd === 'stop') { stop = true; setTimeout(() => { process.stdout.write(JSON.stringify(counts)); process.exit(0); }, 300); }
  }
});
process.stdout.write('ready\\n');
`;

function startFlood(url: string, token: string, concurrency: number) {
  const proc = spawn(process.execPath, ['-e', FLOOD], {
    env: { ...process.env, URL: url, TOKEN: token, CONCURRENCY: String(concurrency) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    proc.once('exit', (code) => reject(new Error(`flood process exited with ${code}`)));
  });
  return {
    ready,
    resume: () => proc.stdin.write('resume\n'),
    pause: () => proc.stdin.write('pause\n'),
    async stop(): Promise<Record<string, number>> {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.stdin.write('stop\n');
      await exited;
      return JSON.parse(out.slice('ready\n'.length)) as Record<string, number>;
    },
  };
}

describe('a tenant flooding the cost API', () => {
  // Per tenant: 5 requests/s (burst 5), one expensive request at a time. The address limit is out of
  // the way here (every tenant calls from 127.0.0.1); it has its own test below.
  const RATE = 5;
  const BURST = 5;
  let api: TestApp;
  let a: Session & { tenantId: string };
  /** The other tenants: ten, each probing at 3/s (30/s in all, under their own limits). */
  let others: string[];
  const costs = `/api/costs?from=${iso(Date.now() - 60 * DAY)}&to=${iso(Date.now())}&group_by=service`;

  beforeAll(async () => {
    api = await testApp({
      RATE_LIMIT_TENANT_RPS: String(RATE),
      RATE_LIMIT_TENANT_BURST: String(BURST),
      TENANT_MAX_IN_FLIGHT: '1',
      RATE_LIMIT_IP_RPS: '1000000',
      RATE_LIMIT_IP_BURST: '1000000',
    });
    a = await tenant(api);
    await seedCosts(api.databaseUrl, a.tenantId, 90, 12);
    others = [];
    for (let i = 0; i < 10; i++) {
      const t = await tenant(api);
      await seedCosts(api.databaseUrl, t.tenantId, 90, 12);
      others.push(t.access_token);
    }
  });
  afterAll(() => api.close());

  it("is limited, and the other tenants' p99 stays within 2x of their p99 alone", async () => {
    const BLOCKS = 3; // alone, flood, alone, flood, ...: both see the same background noise of the machine
    const PER_BLOCK = 100; // requests at 30/s
    await probe(api, costs, others, 30, 30); // warm-up (JIT, plans, pool)
    const flood = startFlood(api.url + costs, a.access_token, 64);
    await flood.ready;
    const alone: number[] = [];
    const during: number[] = [];
    let floodSeconds = 0;
    for (let i = 0; i < BLOCKS; i++) {
      alone.push(...(await probe(api, costs, others, PER_BLOCK, 30)));
      flood.resume();
      await sleep(300);
      const t0 = performance.now();
      during.push(...(await probe(api, costs, others, PER_BLOCK, 30)));
      flood.pause();
      floodSeconds += (performance.now() - t0) / 1000 + 0.3;
      await sleep(1600); // refused flood requests are answered within 1.5 s: let them drain
    }
    const counts = await flood.stop();

    const figures = {
      alone: { p50: pct(alone, 50), p95: pct(alone, 95), p99: pct(alone, 99), max: pct(alone, 100) },
      during: { p50: pct(during, 50), p95: pct(during, 95), p99: pct(during, 99), max: pct(during, 100) },
      flood: { ...counts, seconds: floodSeconds },
    };
    process.stdout.write(`abuse.spec flood figures: ${JSON.stringify(figures)}\n`);
    // The flood really was limited: A got at most its burst plus its rate over the flood, the rest were 429s.
    const ok = counts['200'] ?? 0;
    expect(ok).toBeLessThanOrEqual(BURST * BLOCKS + RATE * (floodSeconds + 2 * BLOCKS));
    expect(counts['429'] ?? 0).toBeGreaterThan(ok * 3);
    // The others' tail latency: within 2x of alone, with a 25 ms floor. Since /api/costs answers in ~6 ms (p50), the
    // p99 of 300 probes is their 3rd slowest, and on the shared 2-core machine one scheduler hiccup of 10-20 ms moves
    // it (seen: 10.5 ms alone, 23 ms during, with the same p50 and p95). A broken limiter or refusal delay costs
    // far more than that: the others' p50 alone went from 10 ms to 122 ms without the delay (docs/security.md).
    expect(figures.during.p99).toBeLessThanOrEqual(2 * Math.max(figures.alone.p99, 25));
  });
});

describe('request limits', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await testApp({
      // Deployment-wide 1/s and burst 80 over 10 replicas: 0.1/s and burst 8 in this one.
      API_REPLICAS: '10',
      RATE_LIMIT_IP_RPS: '1',
      RATE_LIMIT_IP_BURST: '80',
      RATE_LIMIT_TENANT_RPS: '1000',
      RATE_LIMIT_TENANT_BURST: '1000',
      SIGNUP_MAX_PER_IP: '100',
    });
  });
  afterAll(() => api.close());

  it('answers 429 RATE_LIMITED with Retry-After per address, in the one error shape; health stays open', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestApp['get']>> | undefined;
    for (let i = 0; i < 10; i++) {
      const res = await api.get('/api/auth/me');
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(401));
    expect(statuses.slice(8)).toEqual([429, 429]); // refusals come after a 1 s delay: still no token
    expect(limited!.body).toEqual({
      code: 'RATE_LIMITED',
      message: expect.stringContaining('address'),
      details: { retry_after_s: expect.any(Number), scope: 'ip' },
      correlation_id: limited!.headers.get('x-correlation-id'),
    });
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api.get('/api/health')).status).toBe(200);
  });
});

describe('per-tenant limits, body size and query bounds', () => {
  let api: TestApp;
  let a: Session & { tenantId: string };
  let b: Session & { tenantId: string };
  beforeAll(async () => {
    api = await testApp({
      RATE_LIMIT_TENANT_RPS: '1',
      RATE_LIMIT_TENANT_BURST: '30',
      TENANT_MAX_IN_FLIGHT: '1',
      BODY_LIMIT_BYTES: '4096',
      ADMIN_EMAIL: 'root@platform.test',
      ADMIN_PASSWORD: 'platform-admin-password',
    });
    a = await tenant(api);
    b = await tenant(api);
    await seedCosts(api.databaseUrl, a.tenantId, 120, 20);
  });
  afterAll(() => api.close());

  it('limits each tenant on its own: one tenant out of requests does not stop another', async () => {
    let res = await api.get('/api/tenants/current', a.access_token);
    for (let i = 0; i < 40 && res.status !== 429; i++)
      res = await api.get('/api/tenants/current', a.access_token);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ code: 'RATE_LIMITED', details: { scope: 'tenant' } });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await api.get('/api/tenants/current', b.access_token)).status).toBe(200);
  });

  it('caps expensive requests in flight per tenant', async () => {
    const path = `/api/costs?from=${iso(Date.now() - 119 * DAY)}&to=${iso(Date.now())}&group_by=usage_type`;
    const all = await Promise.all(Array.from({ length: 8 }, () => api.get(path, b.access_token)));
    const statuses = all.map((r) => r.status).sort();
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
    const refused = all.find((r) => r.status === 429)!;
    expect(refused.body.details.scope).toBe('tenant_in_flight');
  });

  it('answers 413 PAYLOAD_TOO_LARGE in the error shape above BODY_LIMIT_BYTES', async () => {
    const res = await api.post('/api/auth/signup', {
      email: 'big@example.com',
      password: 'correct-horse-battery',
      name: 'x'.repeat(5000),
    });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.any(String),
      correlation_id: res.headers.get('x-correlation-id'),
    });
  });

  it('bounds date ranges and page sizes, naming the field', async () => {
    const root = await api.login('root@platform.test', 'platform-admin-password');
    const cases: [string, string, string][] = [
      [`/api/costs?from=2020-01-01&to=2026-01-01`, 'to', b.access_token],
      ['/api/anomalies?page_size=101', 'page_size', b.access_token],
      ['/api/anomalies?page_size=0', 'page_size', b.access_token],
      [
        '/api/anomalies/backtest?monitor=00000000-0000-4000-8000-000000000000&days=366',
        'days',
        b.access_token,
      ],
      ['/api/cur/sync-runs?page_size=1000', 'page_size', b.access_token],
      ['/api/audit-events?page_size=500', 'page_size', b.access_token],
      ['/api/admin/tenants?page_size=1000', 'page_size', root.access_token],
      [`/api/admin/tenants/${b.tenantId}/audit-events?page_size=101`, 'page_size', root.access_token],
    ];
    for (const [path, field, token] of cases) {
      const res = await api.get(path, token);
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });
});
