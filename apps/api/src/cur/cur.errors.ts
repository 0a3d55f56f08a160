import { AppError } from '../common/errors';
import type { AthenaQueryError } from '../aws/athena-runner';
import type { AssumeRoleFailed } from '../aws-connection';
import type { SyncError } from './sync-run.entity';

/** A sync run's failure as its tenant reads it (`sync_run.error`); any other error is shown as INTERNAL. */
export class SyncFailure extends Error {
  /** `permanent`: retrying cannot help (e.g. the role refuses us); the run fails at once. */
  constructor(
    readonly error: SyncError,
    readonly permanent = false,
  ) {
    super(error.message);
  }
}

/** A second sync while one is queued or running (409 with the active run's id). */
export const syncAlreadyActive = (runId: string) =>
  new AppError(409, 'CONFLICT', 'A sync is already queued or running for this tenant', { run_id: runId });

/** The insert lost a race and no active or same-night run was found afterwards. */
export const syncNotQueued = () => new AppError(409, 'CONFLICT', 'Could not queue the sync; try again');

/** The run starts while the tenant's AWS connection is not active. */
export const syncNotConnected = () =>
  new SyncFailure({ code: 'NOT_CONNECTED', message: 'The AWS connection is not active', aws_error: null });

/** AssumeRole failed while refreshing the run's credentials; AccessDenied fails the run for good. */
export const assumeRoleFailed = (e: AssumeRoleFailed) =>
  new SyncFailure({ code: e.code, message: e.message, aws_error: e.awsError }, e.denied);

/** An AWS call of the sync failed (`awsError`: AWS's text for the tenant, or null when AWS did not answer). */
export const awsFailure = (message: string, awsError: string | null) =>
  new SyncFailure({ code: 'AWS_ERROR', message, aws_error: awsError });

/** An Athena query of the sync failed or timed out; `what` names what it was for. */
export const athenaQueryFailed = (what: string, e: AthenaQueryError) =>
  new SyncFailure({
    code: 'ATHENA_QUERY_FAILED',
    message: `${what} ${e.kind === 'timeout' ? 'timed out' : 'failed'}`,
    aws_error: e.reason,
  });

/** The refusal of a result smaller than the CUR: the month keeps its loaded data. */
export const incompleteResult = (month: string, got: number, cur: number, previous: number) =>
  new SyncFailure({
    code: 'INCOMPLETE_RESULT',
    message:
      `Checking the Athena result of ${month}: it holds ${got} CUR line items, but the CUR holds ${cur} ` +
      `(${previous} were loaded): the result was refused and ${month} kept as it was`,
    aws_error: null,
  });
