import {
  createMetricDetector,
  DEFAULT_METRIC_OPTIONS,
  MetricDetector,
  scoreOfLogTailProbability,
  tailProbabilityOfScore,
  type MetricDetectorState,
} from './metric-detector';
import { normal, seeded } from './series.fixture';

const MINUTE = 60_000;
const T0 = Date.parse('2025-03-01T00:00:00Z');

interface Stream {
  times: number[];
  values: number[];
}

/** A CloudWatch-like stream: 1-minute points with jitter, a daily cycle, noise; `edit` injects events. */
function stream(
  n: number,
  seed: number,
  edit: (i: number, v: number) => number = (_i, v) => v,
  level = 100,
): Stream {
  const r = seeded(seed);
  const times: number[] = [];
  const values: number[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    t += MINUTE + Math.round((r() - 0.5) * 10_000);
    const cycle = Math.sin((2 * Math.PI * (t - T0)) / 86_400_000) * 0.2 * level;
    values.push(edit(i, level + cycle + normal(r) * 0.03 * level));
    times.push(t);
  }
  return { times, values };
}

function run(s: Stream, d: MetricDetector = new MetricDetector()) {
  return s.values.map((v, i) => d.update(s.times[i]!, v));
}

const flagged = (res: readonly { isAnomaly: boolean }[]): number[] =>
  res.flatMap((r, i) => (r.isAnomaly ? [i] : []));

