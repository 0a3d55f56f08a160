// The five checks of a connection (AWS.md §1-2), one function each: what a step needs comes in as arguments, what it
// found goes out in its typed result; a failure is a StepFailure with the contract's code, hints and AWS's text.
import { GetWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  GetDatabaseCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import type { ConnectAws, CurFormat, ErrorCode } from '@cost-optimizer/dto';
import {
  AthenaQueryError,
  queryRows,
  quoteIdent,
  quoteLiteral,
  runQuery,
  type AthenaTarget,
} from '../aws/athena-runner';
import { type AwsClients, awsErrorName, isAwsServiceError, tenantAwsErrorText } from '../aws/aws-clients';
import { AssumeRoleFailed } from './aws-connection.errors';
import { resultsLocation } from './athena-target';
import { detectCurFormat, USAGE_START_COLUMN } from './cur-format';
import type { CredentialsProvider, RoleCredentialsFactory, RoleRef } from './role-credentials';

/** What every step may use: the settings under test and the clients (no state shared between steps). */
export interface StepContext {
  tenantId: string;
  externalId: string;
  settings: Omit<ConnectAws, 'external_id'>;
  platformPrincipalArn: string;
  /** How long the data step's query may run. */
  queryDeadlineMs: number;
  aws: AwsClients;
  roles: RoleCredentialsFactory;
}

/** A step that passed: the message shown, whether it is a warning, and what it found for the next steps. */
export interface StepDone<T> {
  message: string;
  warning?: boolean;
  value: T;
}

/** A step failed: the contract's error code, what to try, and AWS's own text when AWS answered. */
export class StepFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hints: string[],
    readonly awsError: string | null = null,
    /** An error of ours (not AWS's answer): logged, and the tenant sees a fixed text instead of it. */
    readonly internal: Error | null = null,
  ) {
    super(message);
  }

  /** A failure caused by `e`: AWS's text when AWS answered, else a fixed text (and `e` kept to be logged). */
  static fromAws(code: ErrorCode, message: string, hints: string[], e: unknown): StepFailure {
    const cause = e instanceof AssumeRoleFailed ? e.reason : e;
    const internal = isAwsServiceError(cause)
      ? null
      : cause instanceof Error
        ? cause
        : new Error(String(cause));
    return new StepFailure(code, message, hints, tenantAwsErrorText(cause), internal);
  }
}

export interface WorkgroupFound {
  target: AthenaTarget;
  managed: boolean;
}

export interface TableFound {
  format: CurFormat;
  database: string;
  table: string;
  columns: string[];
  partitionKeys: string[];
}

export interface DataFound {
  status: 'connected' | 'pending_data';
  dataThrough: string | null;
}

function roleOf(ctx: StepContext, externalId: string | null): RoleRef {
  const s = ctx.settings;
  return { tenantId: ctx.tenantId, roleArn: s.aws_role_arn, region: s.region, externalId };
}

/** assume_role: the role trusts the platform with the tenant's External ID; its credentials serve the next steps. */
export async function assumeTenantRole(ctx: StepContext): Promise<StepDone<CredentialsProvider>> {
  const s = ctx.settings;
  const credentials = ctx.roles.provider(roleOf(ctx, ctx.externalId), 'verify');
  try {
    await credentials();
  } catch (e) {
    throw StepFailure.fromAws(
      'ASSUME_ROLE_FAILED',
      'Cannot AssumeRole',
      [
        `Check the role ARN ${s.aws_role_arn} (the stack output RoleArn)`,
        `Check the stack's ExternalId parameter is exactly ${ctx.externalId}`,
        `Check the role's trust policy allows the platform principal ${ctx.platformPrincipalArn}`,
      ],
      e,
    );
  }
  return { message: `Assumed ${s.aws_role_arn}`, value: credentials };
}

/** external_id_enforced: the same AssumeRole without the External ID must be refused. */
export async function checkExternalIdEnforced(ctx: StepContext): Promise<StepDone<void>> {
  try {
    await ctx.roles.provider(roleOf(ctx, null), 'trustcheck')();
  } catch (e) {
    if (e instanceof AssumeRoleFailed && e.denied)
      return { message: 'The role refuses callers without the External ID', value: undefined };
    throw StepFailure.fromAws('AWS_ERROR', 'Could not check the trust policy', ['Retry in a minute'], e);
  }
  throw new StepFailure(
    'INSECURE_TRUST_POLICY',
    'The role can be assumed without the External ID: anyone we serve could reach your account through it',
    [
      'Add the condition StringEquals { "sts:ExternalId": "<your External ID>" } to the role trust policy',
      'Or re-create the role from our CloudFormation template, which sets it',
    ],
  );
}

