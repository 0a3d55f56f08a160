import type { ConnectionError, ConnectionStatus } from '@cost-optimizer/dto';
import { AppError } from '../common/errors';
import { tenantAwsErrorText } from '../aws/aws-errors';

/** The connection statuses in which a tenant's role may be used: verified, with or without CUR data yet. */
export const ACTIVE_STATUSES = ['connected', 'pending_data'] as const satisfies readonly ConnectionStatus[];
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

export function isActiveStatus(status: ConnectionStatus | null | undefined): status is ActiveStatus {
  return status === 'connected' || status === 'pending_data';
}

/** What NOT_CONNECTED says about a connection that is not active: broken (with the failing step) or absent. */
export interface ConnectionState {
  status: ConnectionStatus;
  last_error?: ConnectionError | null;
}

/**
 * The one NOT_CONNECTED error (422): every module that needs the tenant's AWS role throws this one. A broken
 * connection names its failing step and AWS's text; otherwise it says to connect first.
 */
export function notConnected(state: ConnectionState | null = null): AppError {
  const broken = state?.status === 'error' && state.last_error ? state.last_error : null;
  if (broken) {
    return new AppError(
      422,
      'NOT_CONNECTED',
      `The AWS connection is broken (${broken.message}): fix it and verify it again (POST /api/tenants/connection/verify)`,
      { step: broken.step, aws_error: broken.aws_error },
    );
  }
  return new AppError(
    422,
    'NOT_CONNECTED',
    'AWS is not connected: connect an AWS account first (POST /api/tenants/connect); the platform reads your CUR and metrics through its role',
  );
}

/**
 * AssumeRole into a tenant's role failed (422 ASSUME_ROLE_FAILED, step `assume_role`): the one error every credential
 * provider throws. `denied`: AWS answered AccessDenied (the role is gone or no longer trusts us); `awsError` is the
 * text a tenant may see (AWS's own, never one of ours).
 */
export class AssumeRoleFailed extends AppError {
  readonly denied: boolean;
  readonly awsError: string;

  constructor(
    /** What the SDK threw (logged by the provider when it is not AWS's answer). */
    readonly reason: unknown,
    denied: boolean,
  ) {
    const awsError = tenantAwsErrorText(reason);
    super(422, 'ASSUME_ROLE_FAILED', 'Cannot AssumeRole', { step: 'assume_role', aws_error: awsError });
    this.denied = denied;
    this.awsError = awsError;
  }
}
