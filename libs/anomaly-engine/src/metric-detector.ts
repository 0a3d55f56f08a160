import { clamp, scoreOfZ } from './stats';
import type { AnomalyKind, Direction } from './types';

export interface MetricDetectorOptions {
  /** Directions reported (default 'both'). */
  readonly direction: Direction;
  /**
   * Score threshold of the decision. The score is 1 - p^(1/16) for the tail probability p of the point (see
   * `scoreOfLogTailProbability`); the default 0.58 is p <= 9e-7 (about 1e-6).
   */
  readonly threshold: number;
  /** Points before any decision (default 30); scores are still produced. */
  readonly warmupPoints: number;
  /** Level smoothing per typical interval (default 0.15). */
  readonly levelAlpha: number;
  /** Trend smoothing (Holt) and per-interval damping of the trend (defaults 0.1 and 0.9; beta 0 = no trend). */
  readonly trendBeta: number;
  readonly trendDamping: number;
  /** Scale smoothing per typical interval (default 0.02). */
  readonly scaleAlpha: number;
  /** Huber clip: residuals beyond this many sigmas are clipped before updating level and scale (default 3). */
  readonly huberK: number;
  /** |z| above which a point is an outlier and kept out of the level (default 5). */
  readonly outlierZ: number;
  /** Consecutive same-sign outliers after which the new level is accepted (default 5). */
  readonly shiftAcceptPoints: number;
  /** Sigma floor as a fraction of |forecast| (default 0.001) plus an absolute floor (default 1e-9). */
  readonly relativeSigmaFloor: number;
  readonly absoluteSigmaFloor: number;
  /** Memory (in points) of the series' own |z| history used for the empirical tail (default 5000). */
  readonly tailMemory: number;
  /** Weight, in pseudo-points, of the reference t(4) law mixed into the empirical tail (default 5). */
  readonly tailPrior: number;
  /** Points with tail probability <= this extend a run whose joint probability is scored (default 0.003). */
  readonly runP: number;
  /**
   * Seasonal veto: period in ms (default one day; 0 = off), buckets per period (48) and the weight of one
   * period's evidence in a bucket (0.2). A point that is ordinary for its time of day (vs the same bucket
   * in earlier periods) is not an anomaly, e.g. a daily step that happens every day.
   */
  readonly seasonPeriodMs: number;
  readonly seasonBuckets: number;
  readonly seasonGamma: number;
  /**
   * Episodes: after a flag, the episode stays open until `quietIntervals` typical intervals pass with no
   * unusual point (tail probability <= runP). Inside an open episode a point is scored against the most
   * extreme point of the episode so far (p / p_peak), so only something more unusual than what was already
   * reported flags again (default 50).
   */
  readonly quietIntervals: number;
  /**
   * Range break (as in Numenta's HTM detector on NAB): a value beyond the whole range the series has shown,
   * by more than `rangeMargin` of that range (default 0.1; 0 = off), is unusual in itself, once the range
   * has been learnt for `rangeLearnMs` (default 3 days: several daily cycles).
   */
  readonly rangeMargin: number;
  readonly rangeLearnMs: number;
  /**
   * Seen before: a point that would be flagged is not an anomaly when the series produced deviations at least
   * 1 / `seenBeforeRatio` as large (same sign, in sigmas) on `seenBeforeCount` separate earlier occasions within
   * `seenBeforeMs` (defaults 3 occasions, ratio 1.25 = one bin of the |z| histogram, 7 days; count 0 = off), e.g. a batch job's spike every night.
   */
  readonly seenBeforeCount: number;
  readonly seenBeforeRatio: number;
  readonly seenBeforeMs: number;
  /**
   * Mean shift (EWMA chart): a short EWMA of the values (`shiftShortAlpha` per interval, default 0.1; inputs
   * clipped at huberK of the baseline's scale, so one spike barely moves it) against a slow baseline
   * (`shiftLongAlpha`, default 0.002; 0 = off), in standard errors, judged against this series' own history of
   * that statistic (a second |z| histogram with its fitted tail). Catches a shift of 2-3 sigma that no point and
   * no run of unusual points shows. Its p is doubled (two channels judge each point).
   */
  readonly shiftShortAlpha: number;
  readonly shiftLongAlpha: number;
  /**
   * Run persistence: the series' own rate at which an unusual point (p <= runP) is followed by another one in
   * the same direction (outside episodes, not flagged), remembered over `persistMemory` such followers (default 100; 0 =
   * off) with `persistPrior` pseudo-followers at the independent rate runP (default 10). A run's later point
   * counts with p x rate / runP (>= p): in a series whose unusual points come in clumps a run is no news.
   */
  readonly persistMemory: number;
  readonly persistPrior: number;
}

