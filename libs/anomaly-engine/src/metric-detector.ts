import { clamp, scoreOfZ } from './stats';
import type { Direction } from './types';

export interface MetricDetectorOptions {
  /** Directions reported (default 'both'). */
  readonly direction: Direction;
  /** Score threshold of the decision (default 0.9999). */
  readonly threshold: number;
  /** Points before any decision (default 30); scores are still produced. */
  readonly warmupPoints: number;
  /** Level smoothing per typical interval (default 0.05, i.e. ~20 points of memory). */
  readonly levelAlpha: number;
  /** Scale smoothing per typical interval (default 0.02). */
  readonly scaleAlpha: number;
  /** Huber clip: residuals beyond this many sigmas are clipped before updating level and scale (default 3). */
  readonly huberK: number;
  /** |calibrated z| above which a point is an outlier and kept out of the level (default 4). */
  readonly outlierZ: number;
  /** Consecutive same-sign outliers after which the new level is accepted (default 5). */
  readonly shiftAcceptPoints: number;
  /** Sigma floor as a fraction of |level| (default 0.001) plus an absolute floor (default 1e-9). */
  readonly relativeSigmaFloor: number;
  readonly absoluteSigmaFloor: number;
  /** Learning rate of the per-series 90 % |z| quantile used for calibration (default 0.002). */
  readonly calibrationRate: number;
}

export const DEFAULT_METRIC_OPTIONS: MetricDetectorOptions = {
  direction: 'both',
  threshold: 0.9999,
  warmupPoints: 30,
  levelAlpha: 0.05,
  scaleAlpha: 0.02,
  huberK: 3,
  outlierZ: 4,
  shiftAcceptPoints: 5,
  relativeSigmaFloor: 0.001,
  absoluteSigmaFloor: 1e-9,
  calibrationRate: 0.002,
};

/** The whole per-series state: a fixed number of numbers, JSON-serialisable, to persist between ticks. */
export interface MetricDetectorState {
  readonly version: 1;
  n: number;
  lastTime: number;
  /** Typical sampling interval (ms), learned; gaps are measured in units of it. */
  interval: number;
  level: number;
  /** Huber-clipped exponentially weighted mean absolute deviation. */
  meanAbsDev: number;
  /** Running 90th percentile of |z| (for the tail calibration). */
  q90: number;
  runSign: number;
  runLength: number;
  runSum: number;
}

export type MetricRule = 'warmup' | 'missing' | 'deviation' | 'level_shift_accepted' | 'normal';

/** Everything behind one metric decision. */
export interface MetricPointResult {
  readonly time: number;
  readonly actual: number | null;
  readonly expected: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly sigma: number;
  readonly calibration: number;
  readonly z: number;
  readonly anomalyScore: number;
  readonly isAnomaly: boolean;
  readonly rule: MetricRule;
}

const Z90 = 1.6449;
const ABS_DEV_TO_SIGMA = 1.2533;

export function initialMetricState(): MetricDetectorState {
  return {
    version: 1,
    n: 0,
    lastTime: NaN,
    interval: 0,
    level: 0,
    meanAbsDev: 0,
    q90: Z90,
    runSign: 0,
    runLength: 0,
    runSum: 0,
  };
}

/**
 * Online, causal detector for one metric stream: O(1) time and memory per point.
 * level: Huber-clipped EWMA; scale: clipped EW mean absolute deviation; both decay per elapsed
 * typical interval, so irregular gaps count as the time they span. z = (x - level) / sigma is divided by
 * the series' own tail calibration (running 90 % quantile of |z| / 1.645, >= 1) and mapped to
 * score = 1 - P(|Z| >= |z|). Outliers do not move the level, except that `shiftAcceptPoints`
 * consecutive same-sign outliers are accepted as a new level (no endless alerts after a level change).
 */
export class MetricDetector {
  readonly options: MetricDetectorOptions;
  private s: MetricDetectorState;
  private readonly zThreshold: number;

  constructor(options: Partial<MetricDetectorOptions> = {}, state?: MetricDetectorState) {
    this.options = { ...DEFAULT_METRIC_OPTIONS, ...options };
    this.s = state ? { ...state } : initialMetricState();
    // z at which the score reaches the threshold (for the band).
    let lo = 0;
    let hi = 40;
    for (let i = 0; i < 80; i++) {
      const mid = (lo + hi) / 2;
      if (scoreOfZ(mid) < this.options.threshold) lo = mid;
      else hi = mid;
    }
    this.zThreshold = hi;
  }

  /** A copy of the state, safe to JSON.stringify and pass back to the constructor later. */
  getState(): MetricDetectorState {
    return { ...this.s };
  }

