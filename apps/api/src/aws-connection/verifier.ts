import { Inject, Injectable, Logger } from '@nestjs/common';
import { GetWorkGroupCommand } from '@aws-sdk/client-athena';
import {
  GetDatabaseCommand,
  GetPartitionsCommand,
  GetTableCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import type {
  ConnectAws,
  ConnectionError,
  CurFormat,
  ErrorCode,
  VerifyStep,
  VerifyStepName,
} from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import {
  AthenaQueryError,
  queryRows,
  quoteIdent,
  quoteLiteral,
  runQuery,
  type AthenaTarget,
} from '../aws/athena-runner';
import {
  AwsClients,
  awsErrorName,
  isAwsServiceError,
  tenantAwsErrorText,
  type RoleCredentials,
} from '../aws/aws-clients';
import { detectCurFormat, USAGE_START_COLUMN } from './cur-format';

export type ConnectSettings = Omit<ConnectAws, 'external_id'>;

export interface VerifyOk {
  ok: true;
  status: 'connected' | 'pending_data';
  steps: VerifyStep[];
  format: CurFormat;
  columns: string[];
  partitionKeys: string[];
  managedResults: boolean;
  dataThrough: string | null;
}

export interface VerifyFailed {
  ok: false;
  steps: VerifyStep[];
  /** As stored and shown, with the code narrowed: every step failure is one of the contract's error codes. */
  error: ConnectionError & { code: ErrorCode };
}

const TITLES: Record<VerifyStepName, string> = {
  assume_role: 'Assume the role with your External ID',
  external_id_enforced: 'Check the role refuses callers without the External ID',
  workgroup: 'Find the Athena workgroup',
  table: 'Find the CUR table and read its columns',
  data: 'Query the latest CUR data',
};

class StepFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hints: string[],
    readonly awsError: string | null = null,
  ) {
    super(message);
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

/** The five connection checks, run in order; the first failure stops them (AWS.md §1-2). */
@Injectable()
export class ConnectionVerifier {
  private readonly logger = new Logger('ConnectionVerifier');

  constructor(
    private readonly aws: AwsClients,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async verify(
    tenantId: string,
    externalId: string,
    s: ConnectSettings,
    onStep: (steps: VerifyStep[]) => Promise<void> = async () => {},
  ): Promise<VerifyOk | VerifyFailed> {
    const steps: VerifyStep[] = [];
    let creds!: RoleCredentials;
    let target!: AthenaTarget;
    let managed = false;
    let format!: CurFormat;
    let columns: string[] = [];
    let partitionKeys: string[] = [];
    let dataThrough: string | null = null;
    let status: VerifyOk['status'] = 'connected';
    const principal = this.config.aws.platformPrincipalArn;

    let current: VerifyStepName = 'assume_role';
    /** AWS's text for the tenant; an error of ours is logged (with its text) and shown as a fixed sentence. */
    const awsText = (e: unknown): string => {
      if (!isAwsServiceError(e))
        this.logger.error({
          msg: 'verification failed with an error not from AWS',
          tenant_id: tenantId,
          step: current,
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
        });
      return tenantAwsErrorText(e);
    };

    const run = async (step: VerifyStepName, fn: () => Promise<{ message: string; warning?: boolean }>) => {
      current = step;
      const t0 = Date.now();
      try {
        const r = await fn();
        steps.push({
          step,
          title: TITLES[step],
          status: r.warning ? 'warning' : 'ok',
          message: r.message,
          duration_ms: Date.now() - t0,
        });
        await onStep([...steps]);
      } catch (e) {
        const f =
          e instanceof StepFailure
            ? e
            : new StepFailure(
                'AWS_ERROR',
                `Unexpected AWS error during "${TITLES[step]}"`,
                ['Retry in a minute; if it persists, check the AWS service health'],
                awsText(e),
              );
        steps.push({
          step,
          title: TITLES[step],
          status: 'failed',
          message: f.message,
          duration_ms: Date.now() - t0,
        });
        throw Object.assign(f, { step });
      }
    };

    try {
      await run('assume_role', async () => {
        try {
          creds = await this.aws.assumeRole({
            region: s.region,
            roleArn: s.aws_role_arn,
            externalId,
            tenantId,
            purpose: 'verify',
          });
        } catch (e) {
          throw new StepFailure(
            'ASSUME_ROLE_FAILED',
            'Cannot AssumeRole',
            [
              `Check the role ARN ${s.aws_role_arn} (the stack output RoleArn)`,
              `Check the stack's ExternalId parameter is exactly ${externalId}`,
              `Check the role's trust policy allows the platform principal ${principal}`,
            ],
            awsText(e),
          );
        }
        return { message: `Assumed ${s.aws_role_arn}` };
      });

      await run('external_id_enforced', async () => {
        try {
          await this.aws.assumeRole({
            region: s.region,
            roleArn: s.aws_role_arn,
            externalId: null,
            tenantId,
            purpose: 'trustcheck',
          });
        } catch (e) {
          if (awsErrorName(e) === 'AccessDenied')
            return { message: 'The role refuses callers without the External ID' };
          throw new StepFailure(
            'AWS_ERROR',
            'Could not check the trust policy',
            ['Retry in a minute'],
            awsText(e),
          );
        }
        throw new StepFailure(
          'INSECURE_TRUST_POLICY',
          'The role can be assumed without the External ID: anyone we serve could reach your account through it',
          [
            'Add the condition StringEquals { "sts:ExternalId": "<your External ID>" } to the role trust policy',
            'Or re-create the role from our CloudFormation template, which sets it',
          ],
        );
      });

      await run('workgroup', async () => {
        const athena = this.aws.athena(s.region, creds);
        try {
          const wg = await athena.send(new GetWorkGroupCommand({ WorkGroup: s.athena_workgroup }));
          const conf = wg.WorkGroup?.Configuration;
          managed = conf?.ManagedQueryResultsConfiguration?.Enabled === true;
          const wgOutput = conf?.ResultConfiguration?.OutputLocation ?? null;
          const enforced = conf?.EnforceWorkGroupConfiguration === true;
          if (managed) target = { workgroup: s.athena_workgroup, outputLocation: null };
          else if (s.athena_results_bucket && !enforced)
            target = {
              workgroup: s.athena_workgroup,
              outputLocation: `s3://${s.athena_results_bucket}/${s.athena_results_prefix}`,
            };
          else if (wgOutput) target = { workgroup: s.athena_workgroup, outputLocation: null };
          else
            throw new StepFailure('ATHENA_RESULTS_LOCATION_MISSING', 'No place for Athena query results', [
              `Workgroup ${s.athena_workgroup} sets no output location: give athena_results_bucket (and athena_results_prefix)`,
              'Or enable managed query results on the workgroup',
            ]);
          const where = managed ? 'managed query results' : (target.outputLocation ?? wgOutput);
          return { message: `Workgroup ${s.athena_workgroup} found (results: ${where})` };
        } catch (e) {
          if (e instanceof StepFailure) throw e;
          const name = awsErrorName(e);
          if (name === 'InvalidRequestException' || name === 'ResourceNotFoundException') {
            throw new StepFailure(
              'ATHENA_WORKGROUP_NOT_FOUND',
              'Athena workgroup not found',
              [
                `Check the workgroup name ${s.athena_workgroup}`,
                `Workgroups are per region: check ${s.region} is where your CUR table lives`,
              ],
              awsText(e),
            );
          }
          throw new StepFailure(
            'AWS_ERROR',
            'Cannot read the Athena workgroup',
            ['The role needs athena:GetWorkGroup on the workgroup'],
            awsText(e),
          );
        } finally {
          athena.destroy();
        }
      });

      await run('table', async () => {
        const glue = this.aws.glue(s.region, creds);
        const notFound = (e: unknown, what: string) =>
          new StepFailure(
            'ATHENA_TABLE_NOT_FOUND',
            'Athena table not found',
            [
              `${what}: check the names (database ${s.athena_db}, table ${s.athena_table})`,
              'Check the CUR Athena integration is enabled (the CloudFormation stack AWS provides with the report creates them)',
              `Check the table is visible in the Athena console, in region ${s.region}`,
            ],
            awsText(e),
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
            table = (
              await glue.send(new GetTableCommand({ DatabaseName: s.athena_db, Name: s.athena_table }))
            ).Table;
          } catch (e) {
            if (awsErrorName(e) === 'EntityNotFoundException')
              throw notFound(e, `Table ${s.athena_table} does not exist in ${s.athena_db}`);
            throw e;
          }
          partitionKeys = (table?.PartitionKeys ?? []).map((c) => (c.Name ?? '').toLowerCase());
          columns = [
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
          format = detected.format;
          const parts = partitionKeys.length
            ? `partitioned by ${partitionKeys.join(', ')}`
            : 'not partitioned (every query scans the whole table)';
          return {
            message: `Found a ${format} table with ${columns.length} columns, ${parts}`,
            warning: partitionKeys.length === 0,
          };
        } catch (e) {
          if (e instanceof StepFailure) throw e;
          throw new StepFailure(
            'AWS_ERROR',
            'Cannot read the table from the Glue catalog',
            ['The role needs glue:GetDatabase and glue:GetTable'],
            awsText(e),
          );
        } finally {
          glue.destroy();
        }
      });

      await run('data', async () => {
        const glue = this.aws.glue(s.region, creds);
        const athena = this.aws.athena(s.region, creds);
        try {
          const usage = quoteIdent(USAGE_START_COLUMN[format]);
          let where: string;
          if (partitionKeys.length > 0) {
            const latest = await this.latestPartition(glue, s.athena_db, s.athena_table, partitionKeys);
            if (!latest) {
              status = 'pending_data';
              return {
                message:
                  'No CUR data found: the table has no partitions yet (the first report takes 24-48 h)',
                warning: true,
              };
            }
            where = partitionKeys
              .map((k, i) => `${quoteIdent(k)} = ${quoteLiteral(latest[i] ?? '')}`)
              .join(' AND ');
          } else {
            const since = new Date(Date.now() - 62 * 86_400_000).toISOString().slice(0, 10);
            where = `${usage} >= TIMESTAMP '${since} 00:00:00'`;
          }
          const sql = `SELECT CAST(max(${usage}) AS varchar) AS latest, count(*) AS line_items FROM ${quoteIdent(s.athena_db)}.${quoteIdent(s.athena_table)} WHERE ${where}`;
          const q = await runQuery(athena, sql, target, {
            deadlineMs: Math.min(this.config.aws.athenaQueryTimeoutMs, 120_000),
          });
          let latest: string | null = null;
          let count = 0;
          for await (const row of queryRows(athena, q.queryExecutionId)) {
            latest = row.latest ?? null;
            count = Number(row.line_items ?? 0);
          }
          if (!latest || count === 0) {
            status = 'pending_data';
            return {
              message: 'No CUR data found: CUR enabled? The first report takes 24-48 h; check the S3 path',
              warning: true,
            };
          }
          dataThrough = latest.slice(0, 10);
          return {
            message: `CUR data found through ${dataThrough} (${count} line items in the latest period)`,
          };
        } catch (e) {
          if (e instanceof StepFailure) throw e;
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
          throw new StepFailure(
            'AWS_ERROR',
            'Cannot query the CUR table',
            ['The role needs athena:StartQueryExecution and glue:GetPartitions'],
            awsText(e),
          );
        } finally {
          glue.destroy();
          athena.destroy();
        }
      });
    } catch (e) {
      const f = e as StepFailure & { step: VerifyStepName };
      return {
        ok: false,
        steps,
        error: {
          code: f.code,
          message: f.message,
          step: f.step,
          hints: f.hints,
          aws_error: f.awsError,
          at: new Date().toISOString(),
        },
      };
    }
    return { ok: true, status, steps, format, columns, partitionKeys, managedResults: managed, dataThrough };
  }

  private async latestPartition(
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
}