export const DEFAULT_METRIC_OPTIONS: MetricDetectorOptions = {
  direction: 'both',
  threshold: 0.58,
  warmupPoints: 30,
  levelAlpha: 0.15,
  trendBeta: 0.1,
  trendDamping: 0.9,
  scaleAlpha: 0.02,
  huberK: 3,
  outlierZ: 5,
  shiftAcceptPoints: 5,
  relativeSigmaFloor: 0.001,
  absoluteSigmaFloor: 1e-9,
  tailMemory: 5000,
  tailPrior: 5,
  runP: 0.003,
  seasonPeriodMs: 86_400_000,
  seasonBuckets: 48,
  seasonGamma: 0.2,
  quietIntervals: 50,
  rangeMargin: 0.1,
  rangeLearnMs: 3 * 86_400_000,
  seenBeforeCount: 3,
  seenBeforeRatio: 1.25,
  seenBeforeMs: 7 * 86_400_000,
  shiftShortAlpha: 0.1,
  shiftLongAlpha: 0.002,
  persistMemory: 100,
  persistPrior: 10,
};

/** |z| histogram: bin j covers [Z0 * R^j, Z0 * R^(j+1)); the last bin is open-ended. */
const BINS = 40;
const Z0 = 0.5;
const LOG_R = Math.log(1.25);
const ABS_DEV_TO_SIGMA = 1.2533;
/** The seasonal veto applies only when the bucket's spread is below 1/5 of the point's deviation. */
const SEASON_GUARD = 5;
/** Log tail probabilities are kept above this (finite in JSON state). */
const MIN_LOG_P = -700;
/** Tail probability given to a range break. */
const RANGE_BREAK_LOG_P = Math.log(1e-8);
/** Earlier occasions remembered for the seen-before rule (ring buffer). */
const OCCASIONS = 8;
/** Channels that judge each point (the point and its run; the mean shift): the shift's p is multiplied by it. */
const SHIFT_CHANNELS = 2;

/**
 * An exponentially decayed histogram of |z| (BINS numbers), its total weight and current increment, and the
 * tail model refreshed every 32 points: |z| threshold u (q98), share above it, GPD shape and scale.
 */
export interface TailModel {
  tailBins: number[];
  tailTotal: number;
  tailIncrement: number;
  tailU: number;
  tailShareAboveU: number;
  tailXi: number;
  tailBeta: number;
}

function initialTail(): TailModel {
  return {
    tailBins: new Array<number>(BINS).fill(0),
    tailTotal: 0,
    tailIncrement: 1,
    tailU: 0,
    tailShareAboveU: 0,
    tailXi: 0,
    tailBeta: 1,
  };
}

/** The whole per-series state: a fixed number of numbers, JSON-serialisable, to persist between ticks. */
export interface MetricDetectorState extends TailModel {
  readonly version: 5;
  n: number;
  lastTime: number;
  /** Typical sampling interval (ms), learned; gaps are measured in units of it. */
  interval: number;
  level: number;
  /** Damped trend per typical interval. */
  trend: number;
  /** Smallest non-zero change seen between consecutive values (data resolution, 0 = none yet; sigma >= half of it). */
  resolution: number;
  lastValue: number;
  /** Huber-clipped exponentially weighted mean absolute deviation. */
  meanAbsDev: number;
  runSign: number;
  runLength: number;
  runSum: number;
  /** Exponentially decayed histogram of past |z| (BINS numbers), its total weight and the current increment. */
  tailBins: number[];
  tailTotal: number;
  tailIncrement: number;
  /** Tail model refreshed every 32 points: |z| threshold u (q98), share above it, GPD shape and scale. */
  tailU: number;
  tailShareAboveU: number;
  tailXi: number;
  tailBeta: number;
  /** Log of the joint tail probability of the current run of same-sign unusual points (p <= runP). */
  runLogP: number;
  runPSign: number;
  /** Per bucket of the seasonal period: robust mean, mean absolute deviation, visits (empty when off). */
  seasonMean: number[];
  seasonAbsDev: number[];
  seasonVisits: number[];
  /** Open episode: 1 when open, log tail probability of its most extreme point, time of its last unusual point. */
  episodeOpen: number;
  episodePeakLogP: number;
  episodeLastUnusual: number;
  /** Smallest and largest value seen. */
  minSeen: number;
  maxSeen: number;
  firstTime: number;
  /**
   * Earlier occasions (ring of OCCASIONS): signed z of each occasion's most extreme point that passed the
   * threshold (flagged or seen before) and its time; `occasionNext` is the slot written next.
   */
  occasionZ: number[];
  occasionTime: number[];
  occasionNext: number;
  /** Run persistence: decayed count of points that followed an unusual one, and of those that continued its run. */
  persistFollow: number;
  persistContinue: number;
  /** Mean shift: short EWMA, slow baseline and its mean absolute deviation, the history of the statistic. */
  shiftShort: number;
  shiftLong: number;
  shiftAbsDev: number;
  shiftTail: TailModel;
  /**
   * The slow baseline when the last episode opened, and the points left before it is forgotten (0: none).
   * After an episode the baseline has followed the episode's level, so a return to this level is the stream
   * recovering, not a new shift.
   */
  shiftBefore: number;
  shiftBeforeLeft: number;
}

