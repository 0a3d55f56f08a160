import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { Client } from 'pg';
import { cloneDatabase, freePort, TEST_ENV } from '../apps/api/test/harness';
import { healthcheckCommand, stage } from './dockerfile-model';
import { exitOf, MAIN, run, waitFor } from './helpers';

/**
 * `docker stop` sends SIGTERM (the image's STOPSIGNAL): the API must finish the request in flight, then close its
 * database sessions (releasing every lock it held) and exit. The image's HEALTHCHECK command is run as written.
 */
describe('the API process in a container', () => {
  it('passes the image health check, drains an in-flight request on SIGTERM and leaves no session behind', async () => {
    const db = await cloneDatabase();
    const port = await freePort();
    const proc = spawn(process.execPath, [MAIN], {
      env: { ...process.env, ...TEST_ENV, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = exitOf(proc);
    const base = `http://127.0.0.1:${port}`;
    const admin = new Client({ connectionString: db.url });
    const healthcheck = () => run('sh', ['-c', healthcheckCommand(stage('runtime'))], { PORT: String(port) });
    try {
      await waitFor('the API to listen', () =>
        fetch(`${base}/api/health`).then(
          (r) => r.ok,
          () => false,
        ),
      );
      expect((await healthcheck()).code).toBe(0);

      // Hold the rate-limit table so a login blocks inside the database: a request certainly in flight.
      await admin.connect();
      await admin.query('begin');
      await admin.query('lock table rate_limit_bucket in exclusive mode');
      // One request on its own connection (`Connection: close`). A keep-alive connection that is busy when the
      // signal arrives stays open after its response until the client or keepAliveTimeout closes it (see the ops note).
      const inFlight = postJson(`${base}/api/auth/login`, {
        email: 'nobody@example.com',
        password: 'wrong-password-123',
      });
      await waitFor('the login to wait on the lock', async () => {
        const { rows } = await admin.query(
          "select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        return rows.length > 0;
      });

      proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 700));
      expect(proc.exitCode).toBeNull(); // still draining
      expect(proc.signalCode).toBeNull();

      await admin.query('rollback');
      const res = await inFlight;
      expect(res.status).toBe(401); // answered, not cut off
      expect((JSON.parse(res.body) as { code: string }).code).toBe('INVALID_CREDENTIALS');

      let timer: NodeJS.Timeout | undefined;
      const end = await Promise.race([
        exited,
        new Promise<never>(
          (_, reject) => (timer = setTimeout(() => reject(new Error('no exit in 10 s')), 10_000)),
        ),
      ]).finally(() => clearTimeout(timer));
      // Nest re-raises the signal after its shutdown hooks: the container ends as stopped by SIGTERM.
      expect(end.code === 0 || end.signal === 'SIGTERM').toBe(true);
      expect(end.stderr).not.toContain('Failed');

      const { rows } = await admin.query(
        `select count(*)::int as sessions,
                (select count(*)::int from pg_locks where locktype = 'advisory') as advisory_locks
           from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      expect(rows[0]).toEqual({ sessions: 0, advisory_locks: 0 });
      expect((await healthcheck()).code).toBe(1);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await admin.end().catch(() => undefined);
      await db.drop();
    }
  });
});

function postJson(url: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
