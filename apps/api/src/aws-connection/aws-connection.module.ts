import { Module } from '@nestjs/common';
import { AwsClients } from '../aws/aws-clients';
import { TenantsModule } from '../tenants/tenants.module';
import {
  AdminAwsConnectionController,
  AwsConnectionController,
  CloudFormationController,
} from './aws-connection.controller';
import { AwsConnectionService } from './aws-connection.service';
import { CloudFormationTemplate } from './cloudformation-template';
import { ConnectionVerifier } from './verifier';

@Module({
  imports: [TenantsModule],
  controllers: [AwsConnectionController, AdminAwsConnectionController, CloudFormationController],
  providers: [AwsConnectionService, ConnectionVerifier, AwsClients, CloudFormationTemplate],
  exports: [AwsConnectionService, AwsClients],
})
export class AwsConnectionModule {}
