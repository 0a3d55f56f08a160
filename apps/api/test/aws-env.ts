import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  generateCurSample,
  startAwsLocal,
  type AwsLocalHandle,
  type GenerateCurSampleResult,
} from '@cost-optimizer/aws-local';

export const ACCOUNT = '123456789012';
export const ROLE = 'CostOptimizerAccess';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE}`;

export interface AwsEnv {
  dir: string;
  aws: AwsLocalHandle;
  sample: GenerateCurSampleResult;
  /** Environment for the API process: the SDK's standard variables pointed at the local endpoint. */
  apiEnv: Record<string, string>;
  close(): Promise<void>;
}

function findParquet(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * A generated CUR sample served by the local AWS endpoint, plus two extra tables for failure cases:
 * `extra_db.not_a_cur` (some other table) and `extra_db.empty_cur` (a CUR table whose only partition is empty).
 */
export async function awsEnv(
  opts: { format?: 'legacy' | 'cur2' | 'focus'; days?: number; rowsPerDay?: number } = {},
): Promise<AwsEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'co-aws-'));
  const sample = await generateCurSample({
    out: dir,
    format: opts.format ?? 'cur2',
    days: opts.days ?? 10,
    rowsPerDay: opts.rowsPerDay ?? 60,
    accounts: 2,
    seed: 11,
  });
  const files = findParquet(join(dir, 's3'));
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const other = join(dir, 's3/cur-data/other');
  const partition = (opts.format ?? 'cur2') === 'legacy' ? 'year=2026/month=1' : 'billing_period=2026-01';
  const empty = join(dir, 's3/cur-data/empty', partition);
  mkdirSync(other, { recursive: true });
  mkdirSync(empty, { recursive: true });
  await duck.run(`COPY (SELECT 1 AS id, 'x' AS name) TO '${join(other, 'data.parquet')}' (FORMAT parquet)`);
  await duck.run(
    `COPY (SELECT * FROM read_parquet('${files[0]}', hive_partitioning=false) LIMIT 0) TO '${join(empty, 'data.parquet')}' (FORMAT parquet)`,
  );
  duck.closeSync();
  const configFile = join(dir, 'aws-local.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.accounts[0].databases.push({
    name: 'extra_db',
    tables: [
      { name: 'not_a_cur', location: 's3://cur-data/other/' },
      { name: 'empty_cur', location: 's3://cur-data/empty/' },
    ],
  });
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const aws = await startAwsLocal({ root: dir, port: 0 });
  aws.config.athena.queued_ms = 10;
  aws.config.athena.running_ms = 20;
  return {
    dir,
    aws,
    sample,
    apiEnv: {
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIAPLATFORMTEST0001',
      AWS_SECRET_ACCESS_KEY: 'platform-secret',
      AWS_REGION: 'us-east-1',
      AWS_S3_FORCE_PATH_STYLE: 'true',
      AWS_MAX_ATTEMPTS: '3',
    },
    close: async () => {
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function connectBody(externalId: string, overrides: Record<string, unknown> = {}) {
  return {
    aws_role_arn: ROLE_ARN,
    external_id: externalId,
    region: 'us-east-1',
    athena_db: 'cost_optimizer_cur_db',
    athena_table: 'cost_optimizer_cur_table',
    ...overrides,
  };
}
