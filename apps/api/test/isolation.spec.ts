import { randomUUID } from 'node:crypto';
import { awsEnv, connectedTenant, syncsSettled, type AwsEnv } from './aws-env';
import { testApp, type Session, type TestApp } from './harness';

/**
 * Walks every operation of the running API's OpenAPI document: without a token (401), with another tenant's token
 * on this tenant's objects (404, the same body as for an id that does not exist, nothing changed), with a viewer's
 * token where it writes (403), and with a tenant owner's token on the platform-admin routes (403). A route added
 * without an isolation fixture below fails the test, so coverage cannot silently lag behind the API.
 */

/** Operations that need no token. Anything else without `security` in the document fails the test. */
const PUBLIC = new Set([
  'GET /api/health',
  'POST /api/auth/signup',
  'POST /api/auth/verify-email',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'GET /api/aws/cloudformation-template.yml',
  'POST /api/alert-recipients/confirm',
]);

/**
 * Writes about the caller only, open to every role: a viewer aiming one at an invitation addressed to someone else
 * gets 404 (as for a missing one), not 403.
 */
const SELF_SERVICE = new Set(['POST /api/invitations/{id}/accept']);

type Ids = Record<string, string>;
interface Fixture {
  /** Path parameters naming tenant A's objects. */
  params: (ids: Ids) => Record<string, string>;
  body?: unknown;
  query?: string;
}

/** Every operation with path parameters: how to aim it at tenant A's object. */
const FIXTURES: Record<string, Fixture> = {
  'PATCH /api/tenants/current/members/{userId}': {
    params: (i) => ({ userId: i.member! }),
    body: { role: 'admin' },
  },
  'DELETE /api/tenants/current/members/{userId}': { params: (i) => ({ userId: i.member! }) },
  'DELETE /api/tenants/current/invitations/{id}': { params: (i) => ({ id: i.invitation! }) },
  'POST /api/invitations/{id}/accept': { params: (i) => ({ id: i.invitation! }), body: {} },
  'GET /api/cur/sync-runs/{id}': { params: (i) => ({ id: i.run! }) },
  'GET /api/anomalies/{id}': { params: (i) => ({ id: i.anomaly! }) },
  'POST /api/anomalies/{id}/feedback': { params: (i) => ({ id: i.anomaly! }), body: { feedback: 'no' } },
  'PATCH /api/anomaly-monitors/{id}': { params: (i) => ({ id: i.monitor! }), body: { name: 'taken over' } },
  'DELETE /api/anomaly-monitors/{id}': { params: (i) => ({ id: i.monitor! }) },
  'GET /api/metric-watches/{id}': { params: (i) => ({ id: i.watch! }) },
  'GET /api/metric-watches/{id}/points': { params: (i) => ({ id: i.watch! }) },
  'PATCH /api/metric-watches/{id}': { params: (i) => ({ id: i.watch! }), body: { enabled: false } },
  'DELETE /api/metric-watches/{id}': { params: (i) => ({ id: i.watch! }) },
  'GET /api/alert-subscriptions/{id}': { params: (i) => ({ id: i.subscription! }) },
  'PATCH /api/alert-subscriptions/{id}': {
    params: (i) => ({ id: i.subscription! }),
    body: { name: 'taken over' },
  },
  'DELETE /api/alert-subscriptions/{id}': { params: (i) => ({ id: i.subscription! }) },
  'POST /api/alert-subscriptions/{id}/test': { params: (i) => ({ id: i.subscription! }), body: {} },
  'POST /api/alert-subscriptions/{id}/rotate-secret': { params: (i) => ({ id: i.subscription! }), body: {} },
  'GET /api/alert-subscriptions/{id}/deliveries': { params: (i) => ({ id: i.subscription! }) },
};

/** What tenant A reads back before and after the attacks: must be identical. */
const SNAPSHOT = [
  '/api/tenants/current/members',
  '/api/tenants/current/invitations',
  '/api/anomaly-monitors',
  '/api/metric-watches',
  '/api/alert-subscriptions',
  '/api/tenants/connection',
];

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const fill = (template: string, params: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (!v) throw new Error(`no value for {${k}} in ${template}`);
    return encodeURIComponent(v);
  });
