import { spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { appLoginPassword } from '../src/database/app-role';
import { API_DIST, spawnApi, sql, testApp, type ApiProcess, type Session, type TestApp } from './harness';

/**
 * Row-level security, the second wall: PostgreSQL itself keeps tenants apart, whatever a query of the API says.
 * The first wall (tenant filters in every query) is walked route by route in isolation.spec.ts.
 */

/** Tables that hold no tenant's data. A new table must either have a tenant column (and RLS) or be listed here. */
const GLOBAL_TABLES = ['app_user', 'mikro_orm_migrations', 'pending_signup', 'rate_limit_bucket'];
const APP_LOGIN = 'cost_optimizer_api';

/** The URL of the login the API runs as (the API derives its password the same way). */
function appLoginUrl(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.password = appLoginPassword(ownerUrl);
  url.username = APP_LOGIN;
  return url.toString();
}

/** Runs statements as the API's login, in one transaction that is rolled back. */
async function asApp<T>(ownerUrl: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: appLoginUrl(ownerUrl) });
  await client.connect();
  try {
    await client.query('begin');
    return await fn(client);
  } finally {
    await client.query('rollback').catch(() => undefined);
    await client.end();
  }
}

async function tenantScope(c: Client, tenantId: string | null): Promise<void> {
  await c.query('set local role cost_optimizer_tenant');
  if (tenantId) await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
}

