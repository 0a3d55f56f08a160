import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post } from '@nestjs/common';
import { ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ConnectAwsSchema, ConnectionSchema, UuidSchema, type ConnectAws } from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import {
  AdminOfTenant,
  CurrentUser,
  GlobalOwnerOnly,
  Public,
  Roles,
  type AuthUser,
} from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { TenantsService } from '../tenants/tenants.service';
import { AwsConnectionService } from './aws-connection.service';
import { CloudFormationTemplate } from './cloudformation-template';

const CONNECT_ERRORS = {
  400: "VALIDATION_FAILED: a field is malformed, or external_id is not your tenant's (details say where to find it)",
  403: 'FORBIDDEN: viewers cannot change the connection',
  422:
    'A verification step failed; details = { step, hints, aws_error, steps }. Codes: ASSUME_ROLE_FAILED, INSECURE_TRUST_POLICY, ' +
    'ATHENA_WORKGROUP_NOT_FOUND, ATHENA_RESULTS_LOCATION_MISSING, ATHENA_TABLE_NOT_FOUND, UNSUPPORTED_TABLE, ATHENA_QUERY_FAILED, AWS_ERROR',
};
const CONNECT_DESCRIPTION = `Verifies, step by step: (1) AssumeRole with your External ID, (2) AssumeRole without it must fail,
(3) the Athena workgroup exists, (4) the database and table exist and look like a CUR (legacy, CUR 2.0 or FOCUS),
(5) a small partition-pruned query finds data. On success the settings are saved in one transaction with status
\`connected\`, or \`pending_data\` when the CUR has no rows yet (the first report takes 24-48 h). Repeating the same
request is harmless. A failure answers 422 with the failing step, AWS's own error text and hints, and never replaces
a working connection's settings. While it runs, GET /api/tenants/connection shows \`in_progress\`.`;

@ApiTags('aws-connection')
@Controller('tenants')
export class AwsConnectionController {
  constructor(private readonly connections: AwsConnectionService) {}

  @Get('connection')
  @ApiContract({
    summary:
      'Your AWS connection, External ID and CloudFormation links (always available, even before connecting)',
    response: ConnectionSchema,
  })
  get(@CurrentUser() u: AuthUser) {
    return this.connections.get(u.tenantId);
  }

  @Post('connect')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Connect (or reconfigure) the AWS account',
    description: CONNECT_DESCRIPTION,
    body: ConnectAwsSchema,
    response: ConnectionSchema,
    errors: CONNECT_ERRORS,
  })
  connect(@CurrentUser() u: AuthUser, @Body(new ZodPipe(ConnectAwsSchema)) body: ConnectAws) {
    return this.connections.connect(u.tenantId, body);
  }

  @Post('connection/verify')
  @HttpCode(200)
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Re-run the verification on the saved settings',
    response: ConnectionSchema,
    errors: { ...CONNECT_ERRORS, 422: `NOT_CONNECTED, or ${CONNECT_ERRORS[422]}` },
  })
  verify(@CurrentUser() u: AuthUser) {
    return this.connections.reverify(u.tenantId);
  }

  @Delete('connection')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiContract({ summary: 'Disconnect the AWS account (cost history is kept)', status: 204, errors: [403] })
  async disconnect(@CurrentUser() u: AuthUser): Promise<void> {
    await this.connections.disconnect(u.tenantId);
  }
}

const TenantIdPipe = new ZodPipe(UuidSchema, 'path');

@ApiTags('admin')
@GlobalOwnerOnly()
@AdminOfTenant()
@Controller('admin/tenants/:id')
export class AdminAwsConnectionController {
  constructor(
    private readonly connections: AwsConnectionService,
    private readonly tenants: TenantsService,
  ) {}

  @Get('connection')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: "A tenant's AWS connection (global owners)",
    response: ConnectionSchema,
    errors: [403, 404],
  })
  async get(@Param('id', TenantIdPipe) id: string) {
    await this.tenants.current(id);
    return this.connections.get(id);
  }

  @Post('connect')
  @HttpCode(200)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: 'Connect AWS for a tenant (global owners)',
    body: ConnectAwsSchema,
    response: ConnectionSchema,
    errors: { ...CONNECT_ERRORS, 404: 'NOT_FOUND' },
  })
  async connect(
    @Param('id', TenantIdPipe) id: string,
    @Body(new ZodPipe(ConnectAwsSchema)) body: ConnectAws,
  ) {
    await this.tenants.current(id);
    return this.connections.connect(id, body);
  }

  @Post('connection/verify')
  @HttpCode(200)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: "Re-verify a tenant's connection (global owners)",
    response: ConnectionSchema,
    errors: { ...CONNECT_ERRORS, 404: 'NOT_FOUND' },
  })
  async verify(@Param('id', TenantIdPipe) id: string) {
    await this.tenants.current(id);
    return this.connections.reverify(id);
  }

  @Delete('connection')
  @HttpCode(204)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiContract({
    summary: "Disconnect a tenant's AWS account (global owners)",
    status: 204,
    errors: [403, 404],
  })
  async disconnect(@Param('id', TenantIdPipe) id: string): Promise<void> {
    await this.tenants.current(id);
    await this.connections.disconnect(id);
  }
}

@ApiTags('aws-connection')
@Controller('aws')
export class CloudFormationController {
  constructor(private readonly template: CloudFormationTemplate) {}

  @Public()
  @Get('cloudformation-template.yml')
  @Header('content-type', 'application/x-yaml; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="connect-aws-billing.yml"')
  @ApiProduces('application/x-yaml')
  @ApiContract({
    summary: 'Download the CloudFormation template that creates the read-only role',
    public: true,
  })
  get(): string {
    return this.template.text();
  }
}
