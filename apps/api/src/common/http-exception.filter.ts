import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '@cost-optimizer/dto';
import { AppError } from './errors';
import { databaseUnavailable } from './database-errors';

const STATUS_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'VALIDATION_FAILED',
  429: 'RATE_LIMITED',
};

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/** The one place errors become HTTP: `{ code, message, details?, correlation_id }`. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  /** @param spaIndex the console's index.html: unknown non-API GETs get it, so deep links work. */
  constructor(private readonly spaIndex: string | null = null) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const correlationId = String(request.id);
    if (
      this.spaIndex &&
      exception instanceof HttpException &&
      exception.getStatus() === 404 &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      !request.url.startsWith('/api/') &&
      request.url !== '/api'
    ) {
      void reply
        .status(200)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .send(this.spaIndex);
      return;
    }
    const { status, body, headers } = this.toBody(exception, correlationId);
    if (status >= 500) {
      this.logger.error({
        msg: 'unhandled error',
        correlation_id: correlationId,
        method: request.method,
        url: request.url.split('?')[0],
        error:
          exception instanceof Error
            ? { name: exception.name, message: exception.message, stack: exception.stack }
            : String(exception),
      });
    }
    void reply.status(status).headers(headers).send(body);
  }

  private toBody(
    exception: unknown,
    correlationId: string,
  ): { status: number; body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof AppError) {
      return {
        status: exception.status,
        headers: exception.headers ?? {},
        body: {
          code: exception.code,
          message: exception.message,
          details: exception.details,
          correlation_id: correlationId,
        },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const message = status === 404 ? 'Route not found' : exception.message;
      return {
        status,
        headers: {},
        body: { code: STATUS_CODES[status] ?? 'INTERNAL', message, correlation_id: correlationId },
      };
    }
    const fe = exception as FastifyLikeError;
    if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own rejections: malformed JSON, body too large, unsupported media type.
      const message =
        fe.statusCode === 413
          ? 'Request body is too large'
          : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? 'Unsupported Content-Type: send application/json'
            : `Invalid request: ${fe.message ?? 'malformed'}`;
      return {
        status: fe.statusCode,
        headers: {},
        body: {
          code: STATUS_CODES[fe.statusCode] ?? 'VALIDATION_FAILED',
          message,
          details: fe.code ? { fastify_code: fe.code } : undefined,
          correlation_id: correlationId,
        },
      };
    }
    if (databaseUnavailable(exception)) {
      return {
        status: 503,
        headers: { 'retry-after': '5' },
        body: {
          code: 'DATABASE_UNAVAILABLE',
          message: 'The database is not reachable right now; retry in a few seconds',
          correlation_id: correlationId,
        },
      };
    }
    const unique = uniqueViolation(exception);
    if (unique) {
      return {
        status: 409,
        headers: {},
        body: { code: 'CONFLICT', message: unique, correlation_id: correlationId },
      };
    }
    return {
      status: 500,
      headers: {},
      body: {
        code: 'INTERNAL',
        message: 'Internal server error; quote the correlation id when reporting it',
        correlation_id: correlationId,
      },
    };
  }
}

function uniqueViolation(e: unknown): string | null {
  const err = e as { code?: string; name?: string; constraint?: string; cause?: { code?: string } };
  if (
    err?.name === 'UniqueConstraintViolationException' ||
    err?.code === '23505' ||
    err?.cause?.code === '23505'
  ) {
    return 'Already exists';
  }
  return null;
}
