import type { LabelledEvent } from './synthetic';

/** Event-level counts accumulated over many series. */
export interface EventCounts {
  events: number;
  detected: number;
  delaySum: number;
  episodes: number;
  truePositiveEpisodes: number;
  falseEpisodes: number;
  points: number;
  byType: Map<string, { events: number; detected: number }>;
}

export function emptyCounts(): EventCounts {
  return {
    events: 0,
    detected: 0,
    delaySum: 0,
    episodes: 0,
    truePositiveEpisodes: 0,
    falseEpisodes: 0,
    points: 0,
    byType: new Map(),
  };
}

/**
 * Scores one series: events in scope are detected when any flag falls inside [start, end]; flagged runs
 * (merged across `mergeGap` unflagged points) are episodes; an episode overlapping any labelled window
 * (in scope or not) is a true alert, otherwise a false alert.
 */
export function scoreSeries(
  flags: readonly boolean[],
  events: readonly LabelledEvent<string>[],
  inScope: (e: LabelledEvent<string>) => boolean,
  mergeGap: number,
  acc: EventCounts,
): void {
  acc.points += flags.length;
  for (const e of events) {
    if (!inScope(e)) continue;
    acc.events++;
    const t = acc.byType.get(e.type) ?? { events: 0, detected: 0 };
    t.events++;
    for (let i = e.start; i <= e.end; i++) {
      if (flags[i]) {
        acc.detected++;
        t.detected++;
        acc.delaySum += i - e.start;
        break;
      }
    }
    acc.byType.set(e.type, t);
  }
  let i = 0;
  while (i < flags.length) {
    if (!flags[i]) {
      i++;
      continue;
    }
    const start = i;
    let end = i;
    let j = i + 1;
    while (j < flags.length && j - end - 1 <= mergeGap) {
      if (flags[j]) end = j;
      j++;
    }
    acc.episodes++;
    if (events.some((e) => e.start <= end && e.end >= start)) acc.truePositiveEpisodes++;
    else acc.falseEpisodes++;
    i = end + 1;
  }
}

export function summary(c: EventCounts): { precision: number; recall: number; f1: number; delay: number } {
  const precision = c.episodes > 0 ? c.truePositiveEpisodes / c.episodes : 1;
  const recall = c.events > 0 ? c.detected / c.events : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, delay: c.detected > 0 ? c.delaySum / c.detected : NaN };
}
