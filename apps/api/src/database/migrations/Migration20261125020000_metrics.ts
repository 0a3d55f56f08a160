import { Migration } from '@mikro-orm/migrations';

/**
 * CloudWatch metric watches, their points, collection runs; anomalies gain a kind ('cost' | 'metric') and a
 * nullable link to the watch (metric episodes have no cost monitor).
 */
export class Migration20261125020000Metrics extends Migration {
  override up(): void {
    this.addSql(
      'create table "metric_watch" ("id" uuid not null, "tenant_id" uuid not null, "namespace" varchar(255) not null, "metric_name" varchar(255) not null, "dimensions" jsonb not null, "stat" varchar(32) not null, "period" int not null, "region" varchar(32) not null, "series_key" varchar(64) not null, "label" varchar(120) not null, "cost_service" varchar(128) null, "preset" varchar(64) null, "enabled" boolean not null default true, "last_ts" timestamptz null, "last_value" double precision null, "detector_state" jsonb null, "detected_through" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql(
      'create index "metric_watch_tenant_id_created_at_index" on "metric_watch" ("tenant_id", "created_at")',
    );
    this.addSql(
      'alter table "metric_watch" add constraint "metric_watch_tenant_id_series_key_unique" unique ("tenant_id", "series_key")',
    );
    this.addSql(
      'alter table "metric_watch" add constraint "metric_watch_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );

    this.addSql(
      'create table "metric_collection_run" ("id" uuid not null, "tenant_id" uuid not null, "tick_at" timestamptz not null, "trigger" text not null, "status" text not null, "worker" varchar(128) not null, "started_at" timestamptz not null, "finished_at" timestamptz null, "duration_ms" int null, "watches" int not null default 0, "calls" int not null default 0, "metrics_requested" int not null default 0, "throttle_retries" int not null default 0, "points_stored" int not null default 0, "anomalies" int not null default 0, "estimated_cost_usd" numeric(14,6) not null default 0, "errors" jsonb not null, primary key ("id"))',
    );
    this.addSql(
      'create index "metric_collection_run_tenant_id_started_at_index" on "metric_collection_run" ("tenant_id", "started_at")',
    );
    this.addSql(
      'alter table "metric_collection_run" add constraint "metric_collection_run_tenant_id_tick_at_unique" unique ("tenant_id", "tick_at")',
    );
    this.addSql(
      'alter table "metric_collection_run" add constraint "metric_collection_run_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "metric_collection_run" add constraint "metric_collection_run_trigger_check" check ("trigger" in (\'schedule\', \'manual\'))',
    );
    this.addSql(
      "alter table \"metric_collection_run\" add constraint \"metric_collection_run_status_check\" check (\"status\" in ('running', 'succeeded', 'partial', 'failed'))",
    );

    // Points: written in bulk by the collector, read with SQL (kept out of the ORM, like cost_daily).
    // One row per (watch, period start); 24 bytes of data a row.
    this.addSql(
      'create table "metric_point" ("watch_id" uuid not null references "metric_watch" ("id") on delete cascade, "ts" timestamptz not null, "value" double precision not null, primary key ("watch_id", "ts"))',
    );
    this.addSql('create index "metric_point_ts_index" on "metric_point" ("ts")');

    this.addSql('alter table "anomaly" add column "kind" text not null default \'cost\'');
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_kind_check" check ("kind" in (\'cost\', \'metric\'))',
    );
    this.addSql('alter table "anomaly" alter column "monitor_id" drop not null');
    this.addSql('alter table "anomaly" add column "watch_id" uuid null');
    this.addSql('alter table "anomaly" add column "start_at" timestamptz null');
    this.addSql('alter table "anomaly" add column "end_at" timestamptz null');
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_watch_id_foreign" foreign key ("watch_id") references "metric_watch" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "anomaly" add constraint "anomaly_watch_id_start_at_unique" unique ("watch_id", "start_at")',
    );
  }
}
