import { awsEnv, connectBody, ACCOUNT, ROLE, type AwsEnv } from './aws-env';
import { freePort, testApp, until, type Session, type TestApp } from './harness';

describe('connect AWS (against the local AWS endpoint)', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2' });
    api = await testApp({
      ...env.apiEnv,
      ADMIN_EMAIL: 'root@platform.test',
      ADMIN_PASSWORD: 'platform-admin-password',
    });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });
  afterEach(() => env.aws.clearFaults());

  /** A new tenant whose External ID the customer's role trusts. */
  async function tenant(): Promise<Session & { externalId: string; tenantId: string }> {
    const s = await api.signup();
    const conn = await api.get('/api/tenants/connection', s.access_token);
    const me = await api.get('/api/auth/me', s.access_token);
    env.aws.setRole(ACCOUNT, ROLE, { external_id: conn.body.external_id });
    return { ...s, externalId: conn.body.external_id, tenantId: me.body.tenant.id };
  }

  it('shows the External ID and the launch links before connecting', async () => {
    const a = await api.signup();
    const b = await api.signup();
    const first = await api.get('/api/tenants/connection', a.access_token);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('not_connected');
    expect(first.body.external_id).toMatch(/^co-[0-9a-f]{32}$/);
    expect((await api.get('/api/tenants/connection', a.access_token)).body.external_id).toBe(
      first.body.external_id,
    );
    expect((await api.get('/api/tenants/connection', b.access_token)).body.external_id).not.toBe(
      first.body.external_id,
    );
    const quick = new URL(first.body.quick_create_url.replace('#', ''));
    expect(quick.searchParams.get('param_ExternalId')).toBe(first.body.external_id);
    const template = await api.get('/api/aws/cloudformation-template.yml');
    expect(template.status).toBe(200);
    expect(String(template.body)).toContain('sts:ExternalId');
  });

  it('connects, detects the format and the partitions, and repeating is harmless', async () => {
    const t = await tenant();
    const res = await api.post('/api/tenants/connect', connectBody(t.externalId), t.access_token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'connected',
      cur_format: 'cur2',
      partition_keys: ['billing_period'],
      managed_results: false,
    });
    expect(res.body.steps.map((s: { step: string; status: string }) => `${s.step}:${s.status}`)).toEqual([
      'assume_role:ok',
      'external_id_enforced:ok',
      'workgroup:ok',
      'table:ok',
      'data:ok',
    ]);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect(res.body.data_through).toBe(yesterday);
    expect(res.body.settings).toMatchObject({
      athena_workgroup: 'primary',
      athena_results_prefix: 'athena-results/',
    });
    expect(res.body.in_progress).toBeNull();
    const again = await api.post('/api/tenants/connect', connectBody(t.externalId), t.access_token);
    expect(again.status).toBe(200);
    const got = await api.get('/api/tenants/connection', t.access_token);
    expect(got.body.status).toBe('connected');
    expect(got.body.last_verified_at).not.toBeNull();
  });

  it('works with a managed-results workgroup', async () => {
    const t = await tenant();
    const res = await api.post(
      '/api/tenants/connect',
      connectBody(t.externalId, { athena_workgroup: 'managed' }),
      t.access_token,
    );
    expect(res.status).toBe(200);
    expect(res.body.managed_results).toBe(true);
  });

  it('names each malformed field (400) and never builds SQL from it', async () => {
    const t = await tenant();
    const res = await api.post(
      '/api/tenants/connect',
      {
        aws_role_arn: 'role/CostOptimizer',
        external_id: t.externalId,
        region: 'Moon-1',
        athena_db: 'cur"; DROP TABLE x; --',
        athena_table: '',
      },
      t.access_token,
    );
    expect(res.status).toBe(400);
    expect([...new Set(res.body.details.map((d: { field: string }) => d.field))].sort()).toEqual([
      'athena_db',
      'athena_table',
      'aws_role_arn',
      'region',
    ]);
  });

  it("refuses an External ID that is not the tenant's own and says where to find it", async () => {
    const t = await tenant();
    const res = await api.post(
      '/api/tenants/connect',
      connectBody('co-00000000000000000000000000000000'),
      t.access_token,
    );
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe('external_id');
    expect(res.body.details[0].message).toContain(t.externalId);
    expect(res.body.details[0].message).toContain('/api/tenants/connection');
  });

  it('ASSUME_ROLE_FAILED with AWS text and hints when the role does not trust us', async () => {
    const t = await tenant();
    const res = await api.post(
      '/api/tenants/connect',
      connectBody(t.externalId, { aws_role_arn: `arn:aws:iam::${ACCOUNT}:role/NoSuchRole` }),
      t.access_token,
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      code: 'ASSUME_ROLE_FAILED',
      message: 'Cannot AssumeRole',
      details: { step: 'assume_role' },
    });
    expect(res.body.details.aws_error).toMatch(/^AccessDenied: /);
    expect(res.body.details.hints.join(' ')).toContain(t.externalId);
    const got = await api.get('/api/tenants/connection', t.access_token);
    expect(got.body.status).toBe('error');
    expect(got.body.last_error).toMatchObject({ code: 'ASSUME_ROLE_FAILED', step: 'assume_role' });
  });

  it('ASSUME_ROLE_FAILED when the stack holds another External ID', async () => {
    const t = await tenant();
    env.aws.setRole(ACCOUNT, ROLE, { external_id: 'co-someone-elses-id' });
    const res = await api.post('/api/tenants/connect', connectBody(t.externalId), t.access_token);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('ASSUME_ROLE_FAILED');
  });

  it('INSECURE_TRUST_POLICY when the role needs no External ID', async () => {
    const t = await tenant();
    env.aws.setRole(ACCOUNT, ROLE, { external_id: null });
    const res = await api.post('/api/tenants/connect', connectBody(t.externalId), t.access_token);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('INSECURE_TRUST_POLICY');
    expect(res.body.details.step).toBe('external_id_enforced');
  });

  it('ATHENA_WORKGROUP_NOT_FOUND', async () => {
    const t = await tenant();
    const res = await api.post(
      '/api/tenants/connect',
      connectBody(t.externalId, { athena_workgroup: 'nope' }),
      t.access_token,
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'ATHENA_WORKGROUP_NOT_FOUND', details: { step: 'workgroup' } });
    expect(res.body.details.aws_error).toBeTruthy();
  });

  it('ATHENA_TABLE_NOT_FOUND for a wrong database or table, with hints', async () => {
    const t = await tenant();
    for (const o of [{ athena_db: 'no_such_db' }, { athena_table: 'no_such_table' }]) {
      const res = await api.post('/api/tenants/connect', connectBody(t.externalId, o), t.access_token);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({
        code: 'ATHENA_TABLE_NOT_FOUND',
        message: 'Athena table not found',
        details: { step: 'table' },
      });
      expect(res.body.details.hints.length).toBeGreaterThanOrEqual(3);
    }
  });

  it('UNSUPPORTED_TABLE names the missing columns', async () => {
    const t = await tenant();
    const res = await api.post(
      '/api/tenants/connect',
      connectBody(t.externalId, { athena_db: 'extra_db', athena_table: 'not_a_cur' }),
      t.access_token,
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('UNSUPPORTED_TABLE');
    expect(res.body.message).toContain('line_item_usage_start_date');
  });

  it('saves as pending_data when the CUR has no rows yet', async () => {
    const t = await tenant();
    const res = await api.post(
      '/api/tenants/connect',
      connectBody(t.externalId, { athena_db: 'extra_db', athena_table: 'empty_cur' }),
      t.access_token,
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('pending_data');
    expect(res.body.steps.at(-1)).toMatchObject({ step: 'data', status: 'warning' });
    expect(res.body.steps.at(-1).message).toContain('No CUR data found');
  });

  it("ATHENA_QUERY_FAILED carries Athena's reason verbatim", async () => {
    const t = await tenant();
    env.aws.addFault({
      service: 'athena',
      operation: 'Query',
      kind: 'fail',
      count: 1,
      message: 'HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://cur-data/x',
    });
    const res = await api.post('/api/tenants/connect', connectBody(t.externalId), t.access_token);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'ATHENA_QUERY_FAILED', details: { step: 'data' } });
    expect(res.body.details.aws_error).toContain(
      'HIVE_CANNOT_OPEN_SPLIT: Error opening Hive split s3://cur-data/x',
    );
  });

  it('survives throttled AWS calls (the SDK retries)', async () => {
    const t = await tenant();
    env.aws.addFault({ service: 'athena', operation: 'GetQueryExecution', kind: 'throttle', count: 2 });
    env.aws.addFault({ service: 'glue', operation: 'GetTable', kind: 'throttle', count: 1 });
    const res = await api.post('/api/tenants/connect', connectBody(t.externalId), t.access_token);
    expect(res.status).toBe(200);
  });

  it('a failed reconfiguration keeps the working connection; re-verify and disconnect', async () => {
    const t = await tenant();
    expect((await api.post('/api/tenants/connect', connectBody(t.externalId), t.access_token)).status).toBe(
      200,
    );
    const bad = await api.post(
      '/api/tenants/connect',
      connectBody(t.externalId, { athena_workgroup: 'nope' }),
      t.access_token,
    );
    expect(bad.status).toBe(422);
    const kept = await api.get('/api/tenants/connection', t.access_token);
    expect(kept.body.status).toBe('connected');
    expect(kept.body.settings.athena_workgroup).toBe('primary');
    expect(kept.body.last_error.code).toBe('ATHENA_WORKGROUP_NOT_FOUND');

    expect((await api.post('/api/tenants/connection/verify', {}, t.access_token)).body.status).toBe(
      'connected',
    );
    env.aws.revokeRole(ACCOUNT, ROLE);
    const broken = await api.post('/api/tenants/connection/verify', {}, t.access_token);
    expect(broken.status).toBe(422);
    expect(broken.body.code).toBe('ASSUME_ROLE_FAILED');
    expect((await api.get('/api/tenants/connection', t.access_token)).body.status).toBe('error');

    expect((await api.del('/api/tenants/connection', t.access_token)).status).toBe(204);
    const gone = await api.get('/api/tenants/connection', t.access_token);
    expect(gone.body.status).toBe('not_connected');
    expect((await api.post('/api/tenants/connection/verify', {}, t.access_token)).body.code).toBe(
      'NOT_CONNECTED',
    );
  });

  it('viewers read but cannot connect; global owners act for any tenant', async () => {
    const t = await tenant();
    const v = await api.signup();
    await api.addMember(t, v, 'viewer');
    const viewer = (
      await api.post('/api/auth/login', { email: v.email, password: v.password, tenant_id: t.tenantId })
    ).body;
    expect((await api.get('/api/tenants/connection', viewer.access_token)).body.external_id).toBe(
      t.externalId,
    );
    expect(
      (await api.post('/api/tenants/connect', connectBody(t.externalId), viewer.access_token)).status,
    ).toBe(403);
    expect((await api.del('/api/tenants/connection', viewer.access_token)).status).toBe(403);
    expect((await api.get(`/api/admin/tenants/${t.tenantId}/connection`, t.access_token)).status).toBe(403);

    const root = await api.login('root@platform.test', 'platform-admin-password');
    const asAdmin = await api.post(
      `/api/admin/tenants/${t.tenantId}/connect`,
      connectBody(t.externalId),
      root.access_token,
    );
    expect(asAdmin.status).toBe(200);
    expect((await api.get('/api/tenants/connection', t.access_token)).body.status).toBe('connected');
    expect(
      (await api.get('/api/admin/tenants/00000000-0000-4000-8000-000000000000/connection', root.access_token))
        .status,
    ).toBe(404);
  });
});

