import { Migration } from '@mikro-orm/migrations';
import { PLATFORM_ROLE, TENANT_ROLE, TENANT_SETTING } from '../db-roles.constants';

const CURRENT_TENANT = `nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;
/** The natural key of a cost_daily row: the Athena query groups by exactly these (see buildMonthQuery). */
export const COST_DAILY_KEY = 'tenant_id, usage_date, account_id, service, region, usage_type, charge_class';
const DEFINER = 'security definer set search_path = pg_catalog, public, pg_temp';

/**
 * `cost_daily` becomes a partitioned table, so that replacing a tenant's month swaps one partition instead of
 * deleting and re-inserting rows (issue #18), and gets a uniqueness guarantee (issue #17):
 *
 * - `cost_daily` is partitioned by RANGE (usage_date), one partition per billing month (`cost_daily_YYYYMM`),
 *   and each month by LIST (tenant_id), one leaf per tenant (`cost_daily_YYYYMM_t<tenant hex>`). A (tenant, month)
 *   leaf is exactly what a month replacement writes, so it can be loaded with COPY into a fresh table and swapped in.
 *   Each level has a DEFAULT partition (`cost_daily_default`, `cost_daily_YYYYMM_default`) for rows written
 *   directly by SQL (an operator's fix, a test); loads never write there.
 * - A unique index on the natural key (COST_DAILY_KEY): two copies of a row can never both stay.
 * - Every partition, at every level, has row-level security enabled and forced with the same two policies as the
 *   parent (PostgreSQL applies the parent's policies to queries through the parent, the partition's own to a query
 *   that names the partition).
 * - The API's roles hold no DDL. Four SECURITY DEFINER functions (owned by the owner, fixed search_path, EXECUTE
 *   granted to the tenant role only) do the partition work of a load, each only for the tenant of the caller's
 *   scope (`app.tenant_id`):
 *   - `cost_daily_month(month)`: creates the month's partition if missing (its own short transaction);
 *   - `cost_daily_stage(tenant, month)`: takes the (tenant, month) advisory transaction lock, then creates the
 *     staging table, a plain table (no RLS: COPY FROM is refused under RLS) with a CHECK constraint bounding it to
 *     that tenant and month, INSERT granted to the tenant role only: PostgreSQL checks every copied row against it;
 *   - `cost_daily_seal(tenant, month)`: builds the staging table's unique index and secures it (RLS forced, the
 *     policies, the usual grants);
 *   - `cost_daily_swap(tenant, month)`: locks the month's partition, drops the old leaf and attaches the new one:
 *     catalog work only. The CHECK constraint proves the partition bound, so ATTACH does not scan the rows.
 * The existing rows are moved into leaves of the new table.
 */
export class Migration20261203124500CostDailyPartitions extends Migration {
  override up(): void {
    const roles = `"${TENANT_ROLE}", "${PLATFORM_ROLE}"`;
    // Policies, grants and forced RLS for a new partition (not callable by the API's roles).
    this
      .addSql(`create function cost_daily_secure(p_table regclass) returns void language plpgsql ${DEFINER} as $$
