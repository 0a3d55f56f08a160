import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AddMemberRequestSchema,
  MemberListSchema,
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

const UserIdPipe = new ZodPipe(UuidSchema.meta({ description: 'user id' }), 'path');

@ApiTags('tenants')
@Controller('tenants/current')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiContract({ summary: 'Your current tenant', response: TenantSchema })
  current(@CurrentUser() u: AuthUser) {
    return this.tenants.current(u.tenantId);
  }

  @Patch()
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Rename the tenant or choose its default cost measure (owner/admin)',
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
  @ApiContract({ summary: 'Members of your tenant', response: MemberListSchema })
  members(@CurrentUser() u: AuthUser) {
    return this.tenants.members(u.tenantId);
  }

  @Post('members')
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Add an existing account to the tenant with a role (owner/admin)',
    body: AddMemberRequestSchema,
    response: MemberSchema,
    status: 201,
    errors: {
      400: 'VALIDATION_FAILED',
      403: 'FORBIDDEN',
      409: 'CONFLICT: already a member',
      422: 'USER_NOT_FOUND: they sign up first',
    },
  })
  add(@CurrentUser() u: AuthUser, @Body(new ZodPipe(AddMemberRequestSchema)) body: AddMemberRequest) {
    return this.tenants.addMember(u, body);
  }

  @Patch('members/:userId')
  @Roles('owner', 'admin')
  @ApiParam({ name: 'userId', format: 'uuid' })
  @ApiContract({
    summary: "Change a member's role (owner/admin; only owners grant or take ownership)",
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
    status: 204,
    errors: { 403: 'FORBIDDEN', 404: 'NOT_FOUND', 422: 'LAST_OWNER' },
  })
  async remove(@CurrentUser() u: AuthUser, @Param('userId', UserIdPipe) userId: string): Promise<void> {
    await this.tenants.removeMember(u, userId);
  }
}
