import { Migration } from '@mikro-orm/migrations';
import { TENANT_ROLE } from '../db-roles.constants';

/**
 * Email verification before sign-in: `pending_signup` holds a sign-up until the link of its verification email is
 * used (a platform table holding password hashes: the tenant role gets no privilege on it, whatever the default
 * privileges grant). Invitations get the hash of their emailed link's token.
 */
export class Migration20261204130000SignupVerification extends Migration {
  override up(): void {
    this.addSql(
      `create table "pending_signup" ("id" uuid not null, "email" varchar(320) not null, "token_hash" varchar(64) not null, "password_hash" varchar(255) not null, "name" varchar(120) null, "tenant_name" varchar(120) null, "created_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("id"))`,
    );
    this.addSql(`alter table "pending_signup" add constraint "pending_signup_email_unique" unique ("email")`);
    this.addSql(
      `alter table "pending_signup" add constraint "pending_signup_token_hash_unique" unique ("token_hash")`,
    );
    this.addSql(`create index "pending_signup_expires_at_index" on "pending_signup" ("expires_at")`);
    this.addSql(`revoke all on table "pending_signup" from "${TENANT_ROLE}"`);
    this.addSql(`alter table "invitation" add "token_hash" varchar(64) null`);
  }
}
