import { rankChildSeries, rankRootCauses } from './root-cause';
import { dailySeries } from './series.fixture';

describe('rankRootCauses', () => {
  it('ranks children by their contribution to the deviation, in $ and %', () => {
    const ranked = rankRootCauses([
      { key: 'us-east-1', dimension: 'region', actual: 1300, expected: 1000 },
      { key: 'eu-west-1', dimension: 'region', actual: 900, expected: 200 },
      { key: 'ap-south-1', dimension: 'region', actual: 50, expected: 100 },
    ]);
    expect(ranked.map((r) => r.key)).toEqual(['eu-west-1', 'us-east-1', 'ap-south-1']);
    expect(ranked[0]!.deviation).toBe(700);
    expect(ranked[0]!.shareOfDeviation).toBeCloseTo(700 / 950, 9);
    expect(ranked[0]!.changePct).toBeCloseTo(3.5, 9);
    expect(ranked[2]!.shareOfDeviation).toBeCloseTo(-50 / 950, 9);
    expect(ranked.reduce((a, r) => a + r.shareOfDeviation, 0)).toBeCloseTo(1, 9);
  });

  it('ranks a drop by the children that fell most, and marks new children', () => {
    const ranked = rankRootCauses(
      [
        { key: 'a', actual: 100, expected: 400 },
        { key: 'b', actual: 0, expected: 50 },
        { key: 'new', actual: 20, expected: 0 },
      ],
      { parentDeviation: -330, limit: 2 },
    );
    expect(ranked.map((r) => r.key)).toEqual(['a', 'b']);
    expect(ranked[0]!.shareOfDeviation).toBeCloseTo(300 / 330, 9);
    expect(rankRootCauses([{ key: 'new', actual: 20, expected: 0 }])[0]!.changePct).toBeNull();
  });
});

describe('rankChildSeries', () => {
  it('finds the account that caused a parent spike from the children own baselines', () => {
    const spikeDay = 80;
    const a = dailySeries({ seed: 1, level: 500 });
    const b = dailySeries({ seed: 2, level: 100, multiply: (i) => (i === spikeDay ? 4 : 1) });
    const c = dailySeries({ seed: 3, level: 60 });
    const date = String(a[spikeDay]!.date);
    const ranked = rankChildSeries(
      [
        { key: '111111111111', dimension: 'account', points: a },
        { key: '222222222222', dimension: 'account', points: b },
        { key: '333333333333', dimension: 'account', points: c.filter((p) => p.date !== date) },
      ],
      date,
    );
    expect(ranked[0]!.key).toBe('222222222222');
    expect(ranked[0]!.deviation).toBeGreaterThan(200);
    expect(ranked[0]!.shareOfDeviation).toBeGreaterThan(0);
    // The account with no cost that day is a negative contributor with its usual cost expected.
    const vanished = ranked.find((r) => r.key === '333333333333')!;
    expect(vanished.actual).toBe(0);
    expect(vanished.expected).toBeGreaterThan(40);
    expect(vanished.shareOfDeviation).toBeLessThan(0);
  });
});
