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
export function rankRootCauses(children: readonly ChildObservation[], options: RootCauseOptions = {}): RootCause[] {
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