/** workgroup: the Athena workgroup exists and there is a place for query results (ours, its own, or managed). */
export async function checkWorkgroup(
  ctx: StepContext,
  credentials: CredentialsProvider,
): Promise<StepDone<WorkgroupFound>> {
  const s = ctx.settings;
  const athena = ctx.aws.athena(s.region, credentials);
  try {
    const wg = await athena.send(new GetWorkGroupCommand({ WorkGroup: s.athena_workgroup }));
    const conf = wg.WorkGroup?.Configuration;
    const managed = conf?.ManagedQueryResultsConfiguration?.Enabled === true;
    const wgOutput = conf?.ResultConfiguration?.OutputLocation ?? null;
    const outputLocation = resultsLocation({
      managedResults: managed,
      enforced: conf?.EnforceWorkGroupConfiguration === true,
      resultsBucket: s.athena_results_bucket,
      resultsPrefix: s.athena_results_prefix,
    });
    if (!managed && !outputLocation && !wgOutput)
      throw new StepFailure('ATHENA_RESULTS_LOCATION_MISSING', 'No place for Athena query results', [
        `Workgroup ${s.athena_workgroup} sets no output location: give athena_results_bucket (and athena_results_prefix)`,
        'Or enable managed query results on the workgroup',
      ]);
    const where = managed ? 'managed query results' : (outputLocation ?? wgOutput);
    return {
      message: `Workgroup ${s.athena_workgroup} found (results: ${where})`,
      value: { target: { workgroup: s.athena_workgroup, outputLocation }, managed },
    };
  } catch (e) {
    if (e instanceof StepFailure) throw e;
    const name = awsErrorName(e);
    if (name === 'InvalidRequestException' || name === 'ResourceNotFoundException') {
      throw StepFailure.fromAws(
        'ATHENA_WORKGROUP_NOT_FOUND',
        'Athena workgroup not found',
        [
          `Check the workgroup name ${s.athena_workgroup}`,
          `Workgroups are per region: check ${s.region} is where your CUR table lives`,
        ],
        e,
      );
    }
    throw StepFailure.fromAws(
      'AWS_ERROR',
      'Cannot read the Athena workgroup',
      ['The role needs athena:GetWorkGroup on the workgroup'],
      e,
    );
  } finally {
    athena.destroy();
  }
}

/** table: the database and table exist in the Glue catalog and hold a supported CUR format with its columns. */
export async function checkTable(
  ctx: StepContext,
  credentials: CredentialsProvider,
): Promise<StepDone<TableFound>> {
  const s = ctx.settings;
  const glue = ctx.aws.glue(s.region, credentials);
  const notFound = (e: unknown, what: string) =>
    StepFailure.fromAws(
      'ATHENA_TABLE_NOT_FOUND',
      'Athena table not found',
      [
        `${what}: check the names (database ${s.athena_db}, table ${s.athena_table})`,
        'Check the CUR Athena integration is enabled (the CloudFormation stack AWS provides with the report creates them)',
        `Check the table is visible in the Athena console, in region ${s.region}`,
      ],
      e,
    );
  try {
    try {
      await glue.send(new GetDatabaseCommand({ Name: s.athena_db }));
    } catch (e) {
      if (awsErrorName(e) === 'EntityNotFoundException')
        throw notFound(e, `Database ${s.athena_db} does not exist`);
      throw e;
    }
    let table;
    try {
      table = (await glue.send(new GetTableCommand({ DatabaseName: s.athena_db, Name: s.athena_table })))
        .Table;
    } catch (e) {
      if (awsErrorName(e) === 'EntityNotFoundException')
        throw notFound(e, `Table ${s.athena_table} does not exist in ${s.athena_db}`);
      throw e;
    }
    const partitionKeys = (table?.PartitionKeys ?? []).map((c) => (c.Name ?? '').toLowerCase());
    const columns = [
      ...(table?.StorageDescriptor?.Columns ?? []).map((c) => (c.Name ?? '').toLowerCase()),
      ...partitionKeys,
    ];
    const detected = detectCurFormat(columns);
    if (!detected.format) {
      throw new StepFailure(
        'UNSUPPORTED_TABLE',
        `${s.athena_table} is not a Cost and Usage Report table: missing ${detected.missing.join(', ')}`,
        [
          'Point at the table the CUR Athena integration created (legacy CUR), a CUR 2.0 or a FOCUS 1.x export',
        ],
      );
    }
    if (detected.missing.length > 0) {
      throw new StepFailure(
        'UNSUPPORTED_TABLE',
        `The ${detected.format} table lacks columns: ${detected.missing.join(', ')}`,
        ['Enable resource IDs and the standard columns in the report definition'],
      );
    }
    const parts = partitionKeys.length
      ? `partitioned by ${partitionKeys.join(', ')}`
      : 'not partitioned (every query scans the whole table)';
    return {
      message: `Found a ${detected.format} table with ${columns.length} columns, ${parts}`,
      warning: partitionKeys.length === 0,
      value: {
        format: detected.format,
        database: s.athena_db,
        table: s.athena_table,
        columns,
        partitionKeys,
      },
    };
  } catch (e) {
    if (e instanceof StepFailure) throw e;
    throw StepFailure.fromAws(
      'AWS_ERROR',
      'Cannot read the table from the Glue catalog',
      ['The role needs glue:GetDatabase and glue:GetTable'],
      e,
    );
  } finally {
    glue.destroy();
  }
}

