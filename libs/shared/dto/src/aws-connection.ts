import { z } from 'zod';

/**
 * Athena/Glue identifiers are never bound as parameters; they are validated here and always double-quoted in SQL.
 * Letters, digits, underscores and hyphens (names with a hyphen or a leading digit only work quoted).
 */
export const AthenaIdentifierSchema = z
  .string()
  .trim()
  .min(1, { message: 'Required' })
  .max(255)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_-]*$/, {
    message: 'Only letters, digits, underscores and hyphens (no quotes, dots or spaces)',
  });

const bucket = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'Must be an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens), without s3://',
  });
const prefix = z
  .string()
  .trim()
  .max(1024)
  .regex(/^[^\s\\]*$/, { message: 'Must not contain spaces or backslashes' })
  .transform((p) => p.replace(/^\/+/, ''))
  .transform((p) => (p === '' || p.endsWith('/') ? p : `${p}/`));

export const AwsRoleArnSchema = z
  .string()
  .trim()
  .regex(/^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
    message:
      'Must be an IAM role ARN like arn:aws:iam::123456789012:role/CostOptimizerAccess (the stack output RoleArn)',
  });

export const AwsRegionSchema = z
  .string()
  .trim()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, {
    message: 'Must be an AWS region code such as us-east-1',
  });

export const ConnectAwsSchema = z
  .object({
    aws_role_arn: AwsRoleArnSchema.meta({
      description: 'The read-only role the CloudFormation stack created (stack output `RoleArn`)',
      example: 'arn:aws:iam::123456789012:role/CostOptimizerAccess',
    }),
    external_id: z.string().trim().min(2).max(1224).meta({
      description:
        "Your tenant's External ID exactly as shown by GET /api/tenants/connection (stack output `ExternalId`)",
      example: 'co-3f9a1c0d2b7e4a6f8c1d2e3f4a5b6c7d',
    }),
    region: AwsRegionSchema.meta({
      description: 'Region of the Athena workgroup and Glue catalog holding the CUR table',
      example: 'us-east-1',
    }),
    athena_db: AthenaIdentifierSchema.meta({
      description: 'Glue/Athena database of the CUR table',
      example: 'cost_optimizer_cur_db',
    }),
    athena_table: AthenaIdentifierSchema.meta({
      description: 'The CUR table',
      example: 'cost_optimizer_cur_table',
    }),
    athena_workgroup: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,128}$/, { message: 'Must be a workgroup name (letters, digits, . _ -)' })
      .default('primary')
      .meta({ description: 'Athena workgroup to run queries in (default primary)', example: 'primary' }),
    cur_bucket: bucket.optional().meta({
      description: 'S3 bucket the CUR is delivered to (informational, scoped in the stack)',
      example: 'my-cur-bucket',
    }),
    cur_prefix: prefix
      .optional()
      .meta({ description: 'Key prefix of the CUR in that bucket', example: 'cur/report/' }),
    athena_results_bucket: bucket.optional().meta({
      description:
        'Bucket for Athena query results; needed unless the workgroup sets an output location or uses managed results',
      example: 'my-athena-results',
    }),
    athena_results_prefix: prefix.default('athena-results/').meta({
      description: 'Key prefix for query results (default athena-results/)',
      example: 'athena-results/',
    }),
  })
  .meta({ id: 'ConnectAwsRequest' });
export type ConnectAws = z.infer<typeof ConnectAwsSchema>;
export type ConnectAwsInput = z.input<typeof ConnectAwsSchema>;

export const ConnectionStatusSchema = z
  .enum(['not_connected', 'verifying', 'connected', 'pending_data', 'error'])
  .meta({
    id: 'ConnectionStatus',
    description:
      'not_connected: nothing saved; verifying: checks running; connected: verified with data; pending_data: verified, no CUR rows yet (first report takes 24-48 h); error: the last check failed',
  });
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const CurFormatSchema = z.enum(['legacy', 'cur2', 'focus']).meta({
  id: 'CurFormat',
  description: 'legacy CUR (Athena integration), CUR 2.0 (Data Exports) or FOCUS 1.x',
});
export type CurFormat = z.infer<typeof CurFormatSchema>;

export const VerifyStepNameSchema = z.enum([
  'assume_role',
  'external_id_enforced',
  'workgroup',
  'table',
  'data',
]);
export type VerifyStepName = z.infer<typeof VerifyStepNameSchema>;

export const ConnectionErrorSchema = z
  .object({
    code: z.string().meta({ example: 'ASSUME_ROLE_FAILED' }),
    message: z.string().meta({ example: 'Cannot AssumeRole' }),
    step: VerifyStepNameSchema,
    hints: z.array(z.string()),
    aws_error: z.string().nullable().meta({
      description: "AWS's own error text, verbatim",
      example: 'AccessDenied: User: ... is not authorized to perform: sts:AssumeRole',
    }),
    at: z.iso.datetime(),
  })
  .meta({ id: 'ConnectionError' });
export type ConnectionError = z.infer<typeof ConnectionErrorSchema>;

export const VerifyStepSchema = z
  .object({
    step: VerifyStepNameSchema,
    title: z.string().meta({ example: 'Assume the role with your External ID' }),
    status: z.enum(['ok', 'failed', 'warning', 'skipped']),
    message: z.string(),
    duration_ms: z.number().int(),
  })
  .meta({ id: 'VerifyStep' });
export type VerifyStep = z.infer<typeof VerifyStepSchema>;

export const ConnectionSchema = z
  .object({
    status: ConnectionStatusSchema,
    external_id: z.string().meta({
      description: 'Generated by the platform for your tenant; the stack puts it in the role trust policy',
      example: 'co-3f9a1c0d2b7e4a6f8c1d2e3f4a5b6c7d',
    }),
    platform_principal_arn: z.string().meta({
      description: 'The platform AWS principal your role must trust',
      example: 'arn:aws:iam::111122223333:role/CostOptimizerPlatform',
    }),
    template_url: z.string().meta({ description: 'Download the CloudFormation template' }),
    quick_create_url: z
      .string()
      .meta({ description: 'Opens the AWS console with the stack ready to create, External ID filled in' }),
    settings: ConnectAwsSchema.omit({ external_id: true }).nullable(),
    cur_format: CurFormatSchema.nullable(),
    partition_keys: z.array(z.string()),
    managed_results: z.boolean().nullable(),
    last_verified_at: z.iso.datetime().nullable(),
    data_through: z.iso
      .date()
      .nullable()
      .meta({ description: 'Latest usage day found in the CUR at the last check' }),
    last_error: ConnectionErrorSchema.nullable(),
    steps: z.array(VerifyStepSchema).meta({ description: 'The last verification, step by step' }),
    in_progress: z.array(VerifyStepSchema).nullable().meta({
      description:
        'While a verification runs: the steps finished so far (poll to show progress); otherwise null',
    }),
  })
  .meta({ id: 'Connection' });
export type Connection = z.infer<typeof ConnectionSchema>;
