import { testApp, type Session, type TestApp } from './harness';

describe('tenants and members', () => {
  let api: TestApp;
  let owner: Session;
  let ownerTenantId: string;
  beforeAll(async () => {
    api = await testApp({ ADMIN_EMAIL: 'root@platform.test', ADMIN_PASSWORD: 'platform-admin-password' });
    owner = await api.signup({ tenant_name: 'Acme' });
    ownerTenantId = (await api.get('/api/auth/me', owner.access_token)).body.tenant.id;
  });
  afterAll(() => api.close());

  /** A second person, added to Acme with a role, logged into Acme. */
  async function member(role: 'admin' | 'viewer' | 'owner'): Promise<Session & { userId: string }> {
    const s = await api.signup();
    const added = await api.addMember(owner, s, role);
    const login = await api.post('/api/auth/login', {
      email: s.email,
      password: s.password,
      tenant_id: ownerTenantId,
    });
    expect(login.status).toBe(200);
    return { ...s, ...login.body, userId: added.user_id };
  }

  it('reads and renames the current tenant', async () => {
    expect((await api.get('/api/tenants/current', owner.access_token)).body.name).toBe('Acme');
    const res = await api.patch('/api/tenants/current', { name: 'Acme Corp' }, owner.access_token);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Acme Corp');
    const bad = await api.patch('/api/tenants/current', { name: '' }, owner.access_token);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('name');
  });

  it('lets a viewer read but not change anything (403)', async () => {
    const viewer = await member('viewer');
    expect((await api.get('/api/tenants/current', viewer.access_token)).status).toBe(200);
    expect((await api.get('/api/tenants/current/members', viewer.access_token)).status).toBe(200);
    const rename = await api.patch('/api/tenants/current', { name: 'Hacked' }, viewer.access_token);
    expect(rename.status).toBe(403);
    expect(rename.body.code).toBe('FORBIDDEN');
    expect(
      (
        await api.post(
          '/api/tenants/current/members',
          { email: owner.email, role: 'viewer' },
          viewer.access_token,
        )
      ).status,
    ).toBe(403);
    expect((await api.del(`/api/tenants/current/members/${viewer.userId}`, viewer.access_token)).status).toBe(
      403,
    );
    expect((await api.get('/api/tenants/current', owner.access_token)).body.name).not.toBe('Hacked');
  });

  it('adds, re-roles and removes members with clear errors', async () => {
    const admin = await member('admin');
    const again = await api.post(
      '/api/tenants/current/members',
      { email: admin.email, role: 'viewer' },
      owner.access_token,
    );
    expect(again.status).toBe(409);

    const changed = await api.patch(
      `/api/tenants/current/members/${admin.userId}`,
      { role: 'viewer' },
      owner.access_token,
    );
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe('viewer');
    // The role applies at once, to tokens already issued.
    expect((await api.patch('/api/tenants/current', { name: 'X' }, admin.access_token)).status).toBe(403);

    expect((await api.del(`/api/tenants/current/members/${admin.userId}`, owner.access_token)).status).toBe(
      204,
    );
    expect((await api.get('/api/tenants/current', admin.access_token)).status).toBe(401);
    const list = await api.get('/api/tenants/current/members', owner.access_token);
    expect(list.body.items.map((m: { email: string }) => m.email)).not.toContain(admin.email);
  });

  it('adds nobody without consent: an invitation the person accepts, signed in with that email', async () => {
    const s = await api.signup();
    const invited = await api.post(
      '/api/tenants/current/members',
      { email: s.email, role: 'admin' },
      owner.access_token,
    );
    expect(invited.status).toBe(202);
    expect(invited.body).toMatchObject({ email: s.email, role: 'admin' });
    // Not a member yet: the invitation alone grants nothing.
    const members = async () =>
      (await api.get('/api/tenants/current/members', owner.access_token)).body.items.map(
        (m: { email: string }) => m.email,
      );
    expect(await members()).not.toContain(s.email);
    expect(
      (await api.post('/api/auth/login', { email: s.email, password: s.password, tenant_id: ownerTenantId }))
        .status,
    ).not.toBe(200);
    const pending = await api.get('/api/tenants/current/invitations', owner.access_token);
    expect(pending.body.items.map((i: { email: string }) => i.email)).toContain(s.email);
    // Someone else cannot see or accept it.
    const other = await api.signup();
    expect((await api.get('/api/invitations', other.access_token)).body.items).toEqual([]);
    expect(
      (await api.post(`/api/invitations/${invited.body.id}/accept`, {}, other.access_token)).status,
    ).toBe(404);
    // The invitee sees it, with the company's name, and accepts.
    const mine = await api.get('/api/invitations', s.access_token);
    expect(mine.body.items).toEqual([
      expect.objectContaining({
        id: invited.body.id,
        tenant: { id: ownerTenantId, name: 'Acme Corp' },
        role: 'admin',
      }),
    ]);
    const accepted = await api.post(`/api/invitations/${invited.body.id}/accept`, {}, s.access_token);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ email: s.email, role: 'admin' });
    expect(await members()).toContain(s.email);
    expect((await api.post(`/api/invitations/${invited.body.id}/accept`, {}, s.access_token)).status).toBe(
      404,
    );
    expect(
      (await api.post('/api/auth/login', { email: s.email, password: s.password, tenant_id: ownerTenantId }))
        .status,
    ).toBe(200);

    // A revoked invitation cannot be accepted.
    const t2 = await api.signup();
    const inv2 = await api.post(
      '/api/tenants/current/members',
      { email: t2.email, role: 'viewer' },
      owner.access_token,
    );
    expect(
      (await api.del(`/api/tenants/current/invitations/${inv2.body.id}`, owner.access_token)).status,
    ).toBe(204);
    expect((await api.post(`/api/invitations/${inv2.body.id}/accept`, {}, t2.access_token)).status).toBe(404);
  });

  it('answers an invitation the same whether or not an account uses the email', async () => {
    const existing = await api.signup();
    const shape = (b: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, k === 'email' ? 'EMAIL' : typeof v]));
    const known = await api.post(
      '/api/tenants/current/members',
      { email: existing.email, role: 'viewer' },
      owner.access_token,
    );
    const unknown = await api.post(
      '/api/tenants/current/members',
      { email: `nobody-${Date.now()}@example.com`, role: 'viewer' },
      owner.access_token,
    );
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(shape(known.body)).toEqual(shape(unknown.body));
    expect(Object.keys(known.body).sort()).toEqual(['email', 'expires_at', 'id', 'invited_at', 'role']);
  });

  it('never removes or demotes the last owner', async () => {
    const me = (await api.get('/api/auth/me', owner.access_token)).body.user.id;
    const demote = await api.patch(
      `/api/tenants/current/members/${me}`,
      { role: 'admin' },
      owner.access_token,
    );
    expect(demote.status).toBe(422);
    expect(demote.body.code).toBe('LAST_OWNER');
    const remove = await api.del(`/api/tenants/current/members/${me}`, owner.access_token);
    expect(remove.status).toBe(422);
    const second = await member('owner');
    expect(
      (
        await api.patch(
          `/api/tenants/current/members/${second.userId}`,
          { role: 'admin' },
          owner.access_token,
        )
      ).status,
    ).toBe(200);
  });

  it('an admin cannot grant ownership', async () => {
    const admin = await member('admin');
    const s = await api.signup();
    const res = await api.post(
      '/api/tenants/current/members',
      { email: s.email, role: 'owner' },
      admin.access_token,
    );
    expect(res.status).toBe(403);
  });

  it("answers 404 for another tenant's objects, exactly as for a missing id", async () => {
    const other = await api.signup({ tenant_name: 'Other' });
    const otherUserId = (await api.get('/api/auth/me', other.access_token)).body.user.id;
    const cross = await api.patch(
      `/api/tenants/current/members/${otherUserId}`,
      { role: 'viewer' },
      owner.access_token,
    );
    const missing = await api.patch(
      '/api/tenants/current/members/00000000-0000-4000-8000-000000000000',
      { role: 'viewer' },
      owner.access_token,
    );
    expect(cross.status).toBe(404);
    expect({ ...cross.body, correlation_id: 0 }).toEqual({ ...missing.body, correlation_id: 0 });
    expect((await api.del(`/api/tenants/current/members/${otherUserId}`, owner.access_token)).status).toBe(
      404,
    );
    // Nothing changed in the other tenant.
    expect((await api.get('/api/auth/me', other.access_token)).body.role).toBe('owner');
    // And a normal user cannot reach the admin routes at all.
    expect((await api.get(`/api/admin/tenants/${ownerTenantId}`, other.access_token)).status).toBe(403);
  });

  it('lets the global owner list, search, page and open tenants', async () => {
    const root = await api.login('root@platform.test', 'platform-admin-password');
    const me = await api.get('/api/auth/me', root.access_token);
    expect(me.body.is_global_owner).toBe(true);
    for (let i = 0; i < 3; i++) await api.signup({ tenant_name: `Searchable ${i}` });
    const page1 = await api.get('/api/admin/tenants?page=1&page_size=2&q=searchable', root.access_token);
    expect(page1.status).toBe(200);
    expect(page1.body.total).toBe(3);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await api.get('/api/admin/tenants?page=2&page_size=2&q=searchable', root.access_token);
    expect(page2.body.items).toHaveLength(1);
    const byEmail = await api.get(
      `/api/admin/tenants?q=${encodeURIComponent(owner.email)}`,
      root.access_token,
    );
    expect(byEmail.body.items.map((t: { id: string }) => t.id)).toContain(ownerTenantId);
    const detail = await api.get(`/api/admin/tenants/${ownerTenantId}`, root.access_token);
    expect(detail.status).toBe(200);
    expect(detail.body.owner_emails).toContain(owner.email);
    expect(
      (await api.get('/api/admin/tenants/00000000-0000-4000-8000-000000000000', root.access_token)).status,
    ).toBe(404);
    const bad = await api.get('/api/admin/tenants?page_size=1000', root.access_token);
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('page_size');
  });
});
