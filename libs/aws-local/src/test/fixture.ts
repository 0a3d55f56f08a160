/** Test helpers: a small generated root, a running endpoint, and real SDK clients pointed at it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { generateCurSample, type CurFormat, type GenerateCurSampleResult } from '../sample/generate';
import { startAwsLocal, type AwsLocalHandle } from '../server';

export const PLATFORM = { accessKeyId: 'AKIAPLATFORMTEST0001', secretAccessKey: 'platform-secret' };
export const REGION = 'us-east-1';

export interface Env {
  dir: string;
  sample: GenerateCurSampleResult;
  aws: AwsLocalHandle;
  close(): Promise<void>;
}

export async function setup(
  format: CurFormat = 'legacy',
  extra: { days?: number; rowsPerDay?: number } = {},
): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'aws-local-'));
  const sample = await generateCurSample({
    out: dir,
    format,
    days: extra.days ?? 35,
    rowsPerDay: extra.rowsPerDay ?? 120,
    accounts: 3,
    seed: 7,
    endDate: '2026-03-05',
  });
  const aws = await startAwsLocal({ root: dir, port: 0 });
  aws.config.athena.queued_ms = 20;
  aws.config.athena.running_ms = 30;
  return {
    dir,
    sample,
    aws,
    close: async () => {
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
const base = (url: string, credentials: Credentials) => ({ endpoint: url, region: REGION, credentials });

export function sts(url: string, credentials: Credentials = PLATFORM, maxAttempts = 1) {
  return new STSClient({ ...base(url, credentials), maxAttempts });
}

export async function assume(
  env: Env,
  externalId: string | null | undefined = env.sample.externalId,
): Promise<Credentials> {
  const r = await sts(env.aws.url).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::123456789012:role/CostOptimizerAccess`,
      RoleSessionName: 'cost-optimizer-test',
      ...(externalId ? { ExternalId: externalId } : {}),
    }),
  );
  const c = r.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

export function clients(url: string, credentials: Credentials, maxAttempts = 1) {
  return {
    athena: new AthenaClient({ ...base(url, credentials), maxAttempts }),
    glue: new GlueClient({ ...base(url, credentials), maxAttempts }),
    s3: new S3Client({ ...base(url, credentials), forcePathStyle: true, maxAttempts }),
    cloudwatch: new CloudWatchClient({ ...base(url, credentials), maxAttempts }),
  };
}

/** Starts a query and polls until it leaves QUEUED/RUNNING; returns every state seen. */
export async function runQuery(
  athena: AthenaClient,
  sql: string,
  opts: { workgroup?: string; database?: string } = {},
): Promise<{ id: string; states: string[]; execution: QueryExecution }> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: opts.workgroup ?? 'primary',
      QueryExecutionContext: { Database: opts.database ?? 'cost_optimizer_cur_db' },
    }),
  );
  const states: string[] = [];
  for (let i = 0; i < 600; i++) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution!.Status!.State!;
    if (states[states.length - 1] !== state) states.push(state);
    if (!['QUEUED', 'RUNNING'].includes(state))
      return { id: QueryExecutionId!, states, execution: QueryExecution! };
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('query did not finish');
}