/**
 * data: one query over the latest partition (or the last 62 days of an unpartitioned table) finds the newest usage
 * day; no rows (or no partitions) yet is a warning and the connection waits for data (`pending_data`).
 */
export async function checkData(
  ctx: StepContext,
  credentials: CredentialsProvider,
  target: AthenaTarget,
  t: TableFound,
): Promise<StepDone<DataFound>> {
  const region = ctx.settings.region;
  const glue = ctx.aws.glue(region, credentials);
  const athena = ctx.aws.athena(region, credentials);
  const pending = (message: string): StepDone<DataFound> => ({
    message,
    warning: true,
    value: { status: 'pending_data', dataThrough: null },
  });
  try {
    const usage = quoteIdent(USAGE_START_COLUMN[t.format]);
    let where: string;
    if (t.partitionKeys.length > 0) {
      const latest = await latestPartition(glue, t.database, t.table, t.partitionKeys);
      if (!latest)
        return pending('No CUR data found: the table has no partitions yet (the first report takes 24-48 h)');
      where = t.partitionKeys
        .map((k, i) => `${quoteIdent(k)} = ${quoteLiteral(latest[i] ?? '')}`)
        .join(' AND ');
    } else {
      const since = new Date(Date.now() - 62 * 86_400_000).toISOString().slice(0, 10);
      where = `${usage} >= TIMESTAMP '${since} 00:00:00'`;
    }
    const sql = `SELECT CAST(max(${usage}) AS varchar) AS latest, count(*) AS line_items FROM ${quoteIdent(t.database)}.${quoteIdent(t.table)} WHERE ${where}`;
    const q = await runQuery(athena, sql, target, { deadlineMs: ctx.queryDeadlineMs });
    let latest: string | null = null;
    let count = 0;
    for await (const row of queryRows(athena, q.queryExecutionId)) {
      latest = row.latest ?? null;
      count = Number(row.line_items ?? 0);
    }
    if (!latest || count === 0)
      return pending('No CUR data found: CUR enabled? The first report takes 24-48 h; check the S3 path');
    const dataThrough = latest.slice(0, 10);
    return {
      message: `CUR data found through ${dataThrough} (${count} line items in the latest period)`,
      value: { status: 'connected', dataThrough },
    };
  } catch (e) {
    if (e instanceof AthenaQueryError) {
      throw new StepFailure(
        'ATHENA_QUERY_FAILED',
        `Athena query ${e.kind === 'timeout' ? 'timed out' : 'failed'}`,
        [
          'The role needs s3:GetObject/ListBucket on the CUR bucket and s3:PutObject on the results bucket',
          'Run the same query in the Athena console to see more',
        ],
        e.reason,
      );
    }
    throw StepFailure.fromAws(
      'AWS_ERROR',
      'Cannot query the CUR table',
      ['The role needs athena:StartQueryExecution and glue:GetPartitions'],
      e,
    );
  } finally {
    glue.destroy();
    athena.destroy();
  }
}

/** Sorts partitions newest first: billing_period 'YYYY-MM', or year + month (padded or not). */
export function partitionOrderKey(keys: string[], values: string[]): number {
  const get = (k: string) => values[keys.indexOf(k)] ?? '';
  if (keys.includes('billing_period')) {
    const [y, m] = get('billing_period').split('-').map(Number);
    return (y ?? 0) * 12 + (m ?? 0);
  }
  if (keys.includes('year'))
    return Number(get('year')) * 12 + (keys.includes('month') ? Number(get('month')) : 0);
  return 0;
}

async function latestPartition(
  glue: GlueClient,
  db: string,
  table: string,
  keys: string[],
): Promise<string[] | null> {
  let best: string[] | null = null;
  let token: string | undefined;
  do {
    const page = await glue.send(
      new GetPartitionsCommand({ DatabaseName: db, TableName: table, NextToken: token }),
    );
    for (const p of page.Partitions ?? []) {
      const values = p.Values ?? [];
      if (!best || partitionOrderKey(keys, values) > partitionOrderKey(keys, best)) best = values;
    }
    token = page.NextToken;
  } while (token);
  return best;
}
