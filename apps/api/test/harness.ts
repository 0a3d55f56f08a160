import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';

/** The built API; CO_API_DIST points at another build of it (a second working copy building in parallel). */
export const API_DIST = process.env.CO_API_DIST ?? join(__dirname, '..', 'dist');
const MAIN = join(API_DIST, 'main.js');

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Session {
  email: string;
  password: string;
  access_token: string;
  refresh_token: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: process.env.CO_TEST_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs one statement on its own connection (as whoever the URL names) and returns its rows. */
export async function sql<T = any>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Polls `check` every 100 ms until it returns something other than undefined, null or false; fails after `ms` naming `what`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh database cloned from the migrated template. */
export async function cloneDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `co_t_${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(`create database "${name}" template "${process.env.CO_TEST_TEMPLATE_DB}"`);
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
  const url = new URL(process.env.CO_TEST_ADMIN_URL!);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists "${name}" with (force)`),
  };
}

export class ApiProcess {
  private output = '';
  constructor(
    readonly url: string,
    readonly databaseUrl: string,
    private readonly proc: ChildProcess,
  ) {
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  logs(): string {
    return this.output;
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers: Record<string, string> = {},
  ): Promise<Res<T>> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }).catch(async (e: Error) => {
      // A refused or reset connection to a process that has died says why it died, not only "fetch failed".
      await new Promise((r) => setTimeout(r, 500)); // the exit event may trail the closed socket
      if (this.proc.exitCode === null && this.proc.signalCode === null) throw e;
      throw new Error(
        `${method} ${path}: ${e.message}; the API process ended (code ${this.proc.exitCode}, signal ` +
          `${this.proc.signalCode}); its last output:\n${this.output.slice(-4000)}`,
        { cause: e },
      );
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = any>(path: string, token?: string) => this.request<T>('GET', path, undefined, token);
  post = <T = any>(path: string, body?: unknown, token?: string) =>
    this.request<T>('POST', path, body ?? {}, token);
  patch = <T = any>(path: string, body: unknown, token?: string) =>
    this.request<T>('PATCH', path, body, token);
  del = <T = any>(path: string, token?: string) => this.request<T>('DELETE', path, undefined, token);

  /** Signs up a new user (and tenant) and returns its tokens. */
  async signup(
    opts: { email?: string; password?: string; name?: string; tenant_name?: string } = {},
  ): Promise<Session> {
    const email = opts.email ?? `user-${randomBytes(5).toString('hex')}@example.com`;
    const password = opts.password ?? 'correct-horse-battery';
    const res = await this.post('/api/auth/signup', {
      email,
      password,
      name: opts.name,
      tenant_name: opts.tenant_name,
    });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { email, password, ...(res.body as { access_token: string; refresh_token: string }) };
  }

  /**
   * Makes `member` a member of `owner`'s tenant with `role` the way people do: the owner invites the email (202),
   * the member accepts the invitation signed in as themself. Answers the membership (user_id, role, ...).
   */
  async addMember(
    owner: Pick<Session, 'access_token'>,
    member: Pick<Session, 'email' | 'access_token'>,
    role: 'owner' | 'admin' | 'viewer',
  ): Promise<{ user_id: string; email: string; role: string }> {
    const invited = await this.post(
      '/api/tenants/current/members',
      { email: member.email, role },
      owner.access_token,
    );
    if (invited.status !== 202)
      throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
    const accepted = await this.post(`/api/invitations/${invited.body.id}/accept`, {}, member.access_token);
    if (accepted.status !== 200)
      throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
    return accepted.body;
  }

  async login(email: string, password: string): Promise<Session> {
    const res = await this.post('/api/auth/login', { email, password });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { email, password, ...(res.body as { access_token: string; refresh_token: string }) };
  }

  /** Kills the process at once (SIGKILL), as a crash or an OOM kill would. */
  async kill(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  SIGNUP_MAX_PER_IP: '100000',
  // api.signup() signs in at once, also in the specs that configure SMTP (alerts); signup-verification.spec.ts
  // turns verification on (and auto) where it is what is tested.
  SIGNUP_EMAIL_VERIFICATION: 'off',
  LOGIN_MAX_ATTEMPTS_PER_IP: '100000',
  // Per-request limits off in effect (tests share 127.0.0.1 and poll); abuse.spec.ts sets real ones.
  RATE_LIMIT_IP_RPS: '1000000',
  RATE_LIMIT_IP_BURST: '1000000',
  RATE_LIMIT_TENANT_RPS: '1000000',
  RATE_LIMIT_TENANT_BURST: '1000000',
  TENANT_MAX_IN_FLIGHT: '10000',
};

/**
 * Whether `pid` holds the listening socket of 127.0.0.1:`port` (Linux /proc; true where /proc is not available).
 * freePort() closes the port it found before the API binds it: another process (an API of a test file running in
 * parallel, a local endpoint) can take it meanwhile, and then its /api/health would answer for ours.
 */
function listensOn(pid: number, port: number): boolean {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return true;
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // local address, state 0A = LISTEN, inode
    if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
  }
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && inodes.has(m[1]!);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Starts the built API (`apps/api/dist/main.js`) as its own process on a database URL. Healthy means *this* process
 * answers: a port taken by another process between freePort() and the API's listen is retried on a new port.
 */
export async function spawnApi(
  databaseUrl: string,
  env: Record<string, string> = {},
  main = MAIN,
): Promise<ApiProcess> {
  for (let attempt = 1; ; attempt++) {
    const started = await startApi(databaseUrl, env, main);
    if (started instanceof ApiProcess) return started;
    if (attempt >= 3) throw new Error(`API did not start on a port of its own (3 attempts):\n${started}`);
  }
}

/** The process when healthy; a description of the lost port (to retry) otherwise. */
async function startApi(
  databaseUrl: string,
  env: Record<string, string>,
  main: string,
): Promise<ApiProcess | string> {
  const port = await freePort();
  const proc = spawn(process.execPath, [main], {
    env: {
      ...process.env,
      ...TEST_ENV,
      ...env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const api = new ApiProcess(`http://127.0.0.1:${port}`, databaseUrl, proc);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) {
      if (/EADDRINUSE/.test(api.logs())) return `port ${port} was taken: ${api.logs()}`;
      throw new Error(`API exited with ${proc.exitCode}:\n${api.logs()}`);
    }
    try {
      const res = await fetch(`${api.url}/api/health`);
      if (res.status === 200) {
        if (proc.pid !== undefined && !listensOn(proc.pid, port)) {
          await api.stop();
          return `port ${port} answered /api/health, but another process listens on it: ${api.logs()}`;
        }
        return api;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await api.stop();
      throw new Error(`API did not become healthy in 30 s:\n${api.logs()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A fresh database plus an API process on it; `close()` stops both. */
export async function testApp(env: Record<string, string> = {}) {
  const db = await cloneDatabase();
  const api = await spawnApi(db.url, env);
  return Object.assign(api, {
    db,
    close: async () => {
      await api.stop();
      await db.drop();
    },
  });
}
export type TestApp = Awaited<ReturnType<typeof testApp>>;
