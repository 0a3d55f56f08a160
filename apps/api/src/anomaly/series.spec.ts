import {
  addDays,
  dailySums,
  fingerprintOf,
  firstRestatedDay,
  isMaterial,
  judge,
  pointsOf,
  rootCauses,
  rowsBySeries,
  scopeOf,
  severityOf,
  type UsageRow,
} from './series';

const row = (date: string, service: string, cost: number, account = '111122223333'): UsageRow => ({
  date,
  service,
  account,
  region: 'us-east-1',
  usage_type: `${service}-usage`,
  cost,
});

/** 60 days of a steady EC2 + S3 tenant; EC2 triples on day 50 in one account. */
function tenantRows(): UsageRow[] {
  const rows: UsageRow[] = [];
  for (let i = 0; i < 60; i++) {
    const d = addDays('2026-01-01', i);
    rows.push(row(d, 'AmazonEC2', 100 + (i % 3)));
    rows.push(row(d, 'AmazonS3', 20 + (i % 2)));
    if (i === 50) rows.push(row(d, 'AmazonEC2', 200, '999988887777'));
  }
  return rows;
}

describe('anomaly series', () => {
  it('splits a monitor into series, finds the spike and ranks its root causes', () => {
    const rows = tenantRows();
    const series = rowsBySeries({ dimension: 'service', filter: { services: ['AmazonEC2'] } }, rows);
    expect([...series.keys()]).toEqual(['AmazonEC2']);
    const ec2 = series.get('AmazonEC2')!;
    const points = pointsOf(dailySums(ec2), '2025-12-20', '2026-03-01', '2026-01-01');
    // Points start on the first day of data: a series with cost that day existed before it (no "new" verdict).
    expect(points[0]).toEqual({ date: '2026-01-01', value: 100 });
    const { episodes, results } = judge(points, '2026-01-10', {});
    expect(episodes.map((e) => [e.start, e.end])).toEqual([['2026-02-20', '2026-02-20']]);
    const days = results.filter((r) => r.isAnomaly).map((r) => r.date);
    const causes = rootCauses(ec2, days, '2025-12-20', '2026-03-01', '2026-01-01', {});
    expect(causes.find((c) => c.dimension === 'account')).toMatchObject({ key: '999988887777' });
    expect(causes.find((c) => c.dimension === 'account')!.contribution_usd).toBeCloseTo(200, 0);
  });

  it('notices the earliest restated day', () => {
    const before = fingerprintOf(
      new Map([
        ['2026-01-02', 10],
        ['2026-01-03', 11],
      ]),
      '2026-01-01',
      '2026-01-31',
    );
    const after = fingerprintOf(
      new Map([
        ['2026-01-02', 10],
        ['2026-01-03', 55],
        ['2026-01-05', 1],
      ]),
      '2026-01-01',
      '2026-01-31',
    );
    expect(firstRestatedDay(before, after, '2026-01-01', '2026-01-31')).toBe('2026-01-03');
    expect(firstRestatedDay(before, before, '2026-01-01', '2026-01-31')).toBeNull();
  });

  it('grades severity by $ and %', () => {
    expect(severityOf(1500, 0.1)).toBe('high');
    expect(severityOf(150, 1.2)).toBe('high');
    expect(severityOf(150, 0.2)).toBe('medium');
    expect(severityOf(20, 0.6)).toBe('medium');
    expect(severityOf(20, 0.2)).toBe('low');
    expect(severityOf(20, null)).toBe('medium');
  });

  it('never calls a series present on the first day of data new; one that appears later is new_series', () => {
    const rows = tenantRows();
    // A service that starts on day 30 of the data.
    for (let i = 30; i < 60; i++) rows.push(row(addDays('2026-01-01', i), 'AmazonSageMaker', 80));
    const series = rowsBySeries({ dimension: 'service', filter: {} }, rows);
    const verdicts = new Map<string, { start: string; kind: string }[]>();
    for (const [key, list] of series) {
      const points = pointsOf(dailySums(list), '2025-10-01', '2026-03-01', '2026-01-01');
      const { episodes } = judge(points, '2026-01-01', { newSeriesFloor: 10 });
      verdicts.set(
        key,
        episodes.map((e) => ({ start: e.start, kind: e.kind })),
      );
    }
    for (const key of ['AmazonEC2', 'AmazonS3'])
      expect(verdicts.get(key)!.filter((e) => e.start === '2026-01-01')).toEqual([]);
    expect(verdicts.get('AmazonSageMaker')).toEqual([{ start: '2026-01-31', kind: 'new_series' }]);
  });

  it('keys service x account and usage-type series, and knows what each is about', () => {
    const rows = tenantRows();
    const pairs = rowsBySeries({ dimension: 'service_account', filter: {} }, rows);
    expect([...pairs.keys()].sort()).toEqual([
      'AmazonEC2 / 111122223333',
      'AmazonEC2 / 999988887777',
      'AmazonS3 / 111122223333',
    ]);
    const fine = rowsBySeries({ dimension: 'account_usage_type', filter: {} }, rows);
    expect(fine.has('AmazonEC2 / 999988887777 / AmazonEC2-usage')).toBe(true);
    expect(
      scopeOf({ dimension: 'account_usage_type', filter: {} }, 'AmazonS3 / 111122223333 / TimedStorage/Hrs'),
    ).toEqual({ service: 'AmazonS3', account: '111122223333', usage_type: 'TimedStorage/Hrs' });
    expect(scopeOf({ dimension: 'region', filter: { services: ['AmazonEC2'] } }, 'eu-west-1')).toEqual({
      service: 'AmazonEC2',
      region: 'eu-west-1',
    });
    expect(scopeOf({ dimension: 'total', filter: {} }, 'total')).toEqual({});
  });

  it('watches a usage type when its spend is material to the tenant', () => {
    const sums = new Map<string, number>();
    for (let i = 0; i < 60; i++) sums.set(addDays('2026-01-01', i), i >= 40 ? 30 : 5);
    // $5/day for 40 days then $30/day: the last 28 days average more than 1 % of a $2,000/day tenant.
    expect(isMaterial(sums, '2026-01-01', '2026-03-01', 2000, 0.01, 50)).toBe(true);
    expect(isMaterial(sums, '2026-01-01', '2026-03-01', 10_000, 0.01, 50)).toBe(false);
    expect(isMaterial(sums, '2026-01-01', '2026-03-01', 10_000, 0.01, 15)).toBe(true);
  });
});
