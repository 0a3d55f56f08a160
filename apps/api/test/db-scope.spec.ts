import { sql, testApp, type Session, type TestApp } from './harness';

/**
 * The row-level-security scope travels with the statements (database/db-scope.ts): nothing is set on a pooled
 * connection for longer than one transaction, so a connection reused by another tenant (or by code that forgot its
 * scope) never finds the previous scope on it. The API here runs on a pool of ONE connection, so every request
 * below shares it. (An in-process ORM variant of this test cannot load under the suite's plain jest, which does
 * not load ES modules in-process; it is a follow-up to run it in a child process.)
 */
describe('database scope on a reused connection', () => {
  let api: TestApp;
  const t: Record<'a' | 'b', Session & { tenantId: string; members: string[] }> = {} as never;

  beforeAll(async () => {
    api = await testApp({ DATABASE_POOL_MAX: '1' });
    for (const k of ['a', 'b'] as const) {
      const s = await api.signup({ tenant_name: `Scope ${k}` });
      const me = await api.get('/api/auth/me', s.access_token);
      const member = await api.signup();
      await api.addMember(s, member, 'viewer');
      t[k] = { ...s, tenantId: me.body.tenant.id, members: [s.email, member.email].sort() };
    }
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  it('requests of two tenants interleaved on the API’s one connection each get their own rows', async () => {
    const calls = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? t.a : t.b));
    const answers = await Promise.all(
      calls.map(async (s) => {
        const [members, me] = await Promise.all([
          api.get('/api/tenants/current/members', s.access_token),
          api.get('/api/auth/me', s.access_token),
        ]);
        return {
          status: [members.status, me.status],
          emails: members.body.items.map((m: { email: string }) => m.email).sort(),
          tenant: me.body.tenant.id,
        };
      }),
    );
    expect(answers).toEqual(
      calls.map((s) => ({ status: [200, 200], emails: s.members, tenant: s.tenantId })),
    );
  });

  it('the cost reads of two tenants interleaved (dashboard, costs by day and by month, top N) each see their own rows', async () => {
    const day = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const amounts = { a: 10, b: 20 } as const;
    for (const k of ['a', 'b'] as const) {
      const tenantId = t[k].tenantId;
      await sql(
        api.db.url,
        `insert into aws_connection (id, tenant_id, status, created_at, updated_at) values (gen_random_uuid(), $1, 'connected', now(), now())`,
        [tenantId],
      );
      for (const table of ['cost_rollup_daily', 'cost_rollup_monthly'])
        await sql(
          api.db.url,
          `insert into ${table} (tenant_id, ${table === 'cost_rollup_daily' ? 'usage_date' : 'month'}, dimension, name, unblended, net_unblended, amortized, net_amortized)
           select $1::uuid, ${table === 'cost_rollup_daily' ? '$2::date' : "date_trunc('month', $2::date)::date"}, d, d || '-' || $3::text || '-' || i, $4::float8, $4::float8, $4::float8, $4::float8
             from unnest(array['service', 'account', 'region', 'usage_type']) d, generate_series(1, 3) i
           union all select $1, ${table === 'cost_rollup_daily' ? '$2::date' : "date_trunc('month', $2::date)::date"}, 'charge_class', 'usage', 3 * $4, 3 * $4, 3 * $4, 3 * $4`,
          [tenantId, day, k, amounts[k]],
        );
      await sql(
        api.db.url,
        `insert into cost_data_version (tenant_id, version, data_through, updated_at) values ($1, 1, $2, now())`,
        [tenantId, day],
      );
    }
    const paths = [
      '/api/dashboard',
      `/api/costs?from=${day}&to=${day}&group_by=account&measure=unblended`,
      `/api/costs?from=${day.slice(0, 8)}01&to=${day}&group_by=service&granularity=monthly&measure=unblended&top=1`,
    ];
    const calls = Array.from({ length: 48 }, (_, i) => ({
      k: (['a', 'b'] as const)[i % 2]!,
      path: paths[i % 3]!,
    }));
    const answers = await Promise.all(calls.map(({ k, path }) => api.get(path, t[k].access_token)));
    answers.forEach((res, i) => {
      const { k, path } = calls[i]!;
      const other = k === 'a' ? 'b' : 'a';
      expect({ path, k, status: res.status }).toEqual({ path, k, status: 200 });
      const text = JSON.stringify(res.body);
      expect(text).toContain(`-${k}-`);
      expect(text).not.toContain(`-${other}-`);
      if (path.startsWith('/api/dashboard')) expect(res.body.month_to_date).toBeGreaterThan(0);
      else expect(res.body.total).toBe(3 * amounts[k]);
      if (path.includes('top=1'))
        expect(res.body.items.map((x: { group: string }) => x.group).sort()).toEqual([
          'Other',
          `service-${k}-1`,
        ]);
    });
  });

  it('an authenticated read (/api/auth/me) costs one transaction: no begin, scope or commit of its own', async () => {
    // pg_stat_database counts transactions, the implicit one of a lone statement too; backends report it when idle
    const stats = async () => {
      await new Promise((r) => setTimeout(r, 11_500));
      const [row] = await sql<{ n: string }>(
        api.db.url,
        'select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()',
      );
      return { n: Number(row!.n), at: Date.now() };
    };
    for (let i = 0; i < 5; i++) await api.get('/api/auth/me', t.a.access_token);
    // what the replica does meanwhile (its caller-cache sync, workers polling their queues), and this reading
    const idleFrom = await stats();
    const idleTo = await stats();
    const perMs = (idleTo.n - idleFrom.n) / (idleTo.at - idleFrom.at);
    const N = 200;
    for (let i = 0; i < N; i++) expect((await api.get('/api/auth/me', t.a.access_token)).status).toBe(200);
    const after = await stats();
    const perRequest = (after.n - idleTo.n - perMs * (after.at - idleTo.at)) / N;
    process.stdout.write(`db-scope.spec: /api/auth/me ${perRequest.toFixed(2)} transactions per request\n`);
    // 2.6 before the scope travelled with the statements (issue #18); the margin absorbs the background's jitter
    expect(perRequest).toBeLessThanOrEqual(1.2);
  }, 90_000);
});
