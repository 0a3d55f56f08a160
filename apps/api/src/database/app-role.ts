import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import type { AppConfig } from '../config/config';
import { DEFAULT_APP_LOGIN_ROLE, PLATFORM_ROLE, TENANT_ROLE } from './db-roles.constants';

/** Why the API refuses a database login: row-level security would not hold for it. */
export class DatabaseRoleError extends Error {}

interface RoleFacts {
  role: string;
  rolsuper: boolean;
  rolbypassrls: boolean;
  owns: boolean;
  tenant_member: boolean;
  platform_member: boolean;
  inherits: boolean;
}

/**
 * The URL the API runs on. DATABASE_URL is the owner (it migrates); the API itself must not be the owner, a
 * superuser or BYPASSRLS, or row-level security would not apply to it.
 *
 * - DATABASE_APP_URL set: that login is checked and used (the operator created it, see docs/operations.md).
 * - Not set: the API creates (once) or repairs the login role `cost_optimizer_api` through DATABASE_URL, with a
 *   password derived from DATABASE_URL's credentials (every replica derives the same one; whoever knows them is the
 *   owner already), and connects as it.
 * Either way the login must be a NOINHERIT member of both RLS roles and hold no privileges of its own.
 */
export async function prepareAppDatabase(config: AppConfig): Promise<string> {
  if (config.databaseAppUrl) {
    const facts = await inspect(config.databaseAppUrl);
    const problems = unsafe(facts);
    if (problems.length > 0)
      throw new DatabaseRoleError(
        `DATABASE_APP_URL: the role "${facts.role}" ${problems.join('; ')}. Create the API's login as in docs/operations.md ("Database roles").`,
      );
    return config.databaseAppUrl;
  }
  const url = new URL(config.databaseUrl);
  url.password = appLoginPassword(config.databaseUrl);
  url.username = DEFAULT_APP_LOGIN_ROLE;
  const appUrl = url.toString();
  for (let attempt = 1; ; attempt++) {
    let facts: RoleFacts | null = null;
    try {
      facts = await inspect(appUrl);
    } catch (e) {
      // 28P01 wrong password (the owner's credentials changed), 28000 no such role: (re)create it below
      const code = (e as { code?: string }).code;
      if (code !== '28P01' && code !== '28000') throw e;
    }
    if (facts && unsafe(facts).length === 0) return appUrl;
    if (facts && (facts.rolsuper || facts.rolbypassrls || facts.owns))
      throw new DatabaseRoleError(
        `The role "${facts.role}" ${unsafe(facts).join('; ')}: set DATABASE_APP_URL.`,
      );
    if (attempt > 3) throw new DatabaseRoleError(`Could not prepare the role "${DEFAULT_APP_LOGIN_ROLE}"`);
    await provision(config.databaseUrl, url.password).catch((e: unknown) => {
      const code = (e as { code?: string }).code;
      // another replica (or test process) doing the same at the same moment: look again
      if (code === 'XX000' || code === '23505' || code === '42710') return;
      if (code === '42501')
        throw new DatabaseRoleError(
          `DATABASE_URL's role may not create roles, so the API cannot create its own login "${DEFAULT_APP_LOGIN_ROLE}": set DATABASE_APP_URL (docs/operations.md, "Database roles")`,
        );
      throw e;
    });
  }
}

/** The derived password of `cost_optimizer_api`: an HMAC keyed by the owner's user name and password. */
export function appLoginPassword(ownerUrl: string): string {
  const owner = new URL(ownerUrl);
  return createHmac('sha256', `${decodeURIComponent(owner.username)}:${decodeURIComponent(owner.password)}`)
    .update('cost-optimizer database login')
    .digest('hex');
}

function unsafe(f: RoleFacts): string[] {
  const problems: string[] = [];
  if (f.rolsuper) problems.push('is a superuser');
  if (f.rolbypassrls) problems.push('has BYPASSRLS');
  if (f.owns) problems.push('owns tables of the schema');
  if (!f.tenant_member || !f.platform_member)
    problems.push(`must be a member of "${TENANT_ROLE}" and "${PLATFORM_ROLE}"`);
  if (f.inherits)
    problems.push("must be NOINHERIT (it would hold the platform role's access without asking)");
  return problems;
}

async function inspect(url: string): Promise<RoleFacts> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const res = await client.query<RoleFacts>(
      `select r.rolname as role, r.rolsuper, r.rolbypassrls,
              exists (select 1 from pg_class c where c.relowner = r.oid and c.relnamespace = 'public'::regnamespace) as owns,
              pg_has_role(current_user, $1, 'MEMBER') as tenant_member,
              pg_has_role(current_user, $2, 'MEMBER') as platform_member,
              (pg_has_role(current_user, $1, 'USAGE') or pg_has_role(current_user, $2, 'USAGE')) as inherits
         from pg_roles r where r.rolname = current_user`,
      [TENANT_ROLE, PLATFORM_ROLE],
    );
    return res.rows[0]!;
  } finally {
    await client.end();
  }
}

async function provision(ownerUrl: string, password: string): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // the password is hex, so it needs no quoting beyond the literal
    await client.query(`do $$ begin
  if not exists (select 1 from pg_roles where rolname = '${DEFAULT_APP_LOGIN_ROLE}') then
    create role "${DEFAULT_APP_LOGIN_ROLE}" login noinherit password '${password}';
  else
    alter role "${DEFAULT_APP_LOGIN_ROLE}" login noinherit password '${password}';
  end if;
  execute format('grant connect on database %I to "${DEFAULT_APP_LOGIN_ROLE}"', current_database());
end $$`);
    await client.query(`grant "${TENANT_ROLE}", "${PLATFORM_ROLE}" to "${DEFAULT_APP_LOGIN_ROLE}"`);
  } finally {
    await client.end();
  }
}

/** The API's runtime URL once prepareAppDatabase() has run (createApp does it before anything connects). */
export function appDatabaseUrl(config: AppConfig): string {
  if (!config.databaseAppUrl) throw new Error('prepareAppDatabase() has not run: no runtime database URL');
  return config.databaseAppUrl;
}
