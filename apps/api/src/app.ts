import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LogController } from 'fastify';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from './config/config';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/http-exception.filter';
import { JsonLogger, requestSerializer } from './common/json-logger';
import { batchedStdout } from './common/batched-stdout';
import { setupSwagger } from './openapi/openapi';
import { registerRequestLimits } from './abuse/request-limits';
import { registerSecurityHeaders } from './common/security-headers';
import { prepareAppDatabase } from './database/app-role';

const CORRELATION_HEADER = 'x-correlation-id';

export function consoleDir(config: AppConfig): string {
  return config.consoleDir ? resolve(config.consoleDir) : resolve(__dirname, '../../console/dist/browser');
}

/** Trusts the `hops` proxies nearest the API (proxy-addr's own meaning of a number). */
function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/** Builds the whole application (API, Swagger UI, console) without listening. */
export async function createApp(given: AppConfig): Promise<NestFastifyApplication> {
  // The API never runs as the owner: it connects as a login that row-level security applies to.
  const config: AppConfig = { ...given, databaseAppUrl: await prepareAppDatabase(given) };
  const adapter = new FastifyAdapter({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // the lines of one event-loop turn in one write, not a synchronous write per line
            stream: batchedStdout(),
            serializers: { req: requestSerializer },
            redact: { paths: ['req.headers', 'req.body', 'req.query'], remove: true },
          },
    logController: new LogController({ requestIdLogLabel: 'correlation_id' }),
    genReqId: (req: IncomingMessage) => {
      const given = req.headers[CORRELATION_HEADER];
      return typeof given === 'string' && /^[\w.:-]{8,100}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: config.bodyLimitBytes,
    // Only configured proxies may name the client (TRUSTED_PROXIES): otherwise X-Forwarded-For is ignored, so a
    // client cannot pick a new address per request to escape the per-address limits.
    trustProxy:
      typeof config.trustedProxies === 'number' ? trustHops(config.trustedProxies) : config.trustedProxies,
  });
  const dir = consoleDir(config);
  const indexFile = join(dir, 'index.html');
  const indexHtml = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : null;

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new JsonLogger(config.logLevel),
  });
  app.setGlobalPrefix('api');
  app.useGlobalFilters(new AllExceptionsFilter(indexHtml));
  const fastify = app.getHttpAdapter().getInstance();
  registerSecurityHeaders(fastify, { indexHtml, publicUrl: config.publicUrl });
  registerRequestLimits(fastify, config);
  // Graceful shutdown: once closing, responses ask keep-alive clients to reconnect (to another replica)
  // instead of holding the process open until the keep-alive timeout.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // One synchronous hook (no promise per answer): the correlation id, and `connection: close` once closing.
  fastify.addHook('onSend', (req, reply, payload, done) => {
    void reply.header(CORRELATION_HEADER, req.id);
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  setupSwagger(app);
  if (indexHtml) {
    await app.register(await import('@fastify/static').then((m) => m.default), {
      root: dir,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      maxAge: '1h',
    });
  }
  app.enableShutdownHooks();
  return app;
}
