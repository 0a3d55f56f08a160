/**
 * Bench for CloudWatch metric collection: one tick of one tenant with 5,000 watched series against aws-local,
 * through the product's MetricCollector (batched GetMetricData, idempotent insert, streaming detection with the
 * state in PostgreSQL). Each figure is a ratio to a baseline measured in the same run (shared, noisy machines):
 *   1. calls and time vs one GetMetricData call per series (fetch only, same SDK, same endpoint)
 *   2. rows/s stored (insert + detection + state) vs a raw COPY of the same points into a bare table
 * The detector judges the points older than the late-data window (METRICS_LATE_DATA_SECONDS, default 600 s); the
 * tick after the backfill re-reads that window, as every scheduled tick does.
 * Run: npm run bench -- metrics [--scale 0.2] [--keep-db]
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startAwsLocal } from '@cost-optimizer/aws-local';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../apps/api/src/config/config';
import { ADMIN_URL, dbUrl, sql } from './lib';

const ROOT = join(__dirname, '..');
// The product's classes, compiled (npm run bench builds first): the Nest decorators need tsc's emit.
/* eslint-disable @typescript-eslint/no-require-imports */
const { MetricCollector } =
  require('../apps/api/dist/metrics/metric-collector') as typeof import('../apps/api/src/metrics/metric-collector');
const { AnomalyEpisodes } =
  require('../apps/api/dist/anomaly/anomaly-episodes') as typeof import('../apps/api/src/anomaly/anomaly-episodes');
const { MetricRuns } =
  require('../apps/api/dist/metrics/metric-runs') as typeof import('../apps/api/src/metrics/metric-runs');
const { MetricFetcher } =
  require('../apps/api/dist/metrics/metric-fetcher') as typeof import('../apps/api/src/metrics/metric-fetcher');
const { MetricDetection } =
  require('../apps/api/dist/metrics/metric-detection') as typeof import('../apps/api/src/metrics/metric-detection');
const { DomainEvents } =
  require('../apps/api/dist/events/domain-events') as typeof import('../apps/api/src/events/domain-events');
const { MetricPointStore } =
  require('../apps/api/dist/metrics/metric-point-store') as typeof import('../apps/api/src/metrics/metric-point-store');
const { TenantAws } =
  require('../apps/api/dist/metrics/tenant-aws') as typeof import('../apps/api/src/metrics/tenant-aws');
const { AwsClients } =
  require('../apps/api/dist/aws/aws-clients') as typeof import('../apps/api/src/aws/aws-clients');
const { AwsAccessService } =
  require('../apps/api/dist/aws-connection/aws-access.service') as typeof import('../apps/api/src/aws-connection/aws-access.service');
const { RoleCredentialsFactory } =
  require('../apps/api/dist/aws-connection/role-credentials') as typeof import('../apps/api/src/aws-connection/role-credentials');
const { AuditService } =
  require('../apps/api/dist/audit/audit.service') as typeof import('../apps/api/src/audit/audit.service');
const { prepareAppDatabase } =
  require('../apps/api/dist/database/app-role') as typeof import('../apps/api/src/database/app-role');
const { ormConfig } =
  require('../apps/api/dist/database/mikro-orm.config') as typeof import('../apps/api/src/database/mikro-orm.config');
/* eslint-enable @typescript-eslint/no-require-imports */

