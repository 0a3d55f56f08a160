import type { LoggerService, LogLevel } from '@nestjs/common';

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
        ? { ...base, ...(message as Record<string, unknown>) }
        : { ...base, msg: String(message) };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