export type MetricRule =
  | 'warmup'
  | 'missing'
  | 'deviation'
  | 'mean_shift'
  | 'episode_continues'
  | 'seen_before'
  | 'level_shift_accepted'
  | 'normal';

/** Everything behind one metric decision. */
export interface MetricPointResult {
  readonly time: number;
  readonly actual: number | null;
  /** Damped-trend forecast made before seeing the point. */
  readonly expected: number | null;
  /** Band at the decision threshold: actual outside [lower, upper] <=> score >= threshold. */
  readonly lower: number | null;
  readonly upper: number | null;
  readonly sigma: number;
  /** (actual - expected) / sigma. */
  readonly z: number;
  /**
   * Probability of a deviation at least |z| under the series' own history (empirical + fitted tail) mixed
   * with the t(4) reference; for a run of consecutive unusual same-sign points, their joint probability.
   */
  readonly tailProbability: number;
  /**
   * Mean-shift statistic: (short EWMA - slow baseline) in standard errors (0 while the channel is off or
   * learning). When it decided the point (rule `mean_shift`), `tailProbability` is 2 x its tail probability
   * under the series' own history of that statistic.
   */
  readonly shiftZ: number;
  readonly anomalyScore: number;
  readonly isAnomaly: boolean;
  readonly rule: MetricRule;
  /** The kind of change when `isAnomaly` (spike, drop, level_shift; null otherwise). */
  readonly kind: AnomalyKind | null;
}

export function initialMetricState(): MetricDetectorState {
  return {
    version: 5,
    n: 0,
    lastTime: 0,
    interval: 0,
    level: 0,
    trend: 0,
    resolution: 0,
    lastValue: 0,
    meanAbsDev: 0,
    runSign: 0,
    runLength: 0,
    runSum: 0,
    tailBins: new Array<number>(BINS).fill(0),
    tailTotal: 0,
    tailIncrement: 1,
    tailU: 0,
    tailShareAboveU: 0,
    tailXi: 0,
    tailBeta: 1,
    runLogP: 0,
    runPSign: 0,
    seasonMean: [],
    seasonAbsDev: [],
    seasonVisits: [],
    episodeOpen: 0,
    episodePeakLogP: 0,
    episodeLastUnusual: 0,
    minSeen: 0,
    maxSeen: 0,
    firstTime: 0,
    occasionZ: new Array<number>(OCCASIONS).fill(0),
    occasionTime: new Array<number>(OCCASIONS).fill(0),
    occasionNext: 0,
    persistFollow: 0,
    persistContinue: 0,
    shiftShort: 0,
    shiftLong: 0,
    shiftAbsDev: 0,
    shiftTail: initialTail(),
    shiftBefore: 0,
    shiftBeforeLeft: 0,
  };
}

function copyState(s: MetricDetectorState): MetricDetectorState {
  return {
    ...s,
    tailBins: [...s.tailBins],
    shiftTail: { ...s.shiftTail, tailBins: [...s.shiftTail.tailBins] },
    seasonMean: [...s.seasonMean],
    seasonAbsDev: [...s.seasonAbsDev],
    seasonVisits: [...s.seasonVisits],
    occasionZ: [...s.occasionZ],
    occasionTime: [...s.occasionTime],
  };
}

/**
 * Score of a tail probability p: 1 - p^(1/16). Monotone in p, so it ranks exactly like 1 - p, but it keeps
 * its resolution over the whole useful range when written with 6 decimals (1 - p reads 1 for any p < 5e-7):
 * p = 0.05 -> 0.17, 1e-3 -> 0.35, 1e-5 -> 0.51, 1e-7 -> 0.63, 1e-10 -> 0.76, 1e-20 -> 0.94.
 */
export const SCORE_POWER = 16;

export function scoreOfLogTailProbability(logP: number): number {
  return clamp(1 - Math.exp(Math.min(0, logP) / SCORE_POWER), 0, 1);
}

/** Inverse of the score map: the tail probability whose score is `score`. */
export function tailProbabilityOfScore(score: number): number {
  return Math.pow(1 - clamp(score, 0, 1), SCORE_POWER);
}

function isCurrentState(state: MetricDetectorState | undefined): state is MetricDetectorState {
  return (
    state !== undefined &&
    state !== null &&
    (state as { version?: unknown }).version === 5 &&
    Array.isArray(state.tailBins) &&
    state.tailBins.length === BINS &&
    Array.isArray(state.occasionZ) &&
    state.occasionZ.length === OCCASIONS &&
    Array.isArray(state.occasionTime) &&
    state.occasionTime.length === OCCASIONS &&
    typeof state.shiftTail === 'object' &&
    state.shiftTail !== null &&
    Array.isArray(state.shiftTail.tailBins) &&
    state.shiftTail.tailBins.length === BINS &&
    typeof state.shiftBeforeLeft === 'number'
  );
}

function binOf(absZ: number): number {
  return absZ < Z0 ? -1 : Math.min(BINS - 1, Math.floor(Math.log(absZ / Z0) / LOG_R));
}

