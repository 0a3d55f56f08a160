import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

const ERROR_TEXT: Record<number, string> = {
  400: 'VALIDATION_FAILED: details lists each invalid field',
  401: 'UNAUTHORIZED: missing, invalid or expired access token',
  403: 'FORBIDDEN: your role does not allow this',
  404: 'NOT_FOUND: no such object in your tenant',
  409: 'CONFLICT: already exists',
  422: 'A domain rule refused the request (see code)',
  429: 'RATE_LIMITED: too many attempts; see the Retry-After header',
};

/** `$ref` to a schema registered with `.meta({ id })` in the shared contract. */
export function schemaRef(schema: z.ZodType): { $ref: string } {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('API contract schemas must carry .meta({ id })');
  return { $ref: `#/components/schemas/${id}` };
}

export interface ContractOptions {
  summary: string;
  description?: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
  /** Success status; 204 means no body. */
  status?: number;
  errors?: Partial<Record<number, string>> | number[];
  public?: boolean;
  /** Other success answers, e.g. sign-up's 202 for an email that already has an account. */
  alsoResponds?: { status: number; description: string; schema: z.ZodType }[];
}

/** One decorator per route: Swagger docs generated from the same zod schemas that validate. */
export function ApiContract(o: ContractOptions) {
  const decorators: (ClassDecorator | MethodDecorator | PropertyDecorator)[] = [
    ApiOperation({ summary: o.summary, description: o.description }),
  ];
  if (!o.public) decorators.push(ApiBearerAuth());
  if (o.body) decorators.push(ApiBody({ schema: schemaRef(o.body) }));
  if (o.query) {
    // A registered enum used by a parameter (Measure, GroupBy, ...) comes out as a `#/definitions/` reference of a
    // stand-alone document: in OpenAPI it lives under components.schemas (buildOpenApi puts every registered schema
    // there), so the reference is pointed there and the stand-alone definitions are dropped.
    const { definitions: _standalone, ...json } = JSON.parse(
      JSON.stringify(
        z.toJSONSchema(o.query, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }),
      ).replaceAll('"#/definitions/', '"#/components/schemas/'),
    ) as {
      definitions?: unknown;
      properties?: Record<string, Record<string, unknown>>;
      required?: string[];
    };
    for (const [name, prop] of Object.entries(json.properties ?? {})) {
      decorators.push(
        ApiQuery({
          name,
          required: json.required?.includes(name) ?? false,
          schema: prop,
          description: typeof prop.description === 'string' ? prop.description : undefined,
        }),
      );
    }
  }
  const status = o.status ?? 200;
  decorators.push(
    status === 204
      ? ApiResponse({ status, description: 'Done (no content)' })
      : ApiResponse({
          status,
          description: 'Success',
          schema: o.response ? schemaRef(o.response) : undefined,
        }),
  );
  for (const r of o.alsoResponds ?? [])
    decorators.push(
      ApiResponse({ status: r.status, description: r.description, schema: schemaRef(r.schema) }),
    );
  const errors: Partial<Record<number, string>> = Array.isArray(o.errors)
    ? Object.fromEntries(o.errors.map((s) => [s, ERROR_TEXT[s] ?? 'Error']))
    : { ...(o.errors ?? {}) };
  if (!o.public && !(401 in errors)) errors[401] = ERROR_TEXT[401];
  for (const [s, description] of Object.entries(errors)) {
    decorators.push(
      ApiResponse({
        status: Number(s),
        description: description ?? ERROR_TEXT[Number(s)] ?? 'Error',
        schema: { $ref: '#/components/schemas/ErrorBody' },
      }),
    );
  }
  return applyDecorators(...decorators);
}
