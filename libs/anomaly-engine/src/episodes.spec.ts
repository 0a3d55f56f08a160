import { scoreCostSeries } from './cost-detector';
import { buildEpisodes } from './episodes';
import { dailySeries } from './series.fixture';

describe('buildEpisodes', () => {
  const points = dailySeries({
    multiply: (i) => (i >= 60 && i < 63 ? [2, 3.5, 2.5][i - 60]! : i === 90 ? 2 : 1),
  });
  const days = scoreCostSeries(points);

  it('merges consecutive anomalous days into one episode with start, end, peak and total impact', () => {
    const episodes = buildEpisodes(days);
    expect(episodes.map((e) => [e.start, e.end, e.days])).toEqual([
      [days[60]!.date, days[62]!.date, 3],
      [days[90]!.date, days[90]!.date, 1],
    ]);
    const first = episodes[0]!;
    expect(first.peakDate).toBe(days[61]!.date);
    expect(first.peakImpact).toBeCloseTo(days[61]!.impact, 9);
    const total = days[60]!.impact + days[61]!.impact + days[62]!.impact;
    expect(first.totalImpact).toBeCloseTo(total, 9);
    expect(first.impactPct).toBeCloseTo(
      total / (days[60]!.expected! + days[61]!.expected! + days[62]!.expected!),
      9,
    );
    expect(first.rules).toEqual(['deviation']);
    expect(first.open).toBe(false);
  });

  it('grows an open episode as days arrive instead of starting a new one', () => {
    const upTo61 = buildEpisodes(days.slice(0, 62));
    expect(upTo61).toHaveLength(1);
    expect(upTo61[0]!.open).toBe(true);
    expect(upTo61[0]!.days).toBe(2);
    const upTo62 = buildEpisodes(days.slice(0, 63));
    expect(upTo62).toHaveLength(1);
    expect(upTo62[0]!.start).toBe(upTo61[0]!.start);
    expect(upTo62[0]!.days).toBe(3);
    expect(upTo62[0]!.totalImpact).toBeGreaterThan(upTo61[0]!.totalImpact);
  });

  it('can bridge short normal gaps when asked', () => {
    expect(buildEpisodes(days, { maxGapDays: 30 })).toHaveLength(1);
    expect(buildEpisodes(days, { maxGapDays: 30 })[0]!.days).toBe(4);
  });
});
