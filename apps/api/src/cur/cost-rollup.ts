/**
 * The daily rollup (`cost_rollup_daily`): per tenant and UTC day, the four cost measures summed by each single
 * dimension the dashboard and `/api/costs` group by. A year for 20 accounts x 40 services x 6 regions is ~1.7 M
 * rows in `cost_daily` but ~25 k here, so the dashboard reads kilobytes instead of scanning the detail table.
 * It is rebuilt for a (tenant, month) slice in the same transaction that replaces that slice of `cost_daily`.
 */

/** Values of `cost_rollup_daily.dimension`: the same names as the `group_by` of `/api/costs`. */
export const ROLLUP_DIMENSIONS = ['service', 'account', 'region', 'usage_type', 'charge_class'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

/**
 * Inserts the rollup rows of `cost_daily` rows matching `where` (which may use the caller's parameters).
 * The grouped column of each grouping set is never null (all are `not null`), so `coalesce` picks it.
 */
export function rollupInsertSql(where: string): string {
  return `insert into cost_rollup_daily (tenant_id, usage_date, dimension, name, unblended, net_unblended, amortized, net_amortized)
    select tenant_id, usage_date,
           case when grouping(service) = 0 then 'service'
                when grouping(account_id) = 0 then 'account'
                when grouping(region) = 0 then 'region'
                when grouping(usage_type) = 0 then 'usage_type'
                else 'charge_class' end,
           coalesce(service, account_id, region, usage_type, charge_class),
           sum(unblended), sum(net_unblended), sum(amortized), sum(net_amortized)
      from cost_daily
     where ${where}
     group by tenant_id, usage_date, grouping sets ((service), (account_id), (region), (usage_type), (charge_class))`;
}

const DIMENSION_COLUMN: Record<RollupDimension, number> = {
  account: 1,
  service: 2,
  region: 3,
  usage_type: 4,
  charge_class: 5,
};
/** Indexes of unblended, net_unblended, amortized, net_amortized in an aggregate row (AGGREGATE_COLUMNS). */
const MEASURES = [6, 7, 8, 9] as const;

/**
 * Builds the rollup of aggregate rows while they stream into `cost_daily`, so a month replacement does not read
 * back what it just wrote. Gives the same sums as `rollupInsertSql` (which the migration uses for old data).
 */
export class RollupAccumulator {
  private readonly sums = new Map<string, number[]>();

  add(row: readonly string[]): void {
    const date = row[0]!;
    const m = MEASURES.map((i) => Number(row[i] || 0));
    for (const dimension of ROLLUP_DIMENSIONS) {
      const key = `${date}\t${dimension}\t${row[DIMENSION_COLUMN[dimension]]!}`;
      const s = this.sums.get(key);
      if (s) for (let i = 0; i < 4; i++) s[i]! += m[i]!;
      else this.sums.set(key, [...m]);
    }
  }

  /** Rows in `cost_rollup_daily` column order after tenant_id: usage_date, dimension, name, four measures. */
  *rows(): Generator<string[]> {
    for (const [key, s] of this.sums) yield [...key.split('\t'), ...s.map(String)];
  }

  get size(): number {
    return this.sums.size;
  }
}
