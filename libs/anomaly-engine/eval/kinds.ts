import { KIND_PRIORITY } from '../src/episodes';
import type { AnomalyKind } from '../src/types';
import type { LabelledEvent } from './synthetic';

/** The engine's kind for each labelled event type of the evaluation sets (same name when not listed). */
export const KIND_OF_LABEL: Readonly<Record<string, AnomalyKind>> = {
  drop_to_zero: 'drop',
  drop: 'drop',
  weekend_not_scaled: 'weekend',
  new_service: 'new_series',
  spike: 'spike',
  level_shift: 'level_shift',
  ramp: 'ramp',
};

/** Per kind: alerts the engine raised with that kind, how many overlapped a labelled window, and delays. */
export interface KindCounts {
  alerts: Map<string, { alerts: number; true: number }>;
  /** Per labelled type: delays (points from window start to the first flag) of detected events. */
  delays: Map<string, number[]>;
  /** Per labelled type: detected events whose alert (the run of flags holding the first flag) has the label's kind. */
  kindRight: Map<string, { detected: number; right: number }>;
}

export function emptyKindCounts(): KindCounts {
  return { alerts: new Map(), delays: new Map(), kindRight: new Map() };
}

/**
 * Adds one series: alerts are runs of consecutive flags, each with the most specific kind among its points
 * (as episodes take theirs); an alert is true when it overlaps any labelled window.
 */
export function countKinds(
  flags: readonly { isAnomaly: boolean; kind: AnomalyKind | null }[],
  events: readonly LabelledEvent<string>[],
  acc: KindCounts,
): void {
  const runKind = new Array<AnomalyKind | null>(flags.length).fill(null);
  let i = 0;
  while (i < flags.length) {
    if (!flags[i]!.isAnomaly) {
      i++;
      continue;
    }
    const start = i;
    const kinds = new Set<AnomalyKind>();
    while (i < flags.length && flags[i]!.isAnomaly) {
      const k = flags[i]!.kind;
      if (k) kinds.add(k);
      i++;
    }
    const end = i - 1;
    const kind = KIND_PRIORITY.find((k) => kinds.has(k)) ?? 'spike';
    for (let j = start; j <= end; j++) runKind[j] = kind;
    const a = acc.alerts.get(kind) ?? { alerts: 0, true: 0 };
    a.alerts++;
    if (events.some((e) => e.start <= end && e.end >= start)) a.true++;
    acc.alerts.set(kind, a);
  }
  for (const e of events) {
    for (let j = e.start; j <= e.end; j++) {
      const f = flags[j];
      if (!f?.isAnomaly) continue;
      const d = acc.delays.get(e.type) ?? [];
      d.push(j - e.start);
      acc.delays.set(e.type, d);
      const r = acc.kindRight.get(e.type) ?? { detected: 0, right: 0 };
      r.detected++;
      if (runKind[j] === KIND_OF_LABEL[e.type]) r.right++;
      acc.kindRight.set(e.type, r);
      break;
    }
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