/**
 * Online, causal detector for one metric stream: O(1) time and memory per point (a fixed 40-bin histogram).
 * Forecast: Huber-robust damped-trend exponential smoothing; scale: clipped EW mean absolute deviation; both
 * decay per elapsed typical interval, so irregular gaps count as the time they span. Tail probability p:
 * the share of the series' own past points (exponentially weighted, memory `tailMemory`) with a |z| at
 * least as large, mixed with `tailPrior` pseudo-points of a Student-t(4) reference law, so a series whose
 * history is full of big swings needs a bigger swing to score high; a run of unusual same-sign points has
 * its joint probability, and a break of the whole observed range counts as p = 1e-8. Score: 1 - p^(1/16).
 * A flag opens an episode; inside it only a point more unusual than the episode's peak is news (p / p_peak),
 * so an anomaly is flagged at its onset and not again while the stream adapts. Outliers do not move the
 * level; `shiftAcceptPoints` consecutive same-sign outliers are accepted as a new level.
 */
export class MetricDetector {
  readonly options: MetricDetectorOptions;
  private readonly s: MetricDetectorState;
  private readonly decay: number;
  /** Per-interval EWMA weights of the mean-shift channel at one interval, and its standard-error factor. */
  private readonly shiftShort1: number;
  private readonly shiftLong1: number;
  private readonly shiftSe: number;

  constructor(options: Partial<MetricDetectorOptions> = {}, state?: MetricDetectorState) {
    this.options = { ...DEFAULT_METRIC_OPTIONS, ...options };
    // A state of another version or shape (an older release) is not resumed: the detector starts fresh.
    this.s = isCurrentState(state) ? copyState(state) : initialMetricState();
    const buckets = this.options.seasonPeriodMs > 0 ? this.options.seasonBuckets : 0;
    if (this.s.seasonMean.length !== buckets) {
      this.s.seasonMean = new Array<number>(buckets).fill(0);
      this.s.seasonAbsDev = new Array<number>(buckets).fill(0);
      this.s.seasonVisits = new Array<number>(buckets).fill(0);
    }
    this.decay = 1 - 1 / this.options.tailMemory;
    const o = this.options;
    this.shiftShort1 = 1 - Math.pow(1 - o.shiftShortAlpha, 1);
    this.shiftLong1 = 1 - Math.pow(1 - o.shiftLongAlpha, 1);
    this.shiftSe = Math.sqrt(o.shiftShortAlpha / (2 - o.shiftShortAlpha));
  }

  /** A copy of the state: plain finite numbers, safe to JSON.stringify and to pass back to the constructor. */
  getState(): MetricDetectorState {
    return copyState(this.s);
  }

  /**
   * Tail probability of |z| >= a: the series' own share of past points at least that extreme (histogram)
   * up to its 98 % quantile u, a generalised Pareto tail fitted to its exceedances above u (extreme value
   * theory, as in SPOT), mixed with `tailPrior` pseudo-points of the t(4) reference law.
   */
  private tail(a: number, s: TailModel = this.s): number {
    const w = s.tailTotal / s.tailIncrement;
    let own = 0;
    if (w > 0) {
      if (s.tailU > 0 && a > s.tailU) {
        let surv: number;
        if (w * s.tailShareAboveU >= 10) {
          const y = (a - s.tailU) / s.tailBeta;
          surv = s.tailXi > 1e-6 ? Math.pow(1 + s.tailXi * y, -1 / s.tailXi) : Math.exp(-y);
        } else {
          // Too few exceedances to fit a tail: the reference shape, anchored at u.
          surv = (1 - scoreOfZ(a)) / Math.max(1 - scoreOfZ(s.tailU), 1e-300);
        }
        own = s.tailShareAboveU * surv;
      } else {
        let count = 0;
        const b = binOf(a);
        if (b < 0) count = s.tailTotal;
        else {
          for (let j = b + 1; j < BINS; j++) count += s.tailBins[j]!;
          const lo = Z0 * Math.exp(b * LOG_R);
          count += s.tailBins[b]! * clamp((lo * 1.25 - a) / (lo * 0.25), 0, 1);
        }
        own = count / s.tailTotal;
      }
    }
    const k = this.options.tailPrior;
    return (w * own + k * (1 - scoreOfZ(a))) / (w + k);
  }

