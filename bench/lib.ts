/** What the benches share: the admin database, scratch databases, a free port, percentiles, the API process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';

export const ROOT = join(__dirname, '..');
export const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ms = (t: number) => `${t.toFixed(0)} ms`;
export const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

/** One statement on a connection of its own. */
export async function sql<T = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** The URL of another database on the admin database's server. */
export function dbUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The p-th percentile of samples (unsorted is fine). */
export const pct = (xs: readonly number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/**
 * The built API (`apps/api/dist/main.js`) on `url` with the abuse limits raised (a bench measures serving, not the
 * limits: one tenant sends every request), once it answers /api/health.
 */
export async function startBenchApi(url: string): Promise<{ base: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(ROOT, 'apps/api/dist/main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SIGNUP_MAX_PER_IP: '1000',
      RATE_LIMIT_TENANT_RPS: '1000000',
      RATE_LIMIT_TENANT_BURST: '1000000',
      RATE_LIMIT_IP_RPS: '1000000',
      RATE_LIMIT_IP_BURST: '1000000',
      TENANT_MAX_IN_FLIGHT: '10000',
    },
    stdio: 'inherit',
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, proc };
}

/** A new tenant (sign-up) marked connected, so its dashboard reads its cost rows. */
export async function connectedBenchTenant(base: string, url: string, label: string) {
  const signup = (await (
    await fetch(`${base}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: `bench-${label}-${Date.now()}@example.com`,
        password: 'bench-password-123',
      }),
    })
  ).json()) as { access_token: string };
  const me = (await (
    await fetch(`${base}/api/auth/me`, { headers: { authorization: `Bearer ${signup.access_token}` } })
  ).json()) as { tenant: { id: string } };
  await sql(
    url,
    `insert into aws_connection (id, tenant_id, status, created_at, updated_at) values (gen_random_uuid(), $1, 'connected', now(), now())`,
    [me.tenant.id],
  );
  return { id: me.tenant.id, token: signup.access_token };
}

/**
 * One synthetic aggregate row in the Athena month query's column order (usage_date, account, service, region,
 * usage type, charge class, the five measures, usage quantity, line items) for account `a`, service `s`, region `r`.
 */
export function aggregateRow(date: string, a: number, s: number, r: number, cost: number): string[] {
  return [
    date,
    String(100000000000 + a),
    `Service${s}`,
    `region-${r}`,
    `Usage${s % 7}`,
    'usage',
    `${cost}`,
    `${cost * 0.97}`,
    `${cost * 0.9}`,
    `${cost * 0.88}`,
    `${cost * 1.2}`,
    '10',
    '24',
  ];
}
