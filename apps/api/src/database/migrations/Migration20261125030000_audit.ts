import { Migration } from '@mikro-orm/migrations';

/** The audit log (apps/api/src/audit): who changed what in a tenant. */
export class Migration20261125030000Audit extends Migration {
  override up(): void {
    this.addSql(
      'create table "audit_event" ("id" uuid not null, "tenant_id" uuid not null, "actor_user_id" uuid null, "actor_email" varchar(254) null, "action" varchar(64) not null, "target_type" varchar(40) null, "target_id" varchar(300) null, "details" jsonb not null, "ip" varchar(64) null, "correlation_id" varchar(100) null, "at" timestamptz not null, primary key ("id"))',
    );
    this.addSql('create index "audit_event_tenant_id_at_index" on "audit_event" ("tenant_id", "at")');
    this.addSql(
      'alter table "audit_event" add constraint "audit_event_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade',
    );
  }
}
