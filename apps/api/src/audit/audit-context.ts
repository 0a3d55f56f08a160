import { AsyncLocalStorage } from 'node:async_hooks';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import type { AuthUser } from '../common/auth-user';

/** Who is making the current request: what an audit event records about its origin. */
export interface RequestOrigin {
  user: AuthUser | null;
  ip: string;
  correlationId: string;
}

const storage = new AsyncLocalStorage<RequestOrigin>();

/** The current request's origin, or undefined outside a request (schedulers, the CLI). */
export function currentOrigin(): RequestOrigin | undefined {
  return storage.getStore();
}

/** Runs every handler inside an async context that carries the caller, address and correlation id. */
@Injectable()
export class RequestOriginInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    const origin: RequestOrigin = { user: req.user ?? null, ip: req.ip, correlationId: String(req.id) };
    return new Observable((subscriber) =>
      storage.run(origin, () => {
        const sub = next.handle().subscribe(subscriber);
        return () => sub.unsubscribe();
      }),
    );
  }
}
