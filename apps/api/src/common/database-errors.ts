/** Recognising a database that cannot be reached, for the error filter's 503 (no framework imports). */

const CONNECTION_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * pg's and PostgreSQL's texts for a lost or refused connection, anywhere in a message (the ORM prefixes the query
 * when it wraps a driver error, and does not always keep the errno or SQLSTATE).
 */
const CONNECTION_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|read ECONNRESET|not queryable|Client has encountered a connection error|terminating connection due to administrator command|the database system is (shutting down|starting up|not yet accepting connections|in recovery mode)|Connection is closed/;

/**
 * The database cannot be reached: a refused or dropped connection (errno), a connection exception (SQLSTATE class
 * 08), the server shutting down or starting (57P01-57P03), or pg's "Connection terminated". Causes are followed.
 */
export function databaseUnavailable(e: unknown, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 4) return false;
  const err = e as { code?: unknown; name?: string; message?: string; cause?: unknown; errors?: unknown[] };
  const code = typeof err.code === 'string' ? err.code : '';
  if (CONNECTION_ERRNO.has(code) || code.startsWith('08') || /^57P0[123]$/.test(code)) return true;
  if (err.name === 'ConnectionException') return true;
  if (CONNECTION_MESSAGE.test(err.message ?? '')) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => databaseUnavailable(x, depth + 1))) return true;
  return databaseUnavailable(err.cause, depth + 1);
}
