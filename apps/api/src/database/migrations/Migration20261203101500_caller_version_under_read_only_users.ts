import { Migration } from '@mikro-orm/migrations';
import { TENANT_ROLE } from '../db-roles.constants';

/**
 * Reconciles two migrations of the same day: `global_tables_read_only` left the tenant role a column-level SELECT
 * on `app_user` (no writes), and `caller_auth_version` added `app_user.auth_version` with a membership trigger that
 * raises it. The tenant role may read the new column (the caller cache reads it in the caller's scope), and the
 * membership trigger's function runs as its owner (SECURITY DEFINER, fixed search_path), so removing or re-roling
 * a member in a tenant scope can raise the user's version without the tenant role holding any write on `app_user`.
 */
export class Migration20261203101500CallerVersionUnderReadOnlyUsers extends Migration {
  override up(): void {
    this.addSql(`grant select ("auth_version") on table "app_user" to "${TENANT_ROLE}"`);
    this.addSql(
      `alter function "membership_membership_bump_auth_version_fn"() security definer set search_path = pg_catalog, public`,
    );
  }
}