  /** Scores one point (time in epoch ms). Points must arrive in time order; equal times are accepted. */
  update(time: number, value: number | null): MetricPointResult {
    const s = this.s;
    const o = this.options;
    if (value === null || !Number.isFinite(value)) {
      return this.out(time, null, s.n > 0 ? s.level : null, 0, 1, 0, 0, false, 'missing');
    }
    const x = value;
    if (s.n === 0) {
      s.n = 1;
      s.lastTime = time;
      s.level = x;
      return this.out(time, x, null, 0, 1, 0, 0, false, 'warmup');
    }
    // Elapsed time in typical intervals (the first gaps define the interval).
    const dt = time - s.lastTime;
    if (dt > 0) {
      if (s.interval <= 0) s.interval = dt;
      else if (dt < 10 * s.interval) s.interval += 0.05 * (dt - s.interval);
    }
    const steps = s.interval > 0 && dt > 0 ? clamp(dt / s.interval, 0.1, 1e4) : 1;
    s.lastTime = Math.max(s.lastTime, time);

    const warm = s.n < o.warmupPoints;
    const a = warm ? Math.max(o.levelAlpha, 1 / (s.n + 1)) : 1 - Math.pow(1 - o.levelAlpha, steps);
    const b = warm ? Math.max(o.scaleAlpha, 1 / (s.n + 1)) : 1 - Math.pow(1 - o.scaleAlpha, steps);
    const floor = o.relativeSigmaFloor * Math.abs(s.level) + o.absoluteSigmaFloor;
    const sigma = Math.max(ABS_DEV_TO_SIGMA * s.meanAbsDev, floor);
    const calibration = clamp(s.q90 / Z90, 1, 5);
    const r = x - s.level;
    const zRaw = r / sigma;
    const z = zRaw / calibration;
    const score =
      o.direction === 'both' ? scoreOfZ(z) : (o.direction === 'up' ? z > 0 : z < 0) ? scoreOfZ(z) : 0;
    const expected = s.level;
    const isAnomaly = !warm && score >= o.threshold;
    let rule: MetricRule = warm ? 'warmup' : isAnomaly ? 'deviation' : 'normal';

    // State update.
    const outlier = !warm && Math.abs(z) >= o.outlierZ;
    if (outlier) {
      const sign = Math.sign(r);
      if (sign === s.runSign) {
        s.runLength++;
        s.runSum += x;
      } else {
        s.runSign = sign;
        s.runLength = 1;
        s.runSum = x;
      }
      if (s.runLength >= o.shiftAcceptPoints) {
        const newLevel = s.runSum / s.runLength;
        s.meanAbsDev = Math.max(s.meanAbsDev, Math.abs(x - newLevel));
        s.level = newLevel;
        s.runLength = 0;
        s.runSign = 0;
        s.runSum = 0;
        rule = isAnomaly ? 'level_shift_accepted' : rule;
      }
    } else {
      s.runLength = 0;
      s.runSign = 0;
      s.runSum = 0;
      const k = warm && s.n < 5 ? Infinity : o.huberK * sigma;
      const clipped = clamp(r, -k, k);
      s.level += a * clipped;
      s.meanAbsDev += b * (Math.min(Math.abs(r), k) - s.meanAbsDev);
    }
    // Running 90 % quantile of |zRaw|, on a log scale (equilibrium: P(|z| > q90) = 0.1).
    if (s.n >= 5) {
      const eta = warm ? 0.05 : o.calibrationRate;
      s.q90 = Math.abs(zRaw) > s.q90 ? s.q90 * (1 + 9 * eta) : s.q90 * (1 - eta);
    }
    s.n++;
    return this.out(time, x, expected, sigma, calibration, z, score, isAnomaly, rule);
  }

  private out(
    time: number,
    actual: number | null,
    expected: number | null,
    sigma: number,
    calibration: number,
    z: number,
    score: number,
    isAnomaly: boolean,
    rule: MetricRule,
  ): MetricPointResult {
    const band = this.zThreshold * sigma * calibration;
    return {
      time,
      actual,
      expected,
      lower: expected === null ? null : expected - band,
      upper: expected === null ? null : expected + band,
      sigma,
      calibration,
      z,
      anomalyScore: score,
      isAnomaly,
      rule,
    };
  }
}

/** Creates a metric detector, optionally resuming from a persisted state. */
export function createMetricDetector(
  options: Partial<MetricDetectorOptions> = {},
  state?: MetricDetectorState,
): MetricDetector {
  return new MetricDetector(options, state);
}
