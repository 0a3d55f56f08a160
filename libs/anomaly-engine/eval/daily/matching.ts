/**
 * Event-level matching of one series' flags against its labelled windows (the engine README's Evaluation
 * rules): an event is detected when an is_anomaly flag falls inside its window [start, end]; a run of
 * consecutive flagged rows is one alert; an alert overlapping no labelled window is a false alert.
 * Pure functions over row indices, so they are unit-tested without files.
 */

export interface Window {
  /** Row indices, inclusive. */
  readonly start: number;
  readonly end: number;
}

export interface EventMatch {
  readonly detected: boolean;
  /** Rows from the window start to the first flag inside it (null when not detected). */
  readonly delay: number | null;
  /** Row index of the first flag inside the window. */
  readonly firstFlag: number | null;
}

export interface Alert {
  readonly start: number;
  readonly end: number;
  /** True when it overlaps at least one labelled window. */
  readonly matched: boolean;
}

export function matchEvent(flags: readonly boolean[], w: Window): EventMatch {
  for (let i = Math.max(0, w.start); i <= Math.min(flags.length - 1, w.end); i++) {
    if (flags[i]) return { detected: true, delay: i - w.start, firstFlag: i };
  }
  return { detected: false, delay: null, firstFlag: null };
}

/** Runs of consecutive flagged rows, each marked matched when it overlaps any window. */
export function alertsOf(flags: readonly boolean[], windows: readonly Window[]): Alert[] {
  const alerts: Alert[] = [];
  let i = 0;
  while (i < flags.length) {
    if (!flags[i]) {
      i++;
      continue;
    }
    const start = i;
    while (i + 1 < flags.length && flags[i + 1]) i++;
    const end = i;
    alerts.push({ start, end, matched: windows.some((w) => w.start <= end && w.end >= start) });
    i++;
  }
  return alerts;
}

/** Index of an ISO date among the series' dates: the first row on or after it (dates ascending). */
export function rowOnOrAfter(dates: readonly string[], iso: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dates[mid]! < iso) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last row on or before an ISO date (-1 when none). */
export function rowOnOrBefore(dates: readonly string[], iso: string): number {
  return rowOnOrAfter(dates, iso + '\uffff') - 1;
}

export function f1(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}
