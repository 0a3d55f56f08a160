/**
 * The `aws-local.json` format: validated strictly, so a typo is rejected with a message that names the
 * field instead of being silently ignored. The format is documented in README.md; keep it stable.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const s3Url = z
  .string()
  .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be an s3://bucket/prefix/ URL');
const name = z.string().regex(/^[A-Za-z0-9_.@+=,-]{1,128}$/, 'must be 1-128 of [A-Za-z0-9_.@+=,-]');
const glueName = z
  .string()
  .regex(/^[a-z0-9_]{1,255}$/, 'must be lower-case letters, digits and _ (Glue lower-cases names)');

const roleSchema = z
  .object({
    name,
    external_id: z
      .string()
      .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 chars of [\\w+=,.@:/-] (STS rule)')
      .nullable(),
    trusted: z.array(z.string().min(1)).default(['*']),
    max_session_duration: z.number().int().min(3600).max(43200).default(3600),
  })
  .strict();

const workgroupSchema = z
  .object({
    name: z.string().regex(/^[a-zA-Z0-9._-]{1,128}$/, 'must be 1-128 of [a-zA-Z0-9._-]'),
    output_location: s3Url.nullable().default(null),
    managed_results: z.boolean().default(false),
    enforce_configuration: z.boolean().default(false),
    state: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
  })
  .strict();

const tableSchema = z.object({ name: glueName, location: s3Url }).strict();
const databaseSchema = z.object({ name: glueName, tables: z.array(tableSchema).default([]) }).strict();

const syntheticSchema = z
  .object({
    base: z.number(),
    daily_amplitude: z.number().default(0),
    noise: z.number().min(0).default(0),
    period_seconds: z.number().int().positive().default(60),
    seed: z.number().int().default(1),
    /** Injected anomalies: during [start, end) a value is (normal value x multiplier) + add. */
    events: z
      .array(
        z
          .object({
            start: z.iso.datetime({ offset: true }),
            end: z.iso.datetime({ offset: true }),
            multiplier: z.number().default(1),
            add: z.number().default(0),
          })
          .strict()
          .refine((e) => Date.parse(e.start) < Date.parse(e.end), { message: 'start must be before end' }),
      )
      .optional(),
  })
  .strict();

const metricSchema = z
  .object({
    namespace: z.string().min(1),
    metric_name: z.string().min(1),
    dimensions: z.record(z.string(), z.string()).default({}),
    unit: z.string().default('None'),
    datapoints: z
      .array(z.object({ timestamp: z.iso.datetime({ offset: true }), value: z.number() }).strict())
      .default([]),
    synthetic: syntheticSchema.optional(),
  })
  .strict();

const faultSchema = z
  .object({
    service: z.enum(['sts', 'athena', 'glue', 's3', 'cloudwatch']),
    operation: z.string().min(1),
    kind: z.enum(['throttle', 'fail', 'latency', 'truncate']),
    count: z.number().int().positive().optional(),
    ms: z.number().int().min(0).optional(),
    message: z.string().optional(),
    account_id: accountId.optional(),
    /** `truncate`: the result rows kept (default 0: an empty result). */
    rows: z.number().int().min(0).optional(),
    /** Only queries whose SQL contains this text (case-insensitive); `Query` faults only. */
    query_contains: z.string().min(1).optional(),
  })
  .strict();

const accountSchema = z
  .object({
    account_id: accountId,
    name: z.string().optional(),
    roles: z.array(roleSchema).default([]),
    workgroups: z.array(workgroupSchema).default([]),
    databases: z.array(databaseSchema).default([]),
    buckets: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'))
      .default([]),
    metrics: z.array(metricSchema).default([]),
  })
  .strict();

export const configSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')
      .default('us-east-1'),
    platform_account_id: accountId.default('999999999999'),
    platform_access_key_ids: z.array(z.string().min(16)).nullable().default(null),
    credential_ttl_seconds: z.number().int().positive().nullable().default(null),
    athena: z
      .object({
        queued_ms: z.number().int().min(0).default(30),
        running_ms: z.number().int().min(0).default(60),
        max_concurrent_queries: z.number().int().positive().default(20),
        results_kept: z.number().int().positive().default(500),
      })
      .strict()
      .default({ queued_ms: 30, running_ms: 60, max_concurrent_queries: 20, results_kept: 500 }),
    faults: z.array(faultSchema).default([]),
    accounts: z.array(accountSchema).min(1, 'needs at least one account'),
  })
  .strict();

export type AwsLocalConfig = z.infer<typeof configSchema>;
export type AwsLocalConfigInput = z.input<typeof configSchema>;
export type RoleConfig = z.infer<typeof roleSchema>;
export type WorkgroupConfig = z.infer<typeof workgroupSchema>;
export type AccountConfig = z.infer<typeof accountSchema>;
export type MetricConfig = z.infer<typeof metricSchema>;
export type FaultSpec = z.infer<typeof faultSchema>;
export const faultSpecSchema = faultSchema;

export class ConfigError extends Error {}

function describe(path: PropertyKey[]): string {
  return path.reduce<string>(
    (s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)),
    '',
  );
}

/** Validates a parsed `aws-local.json`; throws ConfigError listing every problem with its path. */
export function parseConfig(raw: unknown, source = 'aws-local.json'): AwsLocalConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const at = describe(i.path) || '(root)';
      if (i.code === 'unrecognized_keys')
        return `${at}: unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
      return `${at}: ${i.message}`;
    });
    throw new ConfigError(`${source} is invalid:\n  - ${problems.join('\n  - ')}`);
  }
  const config = result.data;
  const problems: string[] = [];
  const seen = new Set<string>();
  config.accounts.forEach((a, ai) => {
    if (seen.has(a.account_id))
      problems.push(`accounts[${ai}].account_id: duplicate account ${a.account_id}`);
    seen.add(a.account_id);
    const dup = (list: { name: string }[], what: string) => {
      const names = new Set<string>();
      list.forEach((x, i) => {
        if (names.has(x.name))
          problems.push(`accounts[${ai}].${what}[${i}].name: duplicate name "${x.name}"`);
        names.add(x.name);
      });
    };
    dup(a.roles, 'roles');
    dup(a.workgroups, 'workgroups');
    dup(a.databases, 'databases');
    a.databases.forEach((d, di) => dup(d.tables, `databases[${di}].tables`));
    a.workgroups.forEach((w, wi) => {
      if (w.managed_results && w.output_location)
        problems.push(
          `accounts[${ai}].workgroups[${wi}]: a managed_results workgroup has no output_location`,
        );
    });
    a.metrics.forEach((m, mi) => {
      if (m.synthetic === undefined && m.datapoints.length === 0)
        problems.push(`accounts[${ai}].metrics[${mi}]: needs datapoints or synthetic`);
    });
  });
  if (problems.length) throw new ConfigError(`${source} is invalid:\n  - ${problems.join('\n  - ')}`);
  return config;
}

export function loadConfigFile(file: string): AwsLocalConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseConfig(raw, file);
}

/** Splits `s3://bucket/prefix/` into its parts. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new ConfigError(`not an s3:// URL: ${url}`);
  return { bucket: m[1] ?? '', prefix: m[2] ?? '' };
}
