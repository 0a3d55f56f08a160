import { Inject, Injectable } from '@nestjs/common';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { APP_CONFIG, type AppConfig } from '../config/config';

/**
 * Temporary credentials of a tenant's role, or a function returning fresh ones: the SDK calls it again before each
 * request once the credentials it holds are within 5 minutes of expiry (a long query or paging outlives them).
 */
export type RoleCredentialSource = RoleCredentials | (() => Promise<RoleCredentials>);

/** Temporary credentials of a tenant's role. */
export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/**
 * Builds the real AWS SDK v3 clients. The platform's own credentials come from the SDK's default chain; every
 * client honours AWS_ENDPOINT_URL (the local AWS endpoint in tests and the demo), so there is no test-only path.
 */
@Injectable()
export class AwsClients {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  private common(region: string) {
    return { region, maxAttempts: this.config.aws.maxAttempts, retryMode: 'standard' as const };
  }

  sts(region: string): STSClient {
    return new STSClient(this.common(region));
  }

  athena(region: string, credentials: RoleCredentialSource): AthenaClient {
    return new AthenaClient({ ...this.common(region), credentials });
  }

  glue(region: string, credentials: RoleCredentialSource): GlueClient {
    return new GlueClient({ ...this.common(region), credentials });
  }

  s3(region: string, credentials: RoleCredentialSource): S3Client {
    return new S3Client({
      ...this.common(region),
      credentials,
      forcePathStyle: this.config.aws.s3ForcePathStyle,
    });
  }

  cloudwatch(region: string, credentials: RoleCredentialSource): CloudWatchClient {
    return new CloudWatchClient({ ...this.common(region), credentials });
  }

  /** AssumeRole with a session name visible in the customer's CloudTrail: product, tenant and purpose. */
  async assumeRole(opts: {
    region: string;
    roleArn: string;
    externalId: string | null;
    tenantId: string;
    purpose: string;
    durationSeconds?: number;
  }): Promise<RoleCredentials> {
    const sts = this.sts(opts.region);
    try {
      const out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: opts.roleArn,
          RoleSessionName: sessionName(opts.tenantId, opts.purpose),
          ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
          DurationSeconds: opts.durationSeconds ?? 900,
        }),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
        throw new Error('AssumeRole returned no credentials');
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration ?? new Date(Date.now() + 900_000),
      };
    } finally {
      sts.destroy();
    }
  }
}

export function sessionName(tenantId: string, purpose: string): string {
  return `CostOptimizer-${tenantId.replace(/-/g, '').slice(0, 12)}-${purpose}`
    .replace(/[^\w+=,.@-]/g, '')
    .slice(0, 64);
}

export { awsErrorName, awsErrorText, isAwsServiceError, tenantAwsErrorText } from './aws-errors';
