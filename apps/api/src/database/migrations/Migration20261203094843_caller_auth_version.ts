import { Migration } from '@mikro-orm/migrations';

/**
 * `app_user.auth_version`, raised by triggers (declared on UserSchema and MembershipSchema, in the form the ORM
 * generates) whenever a user's access changes: each API replica's caller cache drops what it knows about users whose
 * version rose (common/caller-cache.ts). The value is the change's time in microseconds, strictly increasing per user.
 */
export class Migration20261203094843CallerAuthVersion extends Migration {
  override up(): void {
    this.addSql('alter table "app_user" add "auth_version" bigint not null default \'0\'');
    this.addSql('create index "app_user_auth_version_index" on "app_user" ("auth_version")');
    this.addSql(
      'create or replace function "app_user_app_user_bump_auth_version_fn"() returns trigger as $$ begin if old.disabled_at is distinct from new.disabled_at or old.is_global_owner is distinct from new.is_global_owner or old.email is distinct from new.email then new.auth_version := greatest(old.auth_version + 1, (extract(epoch from clock_timestamp()) * 1000000)::bigint); end if; return new; end; $$ language plpgsql',
    );
    this.addSql(
      'create trigger "app_user_bump_auth_version" BEFORE UPDATE on "app_user" for each ROW execute function "app_user_app_user_bump_auth_version_fn"()',
    );
    this.addSql(
      'create or replace function "membership_membership_bump_auth_version_fn"() returns trigger as $$ begin update app_user set auth_version = greatest(auth_version + 1, (extract(epoch from clock_timestamp()) * 1000000)::bigint) where id = old.user_id or id = new.user_id; return null; end; $$ language plpgsql',
    );
    this.addSql(
      'create trigger "membership_bump_auth_version" AFTER UPDATE OR DELETE on "membership" for each ROW execute function "membership_membership_bump_auth_version_fn"()',
    );
  }
}
