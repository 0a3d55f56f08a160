import { clamp, madOf, MAD_TO_SIGMA, medianOf, quantileSelect, scoreOfZ, zOfScore } from './stats';
import { civil, dayNumberToIso, dayOfMonth, toDayNumber, weekdayOf } from './time';
import type {
  AnomalyKind,
  CostDayResult,
  CostDetectorOptions,
  CostPoint,
  CostRule,
  Direction,
} from './types';

export const DEFAULT_COST_OPTIONS: CostDetectorOptions = {
  direction: 'up',
  threshold: 0.995,
  minImpactAbs: 1,
  minImpactPct: 0.1,
  newSeriesFloor: 1,
  detectDrops: true,
  dropFraction: 0.5,
  dropConfirmDays: 2,
  runMaxDays: 4,
  rampThreshold: 0.25,
  detectDrift: false,
  driftAllowance: 0.5,
  driftLimit: 6,
  shiftAcceptDays: 5,
  levelWindowDays: 14,
  seasonWeeks: 8,
  residualWindowDays: 56,
  minHistoryDays: 7,
  minRelativeSigma: 0.03,
  noiseFloorAbs: 0.25,
  monthStart: true,
  cleanZ: 3,
  holidays: ['12-24', '12-25', '12-26', '12-27', '12-28', '12-29', '12-30', '12-31', '01-01'],
};

/** Longest run of missing days inserted for a gap between two points. */
const MAX_GAP_SLOTS = 370;
/** Costs at or below this are "zero" (no usage that day). */
const ZERO = 0.005;
/**
 * A day at or below this share of the window's upper quartile is "off" for the intermittent mode: a sporadic
 * resource that is off usually leaves a residual charge (storage, an address), not exactly zero.
 */
const OFF_SHARE = 0.05;
/** A day-to-day ratio this large (either way) marks the series as possibly on/off (the intermittent check runs). */
const ONOFF_JUMP = 10;
/** The reference |z| quantile (90 %) of a standard normal, used by the per-series tail calibration. */
const Z90 = 1.6449;
/** A day joins a run of same-sign deviations (sustained-change evidence) from this calibrated |z| on. */
const RUN_MIN_Z = 1;
const RUN_MIN_Z_BEFORE = 0.5;
const FALL_DAYS = 5;
const FALL_Z = 4;
/** Cap of one day's calibrated z in a run's sum. */
const RUN_CLIP_Z = 4;
/** Run calibration used until the series has enough history to measure its own (autocorrelation). */
const RUN_CAL_YOUNG = 1.25;
/**
 * A ramp episode (its own rule) ends after this many flagged days; the rule then rests until its reference era
 * starts after the episode (the climb is measured from the new level, not re-reported from the old one).
 */
const RAMP_MAX_DAYS = 7;
/** A ramp is decided by this many judged days above its reference (the $ floor applies to them jointly). */
const RAMP_DAYS = 3;
/**
 * A single-day rise to a level the series reached on this many separate occasions in the last
 * SEEN_BEFORE_WINDOW days is something it usually does (lumpy usage: 1, 2 or 3 instances; an irregular batch
 * job), not an anomaly.
 */
const SEEN_BEFORE_DAYS = 3;
/**
 * 8 weeks (was 4): a batch job without a schedule that runs about once in 10 days reaches 3 occasions in 4 weeks
 * only half the time, in 8 weeks nearly always.
 */
const SEEN_BEFORE_WINDOW = 56;
/**
 * An excess this large (calibrated z, or this share of the expected cost) is remembered as a charge that may
 * recur on the same day of a month (a young series' sigma is wide: its first charge may not reach the z).
 */
const RECUR_Z = 2.5;
const RECUR_PCT = 0.2;
/**
 * A recurring mid-month charge is expected at its earlier amount +- this share (fees, tax and batch charges
 * vary by month); the rest of the day is judged on the usage's own noise scale (not a widened band).
 */
const RECUR_SPREAD = 0.5;
/**
 * Rows without cost (zero or blank) that make a series' first charge a new series: one or two leading zero rows
 * are a gap, or the off days of on/off usage whose first charge is no appearance after an absence.
 */
const NEW_SERIES_ABSENT_ROWS = 3;
/** A weekday whose factor is at most this is a usually quiet day (weekend); above it a busy day. */
const QUIET_FACTOR = 0.8;
/**
 * Busy days in a row (quiet days between them not counted) that may sit at the quiet-day level without a fall
 * being judged (rule `idle_weekday`): a public holiday the calendar does not list, with its bridge day.
 */
const IDLE_MAX_DAYS = 2;
/**
 * t_nu quantile / normal quantile at the normal quantile z (Cornish-Fisher expansion of the Student-t
 * quantile in 1/nu; accurate to ~1 % from nu = 3).
 */
export function studentQuantileOverNormal(z: number, nu: number): number {
  const z3 = z * z * z;
  const z5 = z3 * z * z;
  const z7 = z5 * z * z;
  const t =
    z +
    (z3 + z) / (4 * nu) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * nu * nu) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * nu * nu * nu);
  return t / z;
}
/** Standard error of a ramp's excess, in daily sigmas: 3 recent days against a reference era of 14 days. */
const RAMP_SE = Math.sqrt(1 / RAMP_DAYS + 1 / 14);
const PAD2 = Array.from({ length: 32 }, (_v, i) => String(i).padStart(2, '0'));
const NO_RUN: { readonly z: number; readonly days: number; readonly impactBefore: number } = {
  z: 0,
  days: 0,
  impactBefore: 0,
};

// Scratch buffers shared by all detectors (single-threaded; never held across calls).
const scratch = new Float64Array(512);
const scratch2 = new Float64Array(64);
const zRun = new Float64Array(64);

/**
 * The k-th smallest (0-based) of |v[i] - med| over the sorted v[0..r), with h = r >> 1: the distances of
 * v[h-1], v[h-2], ... (left) and of v[h], v[h+1], ... (right) are each nondecreasing, so the k+1 smallest take
 * some i from the left and k+1-i from the right; the smallest i with left[i] >= right[k-i] is that split.
 */
function kthDistance(v: readonly number[], med: number, h: number, r: number, k: number): number {
  let lo = Math.max(0, k + 1 - (r - h));
  let hi = Math.min(k + 1, h);
  while (lo < hi) {
    const i = (lo + hi) >> 1;
    if (med - v[h - 1 - i]! < v[h + k - i]! - med) lo = i + 1;
    else hi = i;
  }
  const left = lo > 0 ? med - v[h - lo]! : -Infinity;
  const right = k + 1 - lo > 0 ? v[h + k - lo]! - med : -Infinity;
  return Math.max(left, right);
}

const top = new Float64Array(64);

/**
 * Linear-interpolated quantile q of buf[0..n), exactly as `quantileSelect`, for an upper quantile: one pass
 * keeping the n - floor((n - 1) q) largest values in a small sorted buffer (most values are rejected by one
 * comparison), instead of a selection that reorders the whole buffer. Falls back to `quantileSelect` when
 * that many values do not fit the buffer.
 */
export function upperQuantile(buf: Float64Array, n: number, q: number): number {
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const k = n - lo; // values at sorted index >= lo
  if (k > top.length || n <= 0) return quantileSelect(buf, n, q);
  let m = 0; // top[0..m) ascending
  for (let i = 0; i < n; i++) {
    const v = buf[i]!;
    if (m === k) {
      if (v <= top[0]!) continue;
      // Drop the smallest, insert v.
      let j = 1;
      while (j < k && top[j]! < v) {
        top[j - 1] = top[j]!;
        j++;
      }
      top[j - 1] = v;
    } else {
      let j = m++;
      while (j > 0 && top[j - 1]! > v) {
        top[j] = top[j - 1]!;
        j--;
      }
      top[j] = v;
    }
  }
  const a = top[0]!;
  if (lo + 1 >= n || pos === lo) return a;
  return a + (top[1]! - a) * (pos - lo);
}

