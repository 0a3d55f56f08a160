import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AddMemberRequestSchema,
  InvitationListSchema,
  InvitationSchema,
  MemberListSchema,
  MyInvitationListSchema,
  MemberSchema,
  TenantSchema,
  UpdateMemberRequestSchema,
  UpdateTenantRequestSchema,
  UuidSchema,
  type AddMemberRequest,
  type UpdateMemberRequest,
  type UpdateTenantRequest,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { CurrentUser, Roles, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { TenantsService } from './tenants.service';

const IdPipe = new ZodPipe(UuidSchema, 'path');
const UserIdPipe = new ZodPipe(UuidSchema.meta({ description: 'user id' }), 'path');

@ApiTags('tenants')
@Controller('tenants/current')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiContract({
    summary: 'Your current tenant',
    description:
      'The tenant this access token works in: its id, name, creation time and the default cost measure.',
    response: TenantSchema,
  })
  current(@CurrentUser() u: AuthUser) {
    return this.tenants.current(u.tenantId);
  }

  @Patch()
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Rename the tenant or choose its default cost measure (owner/admin)',
    description:
      'The default measure (unblended, net_unblended, amortized or net_amortized) is what the dashboard, the cost explorer and the anomaly monitors use when a request names none. Each change is recorded in the audit log.',
    body: UpdateTenantRequestSchema,
    response: TenantSchema,
    errors: [400, 403],
  })
  rename(
    @CurrentUser() u: AuthUser,
    @Body(new ZodPipe(UpdateTenantRequestSchema)) body: UpdateTenantRequest,
  ) {
    return this.tenants.update(u.tenantId, body);
  }

  @Get('members')
  @ApiContract({
    summary: 'Members of your tenant',
    description:
      'Every member with email, name, role (owner, admin, viewer) and when they joined. People invited but not joined yet are under GET /api/tenants/current/invitations.',
    response: MemberListSchema,
  })
  members(@CurrentUser() u: AuthUser) {
    return this.tenants.members(u.tenantId);
  }

  @Post('members')
  @HttpCode(202)
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Invite someone to your tenant (owner/admin; only owners invite owners)',
    description:
      'Nobody becomes a member without consent: this creates an invitation, which the person accepts signed in with this email (POST /api/invitations/{id}/accept; they sign up first if they have no account). The answer is the same whether or not an account uses the email. When the platform sends email, the invitee gets a link to the console (`/invitation?token=…`, single use) to accept signed in, or to sign up with the invited email straight into the tenant (POST /api/auth/signup with `invitation_token`). Inviting again renews the invitation (14 days) with the new role and a new link.',
    body: AddMemberRequestSchema,
    response: InvitationSchema,
    status: 202,
    errors: {
      400: 'VALIDATION_FAILED',
      403: 'FORBIDDEN',
      409: 'CONFLICT: already a member',
    },
  })
  add(@CurrentUser() u: AuthUser, @Body(new ZodPipe(AddMemberRequestSchema)) body: AddMemberRequest) {
    return this.tenants.addMember(u, body);
  }

  @Get('invitations')
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Pending invitations of your tenant (owner/admin)',
    description:
      'Invitations not accepted yet: the invited email, the role they will get, when they were invited and when the invitation expires (14 days after the last invitation).',
    response: InvitationListSchema,
    errors: [403],
  })
  invitations(@CurrentUser() u: AuthUser) {
    return this.tenants.invitations(u.tenantId);
  }

  @Delete('invitations/:id')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Revoke an invitation (owner/admin)',
    description:
      'The invitation can no longer be accepted. Recorded in the audit log (`member.invitation_revoked`).',
    status: 204,
    errors: [403, 404],
  })
  async revoke(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string): Promise<void> {
    await this.tenants.revokeInvitation(u, id);
  }

  @Patch('members/:userId')
  @Roles('owner', 'admin')
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiContract({
    summary: "Change a member's role (owner/admin; only owners grant or take ownership)",
    description:
      "The new role applies to the member's next requests on every API replica within the caller cache's bound (docs/security.md). A tenant always keeps one owner. Recorded in the audit log.",
    body: UpdateMemberRequestSchema,
    response: MemberSchema,
    errors: { 400: 'VALIDATION_FAILED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 422: 'LAST_OWNER' },
  })
  changeRole(
    @CurrentUser() u: AuthUser,
    @Param('userId', UserIdPipe) userId: string,
    @Body(new ZodPipe(UpdateMemberRequestSchema)) body: UpdateMemberRequest,
  ) {
    return this.tenants.changeRole(u, userId, body.role);
  }

  @Delete('members/:userId')
  @Roles('owner', 'admin')
  @HttpCode(204)
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiContract({
    summary: 'Remove a member (never the last owner)',
    description:
      "The member loses access to this tenant: their tokens for it are refused within the caller cache's bound (docs/security.md). Their account and their other memberships stay. Recorded in the audit log.",
    status: 204,
    errors: { 403: 'FORBIDDEN', 404: 'NOT_FOUND', 422: 'LAST_OWNER' },
  })
  async remove(@CurrentUser() u: AuthUser, @Param('userId', UserIdPipe) userId: string): Promise<void> {
    await this.tenants.removeMember(u, userId);
  }
}

@ApiTags('tenants')
@Controller('invitations')
export class InvitationsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiContract({
    summary: 'Invitations addressed to your email, in every tenant',
    description:
      "Pending invitations to the signed-in account's email address, with the inviting tenant and the role offered; accept one with POST /api/invitations/{id}/accept.",
    response: MyInvitationListSchema,
  })
  mine(@CurrentUser() u: AuthUser) {
    return this.tenants.myInvitations(u);
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Accept an invitation addressed to your email: you become a member of its tenant',
    description: 'Log in with that tenant_id (or pick it in the console) to work in it.',
    response: MemberSchema,
    errors: [404],
  })
  accept(@CurrentUser() u: AuthUser, @Param('id', IdPipe) id: string) {
    return this.tenants.acceptInvitation(u, id);
  }
}
