import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AdminTenantDetailSchema,
  AdminTenantListQuerySchema,
  AdminTenantPageSchema,
  AdminUserSchema,
  UuidSchema,
  type AdminTenantListQuery,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { AdminOfTenant, CurrentUser, GlobalOwnerOnly, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { TenantsService } from './tenants.service';

@ApiTags('admin')
@GlobalOwnerOnly()
@Controller('admin/tenants')
export class AdminTenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiContract({
    summary: 'All tenants (global owners only), newest first, paginated and searchable',
    description:
      "Every tenant with its member count and owners' emails. `q` searches tenant names and member emails; paginated with `page` and `page_size`. Recorded in the administrator's audit log (`platform.access`).",
    query: AdminTenantListQuerySchema,
    response: AdminTenantPageSchema,
    errors: [400, 403],
  })
  list(@Query(new ZodPipe(AdminTenantListQuerySchema, 'query')) q: AdminTenantListQuery) {
    return this.tenants.adminList(q);
  }

  @Get(':id')
  @AdminOfTenant()
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'One tenant with its members (global owners only)',
    description:
      'The tenant and its members with their roles. Recorded in the audit log of both tenants (`platform.access`).',
    response: AdminTenantDetailSchema,
    errors: [403, 404],
  })
  detail(@Param('id', new ZodPipe(UuidSchema, 'path')) id: string) {
    return this.tenants.adminDetail(id);
  }
}

const UserIdPipe = new ZodPipe(UuidSchema, 'path');

@ApiTags('admin')
@GlobalOwnerOnly()
@Controller('admin/users/:id')
export class AdminUsersController {
  constructor(private readonly tenants: TenantsService) {}

  @Post('disable')
  @HttpCode(200)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Disable an account (global owners): its sessions end and it can no longer log in',
    description:
      'Revokes every refresh token of the account at once; its access tokens stop working at the next request. Login then answers as for a wrong password. Idempotent.',
    response: AdminUserSchema,
    errors: { 403: 'FORBIDDEN', 404: 'NOT_FOUND', 422: 'CANNOT_DISABLE_SELF' },
  })
  disable(@CurrentUser() u: AuthUser, @Param('id', UserIdPipe) id: string) {
    return this.tenants.setUserDisabled(u, id, true);
  }

  @Post('enable')
  @HttpCode(200)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Enable a disabled account again (global owners)',
    description:
      'The account can log in again with its password; sessions ended when it was disabled stay ended. Idempotent.',
    response: AdminUserSchema,
    errors: [403, 404],
  })
  enable(@CurrentUser() u: AuthUser, @Param('id', UserIdPipe) id: string) {
    return this.tenants.setUserDisabled(u, id, false);
  }
}
