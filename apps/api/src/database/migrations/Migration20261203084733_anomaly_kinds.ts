import { Migration } from '@mikro-orm/migrations';

/**
 * Issue #16: the engine's kind of change on every episode (`change_kind`), the grouping of one incident seen by
 * several default monitors (`grouped_into`), the tenant's first data day a series was judged with (`data_start`,
 * null: judged again over the whole window at the next detection, which also clears the old first-day "new" storm),
 * the alert option for drops, the renamed metric bar (`min_deviation`, metric units), and the two new default
 * monitors for tenants that already have the default ones.
 */
export class Migration20261203084733AnomalyKinds extends Migration {
  override up(): void {
    this.addSql('alter table "anomaly_monitor" drop constraint "anomaly_monitor_dimension_check"');
    this.addSql(
      "alter table \"anomaly_monitor\" add constraint \"anomaly_monitor_dimension_check\" check (\"dimension\" in ('total', 'service', 'account', 'region', 'usage_type', 'service_account', 'account_usage_type', 'tag', 'custom'))",
    );
    this.addSql('alter table "anomaly_series_state" add "data_start" date null');
    this.addSql(
      'alter table "anomaly" add "change_kind" text not null default \'spike\', add "grouped_into" uuid null',
    );
    this.addSql('create index "anomaly_grouped_into_index" on "anomaly" ("grouped_into")');
    this.addSql(
      "alter table \"anomaly\" add constraint \"anomaly_change_kind_check\" check (\"change_kind\" in ('spike', 'level_shift', 'ramp', 'drop', 'weekend', 'new_series', 'drift'))",
    );
    this.addSql('alter table "alert_subscription" add "include_drops" boolean not null default false');
    // Data of every tenant: the owner is subject to the forced row-level security, so it is lifted for the two tables
    // inside this migration's transaction and forced again below.
    this.addSql('alter table "anomaly" no force row level security');
    this.addSql('alter table "anomaly_monitor" no force row level security');
    this.addSql(
      `update "anomaly" set "change_kind" = case
         when "kind" = 'cost' and "explanation"->'rules' @> '["new_series"]'::jsonb then 'new_series'
         when "kind" = 'cost' and "impact_usd" < 0 then 'drop'
         when "kind" = 'metric' and "actual" < "expected" then 'drop'
         else 'spike' end`,
    );
    this.addSql(
      `update "anomaly" set "suppression" = ("suppression" - 'min_impact_usd')
         || jsonb_build_object('min_impact_usd', null, 'min_deviation', "suppression"->'min_impact_usd')
       where "kind" = 'metric' and "suppression" is not null`,
    );
    this.addSql(
      `update "anomaly" set "suppression" = "suppression" || jsonb_build_object('min_deviation', null)
       where "kind" = 'cost' and "suppression" is not null`,
    );
    this.addSql(
      `insert into "anomaly_monitor" ("id", "tenant_id", "name", "dimension", "filter", "enabled", "is_default", "created_at")
       select gen_random_uuid(), t."tenant_id", d."name", d."dimension", '{}'::jsonb, true, true, now()
         from (select distinct "tenant_id" from "anomaly_monitor" where "is_default") t
        cross join (values ('Per service and linked account', 'service_account'),
                           ('Per usage type (material spend)', 'account_usage_type')) as d("name", "dimension")
        where not exists (select 1 from "anomaly_monitor" m
                           where m."tenant_id" = t."tenant_id" and m."dimension" = d."dimension" and m."is_default")`,
    );
    this.addSql('alter table "anomaly" force row level security');
    this.addSql('alter table "anomaly_monitor" force row level security');
  }
}
