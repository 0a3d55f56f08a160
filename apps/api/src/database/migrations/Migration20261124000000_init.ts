import { Migration } from '@mikro-orm/migrations';

/** Tenants, users, memberships, refresh tokens and rate-limit counters. */
export class Migration20261124000000Init extends Migration {
  override up(): void {
    this.addSql(
      `create table "rate_limit_bucket" ("key" varchar(300) not null, "count" int not null, "expires_at" timestamptz not null, primary key ("key"))`,
    );
    this.addSql(`create index "rate_limit_bucket_expires_at_index" on "rate_limit_bucket" ("expires_at")`);
    this.addSql(
      `create table "tenant" ("id" uuid not null, "name" varchar(120) not null, "created_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(
      `create table "app_user" ("id" uuid not null, "email" varchar(254) not null, "name" varchar(120) null, "password_hash" varchar(255) not null, "is_global_owner" boolean not null default false, "disabled_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(`alter table "app_user" add constraint "app_user_email_unique" unique ("email")`);
    this.addSql(
      `create table "refresh_token" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "used_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(`create index "refresh_token_tenant_id_index" on "refresh_token" ("tenant_id")`);
    this.addSql(`create index "refresh_token_user_id_index" on "refresh_token" ("user_id")`);
    this.addSql(`create index "refresh_token_family_id_index" on "refresh_token" ("family_id")`);
    this.addSql(
      `create table "membership" ("id" uuid not null, "tenant_id" uuid not null, "user_id" uuid not null, "role" text not null, "created_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(`create index "membership_tenant_id_index" on "membership" ("tenant_id")`);
    this.addSql(`create index "membership_user_id_index" on "membership" ("user_id")`);
    this.addSql(
      `alter table "membership" add constraint "membership_tenant_id_user_id_unique" unique ("tenant_id", "user_id")`,
    );
    this.addSql(
      `alter table "membership" add constraint "membership_role_check" check ("role" in ('owner', 'admin', 'viewer'))`,
    );
    this.addSql(
      `alter table "refresh_token" add constraint "refresh_token_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade`,
    );
    this.addSql(
      `alter table "refresh_token" add constraint "refresh_token_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on delete cascade`,
    );
    this.addSql(
      `alter table "membership" add constraint "membership_tenant_id_foreign" foreign key ("tenant_id") references "tenant" ("id") on delete cascade`,
    );
    this.addSql(
      `alter table "membership" add constraint "membership_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on delete cascade`,
    );
  }
}
