import {
  CostSeriesDetector,
  scoreCostSeries,
  studentQuantileOverNormal,
  upperQuantile,
} from './cost-detector';
import { buildEpisodes } from './episodes';
import { dailySeries, flaggedDays, seeded } from './series.fixture';
import { quantileSelect, zOfScore } from './stats';

const DEFAULT_THRESHOLD = 0.995;

describe('scoreCostSeries (daily cost detector)', () => {
  it('flags a one-day spike with its expected value, band, impact in $ and %, and nothing else', () => {
    const points = dailySeries({ multiply: (i) => (i === 70 ? 2.5 : 1) });
    const res = scoreCostSeries(points);
    expect(flaggedDays(res)).toEqual([70]);
    const day = res[70]!;
    expect(day.rule).toBe('deviation');
    expect(day.expected).toBeGreaterThan(180);
    expect(day.expected).toBeLessThan(220);
    expect(day.actual).toBeGreaterThan(day.upper!);
    expect(day.impact).toBeCloseTo(day.actual! - day.expected!, 6);
    expect(day.impactPct).toBeGreaterThan(1);
    expect(day.anomalyScore).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(day.anomalyScore).toBeLessThanOrEqual(1);
    expect(day.kind).toBe('spike');
    expect(res.filter((r) => !r.isAnomaly).every((r) => r.kind === null)).toBe(true);
  });

  it('is not poisoned by a past anomaly: the baseline after a 3-day spike stays at the normal level', () => {
    const points = dailySeries({ multiply: (i) => (i >= 60 && i < 63 ? 3 : i === 80 ? 1.8 : 1) });
    const res = scoreCostSeries(points);
    expect(flaggedDays(res)).toEqual([60, 61, 62, 80]);
    // Days right after the spike expect the normal level (weekday 200 or weekend 120), not the spike.
    for (let i = 63; i < 75; i++) {
      const r = res[i]!;
      expect(Math.abs(r.expected! - r.actual!) / r.actual!).toBeLessThan(0.2);
    }
  });

  it('learns the weekly pattern and flags a weekend that did not scale down', () => {
    // 2025-01-06 is a Monday: days 75 and 76 are a Saturday and a Sunday.
    const points = dailySeries({ weekend: 0.4, multiply: (i) => (i === 75 || i === 76 ? 2.5 : 1) });
    expect(new Date(`${String(points[75]!.date)}T00:00:00Z`).getUTCDay()).toBe(6);
    const res = scoreCostSeries(points);
    expect(flaggedDays(res)).toEqual([75, 76]);
    expect(res[75]!.weekdayFactor).toBeLessThan(0.6);
    expect(res[75]!.kind).toBe('weekend');
    expect(buildEpisodes(res)[0]!.kind).toBe('weekend');
    // Ordinary weekends are expected low, so they are never flagged as drops either.
    const both = scoreCostSeries(points, { direction: 'both' });
    expect(flaggedDays(both)).toEqual([75, 76]);
  });

  it('never alerts on month-start fees and learns the day-1 excess from the series itself', () => {
    const points = dailySeries({ days: 150, extra: (_i, date) => (date.endsWith('-01') ? 900 : 0) });
    const res = scoreCostSeries(points);
    const monthStarts = res.filter((r) => r.date.endsWith('-01'));
    expect(monthStarts.length).toBe(5);
    expect(monthStarts.every((r) => !r.isAnomaly)).toBe(true);
    expect(monthStarts[0]!.rule).toBe('month_start_hold');
    expect(monthStarts[4]!.monthlyExcess).toBeGreaterThan(700);
    expect(monthStarts[4]!.expected).toBeGreaterThan(900);
    expect(flaggedDays(res)).toEqual([]);
  });

  it('still flags a day 1 far above the learned month-start excess', () => {
    const points = dailySeries({
      days: 150,
      extra: (_i, date) => (date === '2025-05-01' ? 5000 : date.endsWith('-01') ? 900 : 0),
    });
    const res = scoreCostSeries(points);
    expect(res.filter((r) => r.isAnomaly).map((r) => r.date)).toEqual(['2025-05-01']);
  });

  it('reports a new series on its first day above the floor, then treats it as normal', () => {
    const points = dailySeries({ multiply: (i) => (i < 40 ? 0 : 1) });
    const res = scoreCostSeries(points, { newSeriesFloor: 10 });
    expect(flaggedDays(res)).toEqual([40]);
    expect(res[40]!.rule).toBe('new_series');
    expect(res[40]!.anomalyScore).toBe(1);
  });

  it('treats blank days before the first value like zero days: the series is new when it appears', () => {
    const points = dailySeries({ days: 60 }).map((p, i) => (i < 20 ? { date: p.date, value: null } : p));
    const res = scoreCostSeries(points);
    expect(flaggedDays(res)).toEqual([20]);
    expect(res[20]!.rule).toBe('new_series');
  });

  it('needs 3 rows without cost before a first charge to call it a new series (1-2 zero rows are a gap)', () => {
    // On/off usage whose export starts on an off day: its first charge is no appearance after an absence.
    for (const lead of [1, 2]) {
      const points = dailySeries({ days: 60, multiply: (i) => (i < lead ? 0 : 1) });
      expect(scoreCostSeries(points).some((r) => r.rule === 'new_series')).toBe(false);
    }
    const mixed = dailySeries({ days: 60, multiply: (i) => (i < 3 ? 0 : 1) }).map((p, i) =>
      i === 1 || i === 2 ? { date: p.date, value: null } : p,
    );
    expect(flaggedDays(scoreCostSeries(mixed))).toEqual([3]);
    expect(scoreCostSeries(mixed)[3]!.rule).toBe('new_series');
  });

  it('does not treat the first row of a series as new unless the source saw days before it', () => {
    const points = dailySeries({ days: 30 });
    expect(scoreCostSeries(points)[0]!.isAnomaly).toBe(false);
    const withHistory = scoreCostSeries(points, { observedSince: '2024-12-01' });
    expect(withHistory[0]!.rule).toBe('new_series');
    expect(flaggedDays(withHistory)).toEqual([0]);
  });

  it('ignores a new series that stays below the $ floor', () => {
    const points = dailySeries({ level: 0.5, multiply: (i) => (i < 40 ? 0 : 1) });
    expect(flaggedDays(scoreCostSeries(points, { newSeriesFloor: 5 }))).toEqual([]);
  });

  it('accepts a persistent level shift as the new normal after a short episode', () => {
    const points = dailySeries({ multiply: (i) => (i >= 60 ? 2 : 1) });
    const res = scoreCostSeries(points);
    const flagged = flaggedDays(res);
    expect(flagged[0]).toBe(60);
    expect(flagged.length).toBeLessThanOrEqual(7);
    expect(flagged.every((i) => i < 70)).toBe(true);
    expect(res[100]!.expected! / res[100]!.actual!).toBeGreaterThan(0.8);
  });

  it('reports a drop that lasts (kind drop, on its 2nd day), and a return to the previous level is not a rise', () => {
    const points = dailySeries({ multiply: (i) => (i >= 50 && i < 60 ? 0 : 1) });
    const up = scoreCostSeries(points);
    const flagged = flaggedDays(up);
    expect(flagged[0]).toBe(51); // day 50 alone could be a one-day dip
    expect(flagged.every((i) => i > 50 && i < 60 && up[i]!.kind === 'drop')).toBe(true);
    expect(buildEpisodes(up)).toHaveLength(1); // one incident (the month start inside it does not break it)
    expect(buildEpisodes(up)[0]!.kind).toBe('drop');
    // The recovery is judged against the level before the outage (or as usage that comes and goes).
    expect(up.slice(60, 70).every((r) => Math.abs(r.impactPct!) < 0.5)).toBe(true);
    // Drops can be switched off; direction 'both' also reports the first day as a downward deviation.
    expect(flaggedDays(scoreCostSeries(points, { detectDrops: false }))).toEqual([]);
    const both = scoreCostSeries(points, { direction: 'both' });
    expect(flaggedDays(both)[0]).toBe(50);
    expect(both[50]!.kind).toBe('drop');
    expect(flaggedDays(both).every((i) => i >= 50 && i < 60)).toBe(true);
  });

  it('keeps one episode when a month start falls inside it', () => {
    // Day 40 is 2025-03-01 (a $300 fee every day 1, learned on 02-01); the shift (+50 %) starts on day 37, and
    // day 1's wider band alone would not flag it.
    const points = dailySeries({
      start: '2025-01-20',
      weekend: 1,
      multiply: (i) => (i >= 37 ? 1.5 : 1),
      extra: (_i, date) => (date.endsWith('-01') ? 300 : 0),
    });
    expect(points[40]!.date).toBe('2025-03-01');
    const res = scoreCostSeries(points);
    const episodes = buildEpisodes(res).filter((e) => e.start >= '2025-02-20');
    expect(episodes).toHaveLength(1);
    expect(episodes[0]!.start <= String(points[38]!.date)).toBe(true);
    expect(res[40]!.isAnomaly).toBe(true);
    expect(res[40]!.rule).toBe('deviation');
  });

  it('does not call a one-day dip anything, and a lasting fall of less than half a level shift down', () => {
    const dip = scoreCostSeries(dailySeries({ multiply: (i) => (i === 50 ? 0 : 1) }));
    expect(flaggedDays(dip)).toEqual([]);
    const fall = scoreCostSeries(dailySeries({ multiply: (i) => (i >= 50 ? 0.7 : 1) }));
    const fallDays = flaggedDays(fall);
    expect(fallDays[0]).toBe(51); // on its 2nd day, from the joint evidence of both
    expect(fall[51]!.rule).toBe('sustained');
    expect(fall[51]!.kind).toBe('level_shift');
    expect(fall[51]!.impact).toBeLessThan(0);
    expect(fallDays.every((i) => i < 60)).toBe(true); // then the new level is normal
    expect(
      flaggedDays(
        scoreCostSeries(dailySeries({ multiply: (i) => (i >= 50 ? 0.7 : 1) }), { detectDrops: false }),
      ),
    ).toEqual([]);
    // ... but a fall by 60 % that stays down is one.
    const half = scoreCostSeries(dailySeries({ multiply: (i) => (i >= 50 ? 0.4 : 1) }));
    expect(flaggedDays(half)[0]).toBe(51);
    expect(half[51]!.kind).toBe('drop');
  });

  it('finds a level shift that no single day proves from the days that follow it (rule sustained)', () => {
    // +28 % on 8 % noise: a single day is ~3.5 sigma, below the decision threshold.
    const points = dailySeries({ noise: 0.08, weekend: 1, seed: 5, multiply: (i) => (i >= 70 ? 1.28 : 1) });
    const res = scoreCostSeries(points);
    const flagged = flaggedDays(res);
    expect(flagged.filter((i) => i < 70)).toEqual([]);
    expect(flagged[0]).toBeGreaterThanOrEqual(70);
    expect(flagged[0]).toBeLessThanOrEqual(73); // within 3 days
    // Its first week holds a day proved by the run (the ramp rule may see the step first).
    const proved = flagged.filter((i) => i <= 77 && res[i]!.rule === 'sustained').map((i) => res[i]!);
    expect(proved.length).toBeGreaterThan(0);
    expect(proved[0]!.runDays).toBeGreaterThanOrEqual(2);
    expect(proved[0]!.runZ).toBeGreaterThanOrEqual(zOfScore(DEFAULT_THRESHOLD));
    const episodes = buildEpisodes(res);
    expect(episodes[0]!.kind).toBe('level_shift');
    // The new level becomes normal: no alerts a few weeks on.
    expect(flagged.filter((i) => i >= 90)).toEqual([]);
  });

  it('flags a gradual ramp once it is 25 % above the level it climbed from, as kind ramp', () => {
    // +1.5 % a day from day 60 (no weekly pattern, 3 % noise): each day is close to the day before.
    const ramp = (i: number): number => (i >= 60 ? 1 + 0.015 * (i - 59) : 1);
    const points = dailySeries({ noise: 0.03, weekend: 1, days: 130, multiply: ramp });
    const res = scoreCostSeries(points);
    const flagged = flaggedDays(res);
    expect(flagged.filter((i) => i < 60)).toEqual([]);
    const first = res[flagged[0]!]!;
    expect(flagged[0]).toBeLessThanOrEqual(80); // about +25 % is reached on day 76
    expect(first.actual! / first.expected!).toBeGreaterThanOrEqual(1.2);
    expect(first.kind).toBe('ramp');
    expect(first.impact).toBeCloseTo(first.actual! - first.expected!, 9);
    expect(buildEpisodes(res).some((e) => e.kind === 'ramp')).toBe(true);
  });

  it('does not call steady organic growth a ramp', () => {
    // +0.4 % a day for 200 days (+120 %), 5 % noise, weekly pattern.
    const points = dailySeries({ days: 200, multiply: (i) => Math.pow(1.004, i) });
    expect(flaggedDays(scoreCostSeries(points))).toEqual([]);
  });

  it('catches slow drift with the CUSUM option that the day-by-day check misses', () => {
    // +1.5 % a day for 30 days on top of 2 % noise: each day is close to yesterday.
    const drift = (i: number): number => (i >= 60 && i < 90 ? 1 + 0.015 * (i - 59) : i >= 90 ? 1.45 : 1);
    const points = dailySeries({ noise: 0.02, weekend: 1, multiply: drift });
    const daily = scoreCostSeries(points);
    const withDrift = scoreCostSeries(points, { detectDrift: true });
    expect(flaggedDays(daily).filter((i) => i < 60)).toEqual([]);
    const driftDays = flaggedDays(withDrift).filter((i) => withDrift[i]!.rule === 'drift');
    expect(driftDays.length).toBeGreaterThan(0);
    expect(driftDays.every((i) => i >= 60)).toBe(true);
    expect(Math.min(...flaggedDays(withDrift))).toBeLessThan(Math.min(...flaggedDays(daily), 999));
  });

  it('does not alert on cents: a near-constant series moving by a few cents', () => {
    const points = dailySeries({ level: 3, noise: 0.001, weekend: 1, extra: (i) => (i === 70 ? 0.2 : 0) });
    const res = scoreCostSeries(points);
    expect(flaggedDays(res)).toEqual([]);
    expect(res[70]!.sigma).toBeGreaterThan(0.05);
  });

  it('applies the $ and % impact floors and says so', () => {
    const points = dailySeries({ level: 2, noise: 0.01, weekend: 1, multiply: (i) => (i === 70 ? 1.5 : 1) });
    const res = scoreCostSeries(points, { minImpactAbs: 5 });
    expect(res[70]!.isAnomaly).toBe(false);
    expect(res[70]!.rule).toBe('below_impact_floor');
    expect(scoreCostSeries(points, { minImpactAbs: 0.5 })[70]!.isAnomaly).toBe(true);
  });

  it('handles missing days and gaps in dates without alerting', () => {
    const points = dailySeries().filter((_p, i) => i % 11 !== 5);
    const withBlanks = points.map((p, i) => (i % 17 === 3 ? { date: p.date, value: null } : p));
    const res = scoreCostSeries(withBlanks);
    expect(flaggedDays(res)).toEqual([]);
    expect(res[3]!.rule).toBe('missing');
    expect(res[3]!.anomalyScore).toBe(0);
  });

  it('is causal: appending days never changes earlier results', () => {
    const points = dailySeries({
      days: 110,
      seed: 9,
      multiply: (i) => (i === 40 ? 3 : i >= 70 && i < 75 ? 0 : i >= 90 ? 1.7 : 1),
      extra: (_i, d) => (d.endsWith('-01') ? 300 : 0),
    });
    const full = scoreCostSeries(points, { direction: 'both', detectDrift: true });
    for (const cut of [10, 41, 55, 72, 91, 109]) {
      expect(scoreCostSeries(points.slice(0, cut), { direction: 'both', detectDrift: true })).toEqual(
        full.slice(0, cut),
      );
    }
    const incremental = new CostSeriesDetector({ direction: 'both', detectDrift: true });
    expect(points.map((p) => incremental.push(p))).toEqual(full);
  });

  it('explains decisions from stored numbers: score >= threshold exactly when actual leaves the band', () => {
    const points = dailySeries({ seed: 3, multiply: (i) => (i % 23 === 22 ? 1.6 : 1) });
    const res = scoreCostSeries(points);
    const zt = zOfScore(DEFAULT_THRESHOLD);
    for (const r of res) {
      if (r.rule === 'warmup' || r.rule === 'new_series' || r.rule === 'missing') continue;
      const z = (r.actual! - r.expected!) / (r.sigma * r.calibration);
      expect(z).toBeCloseTo(r.z, 9);
      if (r.actual! > r.upper! + 1e-9)
        expect(r.anomalyScore).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD - 1e-9);
      // A day judged alone: its score passes exactly when its z does. A run is judged by its joint z.
      if (r.anomalyScore >= DEFAULT_THRESHOLD && r.rule !== 'sustained')
        expect(r.z).toBeGreaterThanOrEqual(zt - 1e-6);
      if (r.rule === 'sustained') expect(r.runZ).toBeGreaterThanOrEqual(zt - 1e-6);
      if (r.isAnomaly) expect(['deviation', 'sustained', 'drift']).toContain(r.rule);
    }
    expect(flaggedDays(res).length).toBeGreaterThanOrEqual(3);
  });

  it('keeps the false-alert rate low on normal series of very different scales (scores mean the same)', () => {
    let flagged = 0;
    let days = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const level = 10 ** (seed % 5); // $1 .. $10,000 a day
      const res = scoreCostSeries(dailySeries({ seed, level, noise: 0.03 + (seed % 4) * 0.03 }));
      flagged += flaggedDays(res).length;
      days += res.length;
    }
    expect(flagged / days).toBeLessThan(0.005);
  });

  it('widens a young series band by the Student-t quantile of its few residuals, down to ~1 with 8 weeks', () => {
    // t quantiles at two-sided 0.5 %: nu = 10: 3.581, nu = 30: 3.030; the normal's is 2.807.
    expect(studentQuantileOverNormal(2.807, 10)).toBeCloseTo(3.581 / 2.807, 2);
    expect(studentQuantileOverNormal(2.807, 30)).toBeCloseTo(3.03 / 2.807, 2);
    const res = scoreCostSeries(dailySeries({ weekend: 1, days: 120 }));
    const rel = (i: number): number => res[i]!.sigma / (res[i]!.expected! + 0.25);
    expect(rel(12)).toBeGreaterThan(1.5 * rel(100));
    expect(rel(40)).toBeGreaterThan(rel(100));
    expect(flaggedDays(res)).toEqual([]);
  });

  it('remembers a young series first charge as possibly recurring, though its wide band did not flag it', () => {
    // 2025-01-15 is day 9: the band of a 9-day-old series is wide, so no alert, but next months expect it.
    const points = dailySeries({ days: 150, extra: (_i, date) => (date.endsWith('-15') ? 600 : 0) });
    const res = scoreCostSeries(points);
    const fifteenths = res.filter((r) => r.date.endsWith('-15'));
    expect(fifteenths[0]!.isAnomaly).toBe(false);
    expect(fifteenths[1]!.monthlyExcess).toBeGreaterThan(400);
    expect(flaggedDays(res)).toEqual([]);
  });

  it('judges a ramp against the noise of its 14-day reference era too: a slow +-20 % wander is no ramp', () => {
    // A two-month wave on 10 % noise: the level 4-6 weeks ago was measured from 14 noisy days, not exactly.
    const wave = (i: number): number => 1 + 0.2 * Math.sin((2 * Math.PI * i) / 60);
    const points = dailySeries({ weekend: 1, noise: 0.1, days: 150, seed: 3, multiply: wave });
    expect(flaggedDays(scoreCostSeries(points))).toEqual([]);
  });

  it('rejects invalid dates with a clear error', () => {
    expect(() => new CostSeriesDetector().push({ date: '2025-13-45', value: 1 })).toThrow(
      'invalid date: 2025-13-45',
    );
  });
});

