import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from '@cost-optimizer/dto';
import { unauthorized } from './errors';

/** Who is calling: from the access token, then the database or the replica's CallerCache (caller-cache.ts). */
export interface AuthUser {
  userId: string;
  email: string;
  tenantId: string;
  role: Role;
  isGlobalOwner: boolean;
}

export const IS_PUBLIC = 'costopt:public';
export const ROLES = 'costopt:roles';
export const GLOBAL_OWNER = 'costopt:global-owner';

/** No access token needed. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Only these tenant roles (viewers read, owners/admins change). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);
/**
 * Only platform administrators. Such a route runs in the platform database scope (every tenant's rows), or, with
 * @AdminOfTenant, in the scope of the one tenant its path names; each successful call is audited (platform.access).
 */
export const GlobalOwnerOnly = () => SetMetadata(GLOBAL_OWNER, true);
export const ADMIN_TENANT_PARAM = 'costopt:admin-tenant-param';
/** A global-owner route about one tenant, named by this path parameter: it sees only that tenant's rows. */
export const AdminOfTenant = (param = 'id') => SetMetadata(ADMIN_TENANT_PARAM, param);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
  if (!user) throw unauthorized();
  return user;
});
