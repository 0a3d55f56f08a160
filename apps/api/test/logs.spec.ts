import { awsEnv, connectBody, ACCOUNT, ROLE, type AwsEnv } from './aws-env';
import { testApp, type TestApp } from './harness';

const JWT_SECRET = 'logs-spec-jwt-secret-0123456789-abcdefghij';
const ENCRYPTION_KEY = 'logs-spec-encryption-key-0123456789-abcdefg';
const ADMIN_PASSWORD = 'logs-spec-admin-password-42';

/**
 * Runs the API at LOG_LEVEL=trace (everything debug logs and more), drives the flows that carry secrets, and
 * scans every line the process wrote to stdout and stderr for them.
 */
describe('logs never contain tokens, passwords or secrets', () => {
  let env: AwsEnv;
  let api: TestApp;
  const secrets = new Map<string, string>(); // value -> what it is
  const correlationIds: string[] = [];

  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 5, rowsPerDay: 20 });
    api = await testApp({
      ...env.apiEnv,
      LOG_LEVEL: 'trace',
      JWT_SECRET,
      ENCRYPTION_KEY,
      ADMIN_EMAIL: 'root@platform.test',
      ADMIN_PASSWORD,
    });
    for (const [v, what] of [
      [JWT_SECRET, 'JWT_SECRET'],
      [ENCRYPTION_KEY, 'ENCRYPTION_KEY'],
      [ADMIN_PASSWORD, 'ADMIN_PASSWORD'],
      [env.apiEnv.AWS_SECRET_ACCESS_KEY!, 'AWS_SECRET_ACCESS_KEY'],
    ] as const)
      secrets.set(v, what);

    const track = <T extends { headers: Headers }>(res: T): T => {
      const id = res.headers.get('x-correlation-id');
      if (id) correlationIds.push(id);
      return res;
    };
    const keep = (v: string | undefined, what: string) => {
      if (v) secrets.set(v, what);
    };

    // Sign-up, login (good and bad password), refresh, /me, logout.
    const password = 'logs-spec-user-password-1';
    const s = await api.signup({ password });
    keep(password, 'user password');
    keep(s.access_token, 'access token');
    keep(s.refresh_token, 'refresh token');
    keep(s.refresh_token.split('.')[1], 'refresh token secret');
    track(await api.post('/api/auth/login', { email: s.email, password: 'logs-spec-wrong-password-2' }));
    keep('logs-spec-wrong-password-2', 'wrong password');
    const login = track(await api.post('/api/auth/login', { email: s.email, password }));
    keep(login.body.access_token, 'access token');
    keep(login.body.refresh_token, 'refresh token');
    const refreshed = track(await api.post('/api/auth/refresh', { refresh_token: login.body.refresh_token }));
    keep(refreshed.body.access_token, 'access token');
    keep(refreshed.body.refresh_token, 'refresh token');
    track(await api.get('/api/auth/me', refreshed.body.access_token));
    track(await api.post('/api/auth/logout', { refresh_token: refreshed.body.refresh_token }));
    // A reused (revoked) refresh token: the server logs a warning about it.
    track(await api.post('/api/auth/refresh', { refresh_token: login.body.refresh_token }));

    // Connect AWS with the External ID (and fail once with a wrong one).
    const conn = await api.get('/api/tenants/connection', s.access_token);
    const externalId = conn.body.external_id as string;
    keep(externalId, 'External ID');
    env.aws.setRole(ACCOUNT, ROLE, { external_id: externalId });
    track(
      await api.post(
        '/api/tenants/connect',
        connectBody('co-ffffffffffffffffffffffffffffffff'),
        s.access_token,
      ),
    );
    const connected = track(await api.post('/api/tenants/connect', connectBody(externalId), s.access_token));
    expect(connected.status).toBe(200);

    // Bad requests: validation failures with a password field, malformed JSON around a password,
    // tokens in query strings and headers, a bad bearer token, an unknown route.
    keep('logs-spec-invalid-body-password', 'password in an invalid body');
    track(
      await api.post('/api/auth/signup', {
        email: 'not-an-email',
        password: 'logs-spec-invalid-body-password',
      }),
    );
    keep('short-pw9', 'too-short password');
    track(await api.post('/api/auth/signup', { email: 'x@example.com', password: 'short-pw9' }));
    keep('logs-spec-malformed-json-password', 'password in malformed JSON');
    track(
      await api.request(
        'POST',
        '/api/auth/login',
        '{"email":"a@b.co","password":"logs-spec-malformed-json-password"',
        undefined,
      ),
    );
    track(await api.get(`/api/auth/me?token=${s.access_token}&access_token=${s.access_token}`));
    track(await api.get(`/api/nope?refresh_token=${encodeURIComponent(s.refresh_token)}`, s.access_token));
    track(
      await api.request('GET', '/api/auth/me', undefined, undefined, {
        authorization: `Bearer ${s.access_token}x`,
      }),
    );
    track(
      await api.request('GET', '/api/auth/me', undefined, undefined, { cookie: `session=${s.access_token}` }),
    );
    // Let asynchronous work (the first sync after connecting) write its lines too.
    await new Promise((r) => setTimeout(r, 1500));
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('captured the request logs (the scan looks at real output)', () => {
    const logs = api.logs();
    expect(logs.length).toBeGreaterThan(1000);
    // Fastify's per-request lines carry the correlation id: every tracked request was logged.
    for (const id of correlationIds) expect(logs).toContain(id);
  });

  it('contains none of the secrets, passwords and tokens used', () => {
    const logs = api.logs();
    const leaks = [...secrets].filter(([v]) => logs.includes(v)).map(([, what]) => what);
    expect(leaks).toEqual([]);
  });

  it('contains no JWT-shaped string at all', () => {
    const jwts = api.logs().match(/eyJ[\w-]{5,}\.[\w-]{5,}\.?[\w-]*/g) ?? [];
    expect(jwts).toEqual([]);
  });
});
