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
    description:
      "Before connecting it returns status `not_connected` with the tenant's External ID and the quick-create links for the CloudFormation stack (`cfn/connect-aws-billing.yml`), so the role can be created first. After connecting: the role ARN, the CUR table and its format, the status (`verifying`, `connected`, `pending_data` until the first CUR rows arrive, `error`), the last verification and each of its steps.",
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
    description:
      "Runs the same steps as connecting (AssumeRole with the External ID, Glue table lookup, a bounded Athena query) against the saved role and CUR table, and stores the result. Use it after fixing the role or the CUR export in AWS. A failed step answers 422 naming the step and carrying AWS's own error text.",
    response: ConnectionSchema,
    errors: { ...CONNECT_ERRORS, 422: `NOT_CONNECTED, or ${CONNECT_ERRORS[422]}` },
  })
  verify(@CurrentUser() u: AuthUser) {
    return this.connections.reverify(u.tenantId);
  }

  @Delete('connection')
  @HttpCode(204)
  @Roles('owner', 'admin')
  @ApiContract({
    summary: 'Disconnect the AWS account (cost history is kept)',
    description:
      'Stops the nightly sync and metric collection. Cost history, anomalies and settings stay, and so does the saved role ARN, so connecting again picks up from there. Delete the CloudFormation stack in your AWS account to remove the role itself.',
    status: 204,
    errors: [403],
  })
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
    description:
      'The same view as GET /api/tenants/connection, for support: global owners only; each call is recorded in the audit log of both tenants (`platform.access`).',
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
    description:
      "Connects on the tenant's behalf with the same verification as POST /api/tenants/connection (the tenant's own External ID is used). Recorded in the audit log of both tenants.",
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
    description:
      "Re-runs the verification steps on the tenant's saved settings, as POST /api/tenants/connection/verify does for the tenant itself. Recorded in the audit log of both tenants.",
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
    description:
      'Stops syncs and metric collection for the tenant; its cost history is kept. Recorded in the audit log of both tenants.',
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
    description:
      "Public (no token): the YAML of the customer's stack. It creates a cross-account IAM role that trusts this platform's AWS account only with the tenant's External ID, with read-only access to the CUR's S3 prefix, the Glue catalog of the CUR database, queries in the chosen Athena workgroup (and its results bucket) and CloudWatch metrics.",
    public: true,
  })
  get(): string {
    return this.template.text();
  }
}