  /** Refits the tail model from the histogram (method of moments for the GPD on bin midpoints). */
  private refitTail(s: TailModel = this.s): void {
    if (s.tailTotal <= 0) return;
    let above = 0;
    let j = BINS - 1;
    const target = 0.02 * s.tailTotal;
    while (j > 0 && above + s.tailBins[j]! < target) above += s.tailBins[j--]!;
    // u = lower edge of the bin where the top 2 % begins (interpolated inside it).
    const lo = Z0 * Math.exp(j * LOG_R);
    const inBin = s.tailBins[j]!;
    const need = target - above;
    const u = inBin > 0 ? lo * 1.25 - (need / inBin) * lo * 0.25 : lo;
    let m1 = 0;
    let m2 = 0;
    let wsum = 0;
    for (let i = j; i < BINS; i++) {
      const c = i === j ? need : s.tailBins[i]!;
      if (c <= 0) continue;
      const loI = Z0 * Math.exp(i * LOG_R);
      const mid = i === j ? (u + loI * 1.25) / 2 : loI * 1.118;
      const e = Math.max(mid - u, 0);
      m1 += c * e;
      m2 += c * e * e;
      wsum += c;
    }
    if (wsum <= 0 || m1 <= 0) return;
    m1 /= wsum;
    const variance = Math.max(m2 / wsum - m1 * m1, 1e-12);
    const xi = clamp(0.5 * (1 - (m1 * m1) / variance), 0, 0.5);
    s.tailU = u;
    s.tailShareAboveU = Math.min(1, (above + need) / s.tailTotal);
    s.tailXi = xi;
    s.tailBeta = Math.max(m1 * (1 - xi), 1e-6);
  }