function directionalScore(direction: Direction, z: number): number {
  if (direction === 'up') return z > 0 ? scoreOfZ(z) : 0;
  if (direction === 'down') return z < 0 ? scoreOfZ(z) : 0;
  return scoreOfZ(z);
}

/**
 * Causal daily cost detector for one series. Push days in order; each result depends only on the days
 * pushed so far, so appending days never changes earlier results.
 *
 * Model (all estimates robust, recomputed from the days before the current one):
 *  expected = (median of the last `levelWindowDays` deseasonalised clean days + damped trend)
 *             x weekday factor (+ month-start excess on day 1)
 *  sigma    = max(1.4826 x MAD of recent relative residuals, minRelativeSigma + 0.5/n) x (expected + noiseFloorAbs)
 *  z        = (actual - expected) / (sigma x calibration);  score = 1 - P(|Z| >= |z|)
 * Outlier days (|z| >= cleanZ) are replaced by their expected value in the level, so one anomaly does
 * not poison later days; `shiftAcceptDays` same-sign outliers within `shiftAcceptDays + 2` days are
 * accepted as a new level, and a return to the level before a recent shift is recognised as normal.
 */
export class CostSeriesDetector {
  readonly options: CostDetectorOptions;
  private readonly thresholdZ: number;
  private readonly observedSinceDay: number;
  private readonly holidaySet: ReadonlySet<string>;
  // Per-slot history (a slot is one day; gaps are filled with NaN).
  private readonly day: number[] = [];
  private readonly dow: number[] = []; // weekday of the slot, 0 = Monday
  private readonly firstOfMonth: boolean[] = [];
  // Sorted window of the last `residualWindowDays` relative residuals (values and their slots).
  private readonly resSorted: number[] = [];
  private readonly resSlots: number[] = [];
  private evictedBefore = 0; // slots before this have left the residual window
  private readonly raw: number[] = [];
  private readonly clean: number[] = []; // value used by the level (NaN: missing / excluded)
  private readonly nres: number[] = []; // relative residual (actual - expected) / (expected + floor)
  private readonly zHist: number[] = []; // uncalibrated z = residual / sigma
  private readonly zCal: number[] = []; // calibrated z of judged days (NaN: missing, warm-up, month start)
  private readonly dropCand: boolean[] = []; // the day fell by dropFraction or more (a drop if it lasts)
  private readonly idleLike: boolean[] = []; // a busy weekday at the quiet-day level (rule idle_weekday while few)
  private readonly flagged: boolean[] = []; // the day was reported (kept out of the tail and run calibrations)
  private readonly impactHist: number[] = []; // actual - expected of judged days (a run's joint impact)
  /** Calibration of the summed z of k consecutive days (index k), for the series' own autocorrelation. */
  private readonly runCal: number[] = [];
  private runCalFor = -2; // factorsAt when runCal was measured (measured lazily, when a run is first judged)
  // Medians of the 7-day blocks of the last seasonality pass, by the block's end slot (raw days never change).
  private readonly blockEnds: number[] = [];
  private readonly blockMeds: number[] = [];
  private flaggedRun = 0; // consecutive flagged days of the current sign
  private flaggedSign = 0;
  private rampDays = 0; // days flagged by the ramp rule in the current ramp episode
  private rampEndedAt = -1;
  private shiftAlertOpen = false; // an alert holding a rise reported as a level shift (not by the ramp rule) is open
  /**
   * The era a ramp is measured from, re-learned weekly with the weekday factors: the median deseasonalised
   * clean level of 14 days that ended 25-31 days ago, and its growth since the 14 days four weeks earlier.
   */
  private rampEra = { from: -1, ref: NaN, olderFrom: -1, growth: 0 };
  private readonly outlierSign: number[] = []; // -1 / 0 / +1, NaN when not judged
  private readonly excessHist: number[] = []; // excess over the base expected of a positive outlier or recurring charge
  private readonly monthStartExcess: number[] = [];
  private observedDays = 0;
  private ssFor = -1;
  private ssFactor = 1;
  private sourceDays = 0; // days the source saw before the series' first row (observedSince)
  private absentRows = 0;
  private maxAbsSeen = 0;
  private seriesStart = 0;
  private levelStart = 0;
  private cusumUp = 0;
  private cusumDown = 0;
  private factorsAt = -1;
  private readonly weekdayFactors = [1, 1, 1, 1, 1, 1, 1];
  private calibration = 1;
  private slope = NaN;
  private lastZeroAt = -Infinity; // last zero day, or last day-to-day jump of ONOFF_JUMP x (on/off usage)
  private lastDomDay = NaN;
  private lastDom = 0;
  private isoDate = '';
  private isoMonth = ''; // 'YYYY-MM-' of isoDate
  /** The level before the last accepted shift, to recognise a return to it. */
  private previous: {
    levelStart: number;
    shiftStart: number;
    level: number;
    sigmaRel: number;
    until: number;
  } | null = null;

  constructor(options: Partial<CostDetectorOptions> = {}) {
    this.options = { ...DEFAULT_COST_OPTIONS, ...options };
    this.thresholdZ = zOfScore(this.options.threshold);
    this.holidaySet = new Set(this.options.holidays);
    this.observedSinceDay =
      this.options.observedSince === undefined ? NaN : toDayNumber(this.options.observedSince);
  }

  /** Scores the next day. Throws on an invalid date. */
  push(point: CostPoint): CostDayResult {
    const d = toDayNumber(point.date);
    if (!Number.isFinite(d)) throw new Error(`invalid date: ${String(point.date)}`);
    const raw = point.value;
    const x = raw === null || !Number.isFinite(raw) ? NaN : raw;
    const n = this.day.length;
    if (n > 0) {
      const last = this.day[n - 1]!;
      const gap = Math.min(d - last - 1, MAX_GAP_SLOTS);
      for (let g = 1; g <= gap; g++) this.appendSlot(last + g, NaN, NaN, NaN, NaN, NaN);
    } else if (Number.isFinite(this.observedSinceDay) && d > this.observedSinceDay) {
      // The data source had days before this series appeared: those days count as observed zeros.
      this.observedDays = Math.min(d - this.observedSinceDay, 1000);
      this.sourceDays = this.observedDays;
    }
    return this.score(d, x);
  }

  private appendSlot(d: number, raw: number, clean: number, nres: number, z: number, sign: number): void {
    if (!Number.isNaN(nres)) this.insertResidual(this.day.length, nres);
    this.day.push(d);
    this.dow.push(weekdayOf(d));
    this.firstOfMonth.push(d === this.lastDomDay ? this.lastDom === 1 : dayOfMonth(d) === 1);
    this.raw.push(raw);
    this.clean.push(clean);
    this.nres.push(nres);
    this.zHist.push(z);
    this.zCal.push(NaN);
    this.dropCand.push(false);
    this.idleLike.push(false);
    this.flagged.push(false);
    this.impactHist.push(NaN);
    this.outlierSign.push(sign);
    this.excessHist.push(NaN);
    const t = this.day.length - 1;
    if (raw <= ZERO) this.lastZeroAt = t;
    else if (t > 0) {
      const before = this.raw[t - 1]!;
      if (before > ZERO && (raw >= ONOFF_JUMP * before || before >= ONOFF_JUMP * raw)) this.lastZeroAt = t;
    }
  }

  /** Median of the last `levelWindowDays` deseasonalised clean values since the level start (NaN if too few). */
  private levelAt(t: number): { level: number; count: number } {
    const o = this.options;
    const stop = Math.max(this.levelStart, t - 4 * o.levelWindowDays);
    let m = 0;
    for (let i = t - 1; i >= stop && m < o.levelWindowDays; i--) {
      const c = this.clean[i]!;
      if (!Number.isNaN(c)) scratch[m++] = c / this.weekdayFactors[this.dow[i]!]!;
    }
    return { level: m > 0 ? medianOf(scratch, m) : NaN, count: m };
  }

