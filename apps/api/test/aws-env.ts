import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ApiProcess, Session } from './harness';
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
  opts: {
    format?: 'legacy' | 'cur2' | 'focus';
    days?: number;
    rowsPerDay?: number;
    /** Last day of data (default: yesterday). */
    endDate?: string;
  } = {},
): Promise<AwsEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'co-aws-'));
  const sample = await generateCurSample({
    out: dir,
    format: opts.format ?? 'cur2',
    days: opts.days ?? 10,
    rowsPerDay: opts.rowsPerDay ?? 60,
    ...(opts.endDate ? { endDate: opts.endDate } : {}),
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

let roles = 0;
/**
 * A new tenant connected through its own role (as each customer deploys our stack in their own account):
 * signs up, trusts the tenant's External ID on a fresh role, connects.
 */
export async function connectedTenant(
  api: ApiProcess,
  env: AwsEnv,
  overrides: Record<string, unknown> = {},
): Promise<Session & { tenantId: string }> {
  const s = await api.signup();
  const conn = await api.get('/api/tenants/connection', s.access_token);
  const role = `${ROLE}-${process.pid}-${++roles}`;
  env.aws.setRole(ACCOUNT, role, { external_id: conn.body.external_id });
  const body = connectBody(conn.body.external_id, {
    aws_role_arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
    ...overrides,
  });
  const res = await api.post('/api/tenants/connect', body, s.access_token);
  if (res.status !== 200) throw new Error(`connect failed: ${JSON.stringify(res.body)}`);
  const me = await api.get('/api/auth/me', s.access_token);
  return { ...s, tenantId: me.body.tenant.id };
}

/** Waits until the tenant's sync runs are all finished; returns the newest. */
export async function syncsSettled(api: ApiProcess, token: string, timeoutMs = 60_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await api.get('/api/cur/sync-runs?page_size=100', token);
    const active = runs.body.items.filter(
      (r: { status: string }) => r.status === 'queued' || r.status === 'running',
    );
    if (runs.body.items.length > 0 && active.length === 0) return runs.body.items[0];
    if (Date.now() > deadline) throw new Error(`runs did not finish: ${JSON.stringify(runs.body.items)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Writes custom metrics into the sample account through a role of its own (as an application would). */
export async function metricWriter(env: AwsEnv, role = 'MetricsWriter') {
  env.aws.setRole(ACCOUNT, role, { external_id: null });
  const creds = { accessKeyId: 'AKIAPLATFORMTEST0001', secretAccessKey: 'platform-secret' };
  const sts = new STSClient({ region: 'us-east-1', endpoint: env.aws.url, credentials: creds });
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
      RoleSessionName: 'writer',
    }),
  );
  sts.destroy();
  const c = out.Credentials!;
  const cw = new CloudWatchClient({
    region: 'us-east-1',
    endpoint: env.aws.url,
    credentials: {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    },
  });
  return {
    put: async (metric: string, dims: Record<string, string>, points: { t: number; v: number }[]) => {
      for (let i = 0; i < points.length; i += 500) {
        await cw.send(
          new PutMetricDataCommand({
            Namespace: 'Custom/App',
            MetricData: points.slice(i, i + 500).map((p) => ({
              MetricName: metric,
              Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })),
              Timestamp: new Date(p.t),
              Value: p.v,
            })),
          }),
        );
      }
    },
    close: () => cw.destroy(),
  };
}