describe('scoreCostSeries on irregular but normal usage', () => {
  it('judges a sporadic service by its usual non-zero amount: zero days and ordinary amounts are normal', () => {
    const r = seeded(21);
    const points = dailySeries({ weekend: 1, multiply: () => (r() < 0.35 ? 1 : 0) }).map((p, i) =>
      i === 90 ? { date: p.date, value: 2500 } : p,
    );
    const res = scoreCostSeries(points);
    expect(res[60]!.mode).toBe('intermittent');
    expect(flaggedDays(res).filter((i) => res[i]!.rule !== 'new_series')).toEqual([90]);
  });

  it('treats a level a lumpy series keeps returning to as usual (seen_before), still flags a new height', () => {
    // One instance ($200/day) most days; a second one on scattered days (3 occasions by day 85); 3.5x on day 100.
    const r = seeded(11);
    const points = dailySeries({
      weekend: 1,
      noise: 0.02,
      days: 120,
      multiply: (i) => (i === 100 ? 3.5 : i > 30 && r() < 0.12 ? 2 : 1),
    });
    const res = scoreCostSeries(points);
    const doubles = res.filter((d, i) => i > 85 && i !== 100 && d.actual! > 300);
    expect(doubles.length).toBeGreaterThanOrEqual(3);
    expect(doubles.filter((d) => d.isAnomaly)).toEqual([]);
    expect(doubles.some((d) => d.rule === 'seen_before')).toBe(true);
    expect(res[100]!.isAnomaly).toBe(true);
    expect(res[100]!.kind).toBe('spike');
  });

  it('learns a charge that recurs on the same day of every month after seeing it once', () => {
    // From 2025-01 on, in a series that started 2024-11-25 (a Monday).
    const points = dailySeries({
      start: '2024-11-25',
      days: 191,
      extra: (_i, date) => (date >= '2025-01' && date.endsWith('-15') ? 600 : 0),
    });
    const res = scoreCostSeries(points);
    const fifteenths = res.filter((r) => r.date >= '2025-01' && r.date.endsWith('-15'));
    // 2025-01-15 is the first time: an anomaly; from February on it is the series' own pattern.
    expect(fifteenths.map((r) => r.isAnomaly)).toEqual([true, false, false, false, false]);
    expect(fifteenths[4]!.monthlyExcess).toBeGreaterThan(400);
    expect(flaggedDays(res)).toHaveLength(1);
  });
});

