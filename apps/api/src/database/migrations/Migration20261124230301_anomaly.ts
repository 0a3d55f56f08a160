import { Migration } from '@mikro-orm/migrations';

export class Migration20261124230301Anomaly extends Migration {
  override up(): void {
    this.addSql(
      'create table "anomaly_monitor" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null, "dimension" text not null, "filter" jsonb not null, "enabled" boolean not null default true, "is_default" boolean not null default false, "created_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql(
      'create index "anomaly_monitor_tenant_id_created_at_index" on "anomaly_monitor" ("tenant_id", "created_at")',
    );
    this.addSql(
      'create table "anomaly_series_state" ("id" uuid not null, "tenant_id" uuid not null, "monitor_id" uuid not null, "dimension_value" varchar(256) not null, "measure" varchar(32) not null, "judged_through" date not null, "fingerprint" jsonb not null, "updated_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql(
      'create index "anomaly_series_state_tenant_id_index" on "anomaly_series_state" ("tenant_id")',
    );
    this.addSql(
      'alter table "anomaly_series_state" add constraint "anomaly_series_state_monitor_id_dimension_value_unique" unique ("monitor_id", "dimension_value")',
    );
    this.addSql(
      'create table "anomaly" ("id" uuid not null, "tenant_id" uuid not null, "monitor_id" uuid not null, "dimension_value" varchar(256) not null, "start_date" date not null, "end_date" date not null, "status" text not null, "expected" numeric(20,6) not null, "actual" numeric(20,6) not null, "impact_usd" numeric(20,6) not null, "impact_pct" numeric(20,6) null, "severity" text not null, "score" numeric(10,8) not null, "root_causes" jsonb not null, "explanation" jsonb not null, "suppression" jsonb null, "held_back" boolean not null default false, "feedback" text null, "feedback_note" varchar(1000) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql('create index "anomaly_tenant_id_status_index" on "anomaly" ("tenant_id", "status")');
    this.addSql('create index "anomaly_tenant_id_start_date_index" on "anomaly" ("tenant_id", "start_date")');
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_tenant_id_monitor_id_dimension_value_start_date_unique" unique ("tenant_id", "monitor_id", "dimension_value", "start_date")',
    );
    this.addSql(
      'alter table "anomaly_monitor" add constraint "anomaly_monitor_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      "alter table \"anomaly_monitor\" add constraint \"anomaly_monitor_dimension_check\" check (\"dimension\" in ('total', 'service', 'account', 'region', 'usage_type', 'tag', 'custom'))",
    );
    this.addSql(
      'alter table "anomaly_series_state" add constraint "anomaly_series_state_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "anomaly_series_state" add constraint "anomaly_series_state_monitor_id_foreign" foreign key ("monitor_id") references "anomaly_monitor" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_monitor_id_foreign" foreign key ("monitor_id") references "anomaly_monitor" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_status_check" check ("status" in (\'open\', \'closed\'))',
    );
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_severity_check" check ("severity" in (\'low\', \'medium\', \'high\'))',
    );
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_feedback_check" check ("feedback" in (\'yes\', \'no\', \'planned_activity\'))',
    );
  }
}
