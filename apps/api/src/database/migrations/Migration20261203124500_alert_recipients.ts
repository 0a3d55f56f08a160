import { Migration } from '@mikro-orm/migrations';

/**
 * Email alert recipients confirm before they get alerts (`alert_recipient`, one row per tenant and address), and
 * on-demand sends are counted per tenant (`alert_send_log`: test alerts, confirmation emails). Both tenant-owned,
 * with row-level security like every tenant table.
 */
export class Migration20261203124500AlertRecipients extends Migration {
  override up(): void {
    this.addSql(
      `create table "alert_send_log" ("id" uuid not null, "tenant_id" uuid not null, "kind" text not null, "count" int not null, "created_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(
      `create index "alert_send_log_tenant_id_kind_created_at_index" on "alert_send_log" ("tenant_id", "kind", "created_at")`,
    );
    this.addSql(
      `create table "alert_recipient" ("id" uuid not null, "tenant_id" uuid not null, "email" varchar(320) not null, "token_hash" varchar(64) null, "sent_at" timestamptz null, "confirmed_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(
      `alter table "alert_recipient" add constraint "alert_recipient_token_hash_unique" unique ("token_hash")`,
    );
    this.addSql(
      `alter table "alert_recipient" add constraint "alert_recipient_tenant_id_email_unique" unique ("tenant_id", "email")`,
    );
    this.addSql(
      `alter table "alert_send_log" add constraint "alert_send_log_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade`,
    );
    this.addSql(
      `alter table "alert_send_log" add constraint "alert_send_log_kind_check" check ("kind" in (\'test\', \'confirmation\'))`,
    );
    this.addSql(`alter table "alert_send_log" enable row level security`);
    this.addSql(`alter table "alert_send_log" force row level security`);
    this.addSql(
      `create policy "tenant_isolation" on "alert_send_log" to "cost_optimizer_tenant" using (tenant_id = nullif(current_setting(\'app.tenant_id\', true), \'\')::uuid) with check (tenant_id = nullif(current_setting(\'app.tenant_id\', true), \'\')::uuid)`,
    );
    this.addSql(
      `create policy "platform_access" on "alert_send_log" to "cost_optimizer_platform" using (true) with check (true)`,
    );
    this.addSql(
      `alter table "alert_recipient" add constraint "alert_recipient_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade`,
    );
    this.addSql(`alter table "alert_recipient" enable row level security`);
    this.addSql(`alter table "alert_recipient" force row level security`);
    this.addSql(
      `create policy "tenant_isolation" on "alert_recipient" to "cost_optimizer_tenant" using (tenant_id = nullif(current_setting(\'app.tenant_id\', true), \'\')::uuid) with check (tenant_id = nullif(current_setting(\'app.tenant_id\', true), \'\')::uuid)`,
    );
    this.addSql(
      `create policy "platform_access" on "alert_recipient" to "cost_optimizer_platform" using (true) with check (true)`,
    );
  }
}