const scaleArg = process.argv.indexOf('--scale');
const SCALE = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;
const SERIES = Math.max(10, Math.round(5000 * SCALE));
const ACCOUNT = '210987654321';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/BenchMetrics`;
const ms = (t: number) => `${t.toFixed(0)} ms`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

async function main() {
  console.log(
    `Metrics bench: ${SERIES} series, one tick; PostgreSQL ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'co-bench-metrics-'));
  const name = `co_bench_metrics_${Date.now().toString(36)}`;
  const aws = await startAwsLocal({
    root: dir,
    port: 0,
    config: {
      region: 'us-east-1',
      platform_account_id: '999999999999',
      platform_access_key_ids: null,
      credential_ttl_seconds: null,
      athena: { queued_ms: 10, running_ms: 10, max_concurrent_queries: 20, results_kept: 10 },
      faults: [],
      accounts: [
        {
          account_id: ACCOUNT,
          roles: [{ name: 'BenchMetrics', external_id: null, trusted: ['*'], max_session_duration: 3600 }],
          workgroups: [],
          databases: [],
          buckets: [],
          metrics: Array.from({ length: SERIES }, (_, i) => ({
            namespace: 'Bench/App',
            metric_name: 'Requests',
            dimensions: { Series: `s-${i}` },
            unit: 'Count',
            datapoints: [],
            synthetic: {
              base: 100 + (i % 50),
              daily_amplitude: 10,
              noise: 3,
              period_seconds: 60,
              seed: i + 1,
            },
          })),
        },
      ],
    },
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: aws.url,
    AWS_ACCESS_KEY_ID: 'AKIAPLATFORMBENCH001',
    AWS_SECRET_ACCESS_KEY: 'platform-secret',
    AWS_REGION: 'us-east-1',
  });
  await sql(ADMIN_URL, `create database "${name}"`);
  const url = dbUrl(name);
  try {
    execFileSync(process.execPath, [join(ROOT, 'apps/api/dist/cli.js'), 'migrate'], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'error' },
      stdio: 'pipe',
    });
    const tenantId = randomUUID();
    await sql(url, `insert into tenant (id, name, created_at) values ($1, 'Bench', now())`, [tenantId]);
    await sql(
      url,
      `insert into aws_connection (id, tenant_id, status, role_arn, region, created_at, updated_at)
       values (gen_random_uuid(), $1, 'connected', $2, 'us-east-1', now(), now())`,
      [tenantId, ROLE_ARN],
    );
    await sql(
      url,
      `insert into metric_watch (id, tenant_id, namespace, metric_name, dimensions, stat, period, region, series_key,
                                 label, enabled, created_at, updated_at)
       select gen_random_uuid(), $1, 'Bench/App', 'Requests', jsonb_build_array(jsonb_build_object('name', 'Series', 'value', 's-' || i)),
              'Average', 60, 'us-east-1', md5(i::text) || md5(i::text), 'Requests s-' || i, true, now(), now()
         from generate_series(0, $2 - 1) as i`,
      [tenantId, SERIES],
    );
    const given = loadConfig({
      DATABASE_URL: url,
      LOG_LEVEL: 'error',
      METRICS_BACKFILL_HOURS: '1',
      AWS_MAX_ATTEMPTS: '3',
      // The default late-data window (600 s) unless the environment sets one.
      ...(process.env.METRICS_LATE_DATA_SECONDS
        ? { METRICS_LATE_DATA_SECONDS: process.env.METRICS_LATE_DATA_SECONDS }
        : {}),
    });
    // The API's own login (row-level security applies to it; the collector scopes each tenant's work).
    const config = { ...given, databaseAppUrl: await prepareAppDatabase(given) };
    const orm = await MikroORM.init(ormConfig(config.databaseAppUrl, 2));
    const store = new MetricPointStore(config);
    const clients = new AwsClients(config);
    const tenantAws = new TenantAws(
      clients,
      new AwsAccessService(orm.em, new RoleCredentialsFactory(clients), new AuditService(orm.em)),
    );
    const collector = new MetricCollector(
      new MetricRuns(store, tenantAws),
      new MetricFetcher(config),
      new MetricDetection(store, new AnomalyEpisodes(config)),
      store,
      tenantAws,
      orm.em,
      config,
      new DomainEvents(console),
    );

    // --- the product: one tick of the tenant ---
    aws.resetCalls();
    const heap0 = process.memoryUsage();
    let peakRss = heap0.rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
    const t0 = performance.now();
    const out = await collector.collectTenant(tenantId, Date.now(), 'manual');
    const tickMs = performance.now() - t0;
    clearInterval(sampler);
    if (!out || out.status !== 'succeeded') throw new Error(`tick failed: ${JSON.stringify(out?.errors)}`);
    const calls = aws.calls()['cloudwatch.GetMetricData'] ?? 0;
    const [judged] = await sql(url, `select sum((detector_state->>'n')::int)::int as n from metric_watch`);
    console.log(
      `1. one tick: ${out.watches} series, ${calls} GetMetricData calls, ${out.points_stored} points stored, ` +
        `${(judged as { n: number }).n} judged by the detector (late-data window ${config.metrics.lateDataSeconds} s), ` +
        `${out.anomalies} anomalous points, ${ms(tickMs)}, peak RSS +${mb(peakRss - heap0.rss)}, ` +
        `estimated cost $${out.estimated_cost_usd.toFixed(4)}`,
    );
    // The next tick re-reads every series from the first period its detector has not judged (late datapoints).
    const s0 = performance.now();
    const steady = await collector.collectTenant(tenantId, Date.now() + 1, 'manual');
    console.log(
      `   next tick (re-reads the late-data window): ${steady?.watches} series, ${steady?.points_stored} new points, ` +
        `${ms(performance.now() - s0)} (${((performance.now() - s0) / tickMs).toFixed(2)}x the backfill tick)`,
    );

    // --- baseline 1: one GetMetricData per series (fetch only) ---
    const sts = new STSClient({ region: 'us-east-1' });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: ROLE_ARN, RoleSessionName: 'bench' })))
      .Credentials!;
    sts.destroy();
    const cw = new CloudWatchClient({
      region: 'us-east-1',
      maxAttempts: 3,
      credentials: {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      },
    });
    const end = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const start = new Date(end.getTime() - 3_600_000);
    aws.resetCalls();
    const b0 = performance.now();
    let basePoints = 0;
    const queue = Array.from({ length: SERIES }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const r = await cw.send(
            new GetMetricDataCommand({
              MetricDataQueries: [
                {
                  Id: 'm0',
                  MetricStat: {
                    Metric: {
                      Namespace: 'Bench/App',
                      MetricName: 'Requests',
                      Dimensions: [{ Name: 'Series', Value: `s-${i}` }],
                    },
                    Period: 60,
                    Stat: 'Average',
                  },
                },
              ],
              StartTime: start,
              EndTime: end,
            }),
          );
          basePoints += r.MetricDataResults?.[0]?.Values?.length ?? 0;
        }
      }),
    );
    const perSeriesMs = performance.now() - b0;
    const baseCalls = aws.calls()['cloudwatch.GetMetricData'] ?? 0;
    cw.destroy();
    console.log(
      `   baseline: one call per series (16 in flight, fetch only): ${baseCalls} calls, ${basePoints} points, ${ms(perSeriesMs)}`,
    );
    console.log(
      `   ratio calls batched/per-series = ${(calls / baseCalls).toFixed(4)}x (500 per call: 1/${Math.round(baseCalls / calls)}); ` +
        `ratio time tick (fetch + store + detect)/per-series fetch only = ${(tickMs / perSeriesMs).toFixed(2)}x ` +
        `(AWS bills per metric requested, so the dollar cost is the same; throttling risk is per call)`,
    );

    // --- baseline 2: raw COPY of the same points ---
    const rows = await sql(url, `select watch_id, ts, value from metric_point`);
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('create unlogged table raw_point (watch_id uuid, ts timestamptz, value float8)');
    const r0 = performance.now();
    await pipeline(
      Readable.from(
        (function* () {
          let batch = '';
          for (const r of rows as { watch_id: string; ts: Date; value: number }[]) {
            batch += `${r.watch_id}\t${r.ts.toISOString()}\t${r.value}\n`;
            if (batch.length > 256 * 1024) {
              yield batch;
              batch = '';
            }
          }
          if (batch) yield batch;
        })(),
      ),
      client.query(copyFrom('copy raw_point (watch_id, ts, value) from stdin')),
    );
    const rawMs = performance.now() - r0;
    await client.end();
    const tickRate = out.points_stored / (tickMs / 1000);
    const rawRate = rows.length / (rawMs / 1000);
    console.log(
      `2. stored ${Math.round(tickRate).toLocaleString('en-US')} rows/s in the tick (fetch + insert + detection + state) vs ` +
        `raw COPY ${Math.round(rawRate).toLocaleString('en-US')} rows/s: ratio ${(tickRate / rawRate).toFixed(2)}x`,
    );
    await store.onApplicationShutdown();
    await orm.close();
  } finally {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
    if (process.argv.includes('--keep-db')) console.log(`kept database ${name} (--keep-db)`);
    else await sql(ADMIN_URL, `drop database if exists "${name}" with (force)`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
