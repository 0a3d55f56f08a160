import { createHmac } from 'node:crypto';
import { cloneDatabase, spawnApi, type ApiProcess, type Session } from './harness';

/**
 * Two replicas of the API on one database, each caching its callers (common/caller-cache.ts). A revocation made
 * through one replica (member removed, user disabled, role lowered, logout, refresh token reused) applies there at
 * the next request, and on the other within the documented bound
 * (docs/security.md, "Caller cache"): 3 s after the change commits while the database answers.
 */
const SECRET = 'caller-cache-spec-secret-0123456789abcdef';
const BOUND_MS = 3000;
const ENV = {
  JWT_SECRET: SECRET,
  ADMIN_EMAIL: 'root@platform.test',
  ADMIN_PASSWORD: 'platform-admin-password',
};

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
function sign(claims: object): string {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', SECRET).update(unsigned).digest('base64url')}`;
}

describe('caller cache: revocation across replicas', () => {
  let db: Awaited<ReturnType<typeof cloneDatabase>>;
  let r1: ApiProcess;
  let r2: ApiProcess;
  let owner: Session;
  let tenantId: string;

  beforeAll(async () => {
    db = await cloneDatabase();
    r1 = await spawnApi(db.url, ENV);
    r2 = await spawnApi(db.url, ENV);
    owner = await r1.signup({ tenant_name: 'Cached' });
    tenantId = (await r1.get('/api/auth/me', owner.access_token)).body.tenant.id;
  }, 60_000);

  afterAll(async () => {
    await r1?.stop();
    await r2?.stop();
    await db?.drop();
  });

  /** A person added to the tenant with `role`, logged in to it (through replica 1). */
  async function member(role: 'admin' | 'viewer'): Promise<Session & { userId: string }> {
    const s = await r1.signup();
    const added = await r1.addMember(owner, s, role);
    const login = await r1.post('/api/auth/login', {
      email: s.email,
      password: s.password,
      tenant_id: tenantId,
    });
    expect(login.status).toBe(200);
    return { ...s, ...login.body, userId: added.user_id };
  }

  /**
   * Sends `probe` every 100 ms for BOUND_MS + 2 s after `since`; every answer to a request sent later than BOUND_MS
   * after `since` must be `refused`. Returns when the first refusal came (ms after `since`).
   */
  async function refusedWithinBound(since: number, refused: number, probe: () => Promise<number>) {
    const seen: { at: number; status: number }[] = [];
    while (Date.now() - since < BOUND_MS + 2000) {
      const at = Date.now() - since;
      seen.push({ at, status: await probe() });
      await new Promise((r) => setTimeout(r, 100));
    }
    const late = seen.filter((s) => s.at > BOUND_MS);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((s) => s.status !== refused)).toEqual([]);
    const first = seen.find((s) => s.status === refused)!;
    process.stdout.write(`caller-cache.spec: refused on the other replica ${first.at} ms after the change\n`);
    return first.at;
  }

  /** Both replicas have the caller cached (a request through each). */
  async function warm(token: string, path = '/api/tenants/current') {
    for (const r of [r1, r2]) for (let i = 0; i < 3; i++) expect((await r.get(path, token)).status).toBe(200);
  }

  it('a removed member: refused by the replica that removed it at the next request, by the other within the bound', async () => {
    const m = await member('viewer');
    await warm(m.access_token);
    expect((await r1.del(`/api/tenants/current/members/${m.userId}`, owner.access_token)).status).toBe(204);
    const removedAt = Date.now();
    expect((await r1.get('/api/tenants/current', m.access_token)).status).toBe(401);
    await refusedWithinBound(
      removedAt,
      401,
      async () => (await r2.get('/api/tenants/current', m.access_token)).status,
    );
  });

  it('a disabled user: the same', async () => {
    const m = await member('viewer');
    await warm(m.access_token);
    const root = await r1.login('root@platform.test', 'platform-admin-password');
    expect((await r1.post(`/api/admin/users/${m.userId}/disable`, {}, root.access_token)).status).toBe(200);
    const disabledAt = Date.now();
    expect((await r1.get('/api/tenants/current', m.access_token)).status).toBe(401);
    await refusedWithinBound(
      disabledAt,
      401,
      async () => (await r2.get('/api/tenants/current', m.access_token)).status,
    );
  });

  it('a demoted admin loses the admin’s rights on the other replica within the bound', async () => {
    const m = await member('admin');
    await warm(m.access_token);
    // an admin may rename the tenant (to the same name: nothing changes for the other tests)
    expect((await r2.patch('/api/tenants/current', { name: 'Cached' }, m.access_token)).status).toBe(200);
    expect(
      (await r1.patch(`/api/tenants/current/members/${m.userId}`, { role: 'viewer' }, owner.access_token))
        .status,
    ).toBe(200);
    const demotedAt = Date.now();
    expect((await r1.patch('/api/tenants/current', { name: 'Cached' }, m.access_token)).status).toBe(403);
    await refusedWithinBound(
      demotedAt,
      403,
      async () => (await r2.patch('/api/tenants/current', { name: 'Cached' }, m.access_token)).status,
    );
  });

  it('logout: the session cannot be renewed; its access tokens are refused by the replica that logged out at the next request, by the other within the bound; another session keeps working', async () => {
    const a = await member('viewer');
    const b = await r1.post('/api/auth/login', { email: a.email, password: a.password, tenant_id: tenantId });
    expect(b.status).toBe(200);
    await warm(a.access_token);
    await warm(b.body.access_token);
    expect((await r1.post('/api/auth/logout', { refresh_token: a.refresh_token })).status).toBe(204);
    const loggedOutAt = Date.now();
    expect((await r1.post('/api/auth/refresh', { refresh_token: a.refresh_token })).status).toBe(401);
    expect((await r1.get('/api/tenants/current', a.access_token)).status).toBe(401);
    await refusedWithinBound(
      loggedOutAt,
      401,
      async () => (await r2.get('/api/tenants/current', a.access_token)).status,
    );
    for (const r of [r1, r2])
      expect((await r.get('/api/tenants/current', b.body.access_token)).status).toBe(200);
  });

  it('a reused refresh token ends its session’s access tokens the same way', async () => {
    const a = await member('viewer');
    await warm(a.access_token);
    expect((await r1.post('/api/auth/refresh', { refresh_token: a.refresh_token })).status).toBe(200);
    expect((await r1.post('/api/auth/refresh', { refresh_token: a.refresh_token })).status).toBe(401);
    const reusedAt = Date.now();
    expect((await r1.get('/api/tenants/current', a.access_token)).status).toBe(401);
    await refusedWithinBound(
      reusedAt,
      401,
      async () => (await r2.get('/api/tenants/current', a.access_token)).status,
    );
  });

  it('an access token ends when it expires even while cached', async () => {
    const m = await member('viewer');
    const claims = JSON.parse(Buffer.from(m.access_token.split('.')[1]!, 'base64url').toString());
    // the same caller and session with a token that expires in 2 s (as if issued 898 s ago)
    const now = Math.floor(Date.now() / 1000);
    const short = sign({ ...claims, iat: now - 898, exp: now + 2 });
    await warm(short);
    while (Date.now() / 1000 < now + 2) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1100));
    for (const r of [r1, r2]) expect((await r.get('/api/tenants/current', short)).status).toBe(401);
  });
});
