import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { AppConfig } from '../src/config/config';
import { prepareAppDatabase } from '../src/database/app-role';
import { LoadNotOwnedError, replaceMonth, tenantScopeSql } from '../src/cur/month-load';
import { cloneDatabase, sql } from './harness';

/**
 * The month replacement of cost_daily (month-load.ts) on a real database, as the API's login: partitions swapped
 * under row-level security, one load of a (tenant, month) at a time, ownership of the run checked in the load's
 * transaction, and a uniqueness guarantee (issues #17 and #18).
 */

const MONTH = '2026-05';

/** Aggregate rows (AGGREGATE_COLUMNS order) of MONTH: days x accounts, every amount `cost`. */
function rows(days: number, accounts: number, cost: number): string[][] {
  const out: string[][] = [];
  for (let d = 1; d <= days; d++)
    for (let a = 0; a < accounts; a++)
      out.push([
        `${MONTH}-${String(d).padStart(2, '0')}`,
        String(100000000000 + a),
        'AmazonEC2',
        'us-east-1',
        'BoxUsage',
        'usage',
        String(cost),
        String(cost),
        String(cost),
        String(cost),
        String(cost),
        '1',
        '1',
      ]);
  return out;
}

/** Batches of `size` rows with a pause between them (so two loads overlap in time), calling `each` per batch. */
async function* slowly(all: string[][], size: number, each?: (i: number) => Promise<void>) {
  for (let i = 0; i * size < all.length; i++) {
    await each?.(i);
    yield all.slice(i * size, (i + 1) * size);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('cost_daily month loads', () => {
  let db: Awaited<ReturnType<typeof cloneDatabase>>;
  let pool: Pool;
  const a = randomUUID();
  const b = randomUUID();

  const monthOf = async (tenant: string) =>
    (
      await sql<{ n: number; total: number; copies: number }>(
        db.url,
        `select count(*)::int as n, coalesce(sum(unblended), 0)::float8 as total,
                coalesce(max(c), 0)::int as copies
           from (select *, count(*) over (partition by usage_date, account_id, service, region, usage_type, charge_class) as c
                   from cost_daily where tenant_id = $1 and usage_date >= $2 and usage_date < $3) x`,
        [tenant, `${MONTH}-01`, '2026-06-01'],
      )
    )[0]!;

  beforeAll(async () => {
    db = await cloneDatabase();
    const config = { databaseUrl: db.url } as AppConfig;
    pool = new Pool({ connectionString: await prepareAppDatabase(config), max: 6 });
    for (const id of [a, b])
      await sql(db.url, `insert into tenant (id, name, created_at) values ($1, 'load test', now())`, [id]);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('two concurrent replacements of the same month leave exactly one copy of it', async () => {
    const first = rows(31, 20, 1);
    const second = rows(31, 20, 2);
    const loads = await Promise.all([
      replaceMonth(pool, a, MONTH, slowly(first, 100)),
      replaceMonth(pool, a, MONTH, slowly(second, 100)),
    ]);
    expect(loads).toEqual([620, 620]);
    const m = await monthOf(a);
    expect(m.n).toBe(620);
    expect(m.copies).toBe(1);
    expect([620, 1240]).toContain(m.total); // all of one load, none of the other
    // the rollup agrees with the detail rows
    const [r] = await sql<{ total: number }>(
      db.url,
      `select sum(unblended)::float8 as total from cost_rollup_daily where tenant_id = $1 and dimension = 'service'`,
      [a],
    );
    expect(r!.total).toBe(m.total);
  });

  it('a second load of the same (tenant, month) waits for the first; another tenant does not', async () => {
    let releaseFirst!: () => void;
    const gate = new Promise<void>((r) => (releaseFirst = r));
    const order: string[] = [];
    const first = replaceMonth(
      pool,
      a,
      MONTH,
      slowly(rows(3, 2, 5), 2, async (i) => {
        if (i === 1) await gate;
      }),
    ).then(() => order.push('first'));
    await new Promise((r) => setTimeout(r, 200)); // the first holds the lock, its rows half sent
    const other = replaceMonth(pool, b, MONTH, [rows(3, 2, 7)]).then(() => order.push('other tenant'));
    await other;
    const second = replaceMonth(pool, a, MONTH, [rows(3, 2, 9)]).then(() => order.push('second'));
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(['other tenant']); // the second waits on the (tenant, month) lock
    const [waiting] = await sql<{ n: number }>(
      db.url,
      `select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted`,
    );
    expect(waiting!.n).toBe(1);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['other tenant', 'first', 'second']);
    expect((await monthOf(a)).total).toBe(6 * 9);
    expect((await monthOf(b)).total).toBe(6 * 7);
  });

  it('loads of two tenants in the same month run side by side and swap one after the other, without deadlock', async () => {
    const runs = [];
    for (let i = 0; i < 3; i++)
      for (const [tenant, cost] of [
        [a, 1],
        [b, 2],
      ] as const)
        runs.push(replaceMonth(pool, tenant, MONTH, slowly(rows(31, 10, cost + i), 50)));
    await Promise.all(runs);
    for (const [tenant, costs] of [
      [a, [1, 2, 3]],
      [b, [2, 3, 4]],
    ] as const) {
      const m = await monthOf(tenant);
      expect(m).toMatchObject({ n: 310, copies: 1 });
      expect(costs.map((c) => c * 310)).toContain(m.total); // one of its loads, whole
    }
  });

  it('a load whose run was re-queued and taken by another worker meanwhile commits nothing', async () => {
    await replaceMonth(pool, a, MONTH, [rows(2, 2, 3)]);
    const run = randomUUID();
    await sql(
      db.url,
      `insert into sync_run (id, tenant_id, status, trigger, months, progress, created_at, locked_by)
       values ($1, $2, 'running', 'manual', '[]', '{}', now(), 'worker-1')`,
      [run, a],
    );
    const load = replaceMonth(
      pool,
      a,
      MONTH,
      slowly(rows(31, 20, 4), 100, async (i) => {
        // mid-load, as on a shutdown: re-queued, then claimed by a second replica
        if (i === 2) {
          await sql(db.url, `update sync_run set status = 'queued', locked_by = null where id = $1`, [run]);
          await sql(db.url, `update sync_run set status = 'running', locked_by = 'worker-2' where id = $1`, [
            run,
          ]);
        }
      }),
      { owner: { runId: run, lockedBy: 'worker-1' } },
    );
    await expect(load).rejects.toBeInstanceOf(LoadNotOwnedError);
    const m = await monthOf(a);
    expect(m).toEqual({ n: 4, total: 12, copies: 1 }); // the old month, untouched
    // the run's current owner loads
    await replaceMonth(pool, a, MONTH, [rows(2, 2, 8)], { owner: { runId: run, lockedBy: 'worker-2' } });
    expect((await monthOf(a)).total).toBe(32);
  });

  it('refuses a load that would leave two copies of a row, and keeps the old month', async () => {
    await replaceMonth(pool, a, MONTH, [rows(2, 2, 3)]);
    const dup = rows(2, 2, 5);
    await expect(replaceMonth(pool, a, MONTH, [[...dup, dup[0]!]])).rejects.toMatchObject({ code: '23505' });
    expect(await monthOf(a)).toEqual({ n: 4, total: 12, copies: 1 });
    // written by hand (the owner): the key holds there too
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const insert = `insert into cost_daily (tenant_id, usage_date, account_id, service, region, usage_type, charge_class,
          unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items)
        values ($1, '2024-02-03', '1', 'S3', 'eu-west-1', 'Storage', 'usage', 1, 1, 1, 1, 1, 1, 1)`;
      await c.query(insert, [b]);
      await expect(c.query(insert, [b])).rejects.toMatchObject({ code: '23505' });
    } finally {
      await c.end();
    }
  });

  it('rows written by hand into a month replace with it (the month default partition)', async () => {
    // a month no load has created yet: the row lands in the root default partition
    await sql(
      db.url,
      `insert into cost_daily (tenant_id, usage_date, account_id, service, region, usage_type, charge_class,
          unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items)
        values ($1, '2025-03-03', 'hand', 'S3', 'eu-west-1', 'Storage', 'usage', 100, 1, 1, 1, 1, 1, 1)`,
      [a],
    );
    const march = rows(2, 1, 1).map((r) => [r[0]!.replace(MONTH, '2025-03'), ...r.slice(1)]);
    await replaceMonth(pool, a, '2025-03', [march]);
    const [m] = await sql<{ n: number; total: number }>(
      db.url,
      `select count(*)::int as n, sum(unblended)::float8 as total from cost_daily where tenant_id = $1 and usage_date < '2025-04-01' and usage_date >= '2025-03-01'`,
      [a],
    );
    expect(m).toEqual({ n: 2, total: 2 });
  });

  describe('row-level security on every partition', () => {
    beforeAll(async () => {
      await replaceMonth(pool, a, MONTH, [rows(2, 2, 3)]);
      await replaceMonth(pool, b, MONTH, [rows(2, 2, 7)]);
    });

    const asTenant = async <T>(tenant: string, fn: (c: Client) => Promise<T>): Promise<T> => {
      const c = new Client({
        connectionString: await prepareAppDatabase({ databaseUrl: db.url } as AppConfig),
      });
      await c.connect();
      try {
        await c.query(`begin; ${tenantScopeSql(tenant)}`);
        return await fn(c);
      } finally {
        await c.query('rollback').catch(() => undefined);
        await c.end();
      }
    };
    const leafOf = (tenant: string) => `cost_daily_${MONTH.replace('-', '')}_t${tenant.replaceAll('-', '')}`;

    it('every partition at every level has RLS forced and both policies', async () => {
      const parts = await sql<{ relname: string; rls: boolean; forced: boolean; policies: number }>(
        db.url,
        `select c.relname, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
                (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
           from pg_partition_tree('cost_daily') t join pg_class c on c.oid = t.relid`,
      );
      expect(parts.map((p) => p.relname)).toEqual(expect.arrayContaining([leafOf(a), leafOf(b)]));
      for (const p of parts) expect(p).toMatchObject({ rls: true, forced: true, policies: 2 });
    });

    it("a tenant reading another tenant's partition by name sees nothing", async () => {
      await asTenant(a, async (c) => {
        expect((await c.query(`select count(*)::int as n from ${leafOf(b)}`)).rows[0].n).toBe(0);
        expect((await c.query(`select count(*)::int as n from ${leafOf(a)}`)).rows[0].n).toBe(4);
        expect((await c.query(`select count(*)::int as n from cost_daily`)).rows[0].n).toBeGreaterThan(0);
        expect(
          (await c.query(`select count(*)::int as n from cost_daily where tenant_id <> $1`, [a])).rows[0].n,
        ).toBe(0);
      });
    });

    it("a tenant scope cannot stage or swap another tenant's month", async () => {
      await asTenant(a, async (c) => {
        await expect(c.query('select cost_daily_stage($1, $2)', [b, `${MONTH}-01`])).rejects.toMatchObject({
          code: '42501',
        });
      });
      await asTenant(a, async (c) => {
        await expect(c.query('select cost_daily_swap($1, $2)', [b, `${MONTH}-01`])).rejects.toMatchObject({
          code: '42501',
        });
      });
    });

    it("a tenant's staging table admits only its own rows of that month", async () => {
      await asTenant(a, async (c) => {
        const staging = (await c.query('select cost_daily_stage($1, $2) as s', [a, `${MONTH}-01`])).rows[0].s;
        await expect(
          c.query(
            `insert into ${staging} select $1, usage_date, account_id, service, region, usage_type, charge_class,
               unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items
               from cost_daily limit 1`,
            [b],
          ),
        ).rejects.toMatchObject({ code: '23514' });
      });
    });

    it('the API roles cannot call the partition helpers that skip the tenant check', async () => {
      await asTenant(a, async (c) => {
        await expect(c.query(`select cost_daily_secure('cost_daily'::regclass)`)).rejects.toMatchObject({
          code: '42501',
        });
      });
    });
  });
});
