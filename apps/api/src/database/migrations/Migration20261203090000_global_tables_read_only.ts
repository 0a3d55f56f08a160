import { Migration } from '@mikro-orm/migrations';
import { TENANT_ROLE } from '../db-roles.constants';

/** The columns of `app_user` a tenant scope reads (members, the caller's flags): every one but `password_hash`. */
export const APP_USER_TENANT_COLUMNS = [
  'id',
  'email',
  'name',
  'is_global_owner',
  'disabled_at',
  'created_at',
];

/**
 * The tenant role loses every write on the global tables, and the password hashes.
 *
 * `app_user` and `rate_limit_bucket` hold no tenant's rows, so row-level security cannot narrow them: the first
 * migration granted the tenant role DML on them, which let a tenant scope `update app_user set is_global_owner =
 * true` and read `password_hash`. Now the tenant role may only SELECT the columns above of `app_user` and nothing of
 * `rate_limit_bucket`; sign-up, sign-in, the administrator's account and disabling users write through the platform
 * scope, which keeps its grants.
 */
export class Migration20261203090000GlobalTablesReadOnly extends Migration {
  override up(): void {
    this.addSql(`revoke all on table "app_user" from "${TENANT_ROLE}"`);
    this.addSql(
      `grant select (${APP_USER_TENANT_COLUMNS.map((c) => `"${c}"`).join(', ')}) on table "app_user" to "${TENANT_ROLE}"`,
    );
    this.addSql(`revoke all on table "rate_limit_bucket" from "${TENANT_ROLE}"`);
  }
}
