/**
 * The public entry of the aws-connection module: all another module may import from it (a lint rule keeps it so,
 * see apps/api/module-boundaries.cjs). Its table, `aws_connection`, is read and written only here.
 */
export { AwsConnectionModule } from './aws-connection.module';
export { AwsAccessService, type ActiveConnection } from './aws-access.service';
export type { CurAthenaTarget } from './athena-target';
export type { CredentialPurpose, CredentialsProvider, RoleRef } from './role-credentials';
export {
  ACTIVE_STATUSES,
  AssumeRoleFailed,
  isActiveStatus,
  notConnected,
  type ActiveStatus,
} from './aws-connection.errors';
export { connectionStatusSql } from './aws-connection.sql';
