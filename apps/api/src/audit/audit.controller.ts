import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import {
  AuditEventPageSchema,
  AuditEventQuerySchema,
  UuidSchema,
  type AuditEventQuery,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { AdminOfTenant, CurrentUser, GlobalOwnerOnly, Roles, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { TenantsService } from '../tenants/tenants.service';
import { AuditService } from './audit.service';

const QueryPipe = new ZodPipe(AuditEventQuerySchema, 'query');

@ApiTags('audit')
@Controller('audit-events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('owner')
  @ApiContract({
    summary: "Your tenant's audit log, newest first (owners only)",
    description:
      "Who did what and when in this tenant: members added and removed and their role changes, tenant settings, AWS connection changes, anomaly monitors, alert subscriptions, and platform administrators' access (`platform.access`). Filter with `action`; paginated with `page` and `page_size`. Secrets are never recorded.",
    query: AuditEventQuerySchema,
    response: AuditEventPageSchema,
    errors: [400, 403],
  })
  list(@CurrentUser() u: AuthUser, @Query(QueryPipe) q: AuditEventQuery) {
    return this.audit.list(u.tenantId, q);
  }
}

@ApiTags('admin')
@GlobalOwnerOnly()
@AdminOfTenant()
@Controller('admin/tenants/:id/audit-events')
export class AdminAuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly tenants: TenantsService,
  ) {}

  @Get()
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: "A tenant's audit log, newest first (global owners)",
    description:
      "The tenant's audit log for support. The call itself is recorded in the audit log of both tenants (`platform.access`).",
    query: AuditEventQuerySchema,
    response: AuditEventPageSchema,
    errors: [400, 403, 404],
  })
  async list(@Param('id', new ZodPipe(UuidSchema, 'path')) id: string, @Query(QueryPipe) q: AuditEventQuery) {
    await this.tenants.current(id);
    return this.audit.list(id, q);
  }
}
