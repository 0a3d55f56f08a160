import { AppError } from '../common/errors';
import { awsErrorName, awsErrorText } from '../aws/aws-clients';

export const watchLimit = (max: number) =>
  new AppError(
    422,
    'METRIC_WATCH_LIMIT',
    `A tenant may watch at most ${max} metrics (METRIC_WATCHES_MAX_PER_TENANT); delete some first`,
    { max },
  );

export const watchExists = () =>
  new AppError(409, 'CONFLICT', 'This metric is already watched with the same region, statistic and period');

/** An AWS call failed: the step and AWS's own error text. */
export const awsFailed = (step: string, e: unknown) =>
  new AppError(
    awsErrorName(e) === 'AccessDenied' ? 422 : 502,
    'AWS_ERROR',
    `${step} failed: ${awsErrorText(e)}`,
    { step, aws_error: awsErrorText(e) },
  );
