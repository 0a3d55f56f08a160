import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import '@cost-optimizer/dto';
import { VERSION } from '../version';

const DESCRIPTION = `Cost Optimizer shows where your AWS money goes and catches cost anomalies before the invoice does.

**Authentication**: \`POST /api/auth/signup\` or \`POST /api/auth/login\` return an \`access_token\` (a JWT valid for at
most 15 minutes) and a single-use \`refresh_token\`. Send \`Authorization: Bearer <access_token>\`; click *Authorize* above.

**Errors** always have the shape \`{ code, message, details?, correlation_id }\` (see \`ErrorBody\`). Validation errors
are 400 \`VALIDATION_FAILED\` with one entry per field in \`details\`; another tenant's object is 404, never 403.

**Tenant isolation**: every request sees only its tenant's data, enforced twice (query filters and PostgreSQL
row-level security). The \`admin\` routes are for global owners only; each call is recorded in the audit log
(\`platform.access\`) of the administrator's tenant and of the tenant it concerns.

All JSON field names are snake_case.`;

/** The operation groups of Swagger UI, in the order a newcomer meets them. */
const TAGS: Record<string, string> = {
  auth: 'Sign up, log in, refresh and log out; who am I',
  tenants: 'Your company (tenant): its settings and members',
  'aws-connection': 'Connecting your AWS account: the read-only role, the CUR table, verification',
  cur: 'Loading Cost and Usage Report data: sync now, load history, sync runs',
  costs: 'The dashboard and the cost explorer',
  anomalies: 'Cost anomaly episodes, their root causes and feedback; anomaly monitors',
  alerts: 'Alert subscriptions (email, Slack, webhooks) and their deliveries',
  metrics: 'CloudWatch metric watches, collection and their anomalies',
  audit: 'The audit log of your tenant',
  admin: 'Platform administration (global owners only)',
  health: 'Liveness for load balancers',
};

/** The OpenAPI document: routes from the controllers, schemas from the shared zod contract. */
export function buildOpenApi(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Cost Optimizer API')
    .setDescription(DESCRIPTION)
    .setVersion(VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .addServer('/', 'This server: the API and the console share one origin')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Every tag an operation uses, described once (a tag missing here is reported by the OpenAPI lint in npm test).
  const used = new Set(
    Object.values(document.paths).flatMap((ops) =>
      Object.values(ops as Record<string, { tags?: string[] }>).flatMap((op) => op?.tags ?? []),
    ),
  );
  document.tags = Object.entries(TAGS)
    .filter(([name]) => used.has(name))
    .map(([name, description]) => ({ name, description }));
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  });
  const components: Record<string, unknown> = {};
  for (const id of Object.keys(schemas).sort()) {
    const { $id: _id, ...rest } = schemas[id] as Record<string, unknown>;
    components[id] = rest;
  }
  document.components = {
    ...document.components,
    schemas: { ...(document.components?.schemas ?? {}), ...(components as object) },
  };
  return document;
}

export function setupSwagger(app: INestApplication): OpenAPIObject {
  const document = buildOpenApi(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    customSiteTitle: 'Cost Optimizer API',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
  return document;
}