describe('verification errors that are not AWS’s', () => {
  let env: AwsEnv;
  let api: TestApp;
  beforeAll(async () => {
    env = await awsEnv({ format: 'cur2' });
    // Glue is unreachable (a closed port): the SDK throws a network error whose text names our own network
    api = await testApp({
      ...env.apiEnv,
      AWS_ENDPOINT_URL_GLUE: `http://127.0.0.1:${await freePort()}`,
      AWS_MAX_ATTEMPTS: '1',
    });
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('names the failing step but never shows our own error text (kept in the log)', async () => {
    const s = await api.signup();
    const conn = await api.get('/api/tenants/connection', s.access_token);
    env.aws.setRole(ACCOUNT, ROLE, { external_id: conn.body.external_id });
    const res = await api.post('/api/tenants/connect', connectBody(conn.body.external_id), s.access_token);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'AWS_ERROR', details: { step: 'table' } });
    const shown = JSON.stringify([res.body, (await api.get('/api/tenants/connection', s.access_token)).body]);
    expect(shown).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect /);
    expect(res.body.details.aws_error).toBe(
      'AWS could not be reached (network error): retry in a few minutes',
    );
    // the operator still has the real text, with the tenant
    await until('the log line', () => /ECONNREFUSED/.test(api.logs()));
    const line = api
      .logs()
      .split('\n')
      .find((l) => l.includes('ECONNREFUSED'));
    expect(JSON.parse(line!)).toMatchObject({
      msg: 'verification failed with an error not from AWS',
      step: 'table',
    });
  });
});
