import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { adminQuery, spawnApi, type ApiProcess } from '../apps/api/test/harness';

/**
 * Horizontal scale: two API processes on one database share nothing else. They start at the same time on an
 * empty database, so their migrations race under the advisory lock; then sessions and rate limits cross over.
 */
describe('two API processes on one database', () => {
  const name = `co_t_scale_${randomBytes(5).toString('hex')}`;
  const url = new URL(process.env.CO_TEST_ADMIN_URL!);
  url.pathname = `/${name}`;
  let a: ApiProcess;
  let b: ApiProcess;

  beforeAll(async () => {
    await adminQuery(`create database "${name}"`); // empty: both processes find every migration pending
    const env = {
      LOG_LEVEL: 'info',
      JWT_SECRET: 'one-secret-shared-by-every-replica-0123456789',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      RATE_LIMIT_WINDOW_SECONDS: '86400',
    };
    [a, b] = await Promise.all([spawnApi(url.toString(), env), spawnApi(url.toString(), env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await adminQuery(`drop database if exists "${name}" with (force)`);
  });

  it('both start and report healthy; the migrations ran once, by one of them', async () => {
    for (const api of [a, b]) {
      const res = await api.get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', database: 'ok' });
    }
    const migrators = [a, b].filter((api) => api.logs().includes('migrations applied'));
    expect(migrators).toHaveLength(1);
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const { rows } = await db.query<{ name: string; n: string }>(
        'select name, count(*) as n from mikro_orm_migrations group by name',
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.n !== '1')).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('accepts on one process an access token issued by the other', async () => {
    const s = await a.signup();
    const me = await b.get('/api/auth/me', s.access_token);
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(s.email);
    const back = await a.get('/api/auth/me', (await b.login(s.email, s.password)).access_token);
    expect(back.status).toBe(200);
  });

  it('detects on one process a refresh token already rotated on the other, and revokes the session', async () => {
    const s = await a.signup();
    const rotated = await a.post('/api/auth/refresh', { refresh_token: s.refresh_token });
    expect(rotated.status).toBe(200);
    const reused = await b.post('/api/auth/refresh', { refresh_token: s.refresh_token });
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('REFRESH_TOKEN_REUSED');
    // The whole family is revoked: the token A just issued no longer works on either process.
    const after = await a.post('/api/auth/refresh', { refresh_token: rotated.body.refresh_token });
    expect(after.status).toBe(401);
  });

  it('applies on one process the failed-login limit counted on the other', async () => {
    const s = await a.signup();
    for (let i = 0; i < 3; i++) {
      const bad = await a.post('/api/auth/login', { email: s.email, password: 'wrong-password-123' });
      expect(bad.status).toBe(401);
    }
    // B has seen no failure itself, yet refuses even the right password until the window ends.
    const limited = await b.post('/api/auth/login', { email: s.email, password: s.password });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another account is not affected.
    const other = await b.signup();
    expect((await a.post('/api/auth/login', { email: other.email, password: other.password })).status).toBe(
      200,
    );
  });
});