describe('MetricDetector (online metric streams)', () => {
  it('flags each spike once, names its kind, and stays quiet on a normal daily cycle', () => {
    const res = run(stream(4000, 1, (i, v) => (i === 1500 ? v + 40 : i === 3000 ? v - 45 : v)));
    expect(flagged(res)).toEqual([1500, 3000]);
    expect(res[1500]!.rule).toBe('deviation');
    expect(res[1500]!.kind).toBe('spike');
    expect(res[3000]!.kind).toBe('drop');
    expect(res[1500]!.actual).toBeGreaterThan(res[1500]!.upper!);
    expect(res[3000]!.actual).toBeLessThan(res[3000]!.lower!);
    expect(res[1500]!.anomalyScore).toBeGreaterThanOrEqual(DEFAULT_METRIC_OPTIONS.threshold);
    expect(res[1500]!.tailProbability).toBeLessThanOrEqual(
      tailProbabilityOfScore(DEFAULT_METRIC_OPTIONS.threshold),
    );
    expect(res[1499]!.kind).toBeNull();
  });

  it('flags the onset of a level shift once, then not again while it adapts', () => {
    const res = run(stream(4000, 2, (i, v) => (i >= 2000 ? v + 60 : v)));
    expect(flagged(res)).toEqual([2000]);
    // The following points of the shift are the same news: the episode stays open, scores stay low.
    expect(res.slice(2001, 2004).every((r) => r.rule === 'episode_continues')).toBe(true);
    expect(res.slice(2001, 2005).every((r) => r.anomalyScore < DEFAULT_METRIC_OPTIONS.threshold)).toBe(true);
    expect(res.slice(2000, 2010).some((r) => r.rule === 'level_shift_accepted')).toBe(true);
    expect(res.slice(2010).some((r) => r.rule === 'level_shift_accepted')).toBe(false);
  });

  it('flags a moderate shift that no single point proves, once, as a level_shift', () => {
    // 5 sigma: one such point happens now and then in a long stream, several in a row do not.
    const res = run(stream(4000, 2, (i, v) => (i >= 2000 ? v + 15 : v)));
    const f = flagged(res);
    expect(f).toHaveLength(1);
    expect(f[0]).toBeGreaterThanOrEqual(2000);
    expect(f[0]).toBeLessThan(2006);
    expect(res[f[0]!]!.kind).toBe('level_shift');
  });

  /** A flat 5-minute stream (level 50, unit noise); `edit` may use the stream's own random source. */
  function flat(n: number, seed: number, edit: (i: number, v: number, r: () => number) => number): Stream {
    const r = seeded(seed);
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      times.push(T0 + i * 300_000);
      values.push(edit(i, 50 + normal(r), r));
    }
    return { times, values };
  }

  it('mean-shift channel: a shift of under 3 sigma that no point shows is flagged once, at its onset', () => {
    const s = flat(6000, 2, (i, v) => (i >= 4000 ? v + 2.75 : v));
    const res = run(s);
    const f = flagged(res).filter((i) => i >= 4000 && i < 4200);
    // One flag, a few dozen points in (the short EWMA needs time), decided by the shift, not by the point.
    expect(f).toHaveLength(1);
    expect(f[0]).toBeLessThan(4060);
    expect(res[f[0]!]!.kind).toBe('level_shift');
    expect(res[f[0]!]!.rule).toBe('mean_shift');
    expect(Math.abs(res[f[0]!]!.z)).toBeLessThan(3);
    expect(res[f[0]!]!.shiftZ).toBeGreaterThan(5);
    expect(res[999]!.shiftZ).toBe(0); // the channel judges nothing before the 1,000th point
    // No re-flag while the baseline adapts (onset only), and nothing before the shift.
    expect(flagged(res).filter((i) => i >= 1000 && i < 4000)).toEqual([]);
    // Without the channel the shift is not found in those 200 points.
    const off = run(s, new MetricDetector({ shiftLongAlpha: 0 }));
    expect(flagged(off).filter((i) => i >= 4000 && i < 4200)).toEqual([]);
    // Causal: cutting the stream anywhere around the shift leaves earlier outputs unchanged.
    for (const cut of [4001, f[0]!, f[0]! + 1, 5000]) {
      expect(run({ times: s.times.slice(0, cut), values: s.values.slice(0, cut) })).toEqual(
        res.slice(0, cut),
      );
    }
  });

  it('a plateau of several hours is flagged at its onset only: the return to the old level is recovery, not a shift', () => {
    // 1-minute points; from point 3000 the stream runs 40 % higher for 8 hours (long enough for the point channel
    // to accept the new level and for the episode to close), then comes back.
    const s = stream(5000, 11, (i, v) => (i >= 3000 && i < 3480 ? v * 1.4 : v));
    const res = run(s);
    const f = flagged(res).filter((i) => i >= 1000);
    expect(f.filter((i) => i >= 3000 && i < 3010)).toHaveLength(1);
    expect(f.filter((i) => i >= 3010)).toEqual([]);
    // A real second change later (a fall far below the old level) is still news.
    const fall = run(stream(5000, 11, (i, v) => (i >= 3000 && i < 3480 ? v * 1.4 : i >= 3600 ? v * 0.5 : v)));
    expect(flagged(fall).filter((i) => i >= 3600 && i < 3700).length).toBeGreaterThan(0);
  });

  it('run persistence: clumps of unusual points that the series makes often are learnt, a real shift is not', () => {
    // Every 150 points a 4-point clump of +3.5-4.5 sigma (ordinary for this series), then a +12 sigma shift.
    let clump = -1;
    const s = flat(5000, 4, (i, v, r) => {
      if (i % 150 === 70) clump = i;
      return i >= 4500 ? v + 12 : clump >= 0 && i - clump < 4 ? v + 3.5 + r() : v;
    });
    // The seen-before rule is off in both runs, so persistence is shown alone.
    const d = new MetricDetector({ seenBeforeCount: 0 });
    const res = run(s, d);
    const off = run(s, new MetricDetector({ seenBeforeCount: 0, persistMemory: 0 }));
    const late = (r: typeof res) => flagged(r).filter((i) => i >= 1500 && i < 4500);
    expect(late(off).length).toBeGreaterThan(0);
    expect(late(res)).toEqual([]);
    expect(flagged(res)).toContain(4500);
    expect(flagged(off)).toContain(4500);
    // What it learnt: an unusual point of this series is followed by another far more often than runP.
    const st = d.getState();
    expect(st.persistContinue / st.persistFollow).toBeGreaterThan(10 * DEFAULT_METRIC_OPTIONS.runP);
  });

  it('inside an open episode only a far more extreme deviation is news', () => {
    const edit = (second: number) => (i: number, v: number) =>
      i === 2000 ? v + 40 : i === 2010 ? v + second : v;
    expect(flagged(run(stream(4000, 14, edit(40))))).toEqual([2000]);
    const res = run(stream(4000, 14, edit(4000)));
    expect(flagged(res)).toEqual([2000, 2010]);
    expect(res[2010]!.tailProbability).toBeLessThan(1e-6);
  });

  it('maps tail probabilities to scores monotonically, with resolution far into the tail', () => {
    const logs = [-1, -5, -10, -20, -50, -100, -200];
    const scores = logs.map((l) => scoreOfLogTailProbability(l));
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThan(scores[i - 1]!);
    // 6 decimals (the CLI's format) still tell p = 1e-40 from p = 1e-80.
    expect(scores[5]!.toFixed(6)).not.toBe(scores[4]!.toFixed(6));
    expect(tailProbabilityOfScore(scoreOfLogTailProbability(Math.log(1e-7)))).toBeCloseTo(1e-7, 12);
  });

  it('treats an irregular gap as elapsed time, not as an anomaly', () => {
    const s = stream(3000, 3);
    // Remove 90 minutes of points in the middle and an hour later.
    const keep = (i: number): boolean => !(i >= 1200 && i < 1290) && !(i >= 2000 && i < 2060);
    const gapped = { times: s.times.filter((_t, i) => keep(i)), values: s.values.filter((_v, i) => keep(i)) };
    expect(flagged(run(gapped))).toEqual([]);
  });

  it('calibrates per series: the same threshold serves series of any scale and noise shape', () => {
    const base = stream(3000, 4, (i, v) => (i === 2500 ? v + 50 : v));
    const scaled = { times: base.times, values: base.values.map((v) => v * 12_345) };
    const a = run(base).map((r) => r.anomalyScore);
    const b = run(scaled).map((r) => r.anomalyScore);
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 6);
    // A heavy-tailed series has its own big swings: a swing of that size scores lower there.
    const r = seeded(5);
    const heavy = stream(3000, 6, (_i, v) => v + (r() < 0.01 ? (r() - 0.5) * 60 : 0));
    const swing = (s: Stream): Stream => ({
      times: s.times,
      values: s.values.map((v, i) => (i === 2800 ? v + 25 : v)),
    });
    const quietScore = run(swing(stream(3000, 6)))[2800]!.anomalyScore;
    const heavyScore = run(swing(heavy))[2800]!.anomalyScore;
    expect(quietScore).toBeGreaterThan(0.5);
    expect(heavyScore).toBeLessThan(quietScore);
    expect(flagged(run(heavy)).length).toBeLessThanOrEqual(3);
  });

  it('learns a daily step that happens every day (seasonal veto) but still flags a spike during it', () => {
    const r = seeded(13);
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < 12 * 288; i++) {
      const hour = (i % 288) / 12;
      const busy = hour >= 8.5 && hour < 18.25; // business hours, 5-minute points
      times.push(T0 + i * 300_000);
      values.push((busy ? 80 : 20) + normal(r) * 2 + (i === 10 * 288 + 150 ? 30 : 0));
    }
    const res = run({ times, values });
    const day = (i: number): number => Math.floor(i / 288);
    const f = flagged(res);
    expect(f.some((i) => day(i) <= 1)).toBe(true); // the first days: the steps are news
    expect(f.filter((i) => day(i) >= 3)).toEqual([10 * 288 + 150]);
    // (Without the veto, the seen-before and run-persistence rules would also learn the daily step after 3 days.)
    const noSeason = run(
      { times, values },
      new MetricDetector({ seasonPeriodMs: 0, seenBeforeCount: 0, persistMemory: 0 }),
    );
    expect(flagged(noSeason).filter((i) => day(i) >= 3).length).toBeGreaterThan(5);
  });

  it('a spike the series made on 3 separate recent occasions is seen before; a bigger one is news', () => {
    const r = seeded(21);
    const times: number[] = [];
    const values: number[] = [];
    // A nightly batch job: a 2-point spike at a time that varies by up to 3 hours (5-minute points).
    const spikeAt = Array.from({ length: 12 }, (_d, d) => d * 288 + 12 + Math.floor(r() * 36));
    for (let i = 0; i < 12 * 288; i++) {
      const k = spikeAt.findIndex((at) => i === at || i === at + 1);
      const big = k === 10 ? 2 : 1;
      times.push(T0 + i * 300_000);
      values.push(20 + normal(r) * 2 + (k >= 1 ? 40 * big : 0));
    }
    const res = run({ times, values });
    const f = flagged(res);
    // Occasions 1-3 are news (each decided by its pair of points: their joint probability).
    expect(f.filter((i) => i < spikeAt[4]!)).toEqual(spikeAt.slice(1, 4).map((at) => at + 1));
    // Then only the spike twice as large (a break of the range seen so far).
    expect(f.filter((i) => i >= spikeAt[4]!)).toEqual([spikeAt[10]]);
    // Run persistence learns the 2-point clumps too (their second point is no longer news), so the rule is
    // shown alone: without persistence the same occasions are seen before.
    const alone = run({ times, values }, new MetricDetector({ persistMemory: 0 }));
    expect(flagged(alone)).toEqual(f);
    for (const k of [4, 5, 6, 7, 8, 9, 11]) {
      expect(alone[spikeAt[k]! + 1]!.rule).toBe('seen_before');
      expect(alone[spikeAt[k]! + 1]!.anomalyScore).toBe(0);
      expect(res[spikeAt[k]! + 1]!.isAnomaly).toBe(false);
    }
    const off = flagged(run({ times, values }, new MetricDetector({ seenBeforeCount: 0 })));
    expect(off.filter((i) => i >= spikeAt[4]!).length).toBeGreaterThanOrEqual(7);
  });

  it('respects the direction option', () => {
    const s = stream(3000, 7, (i, v) => (i === 2000 ? v + 50 : i === 2500 ? v - 50 : v));
    expect(flagged(run(s, createMetricDetector({ direction: 'up' })))).toEqual([2000]);
    expect(flagged(run(s, createMetricDetector({ direction: 'down' })))).toEqual([2500]);
  });

  it('resumes from a persisted (JSON) state exactly as if it had never stopped', () => {
    const s = stream(3000, 8, (i, v) => (i === 2200 ? v * 2 : v));
    const continuous = run(s);
    const first = new MetricDetector();
    const head = s.values.slice(0, 1700).map((v, i) => first.update(s.times[i]!, v));
    const saved = JSON.parse(JSON.stringify(first.getState())) as MetricDetectorState;
    const resumed = createMetricDetector({}, saved);
    const tail = s.values.slice(1700).map((v, i) => resumed.update(s.times[i + 1700]!, v));
    expect([...head, ...tail]).toEqual(continuous);
  });

  it('uses constant memory per series: the state has the same size after 100 or 20,000 points', () => {
    const d = new MetricDetector();
    const s = stream(20_000, 9);
    let sizeAt100 = 0;
    s.values.forEach((v, i) => {
      d.update(s.times[i]!, v, false);
      if (i === 100) sizeAt100 = Object.keys(d.getState()).length + d.getState().tailBins.length;
    });
    expect(Object.keys(d.getState()).length + d.getState().tailBins.length).toBe(sizeAt100);
  });

  it('is causal and deterministic: appending points never changes earlier outputs', () => {
    const s = stream(2500, 10, (i, v) => (i === 900 ? v + 30 : i > 1800 ? v - 40 : v));
    const full = run(s);
    for (const cut of [50, 901, 1801, 2200]) {
      expect(run({ times: s.times.slice(0, cut), values: s.values.slice(0, cut) })).toEqual(
        full.slice(0, cut),
      );
    }
    expect(run(s)).toEqual(full);
  });

  it('ignores missing values and keeps quiet on integer counts near zero', () => {
    const r = seeded(11);
    const counts = stream(3000, 12, () => (r() < 0.1 ? 1 : 0));
    const res = run(counts);
    expect(flagged(res)).toEqual([]);
    const d = new MetricDetector();
    expect(d.update(T0, null).rule).toBe('missing');
    expect(d.update(T0 + MINUTE, Number.NaN).anomalyScore).toBe(0);
  });

  it('starts fresh from a state of an older version (the state shape changed)', () => {
    const s = stream(3000, 8, (i, v) => (i === 2200 ? v * 2 : v));
    const first = new MetricDetector();
    s.values.slice(0, 1700).forEach((v, i) => first.update(s.times[i]!, v));
    const current = first.getState();
    expect(current.version).toBe(5);
    const old = { ...current, version: 4 } as unknown as MetricDetectorState;
    const tail = (d: MetricDetector) => s.values.slice(1700).map((v, i) => d.update(s.times[i + 1700]!, v));
    expect(tail(createMetricDetector({}, old))).toEqual(tail(new MetricDetector()));
    expect(tail(createMetricDetector({}, current))).not.toEqual(tail(new MetricDetector()));
    expect(createMetricDetector({}, { version: 1 } as unknown as MetricDetectorState).getState().n).toBe(0);
  });
});
