import { testApp, type TestApp } from './harness';

/**
 * Who the client is, and what failed logins may do to an account. The per-address limits are only worth something
 * when the address cannot be forged; the per-account limit must stop guessing without locking the owner out.
 */

/** Production mode: what the image runs (secrets set so the configuration check passes). */
const PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  JWT_SECRET: 'production-test-secret-that-is-long-enough-0123',
  ENCRYPTION_KEY: 'production-test-encryption-key-long-enough-0123',
  ADMIN_EMAIL: 'root@platform.test',
  ADMIN_PASSWORD: 'platform-admin-password',
  // the defaults (harness.ts raises them for the other test files)
  LOGIN_MAX_ATTEMPTS_PER_IP: '20',
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '10',
};

const login = (api: TestApp, email: string, password: string, from?: string) =>
  api.request(
    'POST',
    '/api/auth/login',
    { email, password },
    undefined,
    from ? { 'x-forwarded-for': from } : {},
  );

describe('client address', () => {
  describe('with the default configuration (no trusted proxy)', () => {
    let api: TestApp;
    beforeAll(async () => {
      api = await testApp(PRODUCTION);
    });
    afterAll(() => api.close());

    it('ignores X-Forwarded-For: 30 logins from one socket, each with another forged address, meet the per-address limit', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await login(api, `nobody-${i}@example.com`, 'wrong-password', `203.0.113.${i + 1}`);
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses.slice(20)).toEqual(Array(10).fill(429));
    });
  });

  describe('behind a configured proxy (TRUSTED_PROXIES)', () => {
    let api: TestApp;
    beforeAll(async () => {
      api = await testApp({ ...PRODUCTION, TRUSTED_PROXIES: '127.0.0.1/32' });
    });
    afterAll(() => api.close());

    it('takes the client address from that proxy’s X-Forwarded-For', async () => {
      // 30 clients behind the proxy: each has its own per-address limit
      for (let i = 0; i < 30; i++) {
        const res = await login(api, `nobody-${i}@example.com`, 'wrong-password', `198.51.100.${i + 1}`);
        expect({ i, status: res.status }).toEqual({ i, status: 401 });
      }
      // one client behind the proxy meets its limit after 20 attempts
      const statuses: number[] = [];
      for (let i = 0; i < 22; i++)
        statuses.push((await login(api, `someone-${i}@example.com`, 'wrong-password', '192.0.2.7')).status);
      expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
      expect(statuses.slice(20)).toEqual([429, 429]);
    });
  });
});

describe('failed logins and the account owner', () => {
  let api: TestApp;
  beforeAll(async () => {
    // a trusted proxy so the test can send from many addresses through one socket
    api = await testApp({ ...PRODUCTION, TRUSTED_PROXIES: '127.0.0.1' });
  });
  afterAll(() => api.close());

  it('lets the owner in from a new address after 12 failures from 12 addresses', async () => {
    const owner = await api.signup({ password: 'the-owners-password' });
    for (let i = 0; i < 12; i++) {
      const res = await login(api, owner.email, `guess-${i}-password`, `203.0.113.${i + 1}`);
      expect({ i, status: res.status }).toEqual({ i, status: 401 });
    }
    const res = await login(api, owner.email, 'the-owners-password', '192.0.2.200');
    expect(res.status).toBe(200);
    expect(res.body.access_token).toEqual(expect.any(String));
  });

  it('still stops guessing from one address, and slows guessing spread over many', async () => {
    const owner = await api.signup({ password: 'the-owners-password' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push((await login(api, owner.email, `guess-${i}-password`, '203.0.113.99')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
    // that address is done for this account, even with the right password
    const blocked = await login(api, owner.email, 'the-owners-password', '203.0.113.99');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

    // guesses from further addresses are answered later and later (progressive delay per account)
    const t0 = Date.now();
    expect((await login(api, owner.email, 'guess-a-password', '203.0.113.101')).status).toBe(401);
    const first = Date.now() - t0;
    const t1 = Date.now();
    for (let i = 0; i < 3; i++)
      expect((await login(api, owner.email, `guess-b${i}-password`, `203.0.113.${110 + i}`)).status).toBe(
        401,
      );
    const third = (Date.now() - t1) / 3;
    expect(first).toBeGreaterThanOrEqual(400);
    expect(third).toBeGreaterThan(first);
  });
});
