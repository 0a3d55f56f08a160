import { Migration } from '@mikro-orm/migrations';
import { rollupInsertSql } from '../../cur/cost-rollup';

/**
 * The daily rollup the dashboard and /api/costs read (see cur/cost-rollup.ts), filled from existing data, and the
 * per-tenant data version that caches of it check.
 */
export class Migration20261125000500CostRollup extends Migration {
  override up(): void {
    this.addSql(`create table "cost_rollup_daily" (
      "tenant_id" uuid not null,
      "usage_date" date not null,
      "dimension" text not null,
      "name" text not null,
      "unblended" double precision not null,
      "net_unblended" double precision not null,
      "amortized" double precision not null,
      "net_amortized" double precision not null,
      primary key ("tenant_id", "dimension", "usage_date", "name"),
      constraint "cost_rollup_daily_dimension_check"
        check ("dimension" in ('service', 'account', 'region', 'usage_type', 'charge_class')),
      constraint "cost_rollup_daily_tenant_id_foreign"
        foreign key ("tenant_id") references "tenant" ("id") on delete cascade)`);
    this.addSql(rollupInsertSql('true'));
    // Bumped in every month replacement's transaction: a cache of anything derived from the rollup is valid while
    // the version is unchanged, on every replica.
    this.addSql(`create table "cost_data_version" (
      "tenant_id" uuid not null primary key references "tenant" ("id") on delete cascade,
      "version" bigint not null,
      "data_through" date null,
      "updated_at" timestamptz not null)`);
    this.addSql(`insert into cost_data_version (tenant_id, version, data_through, updated_at)
      select tenant_id, 1, max(usage_date), now() from cost_rollup_daily where dimension = 'charge_class' group by 1`);
  }
}
