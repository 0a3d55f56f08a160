import { Migration } from '@mikro-orm/migrations';

/** Alert subscriptions, the delivery outbox and what was alerted; matches the entities (schema-diff prints nothing). */
export class Migration20261125010000Alerts extends Migration {
  override up(): void {
    this.addSql(
      'create table "alert_subscription" ("id" uuid not null, "tenant_id" uuid not null, "name" varchar(120) not null, "channel" text not null, "recipients" jsonb not null, "url_sealed" text null, "url_masked" varchar(300) null, "secret_sealed" text null, "min_impact_usd" numeric(20,2) null, "min_impact_pct" numeric(12,2) null, "threshold_mode" text not null, "frequency" text not null, "monitor_ids" jsonb not null, "enabled" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql(
      'create index "alert_subscription_tenant_id_created_at_index" on "alert_subscription" ("tenant_id", "created_at")',
    );
    this.addSql(
      'create table "alert_delivery" ("id" uuid not null, "tenant_id" uuid not null, "subscription_id" uuid not null, "kind" text not null, "status" text not null, "subject" varchar(500) not null, "items" jsonb not null, "level" int null, "attempts" int not null default 0, "max_attempts" int not null, "last_error" jsonb null, "next_attempt_at" timestamptz null, "locked_by" varchar(120) null, "locked_at" timestamptz null, "sent_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql('create index "alert_delivery_tenant_id_index" on "alert_delivery" ("tenant_id")');
    this.addSql(
      'create index "alert_delivery_subscription_id_created_at_index" on "alert_delivery" ("subscription_id", "created_at")',
    );
    this.addSql(
      'create index "alert_delivery_status_next_attempt_at_index" on "alert_delivery" ("status", "next_attempt_at")',
    );
    this.addSql(
      'create table "alert_event" ("id" uuid not null, "tenant_id" uuid not null, "subscription_id" uuid not null, "anomaly_id" uuid not null, "level" int not null, "delivery_id" uuid null, "item" jsonb not null, "created_at" timestamptz not null, primary key ("id"))',
    );
    this.addSql('create index "alert_event_tenant_id_index" on "alert_event" ("tenant_id")');
    this.addSql('create index "alert_event_anomaly_id_index" on "alert_event" ("anomaly_id")');
    this.addSql('create index "alert_event_delivery_id_index" on "alert_event" ("delivery_id")');
    this.addSql(
      'alter table "alert_event" add constraint "alert_event_subscription_id_anomaly_id_level_unique" unique ("subscription_id", "anomaly_id", "level")',
    );
    this.addSql(
      'alter table "alert_subscription" add constraint "alert_subscription_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "alert_subscription" add constraint "alert_subscription_channel_check" check ("channel" in (\'email\', \'slack\', \'webhook\'))',
    );
    this.addSql(
      'alter table "alert_subscription" add constraint "alert_subscription_threshold_mode_check" check ("threshold_mode" in (\'and\', \'or\'))',
    );
    this.addSql(
      'alter table "alert_subscription" add constraint "alert_subscription_frequency_check" check ("frequency" in (\'immediate\', \'daily\', \'weekly\'))',
    );
    this.addSql(
      'alter table "alert_delivery" add constraint "alert_delivery_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "alert_delivery" add constraint "alert_delivery_subscription_id_foreign" foreign key ("subscription_id") references "alert_subscription" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "alert_delivery" add constraint "alert_delivery_kind_check" check ("kind" in (\'alert\', \'digest\', \'test\'))',
    );
    this.addSql(
      "alter table \"alert_delivery\" add constraint \"alert_delivery_status_check\" check (\"status\" in ('queued', 'sending', 'sent', 'failed', 'cancelled'))",
    );
    this.addSql(
      'alter table "alert_event" add constraint "alert_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "alert_event" add constraint "alert_event_subscription_id_foreign" foreign key ("subscription_id") references "alert_subscription" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "alert_event" add constraint "alert_event_anomaly_id_foreign" foreign key ("anomaly_id") references "anomaly" ("id") on delete cascade',
    );
    this.addSql(
      'alter table "alert_event" add constraint "alert_event_delivery_id_foreign" foreign key ("delivery_id") references "alert_delivery" ("id") on delete set null',
    );
  }
}
