import type { AnomalyKind, CostDayResult, CostRule } from './types';

/** Kinds from the most specific to the least: an episode takes the first of its days' kinds in this order. */
export const KIND_PRIORITY: readonly AnomalyKind[] = [
  'new_series',
  'drop',
  'weekend',
  'ramp',
  'level_shift',
  'drift',
  'spike',
];

/** Consecutive anomalous days merged into one incident. */
export interface Episode {
  readonly start: string;
  readonly end: string;
  readonly days: number;
  /** Day with the largest |impact|, its impact and score. */
  readonly peakDate: string;
  readonly peakImpact: number;
  readonly peakScore: number;
  /** Sum over the episode's days of actual - expected, and of expected (for the %). */
  readonly totalImpact: number;
  readonly totalExpected: number;
  /** totalImpact / totalExpected, null when nothing was expected (e.g. a new series). */
  readonly impactPct: number | null;
  readonly rules: readonly CostRule[];
  /**
   * The kind of the episode: the most specific kind among its days (new_series, drop, weekend, ramp,
   * level_shift, drift, spike in that order), so a rise that started as a one-day spike and persisted is a
   * level shift.
   */
  readonly kind: AnomalyKind;
  /** Every kind seen on its days, in order of first appearance (a ramp that became a level shift). */
  readonly kinds: readonly AnomalyKind[];
  /** True when the last scored day is part of the episode: it may still grow. */
  readonly open: boolean;
}

export interface EpisodeOptions {
  /** Normal days allowed inside one episode (default 0: strictly consecutive days). */
  readonly maxGapDays: number;
}

/**
 * Merges anomalous days into episodes. The result is a pure function of the days, so an episode simply
 * grows (new end, peak, total) as anomalous days are appended instead of raising a new alert.
 * Missing days neither break nor extend an episode.
 */
export function buildEpisodes(
  days: readonly CostDayResult[],
  options: Partial<EpisodeOptions> = {},
): Episode[] {
  const maxGap = options.maxGapDays ?? 0;
  const episodes: Episode[] = [];
  let cur: { first: number; last: number } | null = null;
  let gap = 0;
  const close = (open: boolean): void => {
    if (cur) episodes.push(summarise(days, cur.first, cur.last, open));
    cur = null;
  };
  for (let i = 0; i < days.length; i++) {
    const d = days[i]!;
    if (d.rule === 'missing') continue;
    if (d.isAnomaly) {
      if (cur) cur.last = i;
      else cur = { first: i, last: i };
      gap = 0;
    } else if (cur) {
      gap++;
      if (gap > maxGap) close(false);
    }
  }
  const lastIndex = days.length - 1;
  close(cur !== null && (cur as { last: number }).last === lastIndex);
  return episodes;
}

function summarise(days: readonly CostDayResult[], first: number, last: number, open: boolean): Episode {
  let total = 0;
  let totalExpected = 0;
  let peak = days[first]!;
  const rules = new Set<CostRule>();
  const kinds = new Set<AnomalyKind>();
  let count = 0;
  for (let i = first; i <= last; i++) {
    const d = days[i]!;
    if (!d.isAnomaly) continue;
    count++;
    total += d.impact;
    totalExpected += d.expected ?? 0;
    rules.add(d.rule);
    if (d.kind) kinds.add(d.kind);
    if (Math.abs(d.impact) > Math.abs(peak.impact)) peak = d;
  }
  return {
    start: days[first]!.date,
    end: days[last]!.date,
    days: count,
    peakDate: peak.date,
    peakImpact: peak.impact,
    peakScore: peak.anomalyScore,
    totalImpact: total,
    totalExpected,
    impactPct: totalExpected > 0 ? total / totalExpected : null,
    rules: [...rules],
    kind: KIND_PRIORITY.find((k) => kinds.has(k)) ?? (total < 0 ? 'drop' : 'spike'),
    kinds: [...kinds],
    open,
  };
}
