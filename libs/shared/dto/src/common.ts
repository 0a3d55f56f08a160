import { z } from 'zod';
import { VerifyStepNameSchema, VerifyStepSchema } from './aws-connection';

/** Every error the API returns has this one shape (STYLE.md "Errors -> HTTP"). */
export const ErrorCodeSchema = z.enum([
  'VALIDATION_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PAYLOAD_TOO_LARGE',
  'INVALID_CREDENTIALS',
  'REFRESH_TOKEN_INVALID',
  'REFRESH_TOKEN_REUSED',
  'USER_NOT_FOUND',
  'LAST_OWNER',
  'ASSUME_ROLE_FAILED',
  'INSECURE_TRUST_POLICY',
  'ATHENA_WORKGROUP_NOT_FOUND',
  'ATHENA_RESULTS_LOCATION_MISSING',
  'ATHENA_TABLE_NOT_FOUND',
  'UNSUPPORTED_TABLE',
  'NO_CUR_DATA',
  'ATHENA_QUERY_FAILED',
  'AWS_ERROR',
  'NOT_CONNECTED',
  'DATABASE_UNAVAILABLE',
  'UNSUPPORTED_DIMENSION',
  'METRIC_WATCH_LIMIT',
  'EMAIL_NOT_CONFIGURED',
  'NO_SIGNING_SECRET',
  'ALERT_DELIVERY_FAILED',
  'RECIPIENTS_UNCONFIRMED',
  'CANNOT_DISABLE_SELF',
  'VERIFICATION_TOKEN_INVALID',
  'INVITATION_TOKEN_INVALID',
  'INVITATION_EMAIL_MISMATCH',
  'EMAIL_TAKEN',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const FieldIssueSchema = z
  .object({
    field: z.string().meta({ description: 'Dotted path of the offending field', example: 'email' }),
    message: z.string().meta({ example: 'Invalid email address' }),
  })
  .meta({ id: 'FieldIssue' });

export const VerifyFailureDetailsSchema = z
  .object({
    step: VerifyStepNameSchema,
    hints: z.array(z.string()).meta({ description: 'What to try, in order' }),
    aws_error: z.string().nullable().meta({ description: "AWS's own error text, verbatim" }),
    steps: z.array(VerifyStepSchema).meta({ description: 'Every step run, with its outcome' }),
  })
  .meta({
    id: 'VerifyFailureDetails',
    description: 'The details of a failed connect or verify (422): the failing step and what to do about it',
  });
export type VerifyFailureDetails = z.infer<typeof VerifyFailureDetailsSchema>;

export const ErrorDetailsSchema = z
  .union([
    z.array(FieldIssueSchema).meta({
      description: 'VALIDATION_FAILED, and a CONFLICT or 422 about one field: one entry per field',
    }),
    VerifyFailureDetailsSchema,
    z.record(z.string(), z.unknown()).meta({
      description:
        'Other codes: named values, e.g. RATE_LIMITED {retry_after_s}, CONFLICT {run_id} (the sync already queued or running), ALERT_DELIVERY_FAILED {step, error, delivery_id}, NOT_CONNECTED {step, aws_error}',
    }),
  ])
  .meta({ id: 'ErrorDetails' });
export type ErrorDetails = z.infer<typeof ErrorDetailsSchema>;

export const ErrorBodySchema = z
  .object({
    code: z
      .string()
      .meta({ description: 'Stable machine-readable error code', example: 'VALIDATION_FAILED' }),
    message: z.string().meta({ example: 'Request body is invalid: email, password' }),
    details: ErrorDetailsSchema.optional().meta({
      description: 'Per-field issues for validation errors, the failing step and hints for AWS errors',
    }),
    correlation_id: z.string().meta({
      description: 'Also in the X-Correlation-Id header and in the server logs',
      example: '0f8e6c1e-3c1a-4a43-9b1e-2f4f0d5b7c11',
    }),
  })
  .meta({ id: 'ErrorBody' });
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

export const UuidSchema = z.uuid();

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1).meta({ description: '1-based page number', example: 1 }),
  page_size: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .meta({ description: 'At most 100', example: 20 }),
});

export function pageOf<T extends z.ZodType>(item: T, id: string) {
  return z
    .object({
      items: z.array(item),
      total: z.number().int().meta({ description: 'Number of items across all pages', example: 42 }),
      page: z.number().int().meta({ example: 1 }),
      page_size: z.number().int().meta({ example: 20 }),
    })
    .meta({ id });
}

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']).meta({ example: 'ok' }),
    database: z.enum(['ok', 'down']).meta({ example: 'ok' }),
    version: z.string().meta({ example: '0.1.0' }),
    uptime_s: z.number().meta({ example: 12.5 }),
  })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof HealthSchema>;
