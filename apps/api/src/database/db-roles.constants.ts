/**
 * The database roles of row-level security (created by Migration20261125060000_row_level_security, cluster-wide).
 * Neither logs in, owns a table, is a superuser or has BYPASSRLS. The API's login role is a NOINHERIT member of
 * both: it has no privileges of its own, so every transaction must `set local role` to one of them (a query that
 * forgets fails with "permission denied" instead of reading too much).
 */
export const TENANT_ROLE = 'cost_optimizer_tenant';
/** Cross-tenant work: job queues, the nightly fan-out, sign-in, and global-owner routes (which are audited). */
export const PLATFORM_ROLE = 'cost_optimizer_platform';
/** The transaction-local setting the tenant role's policies compare `tenant_id` with. */
export const TENANT_SETTING = 'app.tenant_id';
/** Login role the API creates for itself when DATABASE_APP_URL is not set. */
export const DEFAULT_APP_LOGIN_ROLE = 'cost_optimizer_api';

const CURRENT_TENANT = `nullif(current_setting('${TENANT_SETTING}', true), '')::uuid`;

/**
 * Row-level security of a tenant-owned table, declared on its entity so the schema check knows it (the migration
 * creates the same): forced (the owner too), the tenant role limited to the current tenant's rows, the platform
 * role unlimited.
 */
export function tenantRls(column: 'tenant_id' | 'id' = 'tenant_id') {
  const own = `${column} = ${CURRENT_TENANT}`;
  return {
    rowLevelSecurity: 'force' as const,
    policies: [
      { name: 'tenant_isolation', command: 'all' as const, roles: [TENANT_ROLE], using: own, check: own },
      {
        name: 'platform_access',
        command: 'all' as const,
        roles: [PLATFORM_ROLE],
        using: 'true',
        check: 'true',
      },
    ],
  };
}
