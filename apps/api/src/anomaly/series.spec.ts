import {
  addDays,
  dailySums,
  fingerprintOf,
  firstRestatedDay,
  judge,
  pointsOf,
  rootCauses,
  rowsBySeries,
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
    expect(points[0]!.value).toBeNull(); // before the data: missing, not zero
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
});
