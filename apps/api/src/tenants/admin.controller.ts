import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AdminTenantDetailSchema,
  AdminTenantListQuerySchema,
  AdminTenantPageSchema,
  UuidSchema,
  type AdminTenantListQuery,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { GlobalOwnerOnly } from '../common/auth-user';
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
    query: AdminTenantListQuerySchema,
    response: AdminTenantPageSchema,
    errors: [400, 403],
  })
  list(@Query(new ZodPipe(AdminTenantListQuerySchema, 'query')) q: AdminTenantListQuery) {
    return this.tenants.adminList(q);
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'One tenant with its members (global owners only)',
    response: AdminTenantDetailSchema,
    errors: [403, 404],
  })
  detail(@Param('id', new ZodPipe(UuidSchema, 'path')) id: string) {
    return this.tenants.adminDetail(id);
  }
}
