import type { MetricPointResult } from '@cost-optimizer/anomaly-engine';
import {
  batchesOf,
  bucketSeconds,
  collectStart,
  cronSlot,
  episodesOf,
  estimateCostUsd,
  isThrottle,
  sameService,
  seriesKey,
  ticksPer30Days,
} from './metric-logic';

const MIN = 60_000;
const T = Date.parse('2026-11-24T10:00:00Z');

const point = (time: number, isAnomaly: boolean): MetricPointResult => ({
  time,
  actual: isAnomaly ? 500 : 100,
  expected: 100,
  lower: 90,
  upper: 110,
  sigma: 2,
  z: isAnomaly ? 200 : 0,
  tailProbability: isAnomaly ? 1e-9 : 0.5,
  shiftZ: 0,
  anomalyScore: isAnomaly ? 1 : 0,
  isAnomaly,
  rule: isAnomaly ? 'deviation' : 'normal',
  kind: isAnomaly ? 'spike' : null,
});

describe('metric collection logic', () => {
  it('puts every process firing near a tick into the same slot', () => {
    const slot = Date.parse('2026-11-24T10:05:00Z');
    for (const skew of [-900, -5, 0, 40, 2000, 25_000])
      expect(cronSlot('*/5 * * * *', slot + skew)).toBe(slot);
    expect(cronSlot('*/2 * * * * *', Date.parse('2026-11-24T10:00:02.300Z'))).toBe(
      Date.parse('2026-11-24T10:00:02Z'),
    );
    expect(ticksPer30Days('*/5 * * * *')).toBe(8640);
  });

  it('resumes after the last point, never before the backfill bound, and skips watches with no whole period yet', () => {
    const now = T + 30_000;
    expect(collectStart(T - 10 * MIN, 60, now, 24)).toBe(T - 9 * MIN);
    expect(collectStart(null, 300, now, 24)).toBe(T - 24 * 3_600_000);
    expect(collectStart(T - 30 * 86_400_000, 60, now, 24)).toBe(T - 24 * 3_600_000);
    // A daily metric looks back at least three periods.
    expect(collectStart(null, 86_400, now, 24)).toBe(T - 3 * 86_400_000);
  });

  it('batches up to the limit per region, close start times together', () => {
    const ws = Array.from({ length: 1203 }, (_, i) => ({
      id: `w${i}`,
      region: i % 3 === 0 ? 'eu-west-1' : 'us-east-1',
      startMs: T - (i % 7) * MIN,
    }));
    const b = batchesOf(ws, 500);
    expect(b.map((x) => x.length)).toEqual([401, 500, 302]);
    expect(b.every((x) => new Set(x.map((w) => w.region)).size === 1)).toBe(true);
    expect(b[1]!.map((w) => w.startMs)).toEqual([...b[1]!.map((w) => w.startMs)].sort((x, y) => x - y));
  });

  it('downsamples long ranges into at most 500 whole-period buckets', () => {
    expect(bucketSeconds(T - 86_400_000, T, 60)).toBe(180);
    expect(bucketSeconds(T - 3_600_000, T, 60)).toBe(60);
    const b = bucketSeconds(T - 30 * 86_400_000, T, 300);
    expect(b % 300).toBe(0);
    expect((30 * 86_400) / b).toBeLessThanOrEqual(500);
  });

  it('groups anomalous points into episodes, continuing an open one within the gap', () => {
    const r = [point(T, true), point(T + MIN, true), point(T + 2 * MIN, false), point(T + 6 * MIN, true)];
    const eps = episodesOf(r, 60, T - MIN);
    expect(eps.map((e) => [e.startMs, e.endMs, e.continues, e.points.length])).toEqual([
      [T, T + MIN, true, 2],
      [T + 6 * MIN, T + 6 * MIN, false, 1],
    ]);
    expect(episodesOf(r, 60, null)[0]!.continues).toBe(false);
  });

  it('prices GetMetricData per metric requested, matches services by code or name, knows throttling', () => {
    expect(estimateCostUsd(5000)).toBe(0.05);
    expect(estimateCostUsd(1)).toBe(0.00001);
    expect(sameService('AmazonEC2', 'Amazon Elastic Compute Cloud')).toBe(true);
    expect(sameService('AmazonS3', 'AmazonEC2')).toBe(false);
    expect(isThrottle({ name: 'Throttling' })).toBe(true);
    expect(isThrottle({ name: 'InvalidParameterValue' })).toBe(false);
    const a = {
      region: 'us-east-1',
      namespace: 'AWS/EC2',
      metric_name: 'CPUUtilization',
      stat: 'Average',
      period: 300,
    };
    expect(
      seriesKey({
        ...a,
        dimensions: [
          { name: 'B', value: '2' },
          { name: 'A', value: '1' },
        ],
      }),
    ).toBe(
      seriesKey({
        ...a,
        dimensions: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      }),
    );
  });
});
