import { Migration } from '@mikro-orm/migrations';
import { PLATFORM_ROLE, TENANT_ROLE, TENANT_SETTING } from '../db-roles.constants';

/** Tables holding one tenant's data, with the column naming the tenant. */
export const TENANT_TABLES: ReadonlyArray<readonly [table: string, column: string]> = [
  ['tenant', 'id'],
  ['membership', 'tenant_id'],
  ['refresh_token', 'tenant_id'],
  ['aws_connection', 'tenant_id'],
  ['sync_run', 'tenant_id'],
  ['cost_daily', 'tenant_id'],
  ['cost_rollup_daily', 'tenant_id'],
  ['cost_data_version', 'tenant_id'],
  ['anomaly_monitor', 'tenant_id'],
  ['anomaly', 'tenant_id'],
  ['anomaly_series_state', 'tenant_id'],
  ['audit_event', 'tenant_id'],
  ['metric_watch', 'tenant_id'],
  ['metric_collection_run', 'tenant_id'],
  ['metric_point', 'tenant_id'],
  ['alert_subscription', 'tenant_id'],
  ['alert_delivery', 'tenant_id'],
  ['alert_event', 'tenant_id'],
];

/** Creates a role unless it exists; a concurrent creation (another database of the cluster migrating) is fine. */
function createRole(role: string): string {
  return `do $$ begin
  if not exists (select 1 from pg_roles where rolname = '${role}') then
    create role "${role}" nologin;
  end if;
exception when duplicate_object or unique_violation then null;
end $$`;
}

/**
 * Row-level security, the second wall behind the application's tenant filters.
 *
 * - Two NOLOGIN roles (cluster-wide; created here unless the operator did): `cost_optimizer_tenant` sees only rows
 *   whose tenant equals the transaction-local setting `app.tenant_id`; `cost_optimizer_platform` sees every row and
 *   is used only for cross-tenant work (job queues, sign-in, global-owner routes).
 * - Every tenant-owned table has RLS enabled and forced (the owner is subject to it too) with one policy per role.
 * - `metric_point` gets the tenant of its watch, so its policy is a column comparison, not a join per row.
 * - Both roles get DML on the tables (and on tables later migrations create: default privileges) and TEMPORARY on the
 *   database; nothing on the migrations table.
 */
export class Migration20261125060000RowLevelSecurity extends Migration {
  override up(): void {
    this.addSql(createRole(TENANT_ROLE));
    this.addSql(createRole(PLATFORM_ROLE));
    const roles = `"${TENANT_ROLE}", "${PLATFORM_ROLE}"`;

    this.addSql('alter table "metric_point" add column "tenant_id" uuid');
    this.addSql(
      'update "metric_point" p set "tenant_id" = w."tenant_id" from "metric_watch" w where w."id" = p."watch_id"',
    );
    this.addSql('delete from "metric_point" where "tenant_id" is null');
    this.addSql('alter table "metric_point" alter column "tenant_id" set not null');

    this.addSql(`grant usage on schema public to ${roles}`);
    // bulk loads COPY into a temporary table first (PostgreSQL refuses COPY FROM into a table under RLS); granted
    // explicitly in case the database no longer grants TEMPORARY to everyone
    this.addSql(
      `do $$ begin execute format('grant temporary on database %I to ${roles.replaceAll("'", "''")}', current_database()); end $$`,
    );
    this.addSql(`grant select, insert, update, delete on all tables in schema public to ${roles}`);
    this.addSql(`revoke all on table "mikro_orm_migrations" from ${roles}`);
    this.addSql(
      `alter default privileges in schema public grant select, insert, update, delete on tables to ${roles}`,
    );
    this.addSql(`alter default privileges in schema public grant usage, select on sequences to ${roles}`);

    const tenant = `nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;
    for (const [table, column] of TENANT_TABLES) {
      this.addSql(`alter table "${table}" enable row level security`);
      this.addSql(`alter table "${table}" force row level security`);
      this.addSql(
        `create policy "tenant_isolation" on "${table}" for all to "${TENANT_ROLE}" using ("${column}" = ${tenant}) with check ("${column}" = ${tenant})`,
      );
      this.addSql(
        `create policy "platform_access" on "${table}" for all to "${PLATFORM_ROLE}" using (true) with check (true)`,
      );
    }
  }
}