const withoutCorrelation = (b: unknown) => {
  if (b && typeof b === 'object' && 'correlation_id' in b) {
    const { correlation_id: _, ...rest } = b as Record<string, unknown>;
    return rest;
  }
  return b;
};
/** Fields that background jobs may move between two reads; everything else must stay the same. */
const stable = (b: unknown): unknown =>
  JSON.parse(
    JSON.stringify(b, (k, v: unknown) =>
      /(^last_|_at$|^sparkline|^points|^latest|^status_detail|^next_)/.test(k) ? undefined : v,
    ),
  );

describe('tenant isolation on every route', () => {
  let env: AwsEnv;
  let api: TestApp;
  let a: Session & { tenantId: string };
  let b: Session & { tenantId: string };
  let viewer: Session;
  const ids: Ids = {};
  let operations: { method: string; path: string; secured: boolean }[];

  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 100, rowsPerDay: 40 });
    api = await testApp({
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      CUR_BACKFILL_MONTHS: '6',
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_PORTS: '9,1024-65535',
    });
    a = await connectedTenant(api, env);
    b = await connectedTenant(api, env);
    expect((await syncsSettled(api, a.access_token)).status).toBe('succeeded');

    const v = await api.signup();
    await api.addMember(a, v, 'viewer');
    // A pending invitation of tenant A, addressed to nobody here.
    const inv = await api.post(
      '/api/tenants/current/members',
      { email: 'invitee@example.com', role: 'viewer' },
      a.access_token,
    );
    expect(inv.status).toBe(202);
    ids.invitation = inv.body.id;
    viewer = (
      await api.post('/api/auth/login', { email: v.email, password: v.password, tenant_id: a.tenantId })
    ).body;
    const members = (await api.get('/api/tenants/current/members', a.access_token)).body.items;
    ids.member = members.find((m: { email: string }) => m.email === v.email).user_id;
    ids.run = (await api.get('/api/cur/sync-runs', a.access_token)).body.items[0].id;
    // Detection runs right after the sync: wait for its monitors and episodes.
    for (let i = 0; i < 300 && (!ids.monitor || !ids.anomaly); i++) {
      ids.monitor = (await api.get('/api/anomaly-monitors', a.access_token)).body.items[0]?.id;
      ids.anomaly = (await api.get('/api/anomalies?page_size=1&include_suppressed=true', a.access_token)).body
        .items[0]?.id;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(ids.monitor && ids.anomaly).toBeTruthy();
    const watch = await api.post(
      '/api/metric-watches',
      {
        namespace: 'AWS/EC2',
        metric_name: 'CPUUtilization',
        dimensions: [{ name: 'InstanceId', value: 'i-0abc1234def567890' }],
        region: 'us-east-1',
      },
      a.access_token,
    );
    expect(watch.status).toBe(201);
    ids.watch = watch.body.id;
    const sub = await api.post(
      '/api/alert-subscriptions',
      { channel: 'webhook', name: 'isolation', url: 'http://127.0.0.1:9/hook', min_impact_usd: 10 },
      a.access_token,
    );
    expect(sub.status).toBe(201);
    ids.subscription = sub.body.id ?? sub.body.subscription?.id;

    const doc = (await api.get('/api/docs-json')).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map(([m, op]) => ({ method: m.toUpperCase(), path, secured: (op.security ?? []).length > 0 })),
    );
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('has a fixture for every route with an id, and only the known public routes lack a token', () => {
    expect(operations.length).toBeGreaterThan(40);
    const keys = operations.map((o) => `${o.method} ${o.path}`);
    const unsecured = operations.filter((o) => !o.secured).map((o) => `${o.method} ${o.path}`);
    expect(unsecured.sort()).toEqual([...PUBLIC].sort());
    const needFixture = operations
      .filter((o) => o.path.includes('{') && !o.path.startsWith('/api/admin/'))
      .map((o) => `${o.method} ${o.path}`);
    expect(needFixture.filter((k) => !FIXTURES[k])).toEqual([]);
    // A fixture for a route that no longer exists is stale.
    expect(Object.keys(FIXTURES).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('answers 401 without a token on every secured route', async () => {
    const wrong: string[] = [];
    for (const o of operations.filter((x) => x.secured)) {
      const f = FIXTURES[`${o.method} ${o.path}`];
      const path = fill(o.path, f ? f.params(ids) : { id: a.tenantId });
      const res = await api.request(o.method, path, WRITES.has(o.method) ? (f?.body ?? {}) : undefined);
      if (res.status !== 401 || res.body?.code !== 'UNAUTHORIZED')
        wrong.push(`${o.method} ${path}: ${res.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers another tenant 404, exactly as for a missing id, and changes nothing', async () => {
    const before = await Promise.all(
      SNAPSHOT.map(async (p) => stable((await api.get(p, a.access_token)).body)),
    );
    const wrong: string[] = [];
    for (const o of operations.filter(
      (x) => x.secured && x.path.includes('{') && !x.path.startsWith('/api/admin/'),
    )) {
      const key = `${o.method} ${o.path}`;
      const f = FIXTURES[key]!;
      const body = WRITES.has(o.method) ? (f.body ?? undefined) : undefined;
      const theirs = await api.request(
        o.method,
        fill(o.path, f.params(ids)) + (f.query ?? ''),
        body,
        b.access_token,
      );
      const missingParams = Object.fromEntries(Object.keys(f.params(ids)).map((k) => [k, randomUUID()]));
      const missing = await api.request(
        o.method,
        fill(o.path, missingParams) + (f.query ?? ''),
        body,
        b.access_token,
      );
      if (theirs.status !== 404) wrong.push(`${key}: ${theirs.status} ${JSON.stringify(theirs.body)}`);
      else if (
        JSON.stringify(withoutCorrelation(theirs.body)) !== JSON.stringify(withoutCorrelation(missing.body))
      )
        wrong.push(
          `${key}: body differs from a missing id's: ${JSON.stringify(theirs.body)} vs ${JSON.stringify(missing.body)}`,
        );
    }
    expect(wrong).toEqual([]);
    const after = await Promise.all(
      SNAPSHOT.map(async (p) => stable((await api.get(p, a.access_token)).body)),
    );
    expect(after).toEqual(before);
    for (const [key, f] of Object.entries(FIXTURES).filter(([k]) => k.startsWith('GET '))) {
      const res = await api.get(fill(key.slice(4), f.params(ids)) + (f.query ?? ''), a.access_token);
      expect({ key, status: res.status }).toEqual({ key, status: 200 });
    }
  });

  it('answers a viewer 403 on every write, and a tenant owner 403 on the platform-admin routes', async () => {
    const wrong: string[] = [];
    for (const o of operations.filter((x) => x.secured)) {
      const key = `${o.method} ${o.path}`;
      const f = FIXTURES[key];
      const path = fill(o.path, f ? f.params(ids) : { id: a.tenantId });
      if (o.path.startsWith('/api/admin/')) {
        const res = await api.request(o.method, path, WRITES.has(o.method) ? {} : undefined, a.access_token);
        if (res.status !== 403) wrong.push(`${key} as a tenant owner: ${res.status}`);
        continue;
      }
      if (!WRITES.has(o.method)) continue;
      const res = await api.request(o.method, path, f?.body ?? {}, viewer.access_token);
      if (SELF_SERVICE.has(key)) {
        if (res.status !== 404) wrong.push(`${key} as a viewer: ${res.status}`);
        continue;
      }
      if (res.status !== 403 || res.body?.code !== 'FORBIDDEN')
        wrong.push(`${key} as a viewer: ${res.status}`);
    }
    expect(wrong).toEqual([]);
    // The viewer's attempts changed nothing either.
    expect(
      (await api.get(`/api/anomaly-monitors`, a.access_token)).body.items.map((m: any) => m.id),
    ).toContain(ids.monitor);
  });
});
