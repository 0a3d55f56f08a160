import { createHmac } from 'node:crypto';
import { testApp, type TestApp } from './harness';

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('auth', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await testApp({ JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' });
  });
  afterAll(() => api.close());

  it('signs up a user with a tenant and answers /me with the token', async () => {
    const s = await api.signup({ email: 'Ada@Example.com', name: 'Ada', tenant_name: 'Analytical Engines' });
    expect(s.access_token.split('.')).toHaveLength(3);
    const me = await api.get('/api/auth/me', s.access_token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { email: 'ada@example.com', name: 'Ada' },
      tenant: { name: 'Analytical Engines' },
      role: 'owner',
      is_global_owner: false,
    });
    expect(me.body.memberships).toHaveLength(1);
  });

  it('issues access tokens that expire within 15 minutes', async () => {
    const s = await api.signup();
    const claims = JSON.parse(Buffer.from(s.access_token.split('.')[1]!, 'base64url').toString());
    expect(claims.exp - claims.iat).toBeLessThanOrEqual(900);
  });

  it('answers 401 in the error shape without a token or with a bad one', async () => {
    const none = await api.get('/api/auth/me');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({
      code: 'UNAUTHORIZED',
      message: expect.any(String),
      correlation_id: expect.any(String),
    });
    expect(none.headers.get('x-correlation-id')).toBe(none.body.correlation_id);

    const s = await api.signup();
    const [h, p] = s.access_token.split('.');
    const tampered = `${h}.${b64url({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), tid: '00000000-0000-4000-8000-000000000000' })}.${s.access_token.split('.')[2]}`;
    expect((await api.get('/api/auth/me', tampered)).status).toBe(401);
    const algNone = `${b64url({ alg: 'none', typ: 'JWT' })}.${p}.`;
    expect((await api.get('/api/auth/me', algNone)).status).toBe(401);
    const expiredPayload = { ...JSON.parse(Buffer.from(p!, 'base64url').toString()), iat: 1, exp: 2 };
    const unsigned = `${h}.${b64url(expiredPayload)}`;
    const sig = createHmac('sha256', 'test-secret-that-is-long-enough-0123456789')
      .update(unsigned)
      .digest('base64url');
    expect((await api.get('/api/auth/me', `${unsigned}.${sig}`)).status).toBe(401);
  });

  it('names every bad field of a signup body', async () => {
    const res = await api.post('/api/auth/signup', { email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'password']);
    expect(res.body.message).toContain('email');
  });

  it('rejects malformed JSON in the same error shape', async () => {
    const res = await api.request('POST', '/api/auth/signup', '{"email":', undefined);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', correlation_id: expect.any(String) });
  });

  it('never says whether an email has an account: a taken one answers check_email and creates nothing', async () => {
    const s = await api.signup();
    const res = await api.post('/api/auth/signup', {
      email: s.email.toUpperCase(),
      password: 'another-password-1',
      tenant_name: 'Second company',
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'check_email', message: 'Check your email to continue.' });
    expect(JSON.stringify(res.body)).not.toMatch(/exist|registered|already|log in/i);
    expect(res.headers.get('set-cookie')).toBeNull();
    // No second account, no new company; the owner's password still works, the new one does not.
    expect(
      (await api.post('/api/auth/login', { email: s.email, password: 'another-password-1' })).status,
    ).toBe(401);
    const me = await api.get('/api/auth/me', (await api.login(s.email, s.password)).access_token);
    expect(me.body.memberships).toHaveLength(1);
  });

  it('answers unknown user and wrong password the same way', async () => {
    const s = await api.signup();
    const wrong = await api.post('/api/auth/login', { email: s.email, password: 'wrong-password' });
    const unknown = await api.post('/api/auth/login', {
      email: 'nobody@example.com',
      password: 'wrong-password',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const strip = (b: Record<string, unknown>) => ({ ...b, correlation_id: undefined });
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect((await api.post('/api/auth/login', { email: s.email, password: s.password })).status).toBe(200);
  });

  it('rotates refresh tokens and revokes the family when a used one comes back', async () => {
    const s = await api.signup();
    const r1 = await api.post('/api/auth/refresh', { refresh_token: s.refresh_token });
    expect(r1.status).toBe(200);
    expect(r1.body.refresh_token).not.toBe(s.refresh_token);
    expect((await api.get('/api/auth/me', r1.body.access_token)).status).toBe(200);

    const reuse = await api.post('/api/auth/refresh', { refresh_token: s.refresh_token });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('REFRESH_TOKEN_REUSED');
    // The legitimate successor is revoked too: the whole login is ended.
    const successor = await api.post('/api/auth/refresh', { refresh_token: r1.body.refresh_token });
    expect(successor.status).toBe(401);
    expect(successor.body.code).toBe('REFRESH_TOKEN_REUSED');
  });

  it('rejects a forged refresh token', async () => {
    const s = await api.signup();
    const [id] = s.refresh_token.split('.');
    const res = await api.post('/api/auth/refresh', { refresh_token: `${id}.forged-secret-forged-secret` });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('REFRESH_TOKEN_INVALID');
    // The forgery did not burn the real token.
    expect((await api.post('/api/auth/refresh', { refresh_token: s.refresh_token })).status).toBe(200);
  });

  it('logout revokes the refresh token', async () => {
    const s = await api.signup();
    expect((await api.post('/api/auth/logout', { refresh_token: s.refresh_token })).status).toBe(204);
    const res = await api.post('/api/auth/refresh', { refresh_token: s.refresh_token });
    expect(res.status).toBe(401);
  });
});

describe('login rate limits', () => {
  let api: TestApp;
  beforeAll(async () => {
    // Default limits: 10 failures per account and 20 attempts per address per window.
    api = await testApp({ LOGIN_MAX_ATTEMPTS_PER_IP: '20', LOGIN_MAX_FAILURES_PER_ACCOUNT: '10' });
  });
  afterAll(() => api.close());

  it('answers 429 with Retry-After after repeated bad logins, for an account and for an address', async () => {
    const s = await api.signup();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        (await api.post('/api/auth/login', { email: s.email, password: `wrong-${i}-password` })).status,
      );
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    const limited = await api.post('/api/auth/login', { email: s.email, password: s.password });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    // Other accounts from the same address: the per-address limit (20 attempts) ends them too.
    let last = 0;
    for (let i = 0; i < 10; i++) {
      last = (
        await api.post('/api/auth/login', { email: `someone-${i}@example.com`, password: 'wrong-password' })
      ).status;
    }
    expect(last).toBe(429);
  });
});