  /** The |z| at which the tail probability reaches the threshold's (for the band). */
  private thresholdZ(): number {
    const target = tailProbabilityOfScore(this.options.threshold);
    let lo = 0;
    let hi = 64;
    if (this.tail(hi) > target) return Infinity;
    // tail() is monotone: a short bisection on a log scale is enough for a display band.
    for (let i = 0; i < 14; i++) {
      const mid = Math.sqrt(Math.max(lo, 0.01) * hi);
      if (this.tail(mid) > target) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  private bucketOf(time: number): number {
    const period = this.options.seasonPeriodMs;
    const phase = (((time % period) + period) % period) / period;
    return Math.min(this.s.seasonMean.length - 1, Math.floor(phase * this.s.seasonMean.length));
  }

  /** The value is ordinary (p >= 0.05) for its bucket or a neighbouring one (a step inside a bucket). */
  private ordinaryForTimeOfDay(bucket: number, x: number, sigma: number, r: number): boolean {
    const b = this.s.seasonMean.length;
    return (
      this.seasonalP(bucket, x, sigma, r) >= 0.05 ||
      this.seasonalP((bucket + b - 1) % b, x, sigma, r) >= 0.05 ||
      this.seasonalP((bucket + 1) % b, x, sigma, r) >= 0.05
    );
  }

  /** Visits a bucket gets per period at the learned sampling interval. */
  private visitsPerPeriod(): number {
    const s = this.s;
    return s.interval > 0 ? Math.max(1, this.options.seasonPeriodMs / s.interval / s.seasonMean.length) : 1;
  }

  /**
   * Tail probability of x for its time of day (t(4) reference on the bucket's robust mean and scale); 0 until
   * the bucket has seen two periods, so the veto never applies to a young or non-periodic history.
   */
  private seasonalP(bucket: number, x: number, sigma: number, r: number): number {
    const s = this.s;
    if (s.seasonVisits[bucket]! < 2 * this.visitsPerPeriod()) return 0;
    const scale = ABS_DEV_TO_SIGMA * s.seasonAbsDev[bucket]!;
    // The time of day must explain the point much better than the short-term forecast does.
    if (scale * SEASON_GUARD > Math.abs(r)) return 0;
    return 1 - scoreOfZ((x - s.seasonMean[bucket]!) / Math.max(scale, sigma));
  }

  /** Robust per-bucket mean and mean absolute deviation (first visits averaged, then `seasonGamma` a period). */
  private learnSeason(bucket: number, x: number): void {
    const s = this.s;
    const n = s.seasonVisits[bucket]!;
    const g = Math.max(1 - Math.pow(1 - this.options.seasonGamma, 1 / this.visitsPerPeriod()), 1 / (n + 1));
    const mean = s.seasonMean[bucket]!;
    const absDev = s.seasonAbsDev[bucket]!;
    const dev = n === 0 ? 0 : x - mean;
    const limit = n < 3 ? Infinity : 3 * ABS_DEV_TO_SIGMA * absDev;
    s.seasonMean[bucket] = n === 0 ? x : mean + g * clamp(dev, -limit, limit);
    if (n > 0) s.seasonAbsDev[bucket] = absDev + g * (Math.min(Math.abs(dev), limit) - absDev);
    s.seasonVisits[bucket] = n + 1;
  }

  /**
   * The series deviated at least |z| / seenBeforeRatio in the same direction on `seenBeforeCount` separate
   * earlier occasions within `seenBeforeMs`: something it does (a nightly batch spike), not news.
   */
  private seenBefore(time: number, z: number): boolean {
    const o = this.options;
    if (o.seenBeforeCount <= 0) return false;
    const s = this.s;
    let count = 0;
    for (let j = 0; j < OCCASIONS; j++) {
      const zj = s.occasionZ[j]!;
      if (zj === 0 || time - s.occasionTime[j]! > o.seenBeforeMs) continue;
      if (Math.sign(zj) === Math.sign(z) && Math.abs(zj) * o.seenBeforeRatio >= Math.abs(z)) count++;
    }
    return count >= o.seenBeforeCount;
  }

  /**
   * Remembers a point that passed the threshold as an occasion: a new one unless the latest occasion has the
   * same sign and is less than `quietIntervals` intervals old (then its peak is raised).
   */
  private rememberOccasion(time: number, z: number): void {
    const s = this.s;
    const last = (s.occasionNext + OCCASIONS - 1) % OCCASIONS;
    const lastZ = s.occasionZ[last]!;
    const near = time - s.occasionTime[last]! <= this.options.quietIntervals * Math.max(s.interval, 1);
    if (lastZ !== 0 && Math.sign(lastZ) === Math.sign(z) && near) {
      if (Math.abs(z) > Math.abs(lastZ)) s.occasionZ[last] = z;
      s.occasionTime[last] = time;
      return;
    }
    s.occasionZ[s.occasionNext] = z;
    s.occasionTime[s.occasionNext] = time;
    s.occasionNext = (s.occasionNext + 1) % OCCASIONS;
  }

  private record(absZ: number, s: TailModel = this.s): void {
    s.tailIncrement /= this.decay;
    if (s.tailIncrement > 1e200) {
      for (let j = 0; j < BINS; j++) s.tailBins[j] = s.tailBins[j]! / s.tailIncrement;
      s.tailTotal /= s.tailIncrement;
      s.tailIncrement = 1;
    }
    const b = binOf(absZ);
    if (b >= 0) s.tailBins[b] = s.tailBins[b]! + s.tailIncrement;
    s.tailTotal += s.tailIncrement;
  }

  /**
   * Scores one point (time in epoch ms). Points must arrive in time order; equal times are accepted.
   * `explain` adds the decision band (costs a short search); scores and decisions do not depend on it.
   */
  update(time: number, value: number | null, explain = true): MetricPointResult {
    const s = this.s;
    const o = this.options;
    if (value === null || !Number.isFinite(value)) {
      return this.out(time, null, s.n > 0 ? s.level : null, 0, 0, 1, 0, false, 'missing', NaN);
    }
    const x = value;
    if (s.n === 0) {
      s.n = 1;
      s.lastTime = time;
      s.level = x;
      s.lastValue = x;
      s.minSeen = x;
      s.maxSeen = x;
      s.firstTime = time;
      return this.out(time, x, null, 0, 0, 1, 0, false, 'warmup', NaN);
    }
    // Elapsed time in typical intervals (the first gaps define the interval).
    const dt = time - s.lastTime;
    if (dt > 0) {
      if (s.interval <= 0) s.interval = dt;
      else if (dt < 10 * s.interval) s.interval += 0.05 * (dt - s.interval);
    }
    const steps = s.interval > 0 && dt > 0 ? clamp(dt / s.interval, 0.1, 1e4) : 1;
    s.lastTime = Math.max(s.lastTime, time);
    const diff = Math.abs(x - s.lastValue);
    if (diff > 0 && (s.resolution === 0 || diff < s.resolution)) s.resolution = diff;
    s.lastValue = x;

    const warm = s.n < o.warmupPoints;
    const a = warm ? Math.max(o.levelAlpha, 1 / (s.n + 1)) : 1 - Math.pow(1 - o.levelAlpha, steps);
    const b = warm ? Math.max(o.scaleAlpha, 1 / (s.n + 1)) : 1 - Math.pow(1 - o.scaleAlpha, steps);
    // Damped-trend forecast for the elapsed time.
    const phi = o.trendDamping;
    const phiSteps = Math.pow(phi, steps);
    const trendSteps = phi < 1 ? (phi * (1 - phiSteps)) / (1 - phi) : steps;
    const forecast = s.level + s.trend * trendSteps;
    const floor = Math.max(
      o.relativeSigmaFloor * Math.abs(forecast) + o.absoluteSigmaFloor,
      s.resolution / 2,
    );
    const sigma = Math.max(ABS_DEV_TO_SIGMA * s.meanAbsDev, floor);
    const r = x - forecast;
    const z = r / sigma;
    const absZ = Math.abs(z);
    const p1 = this.tail(absZ);
    // A run of consecutive unusual points in one direction is jointly less likely than any one of them.
    const sign = Math.sign(z);
    let logP1 = Math.max(Math.log(Math.max(p1, 1e-300)), MIN_LOG_P);
    const range = s.maxSeen - s.minSeen;
    const margin = o.rangeMargin * range;
    const outOfRange =
      !warm &&
      o.rangeMargin > 0 &&
      range > 0 &&
      time - s.firstTime >= o.rangeLearnMs &&
      (x > s.maxSeen + margin || x < s.minSeen - margin);
    // Beyond anything the series has done: as unusual as the decision needs by default (p = 1e-8).
    if (outOfRange) logP1 = Math.min(logP1, RANGE_BREAK_LOG_P);
    s.minSeen = Math.min(s.minSeen, x);
    s.maxSeen = Math.max(s.maxSeen, x);
    const continues = p1 <= o.runP && sign === s.runPSign;
    // Persistence: how often an unusual point of this series is followed by another one in the same direction
    // (outside episodes); a continuation is only as surprising as that rate says (1 when the series' noise is iid).
    let persistLog = 0;
    const followsUnusual = s.runPSign !== 0;
    if (o.persistMemory > 0) {
      const q = (s.persistContinue + o.persistPrior * o.runP) / (s.persistFollow + o.persistPrior);
      persistLog = Math.max(0, Math.log(q / o.runP));
    }
    const runLogP = Math.max(continues ? s.runLogP + Math.min(0, logP1 + persistLog) : logP1, MIN_LOG_P);
    // Mean shift (EWMA chart): a short EWMA of the values (clipped, so one spike barely moves it) against a
    // slow baseline, in standard errors, judged against this series' own history of that statistic.
    let logPShift = 0;
    let dShift = 0;
    let shiftZ = 0;
    if (o.shiftLongAlpha > 0) {
      const aS = warm
        ? Math.max(o.shiftShortAlpha, 1 / (s.n + 1))
        : steps === 1
          ? this.shiftShort1
          : 1 - Math.pow(1 - o.shiftShortAlpha, steps);
      const aL =
        s.n < 1 / o.shiftLongAlpha
          ? Math.max(o.shiftLongAlpha, 1 / (s.n + 1))
          : steps === 1
            ? this.shiftLong1
            : 1 - Math.pow(1 - o.shiftLongAlpha, steps);
      const scaleL = Math.max(ABS_DEV_TO_SIGMA * s.shiftAbsDev, floor);
      const lim = o.huberK * scaleL;
      if (s.n === 1) {
        s.shiftShort = s.level;
        s.shiftLong = s.level;
      }
      s.shiftShort += aS * clamp(x - s.shiftShort, -lim, lim);
      const se = scaleL * this.shiftSe;
      dShift = (s.shiftShort - s.shiftLong) / se;
      const shiftWarm = warm || s.n < 2 / o.shiftLongAlpha;
      if (!shiftWarm) shiftZ = dShift;
      // Below the statistic's own 98th percentile (p >= 0.04) it decides nothing: not computed (speed).
      // A move back toward the baseline from before the last episode, not beyond it (by more than the
      // statistic's usual range), is the stream recovering from that episode: not a new shift.
      const recovering =
        s.shiftBeforeLeft > 0 &&
        Math.sign(s.shiftShort - s.shiftLong) === Math.sign(s.shiftBefore - s.shiftLong) &&
        (Math.sign(s.shiftShort - s.shiftBefore) === Math.sign(s.shiftLong - s.shiftBefore) ||
          Math.abs(s.shiftShort - s.shiftBefore) / se <= s.shiftTail.tailU);
      if (!shiftWarm && !recovering && s.shiftTail.tailU > 0 && Math.abs(dShift) > s.shiftTail.tailU) {
        const pShift = Math.min(1, SHIFT_CHANNELS * this.tail(Math.abs(dShift), s.shiftTail));
        logPShift = Math.max(Math.log(Math.max(pShift, 1e-300)), MIN_LOG_P);
      }
      if (s.shiftBeforeLeft > 0) s.shiftBeforeLeft -= steps;
      const dev = x - s.shiftLong;
      s.shiftLong += aL * clamp(dev, -lim, lim);
      s.shiftAbsDev += aL * (Math.min(Math.abs(dev), lim) - s.shiftAbsDev);
    }
    let logP = Math.min(logP1, runLogP, logPShift);
    // The mean shift decided it (its direction is the shift's, and it is not compared with earlier points' z).
    const shiftDecided = logPShift < Math.min(logP1, runLogP);
    // A run of several unusual points decided it: a sustained change (a level shift), not a spike.
    const sustained = runLogP < logP1 || logPShift < logP1;
    const dirSign = shiftDecided ? Math.sign(dShift) : Math.sign(z);
    const inDirection = o.direction === 'both' || (o.direction === 'up' ? dirSign > 0 : dirSign < 0);
    const bucket = s.seasonMean.length > 0 ? this.bucketOf(time) : -1;
    // An unusual point (p <= runP) that is ordinary for its time of day is not an anomaly (score 0), and
    // its short-term |z| (a recurring step) stays out of the tail history so it does not make real
    // anomalies at other times look ordinary.
    const vetoed =
      bucket >= 0 && !warm && logP <= Math.log(o.runP) && this.ordinaryForTimeOfDay(bucket, x, sigma, r);
    if (vetoed) logP = 0;
    if (!warm) {
      s.runLogP = p1 <= o.runP ? runLogP : 0;
      s.runPSign = p1 <= o.runP ? sign : 0;
    }
    // Inside an open episode only what is more unusual than the episode's most extreme point is news.
    if (s.episodeOpen && time - s.episodeLastUnusual > o.quietIntervals * Math.max(s.interval, 1)) {
      s.episodeOpen = 0;
    }
    const inEpisode = s.episodeOpen === 1;
    // (Point by point: the joint probability of a run keeps falling while a shift lasts, which is no news.)
    let logPNews = inEpisode
      ? vetoed
        ? 0
        : Math.min(0, Math.min(logP1, logPShift) - s.episodePeakLogP)
      : logP;
    const logThreshold = SCORE_POWER * Math.log(1 - o.threshold);
    // Seen before: a deviation the series made on several separate recent occasions is not news (score 0).
    let seen = false;
    if (!warm && !inEpisode && !shiftDecided && logPNews <= logThreshold && z !== 0) {
      // A break of the whole observed range is by definition not something seen before.
      seen = !outOfRange && this.seenBefore(time, z);
      this.rememberOccasion(time, z);
      if (seen) logPNews = 0;
    }
    const p = Math.exp(logPNews);
    const extreme = !warm && logP <= logThreshold; // in either direction, before the episode
    const score = inDirection ? scoreOfLogTailProbability(logPNews) : 0;
    const isAnomaly = !warm && inDirection && logPNews <= logThreshold;
    // Persistence is learnt from the series' ordinary clumps: not from anomalies or open episodes.
    if (o.persistMemory > 0 && !warm && followsUnusual && !inEpisode && !isAnomaly) {
      const d = 1 - 1 / o.persistMemory;
      s.persistFollow = s.persistFollow * d + 1;
      s.persistContinue = s.persistContinue * d + (continues ? 1 : 0);
    }
    if (!warm && (inEpisode || isAnomaly)) {
      if (!inEpisode) {
        s.episodeOpen = 1;
        s.episodePeakLogP = vetoed ? 0 : Math.min(logP1, logPShift);
        if (o.shiftLongAlpha > 0) s.shiftBefore = s.shiftLong;
      } else if (!vetoed) s.episodePeakLogP = Math.min(s.episodePeakLogP, logP1, logPShift);
      if (p1 <= o.runP || isAnomaly) s.episodeLastUnusual = time;
      // the level from before the episode is remembered for as long as the slow baseline's memory after it
      if (o.shiftLongAlpha > 0) s.shiftBeforeLeft = Math.ceil(1 / o.shiftLongAlpha);
    }
    const bandZ = explain ? this.thresholdZ() : NaN;
    let rule: MetricRule = warm
      ? 'warmup'
      : isAnomaly
        ? shiftDecided
          ? 'mean_shift'
          : 'deviation'
        : seen
          ? 'seen_before'
          : inEpisode && extreme && inDirection
            ? 'episode_continues'
            : 'normal';

    // State update.
    const outlier = !warm && absZ >= o.outlierZ;
    if (outlier) {
      // The outlier does not move the level, but time moves on along the trend.
      s.level = forecast;
      s.trend *= phiSteps;
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
        s.trend = 0;
        s.runLength = 0;
        s.runSign = 0;
        s.runSum = 0;
        if (!warm) rule = 'level_shift_accepted';
      }
    } else {
      s.runLength = 0;
      s.runSign = 0;
      s.runSum = 0;
      const k = warm && s.n < 5 ? Infinity : o.huberK * sigma;
      const clipped = clamp(r, -k, k);
      s.level = forecast + a * clipped;
      s.trend = s.trend * phiSteps + (o.trendBeta * a * clipped) / Math.max(1, steps);
      s.meanAbsDev += b * (Math.min(Math.abs(r), k) - s.meanAbsDev);
    }
    if (bucket >= 0) this.learnSeason(bucket, x);
    // Flagged points stay out of the history, so one anomaly does not make the next one look ordinary.
    if (!warm && !extreme && !(vetoed && p1 <= o.runP)) this.record(absZ);
    if (o.shiftLongAlpha > 0) {
      // While an episode is open the baseline follows (the change is reported once); otherwise the statistic
      // enters its own history unless it was extreme.
      if (s.episodeOpen === 1) s.shiftLong = s.shiftShort;
      else if (!warm && !extreme && !vetoed) {
        this.record(Math.abs(dShift), s.shiftTail);
      }
      if (s.n % 32 === 31) this.refitTail(s.shiftTail);
    }
    s.n++;
    if (s.n % 32 === 0) this.refitTail();
    return this.out(time, x, forecast, sigma, z, p, score, isAnomaly, rule, bandZ, sustained, shiftZ);
  }

  private out(
    time: number,
    actual: number | null,
    expected: number | null,
    sigma: number,
    z: number,
    tailProbability: number,
    score: number,
    isAnomaly: boolean,
    rule: MetricRule,
    bandZ: number,
    sustained = false,
    shiftZ = 0,
  ): MetricPointResult {
    const band = bandZ * sigma;
    const kind: AnomalyKind | null = !isAnomaly
      ? null
      : rule === 'level_shift_accepted' || sustained
        ? 'level_shift'
        : actual !== null && expected !== null && actual < expected
          ? 'drop'
          : 'spike';
    return {
      time,
      actual,
      expected,
      lower: Number.isFinite(band) && expected !== null ? expected - band : null,
      upper: Number.isFinite(band) && expected !== null ? expected + band : null,
      sigma,
      z,
      tailProbability,
      shiftZ,
      anomalyScore: score,
      isAnomaly,
      rule,
      kind,
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
