import { Module } from '@nestjs/common';
import { AwsClients } from '../aws/aws-clients';
import { TenantsModule } from '../tenants/tenants.module';
import { AwsAccessService } from './aws-access.service';
import {
  AdminAwsConnectionController,
  AwsConnectionController,
  CloudFormationController,
} from './aws-connection.controller';
import { AwsConnectionService } from './aws-connection.service';
import { CloudFormationTemplate } from './cloudformation-template';
import { RoleCredentialsFactory } from './role-credentials';
import { ConnectionVerifier } from './verifier';

/**
 * Exports AwsAccessService (what other modules use of a tenant's connection, see index.ts) and AwsClients (the SDK
 * clients, which take its credential providers). A new connection is announced with the `aws.connected` event.
 */
@Module({
  imports: [TenantsModule],
  controllers: [AwsConnectionController, AdminAwsConnectionController, CloudFormationController],
  providers: [
    AwsConnectionService,
    AwsAccessService,
    RoleCredentialsFactory,
    ConnectionVerifier,
    AwsClients,
    CloudFormationTemplate,
  ],
  exports: [AwsAccessService, AwsClients],
})
export class AwsConnectionModule {}
