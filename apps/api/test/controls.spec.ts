import { randomUUID } from 'node:crypto';
import { sql, testApp, until, type TestApp } from './harness';

/** Controls whose tests used to pass with the control broken. */
describe('controls', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await testApp();
  });
  afterAll(() => api.close());

  it('stores passwords as argon2id with 19 MiB, 2 passes and 1 lane (OWASP minimum), with a per-user salt', async () => {
    const a = await api.signup({ password: 'the-same-password' });
    const b = await api.signup({ password: 'the-same-password' });
    const rows = await sql<{ email: string; password_hash: string }>(
      api.db.url,
      'select email, password_hash from app_user where email = any($1) order by email',
      [[a.email, b.email]],
    );
    expect(rows).toHaveLength(2);
    for (const { password_hash } of rows) {
      const [, type, version, params, salt, hash] = password_hash.split('$');
      const p = Object.fromEntries(params!.split(',').map((kv) => kv.split('=') as [string, string]));
      expect({ type, version, p, salt: salt!.length, hash: hash!.length }).toEqual({
        type: 'argon2id',
        version: 'v=19',
        p: { m: '19456', t: '2', p: '1' },
        salt: 22, // 16 bytes
        hash: 43, // 32 bytes
      });
    }
    expect(rows[0]!.password_hash).not.toBe(rows[1]!.password_hash);
  });

  it('answers an unexpected error with a generic 500: no stack, no internal text, the correlation id of its log line', async () => {
    const s = await api.signup();
    await sql(api.db.url, 'alter table audit_event rename to audit_event_moved');
    const correlationId = `test-${randomUUID()}`;
    let res;
    try {
      res = await api.request('GET', '/api/audit-events', undefined, s.access_token, {
        'x-correlation-id': correlationId,
      });
    } finally {
      await sql(api.db.url, 'alter table audit_event_moved rename to audit_event');
    }
    expect(res.status).toBe(500);
    expect(res.body).toEqual({
      code: 'INTERNAL',
      message: 'Internal server error; quote the correlation id when reporting it',
      correlation_id: correlationId,
    });
    expect(res.headers.get('x-correlation-id')).toBe(correlationId);
    expect(JSON.stringify(res.body)).not.toMatch(/audit_event|does not exist|\n\s+at |\.js:\d+|stack/i);
    // the operator finds the real error by that id
    const line = await until('the error log line', () =>
      api
        .logs()
        .split('\n')
        .find((l) => l.includes(correlationId) && l.includes('unhandled error')),
    );
    const logged = JSON.parse(line);
    expect(logged).toMatchObject({ level: 'error', msg: 'unhandled error', correlation_id: correlationId });
    expect(logged.error.message).toContain('relation "audit_event" does not exist');
    expect(logged.error.stack).toEqual(expect.any(String));
    // the table is back: the same request works again
    expect((await api.get('/api/audit-events', s.access_token)).status).toBe(200);
  });
});
