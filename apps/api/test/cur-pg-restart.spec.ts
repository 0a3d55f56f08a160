// Issue #17: a PostgreSQL restart in the middle of a sync's load. The API process must survive it; the run is
// re-queued and completes once the database is back. An embedded PostgreSQL of this test's own (the machine's
// shared one cannot be restarted), the real SDK against the local AWS endpoint.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsEnv, connectedTenant, syncsSettled, type AwsEnv } from './aws-env';
import { API_DIST, freePort, sql, spawnApi, until, type ApiProcess } from './harness';
import { startEmbeddedPg, type EmbeddedPg } from './embedded-pg';

describe('PostgreSQL restarted while a sync loads a month', () => {
  let pgDir: string;
  let env: AwsEnv;
  let pg: EmbeddedPg | null = null;
  let api: ApiProcess | null = null;
  const startPg = (port: number) => startEmbeddedPg(pgDir, port, 'pg_restart');
  beforeAll(async () => {
    pgDir = mkdtempSync(join(tmpdir(), 'co-pg-'));
    chmodSync(pgDir, 0o777); // as root the server runs as the `postgres` user
    env = await awsEnv({ format: 'cur2', days: 10, rowsPerDay: 20 });
  });
  afterAll(async () => {
    await api?.stop();
    await pg?.stop();
    await env?.close();
    rmSync(pgDir, { recursive: true, force: true });
  });

  it('the API survives, the run is re-queued and completes after the restart, the data as before', async () => {
    pg = await startPg(await freePort());
    const port = Number(new URL(pg.url).port);
    execFileSync(process.execPath, [join(API_DIST, 'cli.js'), 'migrate'], {
      env: { ...process.env, DATABASE_URL: pg.url, LOG_LEVEL: 'error' },
      stdio: 'pipe',
    });
    api = await spawnApi(pg.url, {
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      CUR_SYNC_RETRY_DELAY_SECONDS: '0',
      CUR_SYNC_STALE_SECONDS: '2',
    });
    const a = api;
    const t = await connectedTenant(a, env);
    expect((await syncsSettled(a, t.access_token)).status).toBe('succeeded');
    const monthly = () =>
      sql(
        pg!.url,
        `select to_char(usage_date, 'YYYY-MM') as m, count(*)::int as n, round(sum(unblended)::numeric, 2)::text as s
           from cost_daily where tenant_id = $1 group by 1 order by 1`,
        [t.tenantId],
      );
    const before = await monthly();
    expect(before.length).toBeGreaterThan(0);

    // Reading the result CSV is slowed: the load transaction is open (the month's old rows deleted, uncommitted)
    // when PostgreSQL goes away.
    env.aws.addFault({ service: 's3', operation: 'GetObject', kind: 'latency', ms: 3000, count: 1 });
    const started = await a.post('/api/cur/sync', { months: 1 }, t.access_token);
    expect(started.status).toBe(202);
    const runId: string = started.body.run_id;
    await until('the load started', async () => {
      const r = await a.get(`/api/cur/sync-runs/${runId}`, t.access_token);
      return r.status === 200 && r.body.progress.phase.startsWith('loading');
    });
    await pg.stop();
    pg = null;
    // Down long enough for the load to fail on the dead connection and the worker to try to record it.
    await new Promise((r) => setTimeout(r, 4000));
    const down = await a.get('/api/health');
    expect(down.status).toBe(503);

    pg = await startPg(port);
    expect(Number(new URL(pg.url).port)).toBe(port);
    await until('health 200 again', async () => (await a.get('/api/health')).status === 200, 30_000);
    const run = await until(
      'the run completed',
      async () => {
        const r = await a.get(`/api/cur/sync-runs/${runId}`, t.access_token);
        return r.status === 200 && (r.body.status === 'succeeded' || r.body.status === 'failed')
          ? r.body
          : undefined;
      },
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n--- API logs:\n${a.logs().slice(-4000)}`);
    });
    expect({ status: run.status, error: run.error }).toEqual({ status: 'succeeded', error: null });
    expect(run.attempt).toBeGreaterThanOrEqual(2);
    expect(await monthly()).toEqual(before);
    // The same process still serves.
    expect((await a.get('/api/dashboard?measure=unblended', t.access_token)).status).toBe(200);
  });
});
