import { GetMetricDataCommand, ListMetricsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startAwsLocal } from './server';
import { assume, clients, setup, type Env } from './test/fixture';

let env: Env;
let c: ReturnType<typeof clients>;
beforeAll(async () => {
  env = await setup('legacy', { days: 3, rowsPerDay: 40 });
  c = clients(env.aws.url, await assume(env));
});
afterAll(() => env.close());
afterEach(() => env.aws.clearFaults());

describe('S3', () => {
  it('applies an uncounted latency fault once to every call, until cleared', async () => {
    env.aws.addFault({ service: 's3', operation: 'HeadBucket', kind: 'latency', ms: 150 });
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      await c.s3.send(new HeadBucketCommand({ Bucket: 'cur-data' }));
      const took = Date.now() - t0;
      expect(took).toBeGreaterThanOrEqual(140);
      expect(took).toBeLessThan(2000);
    }
    env.aws.clearFaults();
    const t0 = Date.now();
    await c.s3.send(new HeadBucketCommand({ Bucket: 'cur-data' }));
    expect(Date.now() - t0).toBeLessThan(140);
  });

  it('HeadBucket, ListObjectsV2 (prefix, delimiter, paging), HeadObject, GetObject with ranges', async () => {
    await expect(c.s3.send(new HeadBucketCommand({ Bucket: 'cur-data' }))).resolves.toBeDefined();
    await expect(c.s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    const key = relative(`${env.dir}/s3/cur-data`, env.sample.files[0]!).split('\\').join('/');
    const prefix = 'cur/cost-optimizer/cost-optimizer/';
    const top = await c.s3.send(
      new ListObjectsV2Command({ Bucket: 'cur-data', Prefix: prefix, Delimiter: '/' }),
    );
    expect(top.CommonPrefixes!.map((p) => p.Prefix)).toEqual([`${prefix}year=2026/`]);
    const all = await c.s3.send(new ListObjectsV2Command({ Bucket: 'cur-data', Prefix: prefix }));
    expect(all.Contents!.map((o) => o.Key)).toContain(key);
    const paged = await c.s3.send(new ListObjectsV2Command({ Bucket: 'cur-data', MaxKeys: 1 }));
    expect(paged.IsTruncated).toBe(all.Contents!.length > 1);
    const head = await c.s3.send(new HeadObjectCommand({ Bucket: 'cur-data', Key: key }));
    const size = head.ContentLength!;
    expect(size).toBeGreaterThan(100);
    const tail = await c.s3.send(new GetObjectCommand({ Bucket: 'cur-data', Key: key, Range: 'bytes=-4' }));
    expect(await tail.Body!.transformToString()).toBe('PAR1');
    expect(tail.ContentRange).toBe(`bytes ${size - 4}-${size - 1}/${size}`);
    const whole = await c.s3.send(new GetObjectCommand({ Bucket: 'cur-data', Key: key }));
    expect((await whole.Body!.transformToByteArray()).length).toBe(size);
    await expect(
      c.s3.send(new GetObjectCommand({ Bucket: 'cur-data', Key: 'missing.parquet' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('PutObject then GetObject round-trips (string and stream bodies)', async () => {
    await c.s3.send(
      new PutObjectCommand({ Bucket: 'cur-results', Key: 'uploads/a b.txt', Body: 'hello, s3' }),
    );
    const r = await c.s3.send(new GetObjectCommand({ Bucket: 'cur-results', Key: 'uploads/a b.txt' }));
    expect(await r.Body!.transformToString()).toBe('hello, s3');
    const { Readable } = await import('node:stream');
    await c.s3.send(
      new PutObjectCommand({
        Bucket: 'cur-results',
        Key: 'uploads/stream.bin',
        Body: Readable.from([Buffer.from('abc'), Buffer.from('def')]),
        ContentLength: 6,
      }),
    );
    const s = await c.s3.send(new GetObjectCommand({ Bucket: 'cur-results', Key: 'uploads/stream.bin' }));
    expect(await s.Body!.transformToString()).toBe('abcdef');
  });

  it('throttles with SlowDown when a fault is set', async () => {
    env.aws.addFault({ service: 's3', operation: 'HeadBucket', kind: 'throttle', count: 1 });
    await expect(c.s3.send(new HeadBucketCommand({ Bucket: 'cur-data' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 503 },
    });
  });
});

describe('CloudWatch', () => {
  it('PutMetricData then GetMetricData with batched queries and NextToken paging', async () => {
    const now = Math.floor(Date.now() / 60000) * 60;
    const data = Array.from({ length: 20 }, (_, i) => ({
      MetricName: 'Requests',
      Dimensions: [{ Name: 'Service', Value: 'api' }],
      Timestamp: new Date((now - 3600 + i * 60) * 1000),
      Value: i,
      Unit: 'Count' as const,
    }));
    await c.cloudwatch.send(new PutMetricDataCommand({ Namespace: 'CostOptimizer/Test', MetricData: data }));
    const listed = await c.cloudwatch.send(new ListMetricsCommand({ Namespace: 'CostOptimizer/Test' }));
    expect(listed.Metrics).toEqual([
      {
        Namespace: 'CostOptimizer/Test',
        MetricName: 'Requests',
        Dimensions: [{ Name: 'Service', Value: 'api' }],
      },
    ]);
    const queries = (['Sum', 'Maximum', 'SampleCount'] as const).map((stat, i) => ({
      Id: `q${i}`,
      MetricStat: {
        Metric: {
          Namespace: 'CostOptimizer/Test',
          MetricName: 'Requests',
          Dimensions: [{ Name: 'Service', Value: 'api' }],
        },
        Period: 300,
        Stat: stat,
      },
    }));
    const results: Record<string, { t: number[]; v: number[] }> = {};
    let token: string | undefined;
    let calls = 0;
    do {
      const r = await c.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date((now - 7200) * 1000),
          EndTime: new Date((now + 60) * 1000),
          MaxDatapoints: 5,
          ScanBy: 'TimestampAscending',
          ...(token ? { NextToken: token } : {}),
        }),
      );
      calls++;
      for (const m of r.MetricDataResults!) {
        const e = (results[m.Id!] ??= { t: [], v: [] });
        e.t.push(...m.Timestamps!.map((d) => d.getTime() / 1000));
        e.v.push(...m.Values!);
      }
      token = r.NextToken;
    } while (token);
    const buckets = results['q0']!.t.length;
    expect(calls).toBe(Math.ceil((buckets * 3) / 5));
    expect(results['q0']!.v.reduce((a, b) => a + b, 0)).toBe(190);
    expect(results['q2']!.v.reduce((a, b) => a + b, 0)).toBe(20);
    expect(results['q1']!.v.every((v, i) => v <= results['q0']!.v[i]!)).toBe(true);
    expect(results['q0']!.t).toEqual([...results['q0']!.t].sort((a, b) => a - b));
  });

  it('serves the synthetic metrics of the config and refuses more than 500 queries', async () => {
    const listed = await c.cloudwatch.send(
      new ListMetricsCommand({ Namespace: 'AWS/EC2', MetricName: 'CPUUtilization' }),
    );
    expect(listed.Metrics!.length).toBeGreaterThan(0);
    const m = listed.Metrics![0]!;
    const end = new Date();
    const r = await c.cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [{ Id: 'cpu', MetricStat: { Metric: m, Period: 3600, Stat: 'Average' } }],
        StartTime: new Date(end.getTime() - 86400_000),
        EndTime: end,
      }),
    );
    expect(r.MetricDataResults![0]!.Values!.length).toBeGreaterThanOrEqual(23);
    const many = Array.from({ length: 501 }, (_, i) => ({
      Id: `m${i}`,
      MetricStat: { Metric: m, Period: 60, Stat: 'Average' },
    }));
    await expect(
      c.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: many,
          StartTime: new Date(end.getTime() - 3600_000),
          EndTime: end,
        }),
      ),
    ).rejects.toThrow('The collection MetricDataQueries must not have a size greater than 500.');
  });

  it('injects the synthetic events of the config: value x multiplier + add during [start, end)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aws-local-events-'));
    const hour = Math.floor(Date.now() / 3600_000) * 3600_000 - 6 * 3600_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    writeFileSync(
      join(dir, 'aws-local.json'),
      JSON.stringify({
        accounts: [
          {
            account_id: '123456789012',
            roles: [{ name: 'CostOptimizerAccess', external_id: null }],
            metrics: [
              {
                namespace: 'AWS/NATGateway',
                metric_name: 'BytesOutToDestination',
                dimensions: { NatGatewayId: 'nat-0events' },
                synthetic: {
                  base: 100,
                  period_seconds: 300,
                  events: [{ start: iso(hour + 3600_000), end: iso(hour + 7200_000), multiplier: 8, add: 5 }],
                },
              },
            ],
          },
        ],
      }),
    );
    const aws = await startAwsLocal({ root: dir, port: 0 });
    try {
      const cw = clients(aws.url, await assume({ ...env, aws }, null)).cloudwatch;
      const r = await cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            {
              Id: 'nat',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/NATGateway',
                  MetricName: 'BytesOutToDestination',
                  Dimensions: [{ Name: 'NatGatewayId', Value: 'nat-0events' }],
                },
                Period: 300,
                Stat: 'Sum',
              },
            },
          ],
          StartTime: new Date(hour),
          EndTime: new Date(hour + 3 * 3600_000),
          ScanBy: 'TimestampAscending',
        }),
      );
      cw.destroy();
      const values = r.MetricDataResults![0]!.Values!;
      expect(values).toEqual([
        ...Array<number>(12).fill(100),
        ...Array<number>(12).fill(805),
        ...Array<number>(12).fill(100),
      ]);
    } finally {
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('throttles with Throttling when a fault is set (admin route)', async () => {
    await fetch(`${env.aws.url}/_aws-local/faults`, {
      method: 'POST',
      body: JSON.stringify({ service: 'cloudwatch', operation: 'ListMetrics', kind: 'throttle', count: 1 }),
    });
    await expect(c.cloudwatch.send(new ListMetricsCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    await expect(c.cloudwatch.send(new ListMetricsCommand({}))).resolves.toBeDefined();
  });

  it('counts calls per operation, faulted ones included (handle and admin route)', async () => {
    env.aws.resetCalls();
    env.aws.addFault({ service: 'cloudwatch', operation: 'ListMetrics', kind: 'throttle', count: 1 });
    await expect(c.cloudwatch.send(new ListMetricsCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    await c.cloudwatch.send(new ListMetricsCommand({}));
    expect(env.aws.calls()).toEqual({ 'cloudwatch.ListMetrics': 2 });
    const res = await fetch(`${env.aws.url}/_aws-local/calls`);
    expect(await res.json()).toEqual({ calls: { 'cloudwatch.ListMetrics': 2 } });
    await fetch(`${env.aws.url}/_aws-local/calls`, { method: 'DELETE' });
    expect(env.aws.calls()).toEqual({});
  });
});
