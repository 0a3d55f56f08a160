// What AWS errors say, and what a tenant may see of an error: framework-free, so unit tests load it without Nest.

/** AWS's error text, verbatim: "<Code>: <message>". */
export function awsErrorText(e: unknown): string {
  const err = e as { name?: string; Code?: string; message?: string };
  const code = err?.Code ?? err?.name ?? 'Error';
  return `${code}: ${err?.message ?? String(e)}`;
}

/**
 * Whether AWS answered with this error (an SDK service exception: `$fault` is 'client' or 'server'), as opposed to
 * an error of ours: a network failure (its text names our network), a bug, a database error.
 */
export function isAwsServiceError(e: unknown): boolean {
  const fault = (e as { $fault?: unknown } | null)?.$fault;
  return fault === 'client' || fault === 'server';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * The error text a tenant may see: AWS's own `Code: message` when AWS answered, never the text of an error of ours
 * (log that one instead, see the callers).
 */
export function tenantAwsErrorText(e: unknown): string {
  if (isAwsServiceError(e)) return awsErrorText(e);
  const err = e as { code?: unknown; name?: unknown } | null;
  if ((typeof err?.code === 'string' && NETWORK_CODES.has(err.code)) || err?.name === 'TimeoutError')
    return 'AWS could not be reached (network error): retry in a few minutes';
  return 'Internal error, not from AWS: retry later; if it persists, contact support';
}

export function awsErrorName(e: unknown): string {
  const err = e as { name?: string; Code?: string };
  return err?.Code ?? err?.name ?? 'Error';
}
