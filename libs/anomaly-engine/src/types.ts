/** Which deviations count as anomalies. Scores are computed for the same direction(s). */
export type Direction = 'up' | 'down' | 'both';

/** A day of a cost series. `date` is an ISO date (YYYY-MM-DD), an ISO date-time, a Date or epoch ms (UTC). */
export interface CostPoint {
  readonly date: string | Date | number;
  /** Cost of the day in currency units; null/NaN = no data for that day (not the same as 0). */
  readonly value: number | null;
}

/**
 * The rule that decided a day, so every decision can be explained from stored numbers:
 * - `warmup`: fewer than `minHistoryDays` observed days; no judgement yet.
 * - `missing`: no value for the day.
 * - `new_series`: the series was absent/zero on every observed day and now reaches `newSeriesFloor`.
 * - `deviation`: score >= threshold and the impact passes the $ and % floors.
 * - `sustained`: no single day proves it, but the last 2-`runMaxDays` days deviating the same way do jointly
 *   (their summed z, calibrated for the series' own autocorrelation, passes the threshold).
 * - `drop`: the cost fell by at least `dropFraction` on `dropConfirmDays` judged days in a row.
 * - `ramp`: the recent level exceeds the level of 4-6 weeks ago (extrapolated along its own growth) by
 *   `rampThreshold` and the $ floor.
 * - `drift`: (option) the CUSUM of calibrated residuals crossed its limit: slow drift.
 * - `seen_before`: a one-day rise to a level the series reached on 3+ separate occasions in the last 8 weeks
 *   (lumpy usage), or on a quiet day (weekday factor <= 0.8) an excess in currency that clear excesses of as much
 *   reached on 3+ occasions (an additive batch job).
 * - `holiday`: a fall on a day of the `holidays` calendar (not judged).
 * - `idle_weekday`: a fall of a busy weekday to the series' quiet-day (weekend) level, for up to 2 busy days in a
 *   row after an ordinary one (an unlisted holiday; not judged).
 * - `below_impact_floor`: the score passed the threshold but the impact is below the $ or % floor.
 * - `month_start_hold`: day 1 of a month while the series' own day-1 behaviour has not been seen yet.
 * - `return_to_previous_level`: the series went back to the level it had before a recently accepted shift.
 * - `normal`: nothing fired.
 */
export type CostRule =
  | 'warmup'
  | 'missing'
  | 'new_series'
  | 'deviation'
  | 'sustained'
  | 'drop'
  | 'ramp'
  | 'drift'
  | 'below_impact_floor'
  | 'seen_before'
  | 'month_start_hold'
  | 'holiday'
  | 'idle_weekday'
  | 'return_to_previous_level'
  | 'normal';

/**
 * What kind of change a detection is (named in every flagged result, episode and CLI row):
 * - `spike`: a short rise above the expected cost (one or a few days);
 * - `level_shift`: the series moved to a new level and stays there (up, or down by less than a drop);
 * - `ramp`: a gradual climb that has left the expected level (>= 25 % above it and past the $ floor);
 * - `drop`: the series fell to zero or by at least 50 % and stays down (a stopped workload, a broken pipeline);
 * - `weekend`: a weekend (or another usually quiet weekday) that did not scale down;
 * - `new_series`: a series that was absent since the data started and now costs money;
 * - `drift`: a slow drift found by the CUSUM option.
 */
export type AnomalyKind = 'spike' | 'level_shift' | 'ramp' | 'drop' | 'weekend' | 'new_series' | 'drift';

export const ANOMALY_KINDS: readonly AnomalyKind[] = [
  'spike',
  'level_shift',
  'ramp',
  'drop',
  'weekend',
  'new_series',
  'drift',
];

/** Everything the daily detector knows about one day; store it and the decision can be replayed/explained. */
export interface CostDayResult {
  /** UTC day, YYYY-MM-DD. */
  readonly date: string;
  readonly actual: number | null;
  /** Expected cost of the day: (level + damped trend) x weekday factor + monthly excess. */
  readonly expected: number | null;
  /** Band at the decision threshold: actual outside [lower, upper] <=> score >= threshold. */
  readonly lower: number | null;
  readonly upper: number | null;
  /** Robust level (deseasonalised median of recent clean days) and the damped trend added to it. */
  readonly level: number | null;
  readonly trend: number;
  /** Multiplicative day-of-week factor in use (1 until >= 2 full weeks exist). */
  readonly weekdayFactor: number;
  /**
   * Extra cost expected on this day of the month (currency; 0 otherwise): on day 1 the median excess of the
   * series' own previous month starts (fees), on another day the excess of a charge that recurred on the
   * same day of previous months.
   */
  readonly monthlyExcess: number;
  /** 'intermittent' when the series is often zero (sporadic usage): judged against its usual non-zero amount. */
  readonly mode: 'regular' | 'intermittent';
  /** Residual scale in currency units (robust sigma of recent residuals, floored). */
  readonly sigma: number;
  /** Tail calibration of this series: its 90th percentile |z| / 1.645 (>= 1). */
  readonly calibration: number;
  /** (actual - expected) / (sigma x calibration). */
  readonly z: number;
  /**
   * Joint evidence of the run of same-sign days ending today (what the `sustained` rule judges): the summed
   * calibrated z of `runDays` days / sqrt(runDays) / the series' run calibration; 0 and 0 when there is none.
   */
  readonly runZ: number;
  readonly runDays: number;
  /** 1 - two-sided tail probability of |z| under the series' calibrated residual law, for the configured direction. */
  readonly anomalyScore: number;
  readonly isAnomaly: boolean;
  readonly rule: CostRule;
  /** The kind of change when `isAnomaly` (null otherwise). */
  readonly kind: AnomalyKind | null;
  /** actual - expected, in currency units, and as a fraction of expected (null when expected <= 0). */
  readonly impact: number;
  readonly impactPct: number | null;
}