describe('daily cost detector: behaviour added for the third-party daily set (issue #15)', () => {
  it('treats a resource that is on or off (a residual charge when off, not zero) as intermittent: no alerts', () => {
    // Off days cost ~0.5 (an address, storage), on days ~70; which days are on is random, so the weekday
    // factors are noise and a regular model flagged the "weekend" on-days.
    const r = seeded(7);
    const points = dailySeries({ days: 160, noise: 0.05, multiply: () => (r() < 0.6 ? 0.0025 : 0.35) });
    const res = scoreCostSeries(points);
    // (Its first weeks, before 28 days show the on/off pattern, may alert.)
    expect(res.slice(35).filter((d) => d.mode === 'intermittent').length).toBeGreaterThan(0.9 * (160 - 35));
    expect(flaggedDays(res).filter((i) => i >= 35)).toEqual([]);
  });

  it('still flags an amount an on/off series never reached (spike), and no off day', () => {
    const r = seeded(7);
    const points = dailySeries({
      days: 160,
      noise: 0.05,
      multiply: (i) => (i === 120 ? 3.5 : r() < 0.6 ? 0.0025 : 0.35),
    });
    const res = scoreCostSeries(points);
    expect(flaggedDays(res).filter((i) => i >= 35)).toEqual([120]);
    expect(res[120]!.kind).toBe('spike');
    expect(res[120]!.mode).toBe('intermittent');
  });

  it('remembers a charge seen in the warm-up: its repeat a month later is the series pattern (spike rule)', () => {
    // Starts on 2025-01-10; +70 % on the 13th of every month (day 3: warm-up, no sigma yet).
    const points = dailySeries({
      start: '2025-01-10',
      days: 120,
      extra: (_i, date) => (date.endsWith('-13') ? 140 : 0),
    });
    const res = scoreCostSeries(points);
    const thirteenths = res.filter((d) => d.date.endsWith('-13'));
    expect(thirteenths[0]!.rule).toBe('warmup');
    expect(thirteenths.slice(1).map((d) => d.isAnomaly)).toEqual([false, false, false]);
    expect(thirteenths[1]!.monthlyExcess).toBeGreaterThan(80);
    expect(flaggedDays(res)).toEqual([]);
  });

  it('reports a drop of a small series whose daily fall is under $1 but whose confirming days pass it (drop)', () => {
    // $1.60/day falls by 55 % ($0.88/day): 2 confirming days are $1.76 of impact.
    const points = dailySeries({
      level: 1.6,
      weekend: 1,
      noise: 0.02,
      multiply: (i) => (i >= 80 ? 0.45 : 1),
    });
    const res = scoreCostSeries(points);
    const first = flaggedDays(res)[0];
    expect(first).toBe(81);
    expect(res[81]!.kind).toBe('drop');
    expect(['drop', 'sustained']).toContain(res[81]!.rule);
  });

  it('keeps the $1 floor for a single day: a one-day rise of $0.8 is below the impact floor (spike)', () => {
    const points = dailySeries({
      level: 1.6,
      weekend: 1,
      noise: 0.02,
      multiply: (i) => (i === 80 ? 1.5 : 1),
    });
    const res = scoreCostSeries(points);
    expect(flaggedDays(res)).toEqual([]);
    expect(res[80]!.rule).toBe('below_impact_floor');
  });

  it('reports a small shift down through its run, the $ floor applying to the run days jointly (level_shift)', () => {
    // $3/day down 30 % ($0.9/day): no single day passes $1, the run does.
    const points = dailySeries({ level: 3, weekend: 1, noise: 0.02, multiply: (i) => (i >= 80 ? 0.7 : 1) });
    const res = scoreCostSeries(points);
    const first = flaggedDays(res)[0]!;
    expect(first).toBeGreaterThanOrEqual(81);
    expect(first).toBeLessThanOrEqual(83);
    expect(res[first]!.rule).toBe('sustained');
    expect(res[first]!.kind).toBe('level_shift');
  });

  it('finds a shift down after an earlier shift up: the run calibration leaves reported days out (level_shift)', () => {
    // Flat, low-noise series (a VPN): +60 % at day 40 (reported), then -30 % at day 92 (within 8 weeks of it).
    // Before, the shift's reported days made the 2-4 day run calibration ~2.7 and this went unreported.
    // (Known limit: the tail calibration still counts them; with the onset at day 90, its weekly update on
    // day 91 sees the new day too and the run stays below the threshold.)
    const points = dailySeries({
      days: 130,
      weekend: 1,
      noise: 0.01,
      multiply: (i) => (i >= 92 ? 1.12 : i >= 40 ? 1.6 : 1),
    });
    const res = scoreCostSeries(points);
    expect(flaggedDays(res).filter((i) => i >= 40 && i < 47).length).toBeGreaterThan(0);
    const after = flaggedDays(res).filter((i) => i >= 92);
    expect(after[0]).toBeLessThanOrEqual(94);
    expect(res[after[0]!]!.kind).toBe('level_shift');
    expect(res[after[0]!]!.z).toBeLessThan(0);
  });

  it('does not re-report a reported level shift as a ramp weeks later (ramp rule rests)', () => {
    // +45 % at day 60 on a noisy series: the level shift is reported; later days are the new normal.
    const points = dailySeries({ days: 140, noise: 0.08, seed: 3, multiply: (i) => (i >= 60 ? 1.45 : 1) });
    const res = scoreCostSeries(points);
    const flagged = flaggedDays(res);
    expect(flagged.filter((i) => i >= 60 && i <= 67).length).toBeGreaterThan(0);
    expect(flagged.filter((i) => i > 70)).toEqual([]);
    expect(res.slice(70).some((d) => d.kind === 'ramp')).toBe(false);
  });

  it('finds a noisy 30 % fall that no 1-4 day run proves from 5 days below expected (sustained fall)', () => {
    for (const seed of [1, 2, 3, 4]) {
      const fallen = (i: number): number => (i >= 90 ? 0.7 : 1);
      const points = dailySeries({ days: 140, seed, noise: 0.1, weekend: 1, multiply: fallen });
      const res = scoreCostSeries(points);
      const first = flaggedDays(res)[0]!;
      expect(first).toBeGreaterThanOrEqual(92);
      expect(first).toBeLessThanOrEqual(94);
      expect(res[first]!.rule).toBe('sustained');
      expect(res[first]!.runDays).toBe(5);
      expect(res[first]!.kind).toBe('level_shift');
      expect(res[first]!.impact).toBeLessThan(0);
      // One alert (onset-only): the flagged days are consecutive, then the lower level is the new normal.
      const days = flaggedDays(res);
      expect(days[days.length - 1]! - first).toBe(days.length - 1);
      // Causal: the decision does not depend on the days after it.
      expect(scoreCostSeries(points.slice(0, first + 1))).toEqual(res.slice(0, first + 1));
      // The same noise without the fall, or with drops off (direction up), is quiet.
      expect(flaggedDays(scoreCostSeries(dailySeries({ days: 140, seed, noise: 0.1, weekend: 1 })))).toEqual(
        [],
      );
      expect(flaggedDays(scoreCostSeries(points, { detectDrops: false }))).toEqual([]);
    }
  });

  it('judges a spike on a recurring-charge day beyond the charge amount +- 50 %, on the usage noise scale', () => {
    const points = dailySeries({
      start: '2024-11-25',
      days: 191,
      extra: (_i, date) => (date >= '2025-01' && date.endsWith('-15') ? 600 : 0),
      multiply: (_i, date) => (date === '2025-04-15' ? 3.5 : 1),
    });
    const res = scoreCostSeries(points);
    const fifteenths = res.filter((r) => r.date >= '2025-01' && r.date.endsWith('-15'));
    // January: the first charge (an anomaly); April: the charge plus usage at 3.5x (a spike on top of it).
    expect(fifteenths.map((r) => r.isAnomaly)).toEqual([true, false, false, true, false]);
    const april = fifteenths[3]!;
    expect(april.monthlyExcess).toBeGreaterThan(400);
    expect(april.kind).toBe('spike');
    expect(flaggedDays(res)).toHaveLength(2);
  });

  it('does not call the year-end idle week of a weekday workload a drop (holiday), still flags a rise', () => {
    // 2024-10-07 is a Monday; Dec 24 - Jan 1 the weekdays run at the weekend level (0.4).
    const idle = (date: string): boolean => date >= '2024-12-24' && date <= '2025-01-01';
    const points = dailySeries({
      start: '2024-10-07',
      days: 120,
      weekend: 0.4,
      multiply: (_i, date) => {
        const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
        return idle(date) && dow !== 0 && dow !== 6 ? 0.4 : 1;
      },
    });
    const res = scoreCostSeries(points);
    expect(flaggedDays(res)).toEqual([]);
    const dec27 = res.find((r) => r.date === '2024-12-27')!;
    expect(dec27.rule).toBe('holiday');
    expect(dec27.anomalyScore).toBe(0);
    // Without a holiday calendar the same week is a drop.
    const plain = scoreCostSeries(points, { holidays: [] });
    expect(flaggedDays(plain).length).toBeGreaterThan(0);
    expect(plain[flaggedDays(plain)[0]!]!.kind).toBe('drop');
    // A region's own holidays, given as dates, are too (Thanksgiving and the day after at the weekend level).
    const thanksgiving = dailySeries({
      start: '2024-10-07',
      days: 80,
      weekend: 0.4,
      multiply: (_i, date) => (date === '2024-11-28' || date === '2024-11-29' ? 0.4 : 1),
    });
    const listed = scoreCostSeries(thanksgiving, { holidays: ['2024-11-28', '2024-11-29'] });
    expect(flaggedDays(listed)).toEqual([]);
    expect(listed.find((r) => r.date === '2024-11-29')!.rule).toBe('holiday');
    // A rise on a holiday is still judged: Dec 26 at 2.5x the weekday level.
    const rise = scoreCostSeries(
      dailySeries({
        start: '2024-10-07',
        days: 120,
        weekend: 0.4,
        multiply: (_i, d) => (d === '2024-12-26' ? 2.5 : 1),
      }),
    );
    expect(flaggedDays(rise).map((i) => rise[i]!.date)).toEqual(['2024-12-26']);
    // Causal: the holiday decision uses only the date and the days before.
    expect(scoreCostSeries(points.slice(0, 85))).toEqual(res.slice(0, 85));
  });

  it('does not judge a fall on up to 2 busy days at the weekend level (an unlisted holiday: idle_weekday)', () => {
    // Thanksgiving and the day after, not in the calendar: the weekdays run at the weekend level (0.4).
    const idleDays = ['2024-11-28', '2024-11-29'];
    const points = dailySeries({
      start: '2024-10-07',
      days: 80,
      weekend: 0.4,
      multiply: (_i, date) => (idleDays.includes(date) ? 0.4 : 1),
    });
    const res = scoreCostSeries(points, { holidays: [] });
    expect(flaggedDays(res)).toEqual([]);
    for (const d of idleDays) {
      const r = res.find((x) => x.date === d)!;
      expect(r.rule).toBe('idle_weekday');
      expect(r.anomalyScore).toBe(0);
      expect(r.z).toBeLessThan(-3);
    }
    // A workload that stops to its weekend level for good (from Wednesday 2024-11-20) is reported on its 3rd
    // busy day (the first judged one; the idle days count towards confirming the drop).
    const stop = dailySeries({
      start: '2024-10-07',
      days: 60,
      weekend: 0.4,
      multiply: (_i, date) => (date >= '2024-11-20' ? 0.4 : 1),
    });
    const stopped = scoreCostSeries(stop, { holidays: [] });
    const first = flaggedDays(stopped)[0]!;
    expect(stopped[first]!.date).toBe('2024-11-22');
    expect(stopped[first]!.kind).toBe('drop');
    expect(stopped.find((r) => r.date === '2024-11-21')!.rule).toBe('idle_weekday');
    // Zero is no quiet level: a stop to zero is reported on its 2nd day as before.
    const zero = scoreCostSeries(
      dailySeries({
        start: '2024-10-07',
        days: 60,
        weekend: 0.4,
        multiply: (_i, date) => (date >= '2024-11-20' ? 0 : 1),
      }),
      { holidays: [] },
    );
    expect(zero[flaggedDays(zero)[0]!]!.date).toBe('2024-11-21');
    // Causal: the decision uses only the days up to it.
    expect(scoreCostSeries(points.slice(0, 55), { holidays: [] })).toEqual(res.slice(0, 55));
  });

  it('on a quiet day, an excess in currency seen 3 times before is usual (an additive batch job: seen_before)', () => {
    // A weekday workload ($200, weekends $60); a batch job adds $100 on Wed day 30, Thu day 45, Fri day 60 and
    // Sunday day 76 (2025-01-06 is a Monday).
    const batch = [30, 45, 60, 76];
    const points = dailySeries({
      days: 90,
      weekend: 0.3,
      noise: 0.03,
      extra: (i) => (batch.includes(i) ? 100 : 0),
    });
    const res = scoreCostSeries(points);
    expect(res[30]!.isAnomaly).toBe(true);
    // Sunday at 2.7x its usual level: deseasonalised it is far above anything seen, in currency it is the job.
    expect(res[76]!.isAnomaly).toBe(false);
    expect(res[76]!.rule).toBe('seen_before');
    // A weekend that did not scale down ($140 over its usual, more than the job ever added) is still reported.
    const weekend = scoreCostSeries(
      dailySeries({
        days: 90,
        weekend: 0.3,
        noise: 0.03,
        extra: (i) => (batch.slice(0, 3).includes(i) ? 100 : 0),
        multiply: (i) => (i === 76 ? 1 / 0.3 : 1),
      }),
    );
    expect(weekend[76]!.isAnomaly).toBe(true);
    expect(weekend[76]!.kind).toBe('weekend');
  });

  it('learns a batch job without a schedule (3 runs in 8 weeks) as usual: seen_before over 56 days', () => {
    const runs = [50, 70, 90, 105];
    const points = dailySeries({
      days: 130,
      weekend: 1,
      noise: 0.03,
      multiply: (i) => (runs.includes(i) ? 1.6 : 1),
    });
    const res = scoreCostSeries(points);
    // Its first run is a spike; by day 105 it ran 3 times in the last 8 weeks (only once in the last 4).
    expect(res[50]!.isAnomaly).toBe(true);
    expect(res[105]!.isAnomaly).toBe(false);
    expect(res[105]!.rule).toBe('seen_before');
  });

  it('computes upper quantiles exactly as a selection (the tail and run calibrations)', () => {
    const r = seeded(11);
    for (let trial = 0; trial < 500; trial++) {
      const n = 1 + Math.floor(r() * 120);
      const a = new Float64Array(n).map(() => (r() < 0.3 ? Math.round(r() * 4) : r() * 5));
      const b = a.slice();
      const q = [0.9, 0.75, 0.95][trial % 3]!;
      expect(upperQuantile(a, n, q)).toBeCloseTo(quantileSelect(b, n, q), 12);
    }
  });
});
