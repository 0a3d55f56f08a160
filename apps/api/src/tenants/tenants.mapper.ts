import type { AdminTenant, Invitation, Member, Tenant as TenantDto } from '@cost-optimizer/dto';
import type { InvitationEntity } from './invitation.entity';
import type { Membership, Tenant } from './tenant.entity';

type TenantRow = Pick<Tenant, 'id' | 'name' | 'created_at'>;

export const toTenantDto = (t: Tenant): TenantDto => ({
  id: t.id,
  name: t.name,
  created_at: t.created_at.toISOString(),
  default_measure: t.default_measure,
});

export const toMemberDto = (m: Membership): Member => ({
  user_id: m.user.id,
  email: m.user.email,
  name: m.user.name ?? null,
  role: m.role,
  joined_at: m.created_at.toISOString(),
});

export const toAdminTenantDto = (t: TenantRow, memberCount: number, ownerEmails: string[]): AdminTenant => ({
  id: t.id,
  name: t.name,
  created_at: t.created_at.toISOString(),
  member_count: memberCount,
  owner_emails: ownerEmails,
});

export const toInvitationDto = (i: InvitationEntity): Invitation => ({
  id: i.id,
  email: i.email,
  role: i.role,
  invited_at: i.created_at.toISOString(),
  expires_at: i.expires_at.toISOString(),
});
