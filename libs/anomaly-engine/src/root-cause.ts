import { CostSeriesDetector } from './cost-detector';
import { toDayNumber } from './time';
import type { CostDetectorOptions, CostPoint } from './types';

/** A child series (by account, region, usage type, ...) over the anomalous period. */
export interface ChildObservation {
  /** The dimension value, e.g. '111122223333' or 'us-east-1' or 'BoxUsage:m5.large'. */
  readonly key: string;
  /** Optional dimension name, e.g. 'account'. Children of several dimensions can be ranked separately. */
  readonly dimension?: string;
  readonly actual: number;
  readonly expected: number;
}

export interface RootCause {
  readonly key: string;
  readonly dimension?: string;
  readonly actual: number;
  readonly expected: number;
  /** actual - expected, in currency units. */
  readonly deviation: number;
  /** Share of the parent's deviation explained by this child (can exceed 1 or be negative when children offset). */
  readonly shareOfDeviation: number;
  /** Change of the child relative to its own expected (null when expected is 0: a new child). */
  readonly changePct: number | null;
}

export interface RootCauseOptions {
  /** Parent deviation; default: the sum of the children's deviations. */
  readonly parentDeviation?: number;
  /** Keep at most this many children (default: all). */
  readonly limit?: number;
}

/**
 * Ranks children by their contribution to the parent's deviation (actual - expected), in the direction of
 * the parent's deviation first: for a cost increase, the children that rose most come first.
 */
export function rankRootCauses(
  children: readonly ChildObservation[],
  options: RootCauseOptions = {},
): RootCause[] {
  const sum = children.reduce((acc, c) => acc + (c.actual - c.expected), 0);
  const parent = options.parentDeviation ?? sum;
  const sign = parent < 0 ? -1 : 1;
  const ranked = children
    .map((c): RootCause => {
      const deviation = c.actual - c.expected;
      return {
        key: c.key,
        ...(c.dimension === undefined ? {} : { dimension: c.dimension }),
        actual: c.actual,
        expected: c.expected,
        deviation,
        shareOfDeviation: parent !== 0 ? deviation / parent : 0,
        changePct: c.expected !== 0 ? deviation / Math.abs(c.expected) : null,
      };
    })
    .sort((a, b) => sign * (b.deviation - a.deviation) || a.key.localeCompare(b.key));
  return options.limit === undefined ? ranked : ranked.slice(0, options.limit);
}

/** A child series given as its own daily points (the engine computes its expected value). */
export interface ChildSeries {
  readonly key: string;
  readonly dimension?: string;
  readonly points: readonly CostPoint[];
}

/**
 * Root cause of a daily anomaly from the children's own histories: each child is scored causally with
 * the daily detector up to `date` (inclusive, YYYY-MM-DD); its expected value that day comes from its own
 * baseline, so a child that grew ranks first even when the parent's mix changed. Children with no point on
 * `date` count as actual 0 with the expected value their history implies (a child that vanished).
 */
export function rankChildSeries(
  children: readonly ChildSeries[],
  date: string,
  options: RootCauseOptions & { readonly detector?: Partial<CostDetectorOptions> } = {},
): RootCause[] {
  const day = toDayNumber(date);
  const observations: ChildObservation[] = children.map((child) => {
    const detector = new CostSeriesDetector(options.detector);
    let today: CostPoint = { date: day * 86_400_000, value: 0 };
    for (const p of child.points) {
      const d = toDayNumber(p.date);
      if (d < day) detector.push(p);
      else if (d === day) today = p;
    }
    const r = detector.push(today);
    const actual = r.actual ?? 0;
    const expected = r.expected ?? 0;
    return {
      key: child.key,
      ...(child.dimension === undefined ? {} : { dimension: child.dimension }),
      actual,
      expected,
    };
  });
  const { detector: _detector, ...rest } = options;
  return rankRootCauses(observations, rest);
}
