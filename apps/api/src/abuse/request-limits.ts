import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '@cost-optimizer/dto';
import type { AppConfig } from '../config/config';
import { InFlight, TokenBuckets } from './token-bucket';
import { accessOf } from '../auth/jwt.strategy';

/**
 * Routes whose cost grows with the tenant's data (SQL over the cost rollup, anomaly series): a tenant may run
 * at most TENANT_MAX_IN_FLIGHT of them at once per replica, so it cannot hold the whole connection pool.
 */
export const EXPENSIVE_ROUTES = new Set([
  '/api/dashboard',
  '/api/costs',
  '/api/anomalies',
  '/api/anomalies/:id',
  '/api/anomalies/backtest',
  '/api/anomalies/detect',
]);

/** Not limited: load balancers and orchestrators poll it. */
const EXEMPT = new Set(['/api/health']);

/**
 * Refusals are answered after about this delay. A client that ignores Retry-After and sends its next request as soon
 * as the last answer arrives (a script with N parallel workers) is slowed to N requests per second, instead of
 * making the replica spend its event loop on thousands of 429s a second. The wait holds only a timer and the
 * socket. An open-loop flood (new connections regardless of answers) needs limits in front of the API.
 */
export const REFUSAL_DELAY_MS = 1000;

async function tooMany(
  req: FastifyRequest,
  reply: FastifyReply,
  seconds: number,
  message: string,
  scope: string,
  delayMs: number,
) {
  // Jittered (0.5-1.5x) so refused clients do not come back in step, as one burst.
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs * (0.5 + Math.random())));
  const retryAfter = Math.max(1, Math.ceil(seconds));
  const body: ErrorBody = {
    code: 'RATE_LIMITED',
    message: `${message}; try again in ${retryAfter} s`,
    details: { retry_after_s: retryAfter, scope },
    correlation_id: String(req.id),
  };
  return reply.code(429).header('retry-after', String(retryAfter)).send(body);
}

/**
 * Per-address and per-tenant token buckets and a per-tenant cap on expensive requests in flight, checked in
 * Fastify's onRequest hook: before the body is read, the caller is looked up or the database is touched, so a
 * refused request costs microseconds. All in memory per replica, off the database. The tenant's bucket is picked from
 * the verified access token (an invalid token just counts against the address); the JWT guard then finds that
 * verification done (accessOf()).
 */
export function registerRequestLimits(
  fastify: FastifyInstance,
  config: AppConfig,
  refusalDelayMs = REFUSAL_DELAY_MS,
): void {
  const l = config.requestLimits;
  const perIp = new TokenBuckets(l.ipPerSecond / l.replicas, Math.max(1, l.ipBurst / l.replicas));
  const perTenant = new TokenBuckets(l.tenantPerSecond / l.replicas, Math.max(1, l.tenantBurst / l.replicas));
  const inFlight = new InFlight(l.tenantMaxInFlight);
  const sweeper = setInterval(() => {
    perIp.sweep();
    perTenant.sweep();
  }, 60_000);
  sweeper.unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(sweeper);
    done();
  });

  fastify.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url ?? req.url.split('?')[0] ?? '';
    if (!route.startsWith('/api/') || EXEMPT.has(route)) return;
    const ipWait = perIp.take(req.ip);
    if (ipWait > 0)
      return tooMany(req, reply, ipWait, 'Too many requests from this address', 'ip', refusalDelayMs);
    const tenant = accessOf(req, config.jwt.secret)?.tid ?? null;
    if (!tenant) return;
    const wait = perTenant.take(tenant);
    if (wait > 0)
      return tooMany(req, reply, wait, 'Too many requests for this tenant', 'tenant', refusalDelayMs);
    if (!EXPENSIVE_ROUTES.has(route)) return;
    if (!inFlight.enter(tenant)) {
      return tooMany(
        req,
        reply,
        1,
        `Too many concurrent requests for this tenant (at most ${l.tenantMaxInFlight} at once)`,
        'tenant_in_flight',
        refusalDelayMs,
      );
    }
    let left = false;
    reply.raw.once('close', () => {
      if (left) return;
      left = true;
      inFlight.leave(tenant);
    });
  });
}
