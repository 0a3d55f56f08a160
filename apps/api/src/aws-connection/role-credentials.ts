import { Injectable, Logger } from '@nestjs/common';
import { AwsClients, awsErrorName, isAwsServiceError, type RoleCredentials } from '../aws/aws-clients';
import { AssumeRoleFailed } from './aws-connection.errors';

/** The role of a tenant to assume: ARN, the region of its STS calls, and the External ID to send (null: none). */
export interface RoleRef {
  tenantId: string;
  roleArn: string;
  region: string;
  externalId: string | null;
}

/**
 * What the platform assumes a tenant's role for. The purpose names the session in the customer's CloudTrail
 * (`CostOptimizer-<tenant>-<purpose>`) and decides how long a session lasts and whether AWS refusing the role
 * (AccessDenied) breaks the connection.
 */
export const CREDENTIAL_PURPOSES = {
  /** Connect/re-verify: the checks of the role the tenant gave. */
  verify: { durationSeconds: 900, breaksConnection: false },
  /** The same role without the External ID: must be refused. */
  trustcheck: { durationSeconds: 900, breaksConnection: false },
  /** A CUR sync (many months, long queries): a denial fails it for good and marks the connection broken. */
  'cur-sync': { durationSeconds: 3600, breaksConnection: true },
  /** Metric collection, every few minutes. */
  metrics: { durationSeconds: 900, breaksConnection: false },
  /** Metric discovery (ListMetrics) and presets, on a request. */
  'metrics-discovery': { durationSeconds: 900, breaksConnection: false },
} as const satisfies Record<string, { durationSeconds: number; breaksConnection: boolean }>;
export type CredentialPurpose = keyof typeof CREDENTIAL_PURPOSES;

/**
 * Temporary credentials of a tenant's role, assumed on the first call and again once they are within
 * REFRESH_MARGIN_MS of expiry (concurrent callers share one AssumeRole). Hand it to an SDK client as `credentials`:
 * the SDK asks again before each request once its credentials near expiry, so a long query or paging outlives them.
 * Throws AssumeRoleFailed.
 */
export type CredentialsProvider = () => Promise<RoleCredentials>;

export const REFRESH_MARGIN_MS = 5 * 60_000;

/** Builds the credential providers of every purpose (the only place that calls AssumeRole). */
@Injectable()
export class RoleCredentialsFactory {
  private readonly logger = new Logger('RoleCredentials');

  constructor(private readonly aws: AwsClients) {}

  /** `onDenied` runs once per refusal for purposes whose denial breaks the connection, before the error is thrown. */
  provider(
    role: RoleRef,
    purpose: CredentialPurpose,
    onDenied: (error: AssumeRoleFailed) => Promise<unknown> = () => Promise.resolve(),
  ): CredentialsProvider {
    const { durationSeconds, breaksConnection } = CREDENTIAL_PURPOSES[purpose];
    let current: RoleCredentials | null = null;
    let pending: Promise<RoleCredentials> | null = null;
    const assume = async (): Promise<RoleCredentials> => {
      try {
        current = await this.aws.assumeRole({ ...role, purpose, durationSeconds });
        return current;
      } catch (e) {
        if (!isAwsServiceError(e))
          this.logger.warn({
            msg: 'AssumeRole did not reach AWS',
            tenant_id: role.tenantId,
            purpose,
            error: e instanceof Error ? (e.stack ?? e.message) : String(e),
          });
        const failed = new AssumeRoleFailed(e, awsErrorName(e) === 'AccessDenied');
        if (failed.denied && breaksConnection) await onDenied(failed);
        throw failed;
      }
    };
    return () => {
      if (current && current.expiration.getTime() - Date.now() >= REFRESH_MARGIN_MS)
        return Promise.resolve(current);
      pending ??= assume().finally(() => (pending = null));
      return pending;
    };
  }
}