  /**
   * Intermittent mode: at least 15 % "off" days among the last 28 raw days (zero, or at most OFF_SHARE of the
   * window's upper quartile: a resource that is off often leaves a residual charge) and at least 2 "on" days,
   * not counting weekdays that were off in every week of the window (a weekday-only service is regular):
   * level = median "on" amount, sigma from their relative MAD (>= 10 % + 0.5/n). `offBelow`: the cost at or
   * below which a day is off (normal in this mode).
   */
  private intermittentAt(t: number): { level: number; sigmaRel: number; offBelow: number } | null {
    if (this.lastZeroAt < t - 28) return null; // no zero day or on/off jump in the window: regular (the common case)
    const from = Math.max(this.seriesStart, t - 28);
    let n = 0;
    for (let i = from; i < t; i++) {
      const c = this.raw[i]!;
      if (!Number.isNaN(c) && !this.firstOfMonth[i]!) scratch[n++] = c;
    }
    if (n < 3) return null;
    const offBelow = Math.max(ZERO, OFF_SHARE * quantileSelect(scratch, n, 0.75));
    const onByDow = [0, 0, 0, 0, 0, 0, 0];
    const seenByDow = [0, 0, 0, 0, 0, 0, 0];
    for (let i = from; i < t; i++) {
      const c = this.raw[i]!;
      if (Number.isNaN(c) || this.firstOfMonth[i]!) continue;
      seenByDow[this.dow[i]!]!++;
      if (c > offBelow) onByDow[this.dow[i]!]!++;
    }
    let off = 0;
    let m = 0;
    for (let i = from; i < t; i++) {
      const c = this.raw[i]!;
      if (Number.isNaN(c) || this.firstOfMonth[i]!) continue;
      const dow = this.dow[i]!;
      if (c > offBelow) scratch[m++] = c;
      else if (!(seenByDow[dow]! >= 2 && onByDow[dow] === 0)) off++;
    }
    if (m < 2 || off < 0.15 * (off + m)) return null;
    for (let i = 0; i < m; i++) scratch2[i] = scratch[i]!;
    const level = medianOf(scratch2, m);
    for (let i = 0; i < m; i++) scratch2[i] = scratch[i]!;
    const mad = madOf(scratch2, m, level);
    return { level, sigmaRel: Math.max((MAD_TO_SIGMA * mad) / level, 0.1 + 0.5 / m), offBelow };
  }

  /**
   * The excess on the same day of the month in up to 3 previous months closest to today's (0 if none),
   * counting days that were positive outliers or already explained by a recurring charge.
   */
  private recurringExcess(t: number, d: number, observedExcess: number): number {
    const { year, month, dayOfMonth: dom } = civil(d);
    let y = year;
    let m = month;
    let n = 0;
    for (let k = 0; k < 3; k++) {
      m--;
      if (m === 0) {
        m = 12;
        y--;
      }
      const dp = Math.floor(Date.UTC(y, m - 1, dom) / 86_400_000);
      if (civil(dp).dayOfMonth !== dom) continue; // no such day in that month
      const slot = t - (d - dp);
      if (slot < this.seriesStart) break;
      if (this.day[slot] !== dp) continue;
      const excess = this.excessHist[slot]!;
      if (excess > 0) scratch2[n++] = excess;
    }
    // The earlier excess closest to today's (as for month starts).
    let best = 0;
    for (let i = 0; i < n; i++) {
      if (Math.abs(observedExcess - scratch2[i]!) < Math.abs(observedExcess - best)) best = scratch2[i]!;
    }
    return best;
  }

  private insertResidual(slot: number, v: number): void {
    const vals = this.resSorted;
    let i = vals.length;
    vals.push(v);
    this.resSlots.push(slot);
    while (i > 0 && vals[i - 1]! > v) {
      vals[i] = vals[i - 1]!;
      this.resSlots[i] = this.resSlots[i - 1]!;
      i--;
    }
    vals[i] = v;
    this.resSlots[i] = slot;
  }