export interface CostDetectorOptions {
  /** Directions reported (default 'up': cost increases, like AWS Cost Anomaly Detection). */
  readonly direction: Direction;
  /** Score threshold of the decision (default 0.995: a deviation seen about once in 200 normal days). */
  readonly threshold: number;
  /** Minimum |impact| in currency units for a decision (default 1). */
  readonly minImpactAbs: number;
  /** Minimum |impact| as a fraction of expected (default 0.1 = 10 %). */
  readonly minImpactPct: number;
  /** A series absent/zero on all observed days that reaches this cost is reported on day one (default 1). */
  readonly newSeriesFloor: number;
  /** First day the data source could have contained this series; earlier series start => it is new. */
  readonly observedSince?: string | Date | number;
  /**
   * Report drops (default true, whatever `direction` says): the series fell by at least `dropFraction` of its
   * expected cost (to zero, or e.g. by half) on `dropConfirmDays` judged days in a row: a stopped workload or
   * a broken pipeline. A one-day dip is not a drop. With drops on, a smaller fall that lasts (the joint
   * evidence of 2+ days, rule `sustained`) is reported too, as a level shift down.
   */
  readonly detectDrops: boolean;
  /** Fraction of the expected cost a drop must lose (default 0.5). */
  readonly dropFraction: number;
  /** Judged days in a row a drop must last before it is reported (default 2). */
  readonly dropConfirmDays: number;
  /**
   * Report sustained changes from the joint evidence of up to this many consecutive days that deviate the
   * same way (default 4; 1 = single-day judgement only). A +30 % level shift that no single day proves is
   * found on its 2nd-4th day.
   */
  readonly runMaxDays: number;
  /**
   * Report ramps (default 0.25): the last days' level exceeds the level of 4-6 weeks ago, extrapolated along
   * that era's own growth, by this fraction (and the $ floor). 0 disables the rule.
   */
  readonly rampThreshold: number;
  /** Enable the slow-drift CUSUM rule (default false). */
  readonly detectDrift: boolean;
  /** CUSUM allowance k and decision limit h on calibrated z (defaults 0.5 and 6). */
  readonly driftAllowance: number;
  readonly driftLimit: number;
  /** Consecutive same-sign outlier days after which a level shift is accepted as the new normal (default 5). */
  readonly shiftAcceptDays: number;
  /** Days in the robust level window (default 14). */
  readonly levelWindowDays: number;
  /** Weeks used to learn weekday factors (default 8). */
  readonly seasonWeeks: number;
  /** Days of residuals used for the scale (default 56: a scale from 4 weeks is too unsure on heavy tails). */
  readonly residualWindowDays: number;
  /** Observed days required before judging (default 7: one of each weekday). */
  readonly minHistoryDays: number;
  /** Residual sigma is at least this fraction of expected (default 0.03), so flat series don't alert on cents. */
  readonly minRelativeSigma: number;
  /** Currency units added to expected when normalising residuals (default 0.25). */
  readonly noiseFloorAbs: number;
  /** Treat day 1 of the month specially (default true). */
  readonly monthStart: boolean;
  /** |calibrated z| above which a day is kept out of the baseline (default 3). */
  readonly cleanZ: number;
  /**
   * Holidays: days on which a fall is not judged (rule `holiday`; a rise still is) and which stay out of the
   * level, as 'MM-DD' (every year) or 'YYYY-MM-DD'. Default: the year end, Dec 24 to Jan 1, when weekday
   * workloads idle almost everywhere; add a region's own (e.g. Thanksgiving) as dates. [] turns it off.
   */
  readonly holidays: readonly string[];
}

/** Kinds of the CLI / file scorer. */
export type SeriesKind = 'cost' | 'metric';

/** One output row of the stable file contract. */
export interface ScoredRow {
  readonly timestamp: string;
  readonly value: string;
  readonly anomalyScore: number;
  readonly isAnomaly: boolean;
  /** The kind of change when `isAnomaly` (null otherwise); the CLI writes it as the `kind` column. */
  readonly kind: AnomalyKind | null;
}
