import type { LoggerService, LogLevel } from '@nestjs/common';

/** Query parameters and object keys whose values never reach the logs. */
const SECRET_NAME =
  /pass(word)?|secret|token|jwt|auth|external_?id|api_?key|credential|signature|session|cookie/i;
/** A JWT (or any base64url JSON header + payload): whole or without its signature. */
const JWT_SHAPE = /eyJ[\w-]*\.[\w-]+(\.[\w-]*)?/g;

/** The URL with secret-looking query values and JWT-shaped strings replaced by [redacted]. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(JWT_SHAPE, '[redacted]');
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        /* keep it as it came */
      }
      return eq >= 0 && SECRET_NAME.test(decoded)
        ? `${name}=[redacted]`
        : pair.replace(JWT_SHAPE, '[redacted]');
    })
    .join('&');
  return `${path}?${query}`;
}

/** A copy safe to log: secret-looking keys and JWT-shaped strings are replaced by [redacted]. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(JWT_SHAPE, '[redacted]');
  if (depth > 8 || value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error)
    return redact({ name: value.name, message: value.message, stack: value.stack }, depth);
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      SECRET_NAME.test(k) && k !== 'correlation_id' ? '[redacted]' : redact(v, depth + 1),
    ]),
  );
}

/** Fastify's request serializer without query secrets: no headers, no body, a redacted URL. */
export function requestSerializer(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}) {
  return {
    method: req.method,
    url: redactUrl(req.url ?? ''),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
type Level = (typeof LEVELS)[number];

/** Nest's logger, writing one JSON object per line (the same shape as Fastify's request logs). */
export class JsonLogger implements LoggerService {
  private readonly min: number;

  constructor(level: Level | 'silent' = 'info') {
    this.min = level === 'silent' ? Infinity : LEVELS.indexOf(level);
  }

  log(message: unknown, ...rest: unknown[]) {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]) {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]) {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]) {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]) {
    this.write('fatal', message, rest);
  }
  setLogLevels(_levels: LogLevel[]) {}

  private write(level: Level, message: unknown, rest: unknown[]) {
    if (LEVELS.indexOf(level) < this.min) return;
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const base = { level, time: new Date().toISOString(), context };
    const line =
      typeof message === 'object' && message !== null
        ? { ...base, ...(redact(message) as Record<string, unknown>) }
        : { ...base, msg: redact(String(message)) };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
