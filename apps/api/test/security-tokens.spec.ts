import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../src/config/config';
import { sql, testApp, type Session, type TestApp } from './harness';

const SECRET = 'security-tokens-secret-that-is-long-enough-42';
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const hs = (alg: 'sha256' | 'sha512', key: string | Buffer, data: string) =>
  createHmac(alg, key).update(data).digest('base64url');
const partsOf = (token: string) => {
  const [h, p, s] = token.split('.') as [string, string, string];
  return {
    h,
    p,
    s,
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
};
/** A token with this header and these claims, HMAC-signed with `key`. */
const signHs = (
  header: object,
  claims: object,
  key: string | Buffer = SECRET,
  alg: 'sha256' | 'sha512' = 'sha256',
) => {
  const unsigned = `${b64url(header)}.${b64url(claims)}`;
  return `${unsigned}.${hs(alg, key, unsigned)}`;
};

describe('access tokens under attack', () => {
  let api: TestApp;
  let s: Session;
  let claims: Record<string, unknown>;
  beforeAll(async () => {
    api = await testApp({
      JWT_SECRET: SECRET,
      ADMIN_EMAIL: 'root@platform.test',
      ADMIN_PASSWORD: 'platform-admin-password',
    });
    s = await api.signup();
    claims = partsOf(s.access_token).claims;
  });
  afterAll(() => api.close());

  const expect401 = async (token: string) => {
    const res = await api.get('/api/auth/me', token);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'UNAUTHORIZED', correlation_id: expect.any(String) });
  };

  it('accepts the genuine token and a token re-signed with the real secret (the control)', async () => {
    expect((await api.get('/api/auth/me', s.access_token)).status).toBe(200);
    expect((await api.get('/api/auth/me', signHs({ alg: 'HS256', typ: 'JWT' }, claims))).status).toBe(200);
  });

  it('refuses a tampered signature', async () => {
    const { h, p, s: sig } = partsOf(s.access_token);
    const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    await expect401(`${h}.${p}.${flipped}`);
    await expect401(`${h}.${p}.`);
    await expect401(`${h}.${p}`);
  });

  it('refuses alg none in every spelling', async () => {
    const { p } = partsOf(s.access_token);
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expect401(`${b64url({ alg, typ: 'JWT' })}.${p}.`);
      await expect401(`${b64url({ alg, typ: 'JWT' })}.${p}.${partsOf(s.access_token).s}`);
    }
  });

  it('refuses HS/RS confusion: RS256 tokens, the public key as HMAC secret, RS256 headers on an HMAC', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    // A real RS256 token.
    const unsigned = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url(claims)}`;
    const rsSig = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
    await expect401(`${unsigned}.${rsSig}`);
    // The classic confusion: HS256 signed with the public key (PEM and DER) as the HMAC secret.
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, claims, pem));
    await expect401(
      signHs({ alg: 'HS256', typ: 'JWT' }, claims, publicKey.export({ type: 'spki', format: 'der' })),
    );
    // Header says RS256 (or another algorithm) while the signature is a valid HMAC with our secret.
    await expect401(signHs({ alg: 'RS256', typ: 'JWT' }, claims));
    await expect401(signHs({ alg: 'HS512', typ: 'JWT' }, claims, SECRET, 'sha512'));
    await expect401(signHs({ alg: 'ES256', typ: 'JWT' }, claims));
  });

  it('refuses an expired token even with a valid signature, and a token from the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 1000, exp: now - 1 }));
    await expect401(
      signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now, exp: now + 60, nbf: now + 600 }),
    );
  });

  it('refuses edited claims (tenant, sub, role, type) that keep the old signature', async () => {
    const other = await api.signup();
    const otherClaims = partsOf(other.access_token).claims;
    const { h, s: sig } = partsOf(s.access_token);
    for (const edit of [
      { tid: otherClaims.tid },
      { sub: otherClaims.sub },
      { role: 'owner', is_global_owner: true },
      { typ: 'refresh' },
      { exp: (claims.exp as number) + 86_400 },
    ]) {
      await expect401(`${h}.${b64url({ ...claims, ...edit })}.${sig}`);
    }
    // Validly signed but for a tenant the user is not a member of: membership is checked on every request.
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, tid: otherClaims.tid }));
    // Validly signed but without a login session, or naming a session that does not exist or is another user's.
    const { sid: _sid, ...noSession } = claims;
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, noSession));
    await expect401(
      signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, sid: '00000000-0000-4000-8000-000000000000' }),
    );
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, sid: otherClaims.sid }));
    // Claims of the wrong type.
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, typ: 'refresh' }));
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, sid: 'not-a-uuid' }));
    await expect401(signHs({ alg: 'HS256', typ: 'JWT' }, { ...claims, sub: 42 }));
  });

  it('issues access tokens that live exactly JWT_ACCESS_TTL_SECONDS (900 s by default)', () => {
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
  });

  it('logout revokes the refresh token, every token rotated from it, and the session’s access tokens', async () => {
    const a = await api.login(s.email, s.password);
    const rotated = await api.post('/api/auth/refresh', { refresh_token: a.refresh_token });
    expect(rotated.status).toBe(200);
    // the session's access tokens, before and after the rotation, name it
    expect(partsOf(rotated.body.access_token).claims.sid).toBe(partsOf(a.access_token).claims.sid);
    const b = await api.login(s.email, s.password);
    expect(partsOf(b.access_token).claims.sid).not.toBe(partsOf(a.access_token).claims.sid);
    for (const t of [a.access_token, rotated.body.access_token, b.access_token])
      expect((await api.get('/api/auth/me', t)).status).toBe(200);
    expect((await api.post('/api/auth/logout', { refresh_token: rotated.body.refresh_token })).status).toBe(
      204,
    );
    expect((await api.post('/api/auth/refresh', { refresh_token: rotated.body.refresh_token })).status).toBe(
      401,
    );
    // this replica refuses them at the next request (another replica: caller-cache.spec)
    await expect401(a.access_token);
    await expect401(rotated.body.access_token);
    // Logging out one session leaves the others alone.
    expect((await api.get('/api/auth/me', b.access_token)).status).toBe(200);
    expect((await api.post('/api/auth/refresh', { refresh_token: b.refresh_token })).status).toBe(200);
  });

  describe('a disabled user', () => {
    let root: Session;
    beforeAll(async () => {
      root = await api.login('root@platform.test', 'platform-admin-password');
    });

    it('loses access at the next request, its refresh tokens are revoked, login answers as a wrong password', async () => {
      const victim = await api.signup();
      const second = await api.login(victim.email, victim.password);
      const userId = (await api.get('/api/auth/me', victim.access_token)).body.user.id as string;
      expect((await api.get('/api/auth/me', victim.access_token)).status).toBe(200);

      const disabled = await api.post(`/api/admin/users/${userId}/disable`, {}, root.access_token);
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({
        id: userId,
        email: victim.email,
        disabled_at: expect.any(String),
      });

      await expect401(victim.access_token); // the very next request
      await expect401(second.access_token);
      for (const rt of [victim.refresh_token, second.refresh_token]) {
        expect((await api.post('/api/auth/refresh', { refresh_token: rt })).status).toBe(401);
      }
      const refused = await api.post('/api/auth/login', { email: victim.email, password: victim.password });
      const wrong = await api.post('/api/auth/login', { email: s.email, password: 'not-the-password-1' });
      expect(refused.status).toBe(401);
      const strip = (b: Record<string, unknown>) => ({ ...b, correlation_id: undefined });
      expect(strip(refused.body)).toEqual(strip(wrong.body));

      // Enabling restores login (old refresh tokens stay revoked).
      const enabled = await api.post(`/api/admin/users/${userId}/enable`, {}, root.access_token);
      expect(enabled.status).toBe(200);
      expect(enabled.body.disabled_at).toBeNull();
      expect((await api.post('/api/auth/refresh', { refresh_token: second.refresh_token })).status).toBe(401);
      const again = await api.login(victim.email, victim.password);
      expect((await api.get('/api/auth/me', again.access_token)).status).toBe(200);
    });

    it('only global owners disable or enable; unknown users are 404; nobody disables themself', async () => {
      const victim = await api.signup();
      const userId = (await api.get('/api/auth/me', victim.access_token)).body.user.id as string;
      const tenantOwner = await api.signup();
      const byOwner = await api.post(`/api/admin/users/${userId}/disable`, {}, tenantOwner.access_token);
      expect(byOwner.status).toBe(403);
      expect((await api.post(`/api/admin/users/${userId}/enable`, {}, tenantOwner.access_token)).status).toBe(
        403,
      );
      expect((await api.get('/api/auth/me', victim.access_token)).status).toBe(200);
      const unknown = await api.post(
        '/api/admin/users/00000000-0000-4000-8000-000000000000/disable',
        {},
        root.access_token,
      );
      expect(unknown.status).toBe(404);
      expect((await api.post('/api/admin/users/not-a-uuid/disable', {}, root.access_token)).status).toBe(400);
      const rootId = (await api.get('/api/auth/me', root.access_token)).body.user.id as string;
      const self = await api.post(`/api/admin/users/${rootId}/disable`, {}, root.access_token);
      expect(self.status).toBe(422);
      expect(self.body.code).toBe('CANNOT_DISABLE_SELF');
    });
  });
});

describe('access-token lifetime', () => {
  it('is capped at 15 minutes by configuration', () => {
    const base = { DATABASE_URL: 'postgres://localhost/x' };
    expect(loadConfig({ ...base }).jwt.accessTtlSeconds).toBe(900);
    expect(loadConfig({ ...base, JWT_ACCESS_TTL_SECONDS: '900' }).jwt.accessTtlSeconds).toBe(900);
    expect(() => loadConfig({ ...base, JWT_ACCESS_TTL_SECONDS: '901' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, JWT_ACCESS_TTL_SECONDS: '86400' })).toThrow(/JWT_ACCESS_TTL_SECONDS/);
  });

  it('issues tokens with the configured shorter lifetime, and they stop working when it ends', async () => {
    const api = await testApp({ JWT_SECRET: SECRET, JWT_ACCESS_TTL_SECONDS: '60' });
    try {
      const s = await api.signup();
      const { claims } = partsOf(s.access_token);
      expect(claims.exp - claims.iat).toBe(60);
      const res = await api.post('/api/auth/login', { email: s.email, password: s.password });
      expect(res.body.expires_in).toBe(60);
      // The same claims signed as if issued 61 s ago: expired.
      const old = { ...claims, iat: claims.iat - 61, exp: claims.exp - 61 };
      expect((await api.get('/api/auth/me', signHs({ alg: 'HS256', typ: 'JWT' }, old))).status).toBe(401);
    } finally {
      await api.close();
    }
  });
});

describe('refresh-token sessions', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await testApp({ JWT_SECRET: SECRET, REFRESH_TOKEN_SESSION_MAX_DAYS: '7' });
  });
  afterAll(() => api.close());

  const rowOf = async (token: string) => {
    const [row] = await sql<{ expires_at: Date; session_expires_at: Date }>(
      api.db.url,
      'select expires_at, session_expires_at from refresh_token where id = $1',
      [token.split('.')[0]],
    );
    return row!;
  };

  it('end at an absolute time from the login (REFRESH_TOKEN_SESSION_MAX_DAYS), however often they are refreshed', async () => {
    const before = Date.now();
    const s = await api.signup();
    const first = await rowOf(s.refresh_token);
    const week = 7 * 86_400_000;
    expect(first.session_expires_at.getTime()).toBeGreaterThanOrEqual(before + week - 1000);
    expect(first.session_expires_at.getTime()).toBeLessThanOrEqual(Date.now() + week + 1000);
    // a token never outlives its session (REFRESH_TOKEN_TTL_DAYS is 30 by default)
    expect(first.expires_at.getTime()).toBeLessThanOrEqual(first.session_expires_at.getTime());

    // rotation keeps the session's end: it does not slide
    const r1 = await api.post('/api/auth/refresh', { refresh_token: s.refresh_token });
    expect(r1.status).toBe(200);
    const second = await rowOf(r1.body.refresh_token);
    expect(second.session_expires_at.toISOString()).toBe(first.session_expires_at.toISOString());

    // once the session's end has passed, its current token no longer refreshes
    await sql(
      api.db.url,
      `update refresh_token set session_expires_at = now() - interval '1 second' where id = $1`,
      [r1.body.refresh_token.split('.')[0]],
    );
    const ended = await api.post('/api/auth/refresh', { refresh_token: r1.body.refresh_token });
    expect(ended.status).toBe(401);
    expect(ended.body.code).toBe('REFRESH_TOKEN_INVALID');
  });

  it('refuses a session longer than 365 days; 30 days by default', () => {
    const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };
    expect(() => loadConfig({ ...base, REFRESH_TOKEN_SESSION_MAX_DAYS: '366' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ ...base, REFRESH_TOKEN_TTL_DAYS: '30', REFRESH_TOKEN_SESSION_MAX_DAYS: '7' }),
    ).not.toThrow();
    expect(loadConfig(base).jwt.refreshSessionMaxDays).toBe(30);
  });
});

describe('refresh-token cookie', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await testApp({ JWT_SECRET: SECRET });
  });
  afterAll(() => api.close());

  const cookieOf = (headers: Headers) => {
    const set = headers.getSetCookie().find((c) => c.startsWith('co_refresh='));
    if (!set) return null;
    const [pair, ...attrs] = set.split(';').map((p) => p.trim());
    return { value: pair!.slice('co_refresh='.length), attrs: attrs.map((a) => a.toLowerCase()).sort() };
  };
  const withCookie = (value: string) => ({ cookie: `other=1; co_refresh=${value}` });

  it('is set httpOnly, SameSite=Strict and for /api/auth only; refresh and logout work with it alone', async () => {
    const email = `cookie-${Date.now()}@example.com`;
    const signup = await api.post('/api/auth/signup', { email, password: 'correct-horse-battery' });
    expect(signup.status).toBe(201);
    const first = cookieOf(signup.headers)!;
    expect(first.value).toBe(signup.body.refresh_token);
    expect(first.attrs).toEqual([
      'httponly',
      expect.stringMatching(/^max-age=\d+$/),
      'path=/api/auth',
      'samesite=strict',
    ]);
    const maxAge = Number(first.attrs.find((a) => a.startsWith('max-age='))!.slice(8));
    expect(maxAge).toBeGreaterThan(29 * 86_400);
    expect(maxAge).toBeLessThanOrEqual(30 * 86_400);

    const login = await api.post('/api/auth/login', { email, password: 'correct-horse-battery' });
    expect(cookieOf(login.headers)!.value).toBe(login.body.refresh_token);

    // refresh with the cookie alone (no body field): rotates, and the cookie follows
    const r1 = await api.request(
      'POST',
      '/api/auth/refresh',
      {},
      undefined,
      withCookie(login.body.refresh_token),
    );
    expect(r1.status).toBe(200);
    const rotated = cookieOf(r1.headers)!;
    expect(rotated.value).toBe(r1.body.refresh_token);
    expect(rotated.value).not.toBe(login.body.refresh_token);
    expect((await api.get('/api/auth/me', r1.body.access_token)).status).toBe(200);
    // the used cookie is refused, as a used body token is (and the family is revoked)
    const reused = await api.request(
      'POST',
      '/api/auth/refresh',
      {},
      undefined,
      withCookie(login.body.refresh_token),
    );
    expect(reused.status).toBe(401);
    expect(reused.body.code).toBe('REFRESH_TOKEN_REUSED');

    // logout with the cookie alone revokes it and clears the cookie
    const s2 = await api.post('/api/auth/login', { email, password: 'correct-horse-battery' });
    const out = await api.request(
      'POST',
      '/api/auth/logout',
      {},
      undefined,
      withCookie(s2.body.refresh_token),
    );
    expect(out.status).toBe(204);
    expect(cookieOf(out.headers)).toEqual({
      value: '',
      attrs: expect.arrayContaining(['max-age=0', 'path=/api/auth']),
    });
    expect((await api.post('/api/auth/refresh', { refresh_token: s2.body.refresh_token })).status).toBe(401);
  });

  it('still takes the token in the body (API clients, Swagger); without either, refresh is 401', async () => {
    const s = await api.signup();
    const r = await api.post('/api/auth/refresh', { refresh_token: s.refresh_token });
    expect(r.status).toBe(200);
    const none = await api.post('/api/auth/refresh', {});
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('REFRESH_TOKEN_INVALID');
  });
});
