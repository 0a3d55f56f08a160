import { awsEnv, connectedTenant, type AwsEnv } from './aws-env';
import { testApp, type Session, type TestApp } from './harness';

describe('audit log', () => {
  let env: AwsEnv;
  let api: TestApp;
  let owner: Session & { tenantId: string };
  let root: Session;
  let externalId: string;
  let renameCorrelation: string;
  const members: Record<'admin' | 'viewer' | 'extra', Session & { userId: string }> = {} as never;

  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2', days: 5, rowsPerDay: 20 });
    api = await testApp({
      ...env.apiEnv,
      ADMIN_EMAIL: 'root@platform.test',
      ADMIN_PASSWORD: 'platform-admin-password',
    });
    root = await api.login('root@platform.test', 'platform-admin-password');
    owner = await connectedTenant(api, env); // aws.connected
    externalId = (await api.get('/api/tenants/connection', owner.access_token)).body.external_id;
    const t = owner.access_token;
    const rename = await api.patch('/api/tenants/current', { name: 'Audited Inc' }, t);
    renameCorrelation = rename.headers.get('x-correlation-id')!;
    await api.patch('/api/tenants/current', { default_measure: 'unblended' }, t);
    for (const role of ['admin', 'viewer', 'extra'] as const) {
      const s = await api.signup();
      const added = await api.addMember(owner, s, role === 'extra' ? 'viewer' : role);
      const login = await api.post('/api/auth/login', {
        email: s.email,
        password: s.password,
        tenant_id: owner.tenantId,
      });
      members[role] = { ...s, ...login.body, userId: added.user_id };
    }
    expect(
      (await api.patch(`/api/tenants/current/members/${members.extra.userId}`, { role: 'admin' }, t)).status,
    ).toBe(200);
    expect((await api.del(`/api/tenants/current/members/${members.extra.userId}`, t)).status).toBe(204);
    const monitor = await api.post(
      '/api/anomaly-monitors',
      { name: 'EC2 only', dimension: 'custom', filter: { services: ['AmazonEC2'] } },
      members.admin.access_token,
    );
    expect(monitor.status).toBe(201);
    await api.patch(`/api/anomaly-monitors/${monitor.body.id}`, { enabled: false }, t);
    await api.del(`/api/anomaly-monitors/${monitor.body.id}`, t);
    expect((await api.post('/api/tenants/connection/verify', {}, t)).status).toBe(200);
    expect((await api.del('/api/tenants/connection', t)).status).toBe(204);
    expect(
      (await api.post(`/api/admin/users/${members.viewer.userId}/disable`, {}, root.access_token)).status,
    ).toBe(200);
    expect(
      (await api.post(`/api/admin/users/${members.viewer.userId}/enable`, {}, root.access_token)).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('shows owners every change with its actor, newest first', async () => {
    const res = await api.get('/api/audit-events?page_size=100', owner.access_token);
    expect(res.status).toBe(200);
    const actions = (res.body.items as { action: string }[]).map((e) => e.action).reverse();
    expect(actions).toEqual([
      'aws.connected',
      'tenant.renamed',
      'tenant.default_measure_changed',
      'member.invited',
      'member.added',
      'member.invited',
      'member.added',
      'member.invited',
      'member.added',
      'member.role_changed',
      'member.removed',
      'anomaly_monitor.created',
      'anomaly_monitor.updated',
      'anomaly_monitor.deleted',
      'aws.verified',
      'aws.disconnected',
      'user.disabled',
      'user.enabled',
    ]);
    expect(res.body.total).toBe(actions.length);
    const byAction = (a: string) => res.body.items.find((e: { action: string }) => e.action === a);
    expect(byAction('tenant.renamed')).toMatchObject({
      actor: { user_id: expect.any(String), email: owner.email },
      target: { type: 'tenant', id: owner.tenantId },
      details: { to: 'Audited Inc' },
      ip: expect.any(String),
      correlation_id: renameCorrelation,
    });
    // An invitation is recorded by its inviter, the membership by the person who accepted it.
    expect(byAction('member.invited')).toMatchObject({
      actor: { email: owner.email },
      details: { role: 'viewer' },
    });
    expect(byAction('member.added')).toMatchObject({
      actor: { email: members.extra.email },
      target: { type: 'user', id: members.extra.userId },
    });
    expect(byAction('member.role_changed')).toMatchObject({
      target: { type: 'user', id: members.extra.userId },
      details: { email: members.extra.email, from: 'viewer', to: 'admin' },
    });
    expect(byAction('anomaly_monitor.created').actor.email).toBe(members.admin.email);
    expect(byAction('user.disabled')).toMatchObject({
      actor: { email: 'root@platform.test' },
      target: { type: 'user', id: members.viewer.userId },
    });
    expect(byAction('aws.connected').details).toMatchObject({
      role_arn: expect.stringContaining('arn:aws:iam::'),
    });
    const times = (res.body.items as { at: string }[]).map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('paginates and filters by action, and bounds the page size', async () => {
    const page = await api.get('/api/audit-events?page=2&page_size=4', owner.access_token);
    expect(page.body).toMatchObject({ page: 2, page_size: 4, total: 18 });
    expect(page.body.items).toHaveLength(4);
    const added = await api.get('/api/audit-events?action=member.added', owner.access_token);
    expect(added.body.total).toBe(3);
    expect(added.body.items.every((e: { action: string }) => e.action === 'member.added')).toBe(true);
    const big = await api.get('/api/audit-events?page_size=1000', owner.access_token);
    expect(big.status).toBe(400);
    expect(big.body.details[0].field).toBe('page_size');
    const bad = await api.get('/api/audit-events?action=DROP%20TABLE', owner.access_token);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('action');
  });

  it('is for owners only: admins and viewers get 403', async () => {
    for (const s of [members.admin]) {
      const res = await api.get('/api/audit-events', s.access_token);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    const viewer = await api.login(members.viewer.email, members.viewer.password);
    const again = await api.post('/api/auth/login', {
      email: viewer.email,
      password: viewer.password,
      tenant_id: owner.tenantId,
    });
    expect((await api.get('/api/audit-events', again.body.access_token)).status).toBe(403);
  });

  it("never shows another tenant's events", async () => {
    const other = await api.signup();
    const res = await api.get('/api/audit-events?page_size=100', other.access_token);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(0);
    await api.patch('/api/tenants/current', { name: 'Other Co' }, other.access_token);
    const own = await api.get('/api/audit-events', other.access_token);
    expect(own.body.items.map((e: { action: string }) => e.action)).toEqual(['tenant.renamed']);
    const mine = await api.get('/api/audit-events?page_size=100', owner.access_token);
    expect(mine.body.items.some((e: { details: { to?: string } }) => e.details.to === 'Other Co')).toBe(
      false,
    );
  });

  it('lets global owners read any tenant through the admin route', async () => {
    const res = await api.get(
      `/api/admin/tenants/${owner.tenantId}/audit-events?page_size=100`,
      root.access_token,
    );
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(18);
    const filtered = await api.get(
      `/api/admin/tenants/${owner.tenantId}/audit-events?action=aws.disconnected`,
      root.access_token,
    );
    expect(filtered.body.items).toHaveLength(1);
    expect(
      (await api.get(`/api/admin/tenants/${owner.tenantId}/audit-events`, owner.access_token)).status,
    ).toBe(403);
    expect(
      (
        await api.get(
          '/api/admin/tenants/00000000-0000-4000-8000-000000000000/audit-events',
          root.access_token,
        )
      ).status,
    ).toBe(404);
  });

  it('keeps secrets out of the details', async () => {
    const res = await api.get('/api/audit-events?page_size=100', owner.access_token);
    const text = JSON.stringify(res.body);
    for (const secret of [
      externalId,
      owner.password,
      owner.access_token,
      owner.refresh_token,
      members.admin.password,
      'platform-admin-password',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
    expect(text).not.toContain('external_id');
  });
});
