import type { ErrorCode, ErrorDetails } from '@cost-optimizer/dto';

/** A domain error: a stable code, an HTTP status and optional details. The one filter turns it into the error body. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    /** One of the shared contract's ErrorCode values: a new code is added there first (clients switch on it). */
    readonly code: ErrorCode,
    message: string,
    /** The contract's ErrorDetails: per-field issues, a failed verification, or named values. */
    readonly details?: ErrorDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const forbidden = (message = 'Your role does not allow this action') =>
  new AppError(403, 'FORBIDDEN', message);
export const unauthorized = (
  message = 'Authentication required: send Authorization: Bearer <access_token>',
) => new AppError(401, 'UNAUTHORIZED', message);
