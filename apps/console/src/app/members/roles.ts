import { Role, RoleSchema } from '@cost-optimizer/dto';

export const ROLES: readonly Role[] = RoleSchema.options;

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  viewer: 'Viewer',
};