  /** Drops residuals of slots before `from` from the sorted window. */
  private evictResiduals(from: number): void {
    // Slots leave the window in order (from never decreases): find each one's value by binary search.
    const vals = this.resSorted;
    for (let slot = this.evictedBefore; slot < from; slot++) {
      const v = this.nres[slot];
      if (v === undefined || Number.isNaN(v)) continue;
      let lo = 0;
      let hi = vals.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (vals[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      while (lo < vals.length && this.resSlots[lo] !== slot) lo++;
      if (lo < vals.length) {
        vals.splice(lo, 1);
        this.resSlots.splice(lo, 1);
      }
    }
    if (from > this.evictedBefore) this.evictedBefore = from;
  }

  /**
   * Robust relative residual sigma over the residual window, floored. The window is kept sorted, so the
   * median is direct and the MAD is the k-th smallest distance, merged outward from the median in O(n).
   */
  private sigmaRelAt(t: number, count: number): number {
    const o = this.options;
    this.evictResiduals(Math.max(this.seriesStart, t - o.residualWindowDays));
    const v = this.resSorted;
    const r = v.length;
    let sigmaRel = 0;
    if (r >= 5) {
      const h = r >> 1;
      const med = r % 2 === 1 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
      // MAD = median of |v - med|: the distances left of the middle and right of it are two sorted lists; their
      // merged k-th smallest is found by binary search (O(log n)).
      const mad =
        r % 2 === 1
          ? kthDistance(v, med, h, r, h)
          : (kthDistance(v, med, h, r, h - 1) + kthDistance(v, med, h, r, h)) / 2;
      sigmaRel = MAD_TO_SIGMA * mad;
    }
    const floored = Math.max(sigmaRel, o.minRelativeSigma + 0.5 / Math.max(count, 1), r < 5 ? 0.2 : 0);
    return floored * this.smallSampleFactor(r);
  }

  /**
   * A scale measured from few residuals is itself uncertain: the band at the decision threshold is the
   * Student-t predictive quantile with the residuals' (effective) degrees of freedom, not the normal one.
   */
  private smallSampleFactor(r: number): number {
    if (r === this.ssFor) return this.ssFactor;
    this.ssFor = r;
    this.ssFactor = Math.max(1, studentQuantileOverNormal(this.thresholdZ, Math.max(1, r - 1)));
    return this.ssFactor;
  }

  private score(d: number, x: number): CostDayResult {
    const o = this.options;
    const t = this.day.length; // index of the slot being scored
    // The date text and day of month, incrementally for the next day of the same month (the common case).
    if (d === this.lastDomDay + 1 && this.lastDom < 28) {
      this.lastDom++;
      this.isoDate = this.isoMonth + PAD2[this.lastDom]!;
    } else {
      this.isoDate = dayNumberToIso(d);
      this.isoMonth = this.isoDate.slice(0, 8);
      this.lastDom = dayOfMonth(d);
    }
    this.lastDomDay = d;
    const date = this.isoDate;
    const isMonthStart = o.monthStart && this.lastDom === 1;
    if (Number.isNaN(x)) {
      this.appendSlot(d, NaN, NaN, NaN, NaN, NaN);
      // Rows without a value before the first value: from 3 on, the series was not there (new-series rule).
      if (this.maxAbsSeen === 0) this.absentRows++;
      return this.result(this.bareResult(date, x), null, null, null, null, 0, 0, 'missing', false, 0);
    }

    // New series: absent or zero on every observed day, now above the floor.
    // A source that saw days before this series (observedSince) proves the absence; within the series, 3 rows
    // without cost do (zero or blank): one or two are a gap, or the off days of on/off usage, not an absence.
    const seenBefore = this.sourceDays > 0 || this.observedDays + this.absentRows >= NEW_SERIES_ABSENT_ROWS;
    const firstCharge = this.maxAbsSeen <= o.newSeriesFloor * 0.01 && x >= o.newSeriesFloor;
    if (firstCharge && !seenBefore && t > 0) {
      // The leading rows without cost were a gap: the series starts with its first charge (no level of zeros).
      this.levelStart = t;
      this.seriesStart = t;
      this.factorsAt = -1;
    }
    if (seenBefore && firstCharge) {
      this.levelStart = t;
      this.seriesStart = t;
      this.factorsAt = -1;
      this.monthStartExcess.length = 0;
      this.observe(d, x, x, NaN, NaN, 0);
      return this.result(
        this.bareResult(date, x),
        0,
        0,
        0,
        0,
        Infinity,
        1,
        'new_series',
        true,
        x,
        'new_series',
      );
    }

    // Weekday factors: re-learned weekly from blocks of 7 days.
    if (this.factorsAt < 0 || t - this.factorsAt >= 7) this.learnSeasonality(t);
    const wf = this.weekdayFactors[weekdayOf(d)]!;

    const { count, level: level0 } = this.levelAt(t);
    let level = level0;
    if (count < o.minHistoryDays) {
      this.observe(d, isMonthStart ? NaN : x, x, NaN, NaN, NaN);
      const e = count > 0 ? level * wf : null;
      // A clear excess in the warm-up may be a charge that recurs on this day of later months.
      if (e !== null && !isMonthStart && x - e >= RECUR_PCT * e) this.excessHist[t] = x - e;
      return this.result(
        this.bareResult(date, x),
        e,
        null,
        null,
        count > 0 ? level : null,
        0,
        0,
        'warmup',
        false,
        e === null ? 0 : x - e,
      );
    }
    let sigmaRel = this.sigmaRelAt(t, count);
    let rule: CostRule = 'normal';

    // Sporadic usage (often zero on days the weekly pattern says are active): judge the amount against the
    // usual non-zero amounts; a zero day is normal.
    const intermittent = this.intermittentAt(t);
    if (intermittent !== null) {
      level = intermittent.level;
      sigmaRel = Math.max(sigmaRel, intermittent.sigmaRel);
    }
    const wfUsed = intermittent !== null ? 1 : wf;

    // Back to the level before a recent shift (e.g. a service that was off for a week): normal again.
    const prev = intermittent === null ? this.previous : null;
    if (prev !== null) {
      if (t > prev.until) this.previous = null;
      else if (!isMonthStart) {
        const y = x / wf;
        const nearPrev =
          Math.abs(y - prev.level) <= o.cleanZ * prev.sigmaRel * (prev.level + o.noiseFloorAbs);
        const farNow = Math.abs(y - level) > o.cleanZ * sigmaRel * (level + o.noiseFloorAbs);
        if (nearPrev && farNow) {
          for (let i = prev.shiftStart; i < t; i++) this.clean[i] = NaN;
          this.levelStart = prev.levelStart;
          this.previous = null;
          rule = 'return_to_previous_level';
          const again = this.levelAt(t);
          if (again.count > 0) level = again.level;
          sigmaRel = Math.max(sigmaRel, prev.sigmaRel);
        }
      }
    }

    const trend = intermittent !== null ? 0 : this.trend(t, level);
    let expected = Math.max(0, level + trend) * wfUsed;
    const baseExpected = expected;

    // Month start: the series' own day-1 excess, or a hold until a day 1 has been seen. Other days: a
    // charge that recurred on this day of the previous month(s). The excess is only assumed when the day
    // is closer to "with the charge" than to "without it" (a charge that did not come is not a drop).
    const sigmaRelDay = sigmaRel; // before a month start or a recurring charge widens the band
    let msExcess = 0;
    let recurringSpread = 0;
    let hold = false;
    if (isMonthStart) {
      const k = this.monthStartExcess.length;
      if (k === 0) hold = true;
      else {
        // The previous month start (or none) that best explains today: a day 1 like one of the series' own
        // earlier month starts is normal; one far above all of them is not.
        for (let i = 0; i < k; i++) {
          const c = Math.max(0, this.monthStartExcess[i]!);
          if (Math.abs(x - expected - c) < Math.abs(x - expected - msExcess)) msExcess = c;
        }
      }
      expected += msExcess;
      sigmaRel *= hold ? 4 : k === 1 ? 3 : 2;
    } else if (o.monthStart && x - expected > o.cleanZ * sigmaRel * (expected + o.noiseFloorAbs)) {
      const recurring = this.recurringExcess(t, d, x - expected);
      if (recurring > 0 && x >= expected + recurring / 2) {
        msExcess = recurring;
        expected += recurring;
        recurringSpread = RECUR_SPREAD * recurring;
      }
    }

    const norm = expected + o.noiseFloorAbs;
    const sigma = sigmaRel * (recurringSpread > 0 ? norm - msExcess : norm);
    // A recurring charge's amount varies from month to month (dead band of RECUR_SPREAD of it); beyond that
    // the day is judged on the usage's own scale, so a spike on a recurring-charge day is not hidden.
    const dev = x - expected;
    const z = (Math.sign(dev) * Math.max(0, Math.abs(dev) - recurringSpread)) / (sigma * this.calibration);
    let score = directionalScore(o.direction, z);
    const impact = x - expected;
    const impactPct = expected > 0 ? impact / expected : null;
    const floorsPass =
      Math.abs(impact) >= o.minImpactAbs && (impactPct === null || Math.abs(impactPct) >= o.minImpactPct);

    let isAnomaly = false;
    let kind: AnomalyKind | null = null;
    // Before two full weeks the weekly pattern is unknown: a weekend dip would look like a drop.
    const weeklyUnknown = t - this.seriesStart < 14 && z < 0;
    // A holiday: workloads idle, so a fall is not judged; a rise still is. Either way the day stays out of the
    // level and the residual scale (an unrepresentative day, whichever way it went).
    const holiday =
      !isMonthStart &&
      this.holidaySet.size > 0 &&
      (this.holidaySet.has(date.slice(5)) || this.holidaySet.has(date));
    // A busy weekday at the series' quiet-day (weekend) level is what a holiday looks like: a regional holiday the
    // calendar does not list, a bridge day, a shutdown. Its fall is not judged for up to IDLE_MAX_DAYS busy days
    // in a row; from the next one on a fall that lasts is judged as usual (it may be a stopped workload).
    const idleState =
      !holiday && !isMonthStart && !weeklyUnknown && intermittent === null && z < 0
        ? this.idleWeekday(t, x, baseExpected, wf, sigmaRelDay)
        : 0;
    this.idleLike[t] = idleState > 0;
    const idleDay = idleState === 1;
    const holidayFall = (holiday && x < expected) || idleDay;
    if (hold) rule = 'month_start_hold';
    else if (weeklyUnknown) rule = 'warmup';
    else if (holidayFall) {
      rule = idleDay ? 'idle_weekday' : 'holiday';
      score = 0;
    } else if (intermittent !== null && x <= intermittent.offBelow && z < 0) score = 0;
    else if (score >= o.threshold && rule === 'normal') {
      // Seen before: the same height (deseasonalised), or on a quiet day the same excess in currency (an
      // additive charge such as a batch job costs the same on a weekend as on a busy day).
      if (
        z > 0 &&
        (this.seenBefore(t, x / wfUsed, intermittent !== null) >= SEEN_BEFORE_DAYS ||
          (wfUsed <= QUIET_FACTOR && this.seenBeforeExcess(t, impact) >= SEEN_BEFORE_DAYS))
      )
        rule = 'seen_before';
      else {
        isAnomaly = floorsPass;
        rule = floorsPass ? 'deviation' : 'below_impact_floor';
      }
    }
    const judged =
      !hold &&
      !isMonthStart &&
      !weeklyUnknown &&
      !holidayFall &&
      rule !== 'return_to_previous_level' &&
      !(intermittent !== null && x <= intermittent.offBelow);

    // Sustained change: the last days deviating the same way prove jointly what no single day does.
    let run: { readonly z: number; readonly days: number; readonly impactBefore: number } = NO_RUN;
    if (judged && !isAnomaly && (rule === 'normal' || rule === 'below_impact_floor') && o.runMaxDays > 1) {
      run = this.runZ(t, z);
      // With drops on, a fall that lasts (2+ days) is reported in any direction, like a drop of any size.
      const runScore =
        o.detectDrops && run.z < 0 && run.days >= o.dropConfirmDays
          ? scoreOfZ(run.z)
          : directionalScore(o.direction, run.z);
      // The $ floor applies to the run's joint impact (the days that prove the change together).
      const runFloorsPass =
        Math.abs(impact + run.impactBefore) >= o.minImpactAbs &&
        (impactPct === null || Math.abs(impactPct) >= o.minImpactPct);
      if (runScore >= o.threshold && runFloorsPass) {
        isAnomaly = true;
        rule = 'sustained';
        score = Math.max(score, runScore);
      }
    }

    // Sustained fall: FALL_DAYS judged days in a row below the expected cost, jointly significant.
    if (judged && !isAnomaly && o.detectDrops && z < 0 && intermittent === null && expected > ZERO) {
      const fall = this.fallAt(t, z);
      const fallFloorsPass =
        Math.abs(impact + fall.impactBefore) >= o.minImpactAbs &&
        (impactPct === null || impactPct <= -o.minImpactPct);
      if (fall.z <= -FALL_Z && fallFloorsPass) {
        isAnomaly = true;
        rule = 'sustained';
        score = Math.max(score, scoreOfZ(fall.z));
        run = { z: fall.z, days: FALL_DAYS, impactBefore: fall.impactBefore };
      }
    }

    // Drop: fell by dropFraction or more, and stayed down for dropConfirmDays judged days.
    // (A month start is judged against the expected cost without its fees, so it does not break a drop.)
    const dropBase = isMonthStart ? baseExpected : expected;
    const dropFell =
      o.detectDrops &&
      intermittent === null &&
      dropBase > 0 &&
      x <= (1 - o.dropFraction) * dropBase &&
      // the $ floor over the days that confirm it
      (dropBase - x) * o.dropConfirmDays >= o.minImpactAbs &&
      (x - dropBase) / (sigma * this.calibration) <= -2;
    const dropNow = dropFell && (judged || (isMonthStart && !hold && !weeklyUnknown));
    if (dropNow && this.dropRunBefore(t) + 1 >= o.dropConfirmDays) {
      if (!isAnomaly) rule = 'drop';
      isAnomaly = true;
      kind = 'drop';
      score = Math.max(score, scoreOfZ(z));
    }

    // Ramp: the recent level has climbed rampThreshold above the level of 4-6 weeks ago (extrapolated).
    // (A month start inside a ramp episode is judged without its fees, so it does not break the episode.)
    let rampExpected = NaN;
    const rampJudged = judged || (isMonthStart && !hold && this.rampDays > 0);
    if (rampJudged && o.rampThreshold > 0 && intermittent === null && !dropNow) {
      const ramp = this.rampAt(t, (x - msExcess) / wf, sigmaRelDay);
      if (ramp !== null) {
        const refExpected = ramp.reference * wf + msExcess;
        if ((x - refExpected) * RAMP_DAYS >= o.minImpactAbs) {
          rampExpected = refExpected;
          if (!isAnomaly) rule = 'ramp';
          isAnomaly = true;
          kind = ramp.gradual ? 'ramp' : 'level_shift';
          this.rampDays++;
          if (this.rampDays >= RAMP_MAX_DAYS) {
            this.rampDays = 0;
            this.rampEndedAt = t;
          }
        }
      }
    }
    if (Number.isNaN(rampExpected)) this.rampDays = 0;

    // A month start inside an episode that is still as far out (its fees expected on top, the day's own
    // usage scale, fees being fixed amounts) continues the episode instead of splitting it in two.
    if (isMonthStart && !hold && !isAnomaly && this.flaggedRun > 0) {
      const zDay = (x - expected) / (sigmaRelDay * this.calibration * (baseExpected + o.noiseFloorAbs));
      const sameWay = Math.sign(x - expected) === this.flaggedSign;
      if (sameWay && Math.abs(zDay) >= o.cleanZ && floorsPass && (zDay > 0 || o.detectDrops)) {
        isAnomaly = true;
        rule = 'deviation';
      }
    }

    // Drift: one-sided CUSUMs of the calibrated residual (clipped so one spike cannot trip them).
    const zc = clamp(z, -4, 4);
    if (!isMonthStart && !holidayFall) {
      this.cusumUp = Math.max(0, this.cusumUp + zc - o.driftAllowance);
      this.cusumDown = Math.max(0, this.cusumDown - zc - o.driftAllowance);
    }
    if (o.detectDrift && !isAnomaly && !hold && floorsPass && rule === 'normal') {
      const up = this.cusumUp > o.driftLimit && o.direction !== 'down' && impact > 0;
      const down = this.cusumDown > o.driftLimit && o.direction !== 'up' && impact < 0;
      if (up || down) {
        isAnomaly = true;
        rule = 'drift';
        score = Math.max(score, o.threshold);
        if (up) this.cusumUp = 0;
        else this.cusumDown = 0;
      }
    }

    // The kind of change, and the run of flagged days it belongs to.
    const sign = Math.sign(x - expected);
    if (isAnomaly && sign === this.flaggedSign) this.flaggedRun++;
    else {
      this.flaggedRun = isAnomaly ? 1 : 0;
      this.flaggedSign = isAnomaly ? sign : 0;
    }
    if (isAnomaly && kind === null) kind = this.kindOf(rule, x, expected, level, wf);
    // A rise reported as a level shift by another rule: once that alert ends, the ramp rule rests until its
    // reference era starts after it (the climb it would measure from the older era has been reported). While
    // the alert lasts, the ramp rule may continue it (a climb first seen as a shift is one episode, a ramp).
    if (isAnomaly && kind === 'level_shift' && rule !== 'ramp' && x > expected) this.shiftAlertOpen = true;
    else if (!isAnomaly && this.shiftAlertOpen) {
      this.shiftAlertOpen = false;
      this.rampEndedAt = t - 1;
    }

    // Baseline maintenance: outliers are kept out of the level; persistent shifts are accepted.
    if (isMonthStart) {
      this.monthStartExcess.push(x - baseExpected);
      if (this.monthStartExcess.length > 12) this.monthStartExcess.shift();
      this.observe(d, NaN, x, NaN, NaN, NaN);
    } else if (holiday) {
      this.observe(d, NaN, x, NaN, NaN, NaN);
    } else {
      const outlier =
        Math.abs(z) >= o.cleanZ &&
        rule !== 'return_to_previous_level' &&
        !(intermittent !== null && x <= intermittent.offBelow);
      const sign = outlier ? Math.sign(z) : 0;
      // An off day of an intermittent series is not judged: it is no part of the amount's residual scale.
      const offDay = intermittent !== null && x <= intermittent.offBelow;
      this.observe(
        d,
        outlier ? expected : x,
        x,
        offDay ? NaN : (x - expected) / norm,
        z * this.calibration,
        sign,
      );
      if (outlier) {
        this.maybeAcceptShift(t, sign, level, sigmaRel);
        this.maybeRestoreBaseline(t);
      }
    }

    // A charge that may recur on this day of later months: a clear excess (z >= 2.5: a young series' first
    // occurrence may not reach the outlier bar), or one already explained as recurring.
    // (z on the scale before the small-sample widening: a young series' first charge is remembered.)
    if (!isMonthStart && ((z * this.ssFactor >= RECUR_Z && msExcess === 0) || msExcess > 0)) {
      this.excessHist[t] = x - baseExpected;
    }
    if (judged) this.zCal[t] = z;
    // An idle weekday that fell as far as a drop counts towards confirming one (a stop that began on it is
    // reported on the first judged day after the idle days).
    this.dropCand[t] = dropNow || (idleDay && dropFell);
    this.flagged[t] = isAnomaly;
    // (NaN when nothing was expected: the appearance of a series is the new-series rule's, not a shift.)
    if (judged) this.impactHist[t] = expected > ZERO ? impact : NaN;
    // A ramp is measured against the level it climbed from: that is the day's expected cost, z and impact.
    let zOut = z;
    if (!Number.isNaN(rampExpected)) {
      expected = rampExpected;
      zOut = (x - expected) / (sigma * this.calibration);
      score = Math.max(score, directionalScore(o.direction, zOut));
    }
    const band = this.thresholdZ * sigma * this.calibration;
    return this.result(
      {
        date,
        actual: x,
        trend,
        weekdayFactor: wf,
        monthlyExcess: msExcess,
        mode: intermittent ? 'intermittent' : 'regular',
        sigma,
        calibration: this.calibration,
        runZ: run.z,
        runDays: run.days,
      },
      expected,
      Math.max(0, expected - band),
      expected + band,
      level,
      zOut,
      score,
      rule,
      isAnomaly,
      x - expected,
      kind,
    );
  }

  /**
   * A busy weekday (factor above QUIET_FACTOR) of a series with a weekly pattern whose cost sits at its quiet
   * days' level: within 2 sigmas of it and within half of it, and nearer to it than to the busy level (zero is no
   * quiet level: a stop is judged as usual). Returns 0 (not idle-like), 1 (idle, not judged) or 2 (idle-like, but
   * IDLE_MAX_DAYS busy days before it were idle-like too, or the busy day before the spell was already a clear
   * fall, |z| >= cleanZ: judged as usual).
   */
  private idleWeekday(t: number, x: number, baseExpected: number, wf: number, sigmaRel: number): number {
    if (wf <= QUIET_FACTOR || !(baseExpected > 0) || !(x > ZERO)) return 0;
    let quiet = Infinity;
    for (const f of this.weekdayFactors) quiet = Math.min(quiet, f);
    if (!(quiet <= QUIET_FACTOR)) return 0;
    const o = this.options;
    const q = (baseExpected / wf) * quiet;
    const tol = Math.min(2 * sigmaRel * (q + o.noiseFloorAbs), 0.5 * q);
    if (Math.abs(x - q) > tol || x > (q + baseExpected) / 2) return 0;
    let run = 0;
    for (let i = t - 1, looked = 0; i >= this.seriesStart && looked < 14; i--, looked++) {
      if (Number.isNaN(this.raw[i]!) || this.weekdayFactors[this.dow[i]!]! <= QUIET_FACTOR) continue;
      // An idle spell starts after an ordinary busy day: a fall already under way is judged as usual.
      if (!this.idleLike[i]) return this.zCal[i]! <= -this.options.cleanZ ? 2 : 1;
      if (++run >= IDLE_MAX_DAYS) return 2;
    }
    return 1;
  }

  /** Kind of a flagged day that no specific rule named. */
  private kindOf(rule: CostRule, x: number, expected: number, level: number, wf: number): AnomalyKind {
    if (rule === 'new_series') return 'new_series';
    if (rule === 'drift') return 'drift';
    if (x < expected) {
      if (x <= (1 - this.options.dropFraction) * expected) return 'drop';
      return rule === 'sustained' || this.flaggedRun >= 4 ? 'level_shift' : 'spike';
    }
    // A usually quiet day (weekend) at the level of the busy days.
    if (wf <= 0.8) {
      let busy = 0;
      let n = 0;
      for (const f of this.weekdayFactors) {
        if (f >= 1) {
          busy += f;
          n++;
        }
      }
      if (n > 0 && x >= 0.75 * level * (busy / n)) return 'weekend';
    }
    return rule === 'sustained' || this.flaggedRun >= 4 ? 'level_shift' : 'spike';
  }

  /**
   * The strongest joint evidence (signed, calibrated z) of the current day and the days just before it that
   * deviate the same way: sum of k calibrated z / sqrt(k) / the series' run calibration for k.
   */
  private runZ(t: number, z: number): { z: number; days: number; impactBefore: number } {
    const sign = Math.sign(z);
    if (sign === 0 || Math.abs(z) < RUN_MIN_Z) return NO_RUN;
    const kMax = this.options.runMaxDays;
    // Each day's contribution is capped, so a run means persistence: one extreme day (a spike) followed by
    // ordinary noise is not a shift.
    let sum = clamp(z, -RUN_CLIP_Z, RUN_CLIP_Z);
    let k = 1;
    let impact = 0;
    let best: { readonly z: number; readonly days: number; readonly impactBefore: number } = NO_RUN;
    for (let i = t - 1, looked = 0; i >= this.seriesStart && k < kMax && looked < kMax + 2; i--, looked++) {
      const zi = this.zCal[i]!;
      if (Number.isNaN(zi)) continue; // missing, month start: transparent
      if (Math.sign(zi) !== sign || Math.abs(zi) < RUN_MIN_Z_BEFORE) break;
      const impactI = this.impactHist[i]!;
      if (Number.isNaN(impactI)) break; // nothing was expected that day: no level to have shifted from
      sum += clamp(zi, -RUN_CLIP_Z, RUN_CLIP_Z);
      impact += impactI;
      k++;
      const zk = sum / Math.sqrt(k) / this.runCalOf(k);
      if (Math.abs(zk) > Math.abs(best.z)) best = { z: zk, days: k, impactBefore: impact };
    }
    return best;
  }

  /**
   * Joint evidence of a fall that lasts: today and the FALL_DAYS - 1 judged days before it, all below their
   * expected cost (missing days and month starts are transparent): sum of calibrated z (each clipped at
   * RUN_CLIP_Z) / sqrt(FALL_DAYS) / the series' run calibration for FALL_DAYS days. 0 when any day was not below,
   * or when a day before yesterday was flagged (the alert of this fall ended: onset-only); yesterday flagged
   * continues the alert.
   */
  private fallAt(t: number, z: number): { z: number; impactBefore: number } {
    let sum = clamp(z, -RUN_CLIP_Z, 0);
    let k = 1;
    let impact = 0;
    for (
      let i = t - 1, looked = 0;
      i >= this.seriesStart && k < FALL_DAYS && looked < FALL_DAYS + 3;
      i--, looked++
    ) {
      const zi = this.zCal[i]!;
      if (Number.isNaN(zi)) continue;
      const impactI = this.impactHist[i]!;
      if (!(zi < 0) || Number.isNaN(impactI)) return { z: 0, impactBefore: 0 };
      // Onset only: a fall reported on an earlier day of these (its alert ended) is not reported again.
      if (this.flagged[i]! && k > 1) return { z: 0, impactBefore: 0 };
      sum += clamp(zi, -RUN_CLIP_Z, 0);
      impact += impactI;
      k++;
    }
    if (k < FALL_DAYS) return { z: 0, impactBefore: 0 };
    return { z: sum / Math.sqrt(k) / this.runCalOf(k), impactBefore: impact };
  }

  /**
   * Separate occasions (runs of consecutive days) in the last SEEN_BEFORE_WINDOW days, month starts excluded, on which the
   * deseasonalised value reached 90 % of y: a one-off incident of several days is one occasion. In the
   * intermittent mode (no weekly factors: `raw`), the raw values.
   */
  private seenBefore(t: number, y: number, raw: boolean): number {
    let n = 0;
    let inRun = false;
    for (let i = Math.max(this.seriesStart, t - SEEN_BEFORE_WINDOW); i < t; i++) {
      const v = this.raw[i]!;
      if (this.firstOfMonth[i]! || Number.isNaN(v)) continue;
      const reached = (raw ? v : v / this.weekdayFactors[this.dow[i]!]!) >= 0.9 * y;
      if (reached && !inRun) n++;
      inRun = reached;
    }
    return n;
  }

  /**
   * Separate occasions in the last SEEN_BEFORE_WINDOW days on which a clear excess (as remembered for recurring
   * charges: calibrated z >= RECUR_Z) reached 90 % of `excess` (currency): an additive charge (a batch job) costs
   * the same on a quiet day as on a busy one, so on a quiet day its ratio to the day's factor overstates it. Only
   * clear excesses count: the ordinary noise of busy days can reach a quiet day's whole excess in dollars.
   */
  private seenBeforeExcess(t: number, excess: number): number {
    let n = 0;
    let inRun = false;
    for (let i = Math.max(this.seriesStart, t - SEEN_BEFORE_WINDOW); i < t; i++) {
      const v = this.excessHist[i]!;
      const reached = v >= 0.9 * excess;
      if (reached && !inRun) n++;
      inRun = reached;
    }
    return n;
  }

  /** Judged days in a row before t that were drop candidates (missing days are transparent). */
  private dropRunBefore(t: number): number {
    let n = 0;
    for (let i = t - 1, looked = 0; i >= this.seriesStart && looked < 14; i--, looked++) {
      if (Number.isNaN(this.raw[i]!) || (this.firstOfMonth[i]! && !this.dropCand[i])) continue;
      if (!this.dropCand[i]) break;
      n++;
    }
    return n;
  }

  /** Median of deseasonalised values of slots [from, to) (raw or clean), month starts excluded; NaN if < 3. */
  private eraMedian(from: number, to: number, raw: boolean): number {
    let m = 0;
    for (let i = Math.max(from, this.seriesStart); i < to; i++) {
      if (this.firstOfMonth[i]!) continue;
      const c = raw ? this.raw[i]! : this.clean[i]!;
      if (!Number.isNaN(c)) scratch2[m++] = c / this.weekdayFactors[this.dow[i]!]!;
    }
    return m >= 3 ? medianOf(scratch2, m) : NaN;
  }

  /**
   * Ramp evidence at t (y = today's deseasonalised value): the reference is the level of the ramp era (14
   * days that ended 25-31 days ago), extrapolated to today along that era's growth over the 4 weeks before
   * it (when known; 0 to +1 %/day: noise must not lower the bar). The recent level is the median of today
   * and the 2 judged days before. A ramp when every one of those days exceeds the reference by half of
   * `rampThreshold`, their median by all of it, and that excess is significant at the decision threshold
   * (3-day z, with the series' run calibration). `gradual`: the run of raised days started well below
   * today's level (a ramp), not at it (a step, reported as a level shift).
   */
  private rampAt(t: number, y: number, sigmaRel: number): { reference: number; gradual: boolean } | null {
    const o = this.options;
    const era = this.rampEra;
    if (era.from < this.levelStart || era.from <= this.rampEndedAt || !(era.ref > 0)) return null;
    const growth = era.olderFrom >= this.levelStart ? era.growth : 0;
    const reference = era.ref * Math.pow(1 + growth, t - (era.from + 7));
    const needed = reference * (1 + o.rampThreshold / 2);
    let m = 0;
    scratch2[m++] = y;
    for (let i = t - 1, looked = 0; i >= this.seriesStart && m < 3 && looked < 6; i--, looked++) {
      if (this.firstOfMonth[i]! || Number.isNaN(this.raw[i]!)) continue;
      const v = this.raw[i]! / this.weekdayFactors[this.dow[i]!]!;
      if (v < needed) return null;
      scratch2[m++] = v;
    }
    if (m < 3 || y < needed) return null;
    const recent = medianOf(scratch2, m);
    // Significance of the 3-day excess, calibrated like a 3-day run (autocorrelated noise wanders).
    // (The reference is itself the level of 14 noisy days: its uncertainty adds to that of the 3 recent days.)
    const sigma = sigmaRel * this.calibration * (reference + o.noiseFloorAbs) * RAMP_SE;
    const zRamp = (recent - reference) / (sigma * this.runCalOf(3));
    if (recent < reference * (1 + o.rampThreshold) || zRamp < this.thresholdZ) return null;
    // Gradual or a step: the run of days at least 30 % of the way up, and where its first 3 days were. A
    // step started at (nearly) the new level; a ramp started well below it.
    const half = reference + 0.3 * (recent - reference);
    let first = t;
    for (let i = t - 1, looked = 0; i >= this.seriesStart && looked < 21; i--, looked++) {
      if (this.firstOfMonth[i]! || Number.isNaN(this.raw[i]!)) continue;
      if (this.raw[i]! / this.weekdayFactors[this.dow[i]!]! < half) break;
      first = i;
    }
    let n = 0;
    for (let i = first; i < t && n < 3; i++) {
      if (this.firstOfMonth[i]! || Number.isNaN(this.raw[i]!)) continue;
      scratch2[n++] = this.raw[i]! / this.weekdayFactors[this.dow[i]!]!;
    }
    if (n < 3) scratch2[n++] = y;
    const start = medianOf(scratch2, n);
    const gradual = recent - start >= 0.35 * (recent - reference);
    return { reference, gradual };
  }

  private bareResult(date: string, x: number): Parameters<CostSeriesDetector['result']>[0] {
    return {
      date,
      actual: Number.isNaN(x) ? null : x,
      trend: 0,
      weekdayFactor: 1,
      monthlyExcess: 0,
      mode: 'regular',
      sigma: 0,
      calibration: this.calibration,
      runZ: 0,
      runDays: 0,
    };
  }

  /** Appends the slot of the day just scored. */
  private observe(d: number, clean: number, x: number, nres: number, z: number, sign: number): void {
    this.appendSlot(d, x, clean, nres, z, sign);
    this.observedDays++;
    this.maxAbsSeen = Math.max(this.maxAbsSeen, Math.abs(x));
  }

  /**
   * When `shiftAcceptDays` of the last `shiftAcceptDays + 2` judged days are outliers of the same sign, they
   * were a level shift, not anomalies: put their raw values back and restart the level at the first one.
   */
  private maybeAcceptShift(t: number, sign: number, level: number, sigmaRel: number): void {
    const k = this.options.shiftAcceptDays;
    let judged = 0;
    let same = 0;
    let first = t;
    for (let i = t; i >= this.levelStart && judged < k + 2; i--) {
      const s = this.outlierSign[i]!;
      if (Number.isNaN(s)) continue;
      judged++;
      if (s === sign) {
        same++;
        first = i;
      }
    }
    if (same < k) return;
    this.previous = { levelStart: this.levelStart, shiftStart: first, level, sigmaRel, until: t + 42 };
    for (let i = first; i <= t; i++) {
      if (this.outlierSign[i] === sign) {
        this.clean[i] = this.raw[i]!;
        this.outlierSign[i] = 0;
      }
    }
    this.levelStart = first;
    this.cusumUp = 0;
    this.cusumDown = 0;
  }

  /**
   * When half or more of the last `levelWindowDays` judged days were outliers (of either sign), the
   * baseline is what is wrong, not the days: put their raw values back into the level.
   */
  private maybeRestoreBaseline(t: number): void {
    const w = this.options.levelWindowDays;
    let judged = 0;
    let outliers = 0;
    for (let i = t; i >= this.levelStart && judged < w; i--) {
      const s = this.outlierSign[i]!;
      if (Number.isNaN(s)) continue;
      judged++;
      if (s !== 0) outliers++;
    }
    if (judged < w || outliers * 2 < judged) return;
    for (let i = t, seen = 0; i >= this.levelStart && seen < w; i--) {
      const s = this.outlierSign[i]!;
      if (Number.isNaN(s)) continue;
      seen++;
      if (s !== 0) {
        this.clean[i] = this.raw[i]!;
        this.outlierSign[i] = 0;
      }
    }
  }

  /**
   * Damped trend: the slope between the medians of the last half window and the half window one window
   * earlier (deseasonalised clean days, re-estimated weekly with the weekday factors), applied half-way
   * over the level window's lag and capped at 20 % of the level.
   */
  private trend(t: number, level: number): number {
    const w = this.options.levelWindowDays;
    if (t - this.levelStart < 2 * w || Number.isNaN(this.slope)) return 0;
    return clamp(this.slope * (w / 2 + 0.5) * 0.5, -0.2 * Math.abs(level), 0.2 * Math.abs(level));
  }

  private estimateSlope(t: number): number {
    const w = this.options.levelWindowDays;
    const half = Math.floor(w / 2);
    const a = this.windowMedian(t - half, t);
    const b = this.windowMedian(t - w - half, t - w);
    return Number.isNaN(a) || Number.isNaN(b) ? NaN : (a - b) / w;
  }

  private windowMedian(from: number, to: number): number {
    let m = 0;
    for (let i = Math.max(0, from); i < to; i++) {
      const c = this.clean[i]!;
      if (!Number.isNaN(c)) scratch2[m++] = c / this.weekdayFactors[this.dow[i]!]!;
    }
    return m >= 3 ? medianOf(scratch2, m) : NaN;
  }

  /**
   * Weekday factors from the last `seasonWeeks` blocks of 7 raw days (ratio to the block median, median over
   * blocks: robust to an anomaly without depending on earlier decisions), and the per-series tail calibration.
   */
  private learnSeasonality(t: number): void {
    this.factorsAt = t;
    const o = this.options;
    const weeks = o.seasonWeeks;
    const ratios = scratch; // ratios[dow * weeks + k]
    const counts = [0, 0, 0, 0, 0, 0, 0];
    let blocks = 0;
    const ends = this.blockEnds;
    const meds = this.blockMeds;
    const known = ends.length;
    for (let k = 0; k < weeks; k++) {
      const end = t - 7 * k;
      const start = end - 7;
      if (start < this.seriesStart) break;
      let med: number;
      let cached = -1;
      for (let j = 0; j < known; j++) if (ends[j] === end) cached = j;
      if (cached >= 0) med = meds[cached]!;
      else {
        let m = 0;
        for (let i = start; i < end; i++) {
          const c = this.raw[i]!;
          if (!Number.isNaN(c) && !this.firstOfMonth[i]!) scratch2[m++] = c;
        }
        med = m < 5 ? NaN : medianOf(scratch2, m);
      }
      ends[known + k] = end;
      meds[known + k] = med;
      if (!(med > 0)) continue;
      blocks++;
      for (let i = start; i < end; i++) {
        const c = this.raw[i]!;
        if (Number.isNaN(c) || this.firstOfMonth[i]!) continue;
        const dow = this.dow[i]!;
        ratios[dow * weeks + counts[dow]!] = c / med;
        counts[dow]!++;
      }
    }
    // Keep this pass's blocks only (the next pass looks them up).
    const now = ends.length - known;
    for (let j = 0; j < now; j++) {
      ends[j] = ends[known + j]!;
      meds[j] = meds[known + j]!;
    }
    ends.length = now;
    meds.length = now;
    const f = [1, 1, 1, 1, 1, 1, 1];
    if (blocks >= 2) {
      let sum = 0;
      let have = 0;
      for (let dow = 0; dow < 7; dow++) {
        const c = counts[dow]!;
        if (c < 2) continue;
        for (let i = 0; i < c; i++) scratch2[i] = ratios[dow * weeks + i]!;
        f[dow] = clamp(medianOf(scratch2, c), 0.02, 5);
        sum += f[dow]!;
        have++;
      }
      // Days without enough ratios keep factor 1; normalise the others to mean 1.
      const mean = have > 0 ? (sum + (7 - have)) / 7 : 1;
      for (let dow = 0; dow < 7; dow++) f[dow] = f[dow]! / mean;
    }
    for (let dow = 0; dow < 7; dow++) this.weekdayFactors[dow] = f[dow]!;
    this.slope = this.estimateSlope(t);
    // Tail calibration: the series' own 90th percentile of |z| over the last 8 weeks vs a normal's.
    let m = 0;
    for (let i = Math.max(this.seriesStart, t - 56); i < t; i++) {
      const z = this.zHist[i]!;
      if (!Number.isNaN(z)) scratch[m++] = Math.abs(z);
    }
    if (m >= 21) this.calibration = clamp(upperQuantile(scratch, m, 0.9) / Z90, 1, 4);
    const from = t - 39;
    const ref = from >= this.seriesStart ? this.eraMedian(from, from + 14, false) : NaN;
    const older = from - 28 >= this.seriesStart ? this.eraMedian(from - 28, from - 14, false) : NaN;
    this.rampEra = {
      from,
      ref,
      olderFrom: from - 28,
      growth: older > 0 && ref > 0 ? clamp(Math.pow(ref / older, 1 / 28) - 1, 0, 0.01) : 0,
    };
  }

  /** The run calibration for k days (measured over the 8 weeks before the last seasonality pass). */
  private runCalOf(k: number): number {
    if (this.runCalFor !== this.factorsAt) this.learnRunCal(this.factorsAt);
    return this.runCal[k] ?? RUN_CAL_YOUNG;
  }

  private learnRunCal(t: number): void {
    this.runCalFor = t;
    // Run calibration: the same for the summed calibrated z of k consecutive judged days (autocorrelated
    // noise makes runs of same-sign days likelier than independent days would be).
    let nz = 0;
    for (let i = Math.max(this.seriesStart, t - 56); i < t; i++) {
      const z = this.zCal[i]!;
      if (!Number.isNaN(z) && !this.flagged[i]!) zRun[nz++] = z;
    }
    for (let k = 2; k <= Math.max(this.options.runMaxDays, FALL_DAYS); k++) {
      let w = 0;
      let sum = 0;
      for (let i = 0; i < nz; i++) {
        sum += zRun[i]!;
        if (i >= k) sum -= zRun[i - k]!;
        if (i >= k - 1) scratch[w++] = Math.abs(sum) / Math.sqrt(k);
      }
      this.runCal[k] = w >= 21 ? clamp(upperQuantile(scratch, w, 0.9) / Z90, 1, 4) : RUN_CAL_YOUNG;
    }
  }

  private result(
    base: Omit<
      CostDayResult,
      | 'expected'
      | 'lower'
      | 'upper'
      | 'level'
      | 'z'
      | 'anomalyScore'
      | 'rule'
      | 'isAnomaly'
      | 'kind'
      | 'impact'
      | 'impactPct'
    >,
    expected: number | null,
    lower: number | null,
    upper: number | null,
    level: number | null,
    z: number,
    score: number,
    rule: CostRule,
    isAnomaly: boolean,
    impact: number,
    kind: AnomalyKind | null = null,
  ): CostDayResult {
    // All fields listed in one order, so every result shares one object shape.
    return {
      date: base.date,
      actual: base.actual,
      expected,
      lower,
      upper,
      level,
      trend: base.trend,
      weekdayFactor: base.weekdayFactor,
      monthlyExcess: base.monthlyExcess,
      mode: base.mode,
      sigma: base.sigma,
      calibration: base.calibration,
      z,
      runZ: base.runZ,
      runDays: base.runDays,
      anomalyScore: score,
      rule,
      isAnomaly,
      kind,
      impact,
      impactPct: expected !== null && expected > 0 ? impact / expected : null,
    };
  }
}

/** Scores a whole daily series (points in date order). Causal: result i depends only on points 0..i. */
export function scoreCostSeries(
  points: readonly CostPoint[],
  options: Partial<CostDetectorOptions> = {},
): CostDayResult[] {
  const detector = new CostSeriesDetector(options);
  return points.map((p) => detector.push(p));
}
