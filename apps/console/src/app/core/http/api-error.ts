import { HttpContextToken, HttpErrorResponse } from '@angular/common/http';
import type { ErrorBody } from '@cost-optimizer/dto';

/** Set on a request whose failure the interceptor must not announce (e.g. logout, token refresh). */
export const SILENT_ERRORS = new HttpContextToken<boolean>(() => false);

export interface FieldIssue {
  field: string;
  message: string;
}

// Checked by hand rather than with the contract's zod schemas: this file is in the initial bundle,
// and the schemas would pull all of zod into it.
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const isFieldIssue = (value: unknown): value is FieldIssue =>
  isRecord(value) && typeof value['field'] === 'string' && typeof value['message'] === 'string';

/** The contract's ErrorDetails shapes: per-field issues or an object of named values (anything else is dropped). */
function errorDetails(value: unknown): ErrorBody['details'] {
  if (Array.isArray(value)) return value.every(isFieldIssue) ? value : undefined;
  return isRecord(value) ? value : undefined;
}

/** The API's error body `{code, message, details?, correlation_id}`, if the error carries one. */
export function apiError(err: unknown): ErrorBody | null {
  if (!(err instanceof HttpErrorResponse)) return null;
  const body: unknown = err.error;
  if (
    !isRecord(body) ||
    typeof body['code'] !== 'string' ||
    typeof body['message'] !== 'string' ||
    typeof body['correlation_id'] !== 'string'
  ) {
    return null;
  }
  return {
    code: body['code'],
    message: body['message'],
    details: errorDetails(body['details']),
    correlation_id: body['correlation_id'],
  };
}

export function errorCode(err: unknown): string | null {
  return apiError(err)?.code ?? null;
}

/** Per-field issues of a 400 VALIDATION_FAILED. */
export function fieldIssues(err: unknown): FieldIssue[] {
  const body = apiError(err);
  if (body?.code !== 'VALIDATION_FAILED' || !Array.isArray(body.details)) return [];
  return body.details.filter(isFieldIssue);
}

/**
 * A response that does not match the contract (the API and the console are out of step, or a proxy
 * answered instead of the API). Raised by the data services, which parse every response.
 */
export class ResponseShapeError extends Error {
  override readonly name = 'ResponseShapeError';
  constructor(
    /** Where in the answer the first mismatch is, e.g. `items.0.amount: expected number`. */
    readonly issue: string,
  ) {
    super(
      `The server's answer was not in the expected format (${issue}). Reload the page; if this persists, the console and the server are out of step.`,
    );
  }
}

/** One line for a person: the server's message and the correlation id to quote to support. */
export function describeError(err: unknown): string {
  if (err instanceof ResponseShapeError) return err.message;
  const body = apiError(err);
  if (body) return `${body.message} (ref ${body.correlation_id})`;
  if (err instanceof HttpErrorResponse) {
    if (err.status === 0) return 'Cannot reach the server. Check your connection and try again.';
    return `The server answered ${err.status} ${err.statusText}`.trim();
  }
  return 'Something went wrong.';
}
