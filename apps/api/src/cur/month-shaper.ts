// What one month's Athena result may put in memory and in the tables: framework-free, so unit tests load it alone.
import { AGGREGATE_COLUMNS } from './cur-sql';

/** The value that stands for every value beyond a dimension's cap. */
export const OTHER_VALUE = '(other)';

/** The dimensions whose values the tenant's CUR controls, with their column in an aggregate row. */
export const CAPPED_DIMENSIONS = [
  ['account', AGGREGATE_COLUMNS.indexOf('account_id')],
  ['service', AGGREGATE_COLUMNS.indexOf('service')],
  ['region', AGGREGATE_COLUMNS.indexOf('region')],
  ['usage_type', AGGREGATE_COLUMNS.indexOf('usage_type')],
] as const;
export type CappedDimension = (typeof CAPPED_DIMENSIONS)[number][0];

/** A dimension of a month that had more distinct values than the cap. */
export interface FoldedDimension {
  dimension: CappedDimension;
  /** Distinct values kept (the cap). */
  kept: number;
  /** Result rows whose value was shown as OTHER_VALUE. */
  rows_folded: number;
}

const FIRST_MEASURE = AGGREGATE_COLUMNS.indexOf('unblended');
const LINE_ITEMS = AGGREGATE_COLUMNS.indexOf('line_items');
/** Folded rows merged in memory at most; beyond it, new ones are folded on every capped dimension (see take()). */
export const MAX_MERGED_ROWS = 100_000;

/**
 * Streams one month's aggregate rows towards the load, keeping memory bounded whatever the CUR holds:
 * - per dimension, the first `maxDistinct` distinct values of the month are kept and the others become
 *   OTHER_VALUE (the totals stay whole; which dimensions were folded is reported, see folded());
 * - rows that folding makes equal (same day and values) are merged, summing their measures, and emitted at the end
 *   (one row per key, as the detail table holds); at most MAX_MERGED_ROWS of them, beyond which a new one is folded
 *   on every capped dimension, leaving one key per day and charge class;
 * - it counts the CUR line items the rows stand for (their `line_items`), for the completeness check.
 * The distinct values seen are at most `maxDistinct` per dimension, so the rollup built from these rows holds at most
 * `maxDistinct + 1` names per dimension and day.
 */
export class MonthShaper {
  lineItems = 0;
  private readonly seen = CAPPED_DIMENSIONS.map(() => new Set<string>());
  private readonly foldedRows = CAPPED_DIMENSIONS.map(() => 0);
  private readonly merged = new Map<string, string[]>();

  constructor(private readonly maxDistinct: number) {}

  /** The rows of a batch to load now; folded ones are held back (merged) until rest(). */
  take(batch: readonly string[][]): string[][] {
    const out: string[][] = [];
    for (const row of batch) {
      this.lineItems += Number(row[LINE_ITEMS] || 0);
      let folded = false;
      let r = row;
      for (let k = 0; k < CAPPED_DIMENSIONS.length; k++) {
        const col = CAPPED_DIMENSIONS[k]![1];
        const v = r[col] ?? '';
        const seen = this.seen[k]!;
        if (v === OTHER_VALUE)
          folded = true; // a real value equal to the marker merges with the folded ones
        else if (!seen.has(v)) {
          if (seen.size < this.maxDistinct) seen.add(v);
          else {
            if (r === row) r = [...row];
            r[col] = OTHER_VALUE;
            this.foldedRows[k]!++;
            folded = true;
          }
        }
      }
      if (folded) this.merge(r);
      else out.push(r);
    }
    return out;
  }

  /** The merged folded rows (call once, after the last batch). */
  rest(): string[][] {
    const rows = [...this.merged.values()];
    this.merged.clear();
    return rows;
  }

  /** The dimensions this month folded, if any. */
  folded(): FoldedDimension[] {
    return CAPPED_DIMENSIONS.flatMap(([dimension], k) =>
      this.foldedRows[k]! > 0
        ? [{ dimension, kept: this.seen[k]!.size, rows_folded: this.foldedRows[k]! }]
        : [],
    );
  }

  private merge(row: string[]): void {
    let key = row.slice(0, FIRST_MEASURE).join('\u0000');
    let into = this.merged.get(key);
    if (!into && this.merged.size >= MAX_MERGED_ROWS) {
      row = [...row];
      for (const [, col] of CAPPED_DIMENSIONS) row[col] = OTHER_VALUE;
      key = row.slice(0, FIRST_MEASURE).join('\u0000');
      into = this.merged.get(key);
    }
    if (!into) {
      this.merged.set(key, [...row]);
      return;
    }
    for (let i = FIRST_MEASURE; i < row.length; i++)
      into[i] = String(Number(into[i] || 0) + Number(row[i] || 0));
  }
}