describe('row-level security', () => {
  let api: TestApp;
  let root: Session;
  const t: Record<'a' | 'b', Session & { tenantId: string }> = {} as never;
  let tenantTables: { table: string; column: string }[];

  beforeAll(async () => {
    api = await testApp({ ADMIN_EMAIL: 'root@platform.test', ADMIN_PASSWORD: 'platform-admin-password' });
    root = await api.login('root@platform.test', 'platform-admin-password');
    for (const k of ['a', 'b'] as const) {
      const s = await api.signup({ tenant_name: `Tenant ${k.toUpperCase()}` });
      const me = await api.get('/api/auth/me', s.access_token);
      t[k] = { ...s, tenantId: me.body.tenant.id };
      // rows in several tables: a member, an audit event, a monitor, costs
      const member = await api.signup();
      await api.addMember(s, member, 'viewer');
      expect(
        (await api.patch('/api/tenants/current', { name: `Tenant ${k} renamed` }, s.access_token)).status,
      ).toBe(200);
    }
    // cost rows are written by the nightly sync; here straight into the tables (as the owner)
    for (const [k, amount] of [
      ['a', 10],
      ['b', 20],
    ] as const) {
      await sql(
        api.db.url,
        `insert into cost_rollup_daily (tenant_id, usage_date, dimension, name, unblended, net_unblended, amortized, net_amortized)
         values ($1, '2026-11-01', 'service', 'AmazonEC2', $2, $2, $2, $2)`,
        [t[k].tenantId, amount],
      );
      await sql(
        api.db.url,
        `insert into cost_data_version (tenant_id, version, data_through, updated_at) values ($1, 1, '2026-11-01', now())`,
        [t[k].tenantId],
      );
    }
    tenantTables = await sql<{ table: string; column: string }>(
      api.db.url,
      `select c.relname as table, case when c.relname = 'tenant' then 'id' else 'tenant_id' end as column
         from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
          and (c.relname = 'tenant' or exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
        order by 1`,
    );
  }, 60_000);

  afterAll(async () => {
    await api?.close();
  });

  it('is enabled and forced on every table that holds a tenant’s rows; every other table is known to be global', async () => {
    const tables = await sql<{ relname: string; rls: boolean; forced: boolean; policies: string[] | null }>(
      api.db.url,
      `select c.relname, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
              (select array_agg(p.polname || ':' || r.rolname order by p.polname)
                 from pg_policy p cross join lateral unnest(p.polroles) as pr(oid) join pg_roles r on r.oid = pr.oid
                where p.polrelid = c.oid) as policies
         from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') order by 1`,
    );
    const tenantNames = new Set(tenantTables.map((x) => x.table));
    expect(tenantNames.size).toBeGreaterThanOrEqual(18);
    for (const row of tables) {
      if (tenantNames.has(row.relname)) {
        expect({ table: row.relname, rls: row.rls, forced: row.forced, policies: row.policies }).toEqual({
          table: row.relname,
          rls: true,
          forced: true,
          policies: ['platform_access:cost_optimizer_platform', 'tenant_isolation:cost_optimizer_tenant'],
        });
      } else {
        expect({ table: row.relname, global: GLOBAL_TABLES.includes(row.relname) }).toEqual({
          table: row.relname,
          global: true,
        });
      }
    }
  });

  it('the API connects as a login that is not the owner, not a superuser, not BYPASSRLS and holds no privileges of its own', async () => {
    const [role] = await sql<Record<string, unknown>>(
      api.db.url,
      `select r.rolsuper, r.rolbypassrls, r.rolinherit, r.rolcreaterole, r.rolcreatedb,
              (select count(*)::int from pg_class c where c.relowner = r.oid) as owned
         from pg_roles r where r.rolname = $1`,
      [APP_LOGIN],
    );
    expect(role).toEqual({
      rolsuper: false,
      rolbypassrls: false,
      rolinherit: false,
      rolcreaterole: false,
      rolcreatedb: false,
      owned: 0,
    });
    for (const group of ['cost_optimizer_tenant', 'cost_optimizer_platform']) {
      const [g] = await sql<Record<string, unknown>>(
        api.db.url,
        `select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = $1`,
        [group],
      );
      expect(g).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    }
    // every connection the API holds to its database is that login (a request first, so its pool has some open)
    expect((await api.get('/api/tenants/current/members', t.a.access_token)).status).toBe(200);
    const users = await sql<{ usename: string }>(
      api.db.url,
      `select distinct usename from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    );
    expect(users.map((u) => u.usename)).toEqual([APP_LOGIN]);
    // outside a scope the login sees nothing at all: a forgotten scope fails instead of reading too much
    await expect(asApp(api.db.url, (c) => c.query('select count(*) from membership'))).rejects.toThrow(
      /relation "membership" does not exist|permission denied/,
    );
  });

  it('refuses to start on a login row-level security would not apply to', async () => {
    const proc = spawn(process.execPath, [join(API_DIST, 'main.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: api.db.url,
        DATABASE_APP_URL: api.db.url,
        PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_APP_URL: the role "\w+" is a superuser/);
  });

  it('in a tenant scope PostgreSQL shows only that tenant’s rows, in every tenant table', async () => {
    const a = t.a.tenantId;
    const b = t.b.tenantId;
    await asApp(api.db.url, async (c) => {
      await tenantScope(c, a);
      let seen = 0;
      for (const { table, column } of tenantTables) {
        const [owner] = await sql<{ n: number }>(
          api.db.url,
          `select count(*)::int as n from "${table}" where "${column}" = $1`,
          [a],
        );
        // no WHERE: only the policy decides
        const rows = (await c.query(`select "${column}"::text as tid from "${table}"`)).rows as {
          tid: string;
        }[];
        expect({ table, foreign: rows.filter((r) => r.tid !== a).length, all: rows.length }).toEqual({
          table,
          foreign: 0,
          all: owner!.n,
        });
        seen += rows.length;
      }
      // the other tenant's rows exist (the owner sees them), the scope just does not show them
      const [other] = await sql<{ n: number }>(
        api.db.url,
        'select count(*)::int as n from membership where tenant_id = $1',
        [b],
      );
      expect(other!.n).toBeGreaterThan(0);
      expect(seen).toBeGreaterThan(0);
    });
    // a tenant scope with no tenant set sees nothing
    await asApp(api.db.url, async (c) => {
      await tenantScope(c, null);
      for (const { table } of tenantTables)
        expect({ table, n: (await c.query(`select count(*)::int as n from "${table}"`)).rows[0].n }).toEqual({
          table,
          n: 0,
        });
    });
  });

  it('in a tenant scope writes to another tenant are refused or touch nothing', async () => {
    const a = t.a.tenantId;
    const b = t.b.tenantId;
    await asApp(api.db.url, async (c) => {
      await tenantScope(c, a);
      await expect(
        c.query(
          `insert into cost_data_version (tenant_id, version, data_through, updated_at) values ($1, 9, '2026-11-02', now())`,
          [b],
        ),
      ).rejects.toThrow(/row-level security/);
    });
    await asApp(api.db.url, async (c) => {
      await tenantScope(c, a);
      expect((await c.query(`update tenant set name = 'taken over' where id = $1`, [b])).rowCount).toBe(0);
      expect((await c.query(`delete from cost_rollup_daily where tenant_id = $1`, [b])).rowCount).toBe(0);
      // moving one of its rows to the other tenant is refused too
      await expect(
        c.query(`update cost_data_version set tenant_id = $1 where tenant_id = $2`, [b, a]),
      ).rejects.toThrow(/row-level security/);
    });
    const [still] = await sql<{ name: string; members: number }>(
      api.db.url,
      `select name, (select count(*)::int from membership where tenant_id = $1) as members from tenant where id = $1`,
      [b],
    );
    expect(still).toEqual({ name: 'Tenant b renamed', members: 2 });
    // the platform scope (job queues, sign-in, global-owner routes) sees both tenants
    await asApp(api.db.url, async (c) => {
      await c.query('set local role cost_optimizer_platform');
      const rows = (await c.query('select distinct tenant_id::text as t from cost_rollup_daily')).rows as {
        t: string;
      }[];
      expect(rows.map((r) => r.t).sort()).toEqual([a, b].sort());
    });
  });

  it('in a tenant scope global tables are read-only, and password hashes are not readable at all', async () => {
    const denied = /permission denied/;
    const attempts: [string, string][] = [
      ['update app_user', `update app_user set is_global_owner = true`],
      ['update own user', `update app_user set name = 'x' where email = '${t.a.email}'`],
      [
        'insert app_user',
        `insert into app_user (id, email, password_hash, is_global_owner, created_at) values (gen_random_uuid(), 'new@example.com', 'x', true, now())`,
      ],
      ['delete app_user', `delete from app_user`],
      ['select password_hash', `select password_hash from app_user`],
      ['select *', `select * from app_user`],
      [
        'insert rate_limit_bucket',
        `insert into rate_limit_bucket (key, count, expires_at) values ('k', 1, now())`,
      ],
      ['delete rate_limit_bucket', `delete from rate_limit_bucket`],
    ];
    for (const [what, statement] of attempts) {
      const outcome = await asApp(api.db.url, async (c) => {
        await tenantScope(c, t.a.tenantId);
        return c.query(statement).then(
          () => 'allowed',
          (e: Error) => e.message,
        );
      });
      expect({ what, outcome }).toEqual({ what, outcome: expect.stringMatching(denied) });
    }
    // what the tenant scope needs still works: members' names and emails, the caller's flags
    const rows = await asApp(api.db.url, async (c) => {
      await tenantScope(c, t.a.tenantId);
      return (
        await c.query(
          `select id, email, name, is_global_owner, disabled_at, created_at from app_user where email = $1`,
          [t.a.email],
        )
      ).rows;
    });
    expect(rows).toEqual([expect.objectContaining({ email: t.a.email, is_global_owner: false })]);
    // every global table, present and future (new tables get DML by default privileges): no writes for tenants
    const writable = await sql<{ table: string }>(
      api.db.url,
      `select c.relname as table from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
          and has_table_privilege('cost_optimizer_tenant', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
        order by 1`,
    );
    expect(writable.map((r) => r.table).filter((x) => GLOBAL_TABLES.includes(x))).toEqual([]);
    const [flags] = await sql<{ global: number }>(
      api.db.url,
      'select count(*)::int as global from app_user where is_global_owner',
    );
    expect(flags!.global).toBe(1);
  });

  describe('with the application’s tenant filter removed', () => {
    const COSTS = '/api/costs?from=2026-11-01&to=2026-11-01&group_by=service&measure=unblended';
    let patched: ApiProcess;
    const dist = join(__dirname, '..', '..', '..', '.data', `dist-rls-${process.pid}`);

    /** Replaces `from` by `to` exactly once in a compiled file of the copy (fails if the code changed shape). */
    function patch(file: string, from: RegExp, to: string): void {
      const path = join(dist, file);
      const source = readFileSync(path, 'utf8');
      const matches = source.match(new RegExp(from.source, 'g')) ?? [];
      expect({ file, matches: matches.length }).toEqual({ file, matches: 1 });
      writeFileSync(path, source.replace(from, to));
    }

    beforeAll(async () => {
      rmSync(dist, { recursive: true, force: true });
      cpSync(API_DIST, dist, { recursive: true });
      // the member list and the audit log, each without its `tenant: tenantId` condition
      patch(
        'tenants/tenants.repository.js',
        /(MembershipSchema, )\{ tenant: tenantId \}(, \{ populate: \['user'\], orderBy)/,
        '$1{}$2',
      );
      patch('audit/audit.service.js', /const where = \{ tenant: tenantId, /, 'const where = { ');
      // a raw SQL aggregate (the cost explorer's sum over cost_rollup_daily) without its `where tenant_id = $1`
      patch(
        'cur/costs.service.js',
        /from cost_rollup_daily where tenant_id = \$1 and dimension = \$4/,
        'from cost_rollup_daily where $1::uuid is not null and dimension = $4',
      );
      patched = await spawnApi(api.db.url, {}, join(dist, 'main.js'));
    }, 60_000);

    afterAll(async () => {
      await patched?.stop();
      rmSync(dist, { recursive: true, force: true });
    });

    it('still answers each tenant with its own rows only', async () => {
      const members = await patched.get('/api/tenants/current/members', t.b.access_token);
      expect(members.status).toBe(200);
      expect(members.body.items).toHaveLength(2);
      expect(members.body.items.map((m: { email: string }) => m.email)).toContain(t.b.email);
      expect(members.body.items.map((m: { email: string }) => m.email)).not.toContain(t.a.email);
      const audit = await patched.get('/api/audit-events?page_size=100', t.b.access_token);
      expect(audit.status).toBe(200);
      const [own] = await sql<{ n: number }>(
        api.db.url,
        'select count(*)::int as n from audit_event where tenant_id = $1',
        [t.b.tenantId],
      );
      expect(own!.n).toBeGreaterThan(0);
      expect(audit.body.total).toBe(own!.n);
      const renamed = audit.body.items.filter((e: { action: string }) => e.action === 'tenant.renamed');
      expect(renamed.map((e: { details: { to: string } }) => e.details.to)).toEqual(['Tenant b renamed']);
      // the SQL sum without its tenant condition still adds up tenant b's costs only
      const costs = await patched.get(COSTS, t.b.access_token);
      expect(costs.status).toBe(200);
      expect(costs.body.total).toBe(20);
    });

    it('leaks without row-level security, so the wall above is what held (control)', async () => {
      await sql(api.db.url, 'alter table membership no force row level security');
      await sql(api.db.url, 'alter table membership disable row level security');
      try {
        const members = await patched.get('/api/tenants/current/members', t.b.access_token);
        expect(members.status).toBe(200);
        expect(members.body.items.map((m: { email: string }) => m.email)).toContain(t.a.email);
      } finally {
        await sql(api.db.url, 'alter table membership enable row level security');
        await sql(api.db.url, 'alter table membership force row level security');
      }
      const again = await patched.get('/api/tenants/current/members', t.b.access_token);
      expect(again.body.items.map((m: { email: string }) => m.email)).not.toContain(t.a.email);
      // the same for the raw SQL aggregate: without RLS on cost_rollup_daily the sum takes in tenant a's costs
      await sql(api.db.url, 'alter table cost_rollup_daily no force row level security');
      await sql(api.db.url, 'alter table cost_rollup_daily disable row level security');
      try {
        expect((await patched.get(COSTS, t.b.access_token)).body.total).toBe(30);
      } finally {
        await sql(api.db.url, 'alter table cost_rollup_daily enable row level security');
        await sql(api.db.url, 'alter table cost_rollup_daily force row level security');
      }
      expect((await patched.get(COSTS, t.b.access_token)).body.total).toBe(20);
    });
  });

  it('global owners reach tenants through admin routes only, and each access is in the audit log', async () => {
    const detail = await api.get(`/api/admin/tenants/${t.a.tenantId}`, root.access_token);
    expect(detail.status).toBe(200);
    const list = await api.get('/api/admin/tenants?page_size=100', root.access_token);
    expect(list.status).toBe(200);
    expect(list.body.total).toBeGreaterThanOrEqual(3);
    // the tenant looked at sees who looked, and at what
    const seen = await api.get('/api/audit-events?action=platform.access', t.a.access_token);
    expect(seen.status).toBe(200);
    expect(seen.body.items).toEqual([
      expect.objectContaining({
        action: 'platform.access',
        actor: expect.objectContaining({ email: 'root@platform.test' }),
        target: { type: 'tenant', id: t.a.tenantId },
        details: expect.objectContaining({ route: 'GET /api/admin/tenants/:id' }),
      }),
    ]);
    // the administrator's own tenant keeps every access, the cross-tenant listing included
    const own = await api.get('/api/audit-events?action=platform.access&page_size=100', root.access_token);
    expect(own.body.items.map((e: { details: { route: string } }) => e.details.route)).toEqual(
      expect.arrayContaining(['GET /api/admin/tenants', 'GET /api/admin/tenants/:id']),
    );
    // the other tenant was not looked at
    const b = await api.get('/api/audit-events?action=platform.access', t.b.access_token);
    expect(b.body.items).toEqual([]);
    // a tenant's own owner never gets the platform scope: the admin routes answer 403
    expect((await api.get('/api/admin/tenants', t.a.access_token)).status).toBe(403);
  });
});
