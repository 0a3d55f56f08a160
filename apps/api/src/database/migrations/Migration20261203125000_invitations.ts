import { Migration } from '@mikro-orm/migrations';

/**
 * Members join by invitation: adding a member creates an `invitation` (tenant-owned, row-level security like every
 * tenant table) that the person accepts signed in with that email.
 */
export class Migration20261203125000Invitations extends Migration {
  override up(): void {
    this.addSql(
      `create table "invitation" ("id" uuid not null, "tenant_id" uuid not null, "email" varchar(320) not null, "role" text not null, "invited_by" uuid null, "created_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(`create index "invitation_email_index" on "invitation" ("email")`);
    this.addSql(
      `alter table "invitation" add constraint "invitation_tenant_id_email_unique" unique ("tenant_id", "email")`,
    );
    this.addSql(
      `alter table "invitation" add constraint "invitation_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade`,
    );
    this.addSql(
      `alter table "invitation" add constraint "invitation_role_check" check ("role" in ('owner', 'admin', 'viewer'))`,
    );
    this.addSql(`alter table "invitation" enable row level security`);
    this.addSql(`alter table "invitation" force row level security`);
    this.addSql(
      `create policy "tenant_isolation" on "invitation" to "cost_optimizer_tenant" using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)`,
    );
    this.addSql(
      `create policy "platform_access" on "invitation" to "cost_optimizer_platform" using (true) with check (true)`,
    );
  }
}
