import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from './config';
import {
  DEMO_SAMPLE,
  demoDays,
  generateCurSample,
  SAMPLE_ACCOUNT_ID,
  type AnomalyLabel,
  type GenerateCurSampleResult,
} from './sample/generate';
import { startAwsLocal, type AwsLocalHandle } from './server';
import {
  costFlags,
  covers,
  leafOf,
  runEngineCli,
  unexplained,
  usageSeries,
  type DailySeries,
} from './test/engine-check';
import { assume, clients } from './test/fixture';

/**
 * The demo's sample (what `npm start` and the browser journeys load), checked with the anomaly engine's CLI at its
 * defaults: every labelled anomaly is flagged on its own series from its first day, and no other day of any series
 * the product's monitors build is. The end date is pinned so the check is reproducible.
 */
const END = '2026-11-19';
const DAY_MS = 86_400_000;
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);

describe('the demo sample', () => {
  let dir: string;
  let sample: GenerateCurSampleResult;
  let aws: AwsLocalHandle;
  let series: DailySeries[];
  let labels: AnomalyLabel[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aws-local-demo-'));
    sample = await generateCurSample({ ...DEMO_SAMPLE, out: dir, endDate: END });
    labels = sample.labels;
    series = await usageSeries(dir, sample.expected.start_date, sample.expected.end_date);
    aws = await startAwsLocal({ root: dir, port: 0 });
  }, 120_000);
  afterAll(async () => {
    await aws?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('covers 13 billing months ending on the end date, with month-start fees and labels on judged days', async () => {
    expect(sample.expected.start_date).toBe('2025-11-01');
    expect(Object.keys(sample.expected.daily)).toHaveLength(demoDays(END));
    expect(sample.expected.usage_account_ids).toHaveLength(5);
    for (const type of ['RIFee', 'SavingsPlanRecurringFee', 'Tax', 'Fee'])
      expect(sample.expected.by_line_item_type[type]?.line_items).toBeGreaterThan(0);
    // Fees land on day 1: it carries far more than its usage.
    const first = sample.expected.daily['2026-10-01']!;
    expect(first.unblended - first.usage_unblended).toBeGreaterThan(1000);
    expect(labels.map((l) => l.kind).sort()).toEqual([
      'drop',
      'level_shift',
      'new_service',
      'ramp',
      'spike',
      'spike',
    ]);
    for (const l of labels) {
      expect({ id: l.id, inLast90: l.start_date > addDays(END, -90) }).toEqual({ id: l.id, inLast90: true });
      expect(l.start_date >= addDays(sample.expected.start_date, 30)).toBe(true);
      expect(l.start_date <= addDays(END, -2)).toBe(true); // ANOMALY_SETTLE_DAYS: judged on the first run
      expect([l.start_date, addDays(l.start_date, 1)].some((d) => d.endsWith('-01'))).toBe(false);
      expect(l.extra_unblended).not.toBe(0);
    }
    expect(JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8'))).toEqual(labels);
    await expect(generateCurSample({ ...DEMO_SAMPLE, out: join(dir, 'x'), days: 60 })).rejects.toThrow(
      'days must be at least 120 for the demo scenario',
    );
  });

  it('puts each metric anomaly on the day, account and region of a cost anomaly, in the served config', () => {
    const aligned = labels.filter((l) => l.metric);
    expect(aligned.map((l) => l.metric!.metric_name).sort()).toEqual([
      'BytesOutToDestination',
      'CPUUtilization',
    ]);
    const metrics = parseConfig(JSON.parse(readFileSync(join(dir, 'aws-local.json'), 'utf8'))).accounts[0]!
      .metrics;
    for (const l of aligned) {
      const m = l.metric!;
      expect(m.start.slice(0, 10)).toBe(l.start_date);
      expect(l.account_id).toBe(SAMPLE_ACCOUNT_ID); // the account the product's role reads metrics of
      expect(l.region).toBe('us-east-1');
      const served = metrics.find(
        (x) =>
          x.metric_name === m.metric_name && JSON.stringify(x.dimensions) === JSON.stringify(m.dimensions),
      );
      expect(served?.synthetic?.events).toEqual([
        { start: m.start, end: m.end, multiplier: m.multiplier, add: m.add },
      ]);
    }
    // Two incidents of the payer account's EC2, not one episode: a quiet day between them.
    const [cpu, nat] = ['CPUUtilization', 'BytesOutToDestination'].map((name) =>
      aligned.find((l) => l.metric!.metric_name === name)!,
    );
    expect(Date.parse(nat!.start_date) - Date.parse(cpu!.start_date)).toBeGreaterThanOrEqual(2 * DAY_MS);
    // The demo watches these presets: each has a metric to find.
    for (const ns of ['AWS/EC2', 'AWS/NATGateway', 'AWS/Lambda'])
      expect(metrics.some((x) => x.namespace === ns)).toBe(true);
  });

  it('the engine flags every labelled anomaly on its series from its first day, and nothing else', () => {
    const levels = new Set(series.map((s) => s.level));
    expect([...levels].sort()).toEqual([
      'account',
      'leaf',
      'region',
      'service',
      'service_account',
      'total',
      'usage_type',
    ]);
    const flags = costFlags(series, sample.expected.start_date);
    expect(unexplained(flags, labels)).toEqual([]);
    for (const l of labels.filter((x) => x.kind !== 'drop')) {
      const own = flags.filter((f) => f.level === 'leaf' && covers(f.key, l)).map((f) => f.date);
      const first = l.kind === 'ramp' ? own[0]! : l.start_date;
      expect({ id: l.id, flaggedFrom: own[0] }).toEqual({ id: l.id, flaggedFrom: first });
      expect(own[0]! <= l.end_date).toBe(true);
      // The days before are quiet (also at every level above: no unexplained flag), and the 30 before exist.
      const leaf = leafOf(series, l)!;
      const startIndex = Math.round(
        (Date.parse(l.start_date) - Date.parse(sample.expected.start_date)) / DAY_MS,
      );
      const before = l.kind === 'new_service' ? [] : leaf.values.slice(startIndex - 30, startIndex);
      expect(before.every((v) => v > 0)).toBe(true);
    }
    // Root cause is findable: the leaf is flagged at the level of its service in its account too.
    for (const l of labels.filter((x) => x.kind !== 'drop'))
      expect(
        flags.some((f) => f.level === 'service_account' && covers(f.key, l) && f.date >= l.start_date),
      ).toBe(true);
  }, 60_000);

  it('the stopped service is a drop in direction "both" on its first day, and quiet before', () => {
    const drop = labels.find((l) => l.kind === 'drop')!;
    const leaf = leafOf(series, drop)!;
    const flags = costFlags([leaf], sample.expected.start_date, 'both');
    expect(flags.map((f) => f.date)[0]).toBe(drop.start_date);
    expect(flags.every((f) => f.date >= drop.start_date)).toBe(true);
  }, 30_000);

  it.each(['00:05', '23:55'])(
    'GetMetricData over the two weeks the demo backfills (first tick %s the day after): the engine flags the injected windows and nothing else',
    async (time) => {
      const { cloudwatch } = clients(aws.url, await assume({ dir, sample, aws, close: () => aws.close() }));
      const metrics = sample.config.accounts[0]!.metrics!.filter((m) => m.synthetic!.period_seconds === 300);
      // The collector's first tick reads back METRICS_BACKFILL_HOURS=336 (late in the day: the least history before
      // the oldest metric anomaly).
      const end = Date.parse(`${addDays(END, 1)}T${time}:00Z`) / 1000;
      const res = await cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date((end - 336 * 3600) * 1000),
          EndTime: new Date(end * 1000),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: metrics.map((m, i) => ({
            Id: `m${i}`,
            MetricStat: {
              Metric: {
                Namespace: m.namespace,
                MetricName: m.metric_name,
                Dimensions: Object.entries(m.dimensions ?? {}).map(([Name, Value]) => ({ Name, Value })),
              },
              Period: 300,
              Stat: m.metric_name === 'CPUUtilization' ? 'Average' : 'Sum',
            },
          })),
        }),
      );
      cloudwatch.destroy();
      const results = res.MetricDataResults!;
      expect(results.map((r) => r.Timestamps!.length)).toEqual(metrics.map(() => 4032));
      const scored = runEngineCli(
        'metric',
        results.map((r) =>
          r.Timestamps!.map((t, i) => ({ timestamp: t.toISOString(), value: r.Values![i]! })),
        ),
      );
      const events = metrics.map((m) =>
        (m.synthetic!.events ?? []).map((e) => ({ from: Date.parse(e.start), to: Date.parse(e.end) })),
      );
      const flagged = scored.filter((r) => r.isAnomaly);
      const outside = flagged.filter(
        (r) =>
          !events[r.series]!.some((e) => Date.parse(r.timestamp) >= e.from && Date.parse(r.timestamp) < e.to),
      );
      expect(outside).toEqual([]);
      metrics.forEach((m, i) => {
        for (const e of events[i]!) {
          const first = flagged.find((r) => r.series === i && Date.parse(r.timestamp) >= e.from);
          // Flagged within its first half hour.
          expect({ metric: m.metric_name, lag: first && Date.parse(first.timestamp) - e.from }).toEqual({
            metric: m.metric_name,
            lag: expect.any(Number),
          });
          expect(Date.parse(first!.timestamp) - e.from).toBeLessThanOrEqual(30 * 60_000);
        }
      });
      expect(events.flat()).toHaveLength(2);
    },
    60_000,
  );
});
