import { Migration } from '@mikro-orm/migrations';
import { PLATFORM_ROLE, TENANT_ROLE, TENANT_SETTING } from '../db-roles.constants';

/**
 * The monthly rollup (`cost_rollup_monthly`): per tenant and billing month, the four measures summed by each single
 * dimension, as `cost_rollup_daily` holds them per day. A large payer (1,000 accounts) has ~1,200 names a day in the
 * daily rollup, so the dashboard's top lists and /api/costs by month read one row per name and month here instead of
 * one per name and day (issue #18). Rebuilt for a (tenant, month) in the transaction of that month's replacement
 * (month-load.ts), from the daily slice just written; filled here from the existing daily rollup. Row-level security
 * as on every tenant table.
 *
 * And an index of the daily rollup by name (`cost_rollup_daily_name`): the few names a top list keeps (10 accounts
 * of 1,000) are then read day by day without scanning every name of every day of the period.
 */
export class Migration20261204100000CostRollupMonthly extends Migration {
  override up(): void {
    this.addSql(`create table "cost_rollup_monthly" (
      "tenant_id" uuid not null,
      "month" date not null,
      "dimension" text not null,
      "name" text not null,
      "unblended" double precision not null,
      "net_unblended" double precision not null,
      "amortized" double precision not null,
      "net_amortized" double precision not null,
      primary key ("tenant_id", "dimension", "month", "name"),
      constraint "cost_rollup_monthly_month_check" check ("month" = date_trunc('month', "month")::date),
      constraint "cost_rollup_monthly_dimension_check"
        check ("dimension" in ('service', 'account', 'region', 'usage_type', 'charge_class')),
      constraint "cost_rollup_monthly_tenant_id_foreign"
        foreign key ("tenant_id") references "tenant" ("id") on delete cascade)`);
    this.addSql(`insert into cost_rollup_monthly
      (tenant_id, month, dimension, name, unblended, net_unblended, amortized, net_amortized)
      select tenant_id, date_trunc('month', usage_date)::date, dimension, name,
             sum(unblended), sum(net_unblended), sum(amortized), sum(net_amortized)
        from cost_rollup_daily group by 1, 2, 3, 4`);
    this.addSql(
      'create index "cost_rollup_daily_name" on "cost_rollup_daily" ("tenant_id", "dimension", "name", "usage_date")',
    );
    const tenant = `nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;
    this.addSql('alter table "cost_rollup_monthly" enable row level security');
    this.addSql('alter table "cost_rollup_monthly" force row level security');
    this.addSql(
      `create policy "tenant_isolation" on "cost_rollup_monthly" for all to "${TENANT_ROLE}" using ("tenant_id" = ${tenant}) with check ("tenant_id" = ${tenant})`,
    );
    this.addSql(
      `create policy "platform_access" on "cost_rollup_monthly" for all to "${PLATFORM_ROLE}" using (true) with check (true)`,
    );
    this.addSql(
      `grant select, insert, update, delete on "cost_rollup_monthly" to "${TENANT_ROLE}", "${PLATFORM_ROLE}"`,
    );
  }
}