begin
  execute format('alter table %s enable row level security', p_table);
  execute format('alter table %s force row level security', p_table);
  execute format('create policy tenant_isolation on %s for all to "${TENANT_ROLE}" using (tenant_id = ${CURRENT_TENANT.replaceAll("'", "''")}) with check (tenant_id = ${CURRENT_TENANT.replaceAll("'", "''")})', p_table);
  execute format('create policy platform_access on %s for all to "${PLATFORM_ROLE}" using (true) with check (true)', p_table);
  execute format('revoke all on %s from ${roles.replaceAll("'", "''")}', p_table);
  execute format('grant select, insert, update, delete on %s to ${roles.replaceAll("'", "''")}', p_table);
end $$`);

    // A load runs in the scope of the tenant it loads.
    this
      .addSql(`create function cost_daily_own_tenant(p_tenant uuid) returns void language plpgsql ${DEFINER} as $$
begin
  if p_tenant is null or p_tenant is distinct from ${CURRENT_TENANT} then
    raise exception 'cost_daily: a load runs in the scope of the tenant it loads' using errcode = '42501';
  end if;
end $$`);

    // The month's partition (with its default), created once; rows of that month in the root default move into it.
    this.addSql(`create function cost_daily_month(p_month date) returns text language plpgsql ${DEFINER} as $$
declare
  m date := date_trunc('month', p_month)::date;
  parent text := 'cost_daily_' || to_char(date_trunc('month', p_month), 'YYYYMM');
begin
  if to_regclass('public.' || parent) is not null then return parent; end if;
  perform pg_advisory_xact_lock(hashtext('cost_daily_month'), to_char(m, 'YYYYMM')::int);
  -- created meanwhile by a concurrent call (whose commit this lock waited for)
  begin
    execute format('create table public.%I (like cost_daily including defaults) partition by list (tenant_id)', parent);
  exception when duplicate_table then
    return parent;
  end;
  execute format('create table public.%I partition of public.%I default', parent || '_default', parent);
  -- the owner is subject to the forced policies like everyone: lifted for this move only, inside this transaction
  alter table cost_daily_default no force row level security;
  execute format('with moved as (delete from cost_daily_default where usage_date >= $1 and usage_date < $2 returning *)
                  insert into public.%I select * from moved', parent) using m, (m + interval '1 month')::date;
  alter table cost_daily_default force row level security;
  perform cost_daily_secure(parent::regclass);
  perform cost_daily_secure((parent || '_default')::regclass);
  execute format('alter table cost_daily attach partition public.%I for values from (%L) to (%L)', parent, m, (m + interval '1 month')::date);
  return parent;
end $$`);

    this
      .addSql(`create function cost_daily_stage(p_tenant uuid, p_month date) returns text language plpgsql ${DEFINER} as $$
declare
  m date := date_trunc('month', p_month)::date;
  parent text := 'cost_daily_' || to_char(date_trunc('month', p_month), 'YYYYMM');
  staging text := parent || '_t' || replace(p_tenant::text, '-', '') || '_load';
begin
  perform cost_daily_own_tenant(p_tenant);
  -- one load of a (tenant, month) at a time, until the transaction ends
  perform pg_advisory_xact_lock(hashtext('cost_daily_load'), hashtext(p_tenant::text || to_char(m, 'YYYYMM')));
  if to_regclass('public.' || parent) is null then
    raise exception 'cost_daily: no partition for %: call cost_daily_month first', to_char(m, 'YYYY-MM');
  end if;
  execute format('drop table if exists public.%I', staging);
  execute format('create table public.%I (like cost_daily including defaults)', staging);
  execute format('alter table public.%I add constraint cost_daily_load_bounds check (tenant_id = %L and usage_date >= %L and usage_date < %L)',
                 staging, p_tenant, m, (m + interval '1 month')::date);
  execute format('revoke all on public.%I from ${roles.replaceAll("'", "''")}', staging);
  execute format('grant insert on public.%I to "${TENANT_ROLE}"', staging);
  return staging;
end $$`);

    // Index and row-level security for the staged rows: before the month's partition is locked.
    this
      .addSql(`create function cost_daily_seal(p_tenant uuid, p_month date) returns text language plpgsql ${DEFINER}
set maintenance_work_mem = '128MB' as $$
declare
  m date := date_trunc('month', p_month)::date;
  staging text := 'cost_daily_' || to_char(m, 'YYYYMM') || '_t' || replace(p_tenant::text, '-', '') || '_load';
begin
  perform cost_daily_own_tenant(p_tenant);
  if to_regclass('public.' || staging) is null then
    raise exception 'cost_daily: nothing staged for % in %', p_tenant, to_char(m, 'YYYY-MM');
  end if;
  execute format('revoke all on public.%I from ${roles.replaceAll("'", "''")}', staging);
  -- built here, so that ATTACH only adopts it
  execute format('create unique index on public.%I (${COST_DAILY_KEY})', staging);
  perform cost_daily_secure(('public.' || staging)::regclass);
  return staging;
end $$`);

    // The swap: catalog work only. The month's partition is locked first (ACCESS EXCLUSIVE, ONLY: its partitions are
    // locked as they are touched), so two swaps in one month queue there instead of deadlocking on its default.
    this
      .addSql(`create function cost_daily_swap(p_tenant uuid, p_month date) returns text language plpgsql ${DEFINER}
as $$
declare
  m date := date_trunc('month', p_month)::date;
  parent text := 'cost_daily_' || to_char(m, 'YYYYMM');
  leaf text := parent || '_t' || replace(p_tenant::text, '-', '');
  staging text := leaf || '_load';
begin
  perform cost_daily_own_tenant(p_tenant);
  if not coalesce((select relforcerowsecurity from pg_class where oid = to_regclass('public.' || staging)), false) then
    raise exception 'cost_daily: nothing sealed for % in %', p_tenant, to_char(m, 'YYYY-MM');
  end if;
  execute format('lock table only public.%I in access exclusive mode', parent);
  execute format('drop table if exists public.%I', leaf);
  execute format('alter table public.%I rename to %I', staging, leaf);
  execute format('alter table public.%I attach partition public.%I for values in (%L)', parent, leaf, p_tenant);
  return leaf;
end $$`);

    for (const fn of [
      'cost_daily_secure(regclass)',
      'cost_daily_own_tenant(uuid)',
      'cost_daily_month(date)',
      'cost_daily_stage(uuid, date)',
      'cost_daily_seal(uuid, date)',
      'cost_daily_swap(uuid, date)',
    ])
      this.addSql(`revoke all on function ${fn} from public`);
    for (const fn of [
      'cost_daily_month(date)',
      'cost_daily_stage(uuid, date)',
      'cost_daily_seal(uuid, date)',
      'cost_daily_swap(uuid, date)',
    ])
      this.addSql(`grant execute on function ${fn} to "${TENANT_ROLE}"`);

    // The conversion: the old table is renamed, the new one built, the rows moved, the old table dropped.
    this.addSql('alter table "cost_daily" rename to "cost_daily_unpartitioned"');
    this.addSql('alter table "cost_daily_unpartitioned" no force row level security');
    this.addSql(`create table "cost_daily" (
      "tenant_id" uuid not null,
      "usage_date" date not null,
      "account_id" text not null,
      "service" text not null,
      "region" text not null,
      "usage_type" text not null,
      "charge_class" text not null,
      "unblended" double precision not null,
      "net_unblended" double precision not null,
      "amortized" double precision not null,
      "net_amortized" double precision not null,
      "public_on_demand" double precision not null,
      "usage_quantity" double precision not null,
      "line_items" integer not null) partition by range ("usage_date")`);
    this.addSql(`create unique index "cost_daily_key" on "cost_daily" (${COST_DAILY_KEY})`);
    this.addSql('create table "cost_daily_default" partition of "cost_daily" default');
    this.addSql(`select cost_daily_secure('cost_daily'::regclass)`);
    this.addSql(`select cost_daily_secure('cost_daily_default'::regclass)`);
    // Leaves for the (tenant, month) slices that exist, then the rows (duplicates of the old table, which had no
    // key, are folded into one row: their amounts summed).
    this.addSql(`do $$
declare r record;
begin
  for r in select distinct date_trunc('month', usage_date)::date as m from cost_daily_unpartitioned loop
    perform cost_daily_month(r.m);
  end loop;
  for r in select distinct tenant_id, date_trunc('month', usage_date)::date as m from cost_daily_unpartitioned loop
    execute format('create table public.%I partition of public.%I for values in (%L)',
                   'cost_daily_' || to_char(r.m, 'YYYYMM') || '_t' || replace(r.tenant_id::text, '-', ''),
                   'cost_daily_' || to_char(r.m, 'YYYYMM'), r.tenant_id);
    perform cost_daily_secure(('cost_daily_' || to_char(r.m, 'YYYYMM') || '_t' || replace(r.tenant_id::text, '-', ''))::regclass);
  end loop;
end $$`);
    // The owner is subject to the forced policies: lifted on the new tables only for the copy, in this migration's
    // transaction.
    this.addSql(`do $$
declare r record;
begin
  for r in select relid from pg_partition_tree('cost_daily') loop
    execute format('alter table %s no force row level security', r.relid);
  end loop;
  insert into cost_daily
    select ${COST_DAILY_KEY}, sum(unblended), sum(net_unblended), sum(amortized), sum(net_amortized),
           sum(public_on_demand), sum(usage_quantity), sum(line_items)::int
      from cost_daily_unpartitioned group by ${COST_DAILY_KEY};
  for r in select relid from pg_partition_tree('cost_daily') loop
    execute format('alter table %s force row level security', r.relid);
  end loop;
end $$`);
    this.addSql('drop table "cost_daily_unpartitioned"');
  }
}
