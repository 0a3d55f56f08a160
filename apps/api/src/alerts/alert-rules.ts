/**
 * Which episodes a subscription alerts on, and at which level. Pure.
 *
 * Thresholds: `min_impact_usd` on the episode's impact in USD, `min_impact_pct` on its impact in % of the expected
 * cost (a new series, with nothing expected, has no % and counts as reaching any % threshold). With both set,
 * `threshold_mode` says whether both (`and`) or either (`or`) must be reached.
 *
 * Levels: an episode alerts once at the level it has when it first matches, and again (a follow-up) only when it
 * grows to a higher level. Level n is reached at 2^n x the threshold: with min_impact_usd = 100, $100 is level 0,
 * $200 level 1, $400 level 2 and so on. The $ threshold sets the levels when it is set, the % threshold otherwise.
 *
 * Metric episodes (a CloudWatch metric watch) deviate in the metric's own units, never in dollars, so the $
 * threshold does not apply to them and `threshold_mode` has nothing to combine:
 * - with a % threshold, the absolute relative deviation must reach it (the detector flags drops as well as rises;
 *   nothing expected counts as any %), and levels double from it as above;
 * - with only a $ threshold, episodes of medium or high severity match (the severity the anomaly list shows):
 *   medium is level 0, high level 1, so an episode that escalates to high sends one follow-up. A FinOps user who
 *   set "$100" wants the metric anomalies worth a look, not every small blip, nor none at all.
 */

export interface Thresholds {
  min_impact_usd: number | null;
  min_impact_pct: number | null;
  threshold_mode: 'and' | 'or';
}

export interface EpisodeImpact {
  impact_usd: number;
  /** In %; null when nothing was expected (a new series). */
  impact_pct: number | null;
}

export const MAX_LEVEL = 30;

export function meetsThresholds(t: Thresholds, e: EpisodeImpact): boolean {
  const usd = t.min_impact_usd === null ? null : e.impact_usd >= t.min_impact_usd;
  const pct = t.min_impact_pct === null ? null : e.impact_pct === null || e.impact_pct >= t.min_impact_pct;
  if (usd === null && pct === null) return false;
  if (usd === null) return pct!;
  if (pct === null) return usd;
  return t.threshold_mode === 'and' ? usd && pct : usd || pct;
}

/** The alert level of an episode that meets the thresholds (see the module comment). */
export function levelOf(t: Thresholds, e: EpisodeImpact): number {
  let ratio: number;
  if (t.min_impact_usd !== null) ratio = e.impact_usd / t.min_impact_usd;
  else if (t.min_impact_pct !== null && e.impact_pct !== null) ratio = e.impact_pct / t.min_impact_pct;
  else return 0;
  if (!(ratio >= 1)) return 0;
  // A small epsilon so that exactly 2^n x the threshold counts as level n despite floating point.
  return Math.min(MAX_LEVEL, Math.floor(Math.log2(ratio) + 1e-9));
}

/** The level to record now, or null: nothing when below the thresholds or not above the highest level alerted. */
export function nextAlertLevel(
  t: Thresholds,
  e: EpisodeImpact,
  highestAlerted: number | null,
): number | null {
  if (!meetsThresholds(t, e)) return null;
  const level = levelOf(t, e);
  return highestAlerted === null || level > highestAlerted ? level : null;
}

export interface MetricEpisodeImpact {
  /** Relative deviation from the expected value, in %; null when nothing was expected. */
  impact_pct: number | null;
  severity: 'low' | 'medium' | 'high';
}

const SEVERITY_LEVEL = { low: null, medium: 0, high: 1 } as const;

/** The level of a metric episode under these thresholds, or null when it does not match (module comment). */
export function metricLevelOf(t: Thresholds, e: MetricEpisodeImpact): number | null {
  if (t.min_impact_pct !== null) {
    if (e.impact_pct === null) return 0;
    const ratio = Math.abs(e.impact_pct) / t.min_impact_pct;
    if (!(ratio >= 1)) return null;
    return Math.min(MAX_LEVEL, Math.floor(Math.log2(ratio) + 1e-9));
  }
  if (t.min_impact_usd !== null) return SEVERITY_LEVEL[e.severity];
  return null;
}

/** As nextAlertLevel, for a metric episode. */
export function nextMetricAlertLevel(
  t: Thresholds,
  e: MetricEpisodeImpact,
  highestAlerted: number | null,
): number | null {
  const level = metricLevelOf(t, e);
  if (level === null) return null;
  return highestAlerted === null || level > highestAlerted ? level : null;
}

/** Whether a subscription hears about a metric episode of this watch (before thresholds). */
export function matchesWatch(
  s: { include_metric_anomalies: boolean; metric_watch_ids: readonly string[] },
  watchId: string,
): boolean {
  return (
    s.include_metric_anomalies && (s.metric_watch_ids.length === 0 || s.metric_watch_ids.includes(watchId))
  );
}

/**
 * Whether a subscription hears about a cost episode of this kind of change (before thresholds): rises always,
 * drops (kind `drop`, negative impact) only with `include_drops`. A drop is then judged by its size: thresholds and
 * levels apply to |impact| in $ and %.
 */
export function matchesChange(s: { include_drops: boolean }, changeKind: string): boolean {
  return changeKind !== 'drop' || s.include_drops;
}

/** The episode's impact as thresholds see it: its size, so a drop of $500 meets a $100 threshold like a rise. */
export function sizeOf(e: EpisodeImpact): EpisodeImpact {
  return {
    impact_usd: Math.abs(e.impact_usd),
    impact_pct: e.impact_pct === null ? null : Math.abs(e.impact_pct),
  };
}

export function matchesMonitor(monitorIds: readonly string[], monitorId: string): boolean {
  return monitorIds.length === 0 || monitorIds.includes(monitorId);
}

/** Retry delay after the given failed attempt (1-based): base x 2^(attempt-1), at most a day. */
export function retryDelaySeconds(baseSeconds: number, attempt: number): number {
  return Math.min(86_400, baseSeconds * 2 ** Math.max(0, attempt - 1));
}
