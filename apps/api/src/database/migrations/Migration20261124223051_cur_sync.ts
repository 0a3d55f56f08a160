import { Migration } from '@mikro-orm/migrations';

/** Sync runs (also the job queue) and the daily cost table the CUR sync fills. */
export class Migration20261124223051CurSync extends Migration {
  override up(): void {
    // Written only by COPY (no ORM entity, skipped by the schema diff). No foreign key: bulk loads stay fast;
    // a month slice is replaced in one transaction. One row per tenant, UTC day and dimension combination.
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
      "line_items" integer not null)`);
    this.addSql('create index "cost_daily_tenant_date_index" on "cost_daily" ("tenant_id", "usage_date")');
    this.addSql(
      'create table "sync_run" ("id" uuid not null, "tenant_id" uuid not null, "status" text not null, "trigger" text not null, "months" jsonb not null, "schedule_key" varchar(64) null, "progress" jsonb not null, "rows_loaded" int not null default 0, "bytes_scanned" bigint not null default \'0\', "athena_ms" int not null default 0, "load_ms" int not null default 0, "attempt" int not null default 1, "error" jsonb null, "locked_by" varchar(100) null, "heartbeat_at" timestamptz null, "not_before" timestamptz null, "created_at" timestamptz not null, "started_at" timestamptz null, "finished_at" timestamptz null, primary key ("id"))',
    );
    this.addSql(
      'alter table "sync_run" add constraint "sync_run_schedule_key_unique" unique ("schedule_key")',
    );
    this.addSql(
      'create index "sync_run_tenant_id_created_at_index" on "sync_run" ("tenant_id", "created_at")',
    );
    this.addSql('create index "sync_run_status_not_before_index" on "sync_run" ("status", "not_before")');
    this.addSql(
      'create unique index "sync_run_one_active_per_tenant" on "sync_run" ("tenant_id") where status in (\'queued\', \'running\')',
    );
    this.addSql(
      'alter table "sync_run" add constraint "sync_run_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      "alter table \"sync_run\" add constraint \"sync_run_status_check\" check (\"status\" in ('queued', 'running', 'succeeded', 'failed'))",
    );
    this.addSql(
      'alter table "sync_run" add constraint "sync_run_trigger_check" check ("trigger" in (\'manual\', \'nightly\', \'connect\'))',
    );
  }
}
