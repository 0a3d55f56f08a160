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

/** Column index in an aggregate row (AGGREGATE_COLUMNS) of each rollup dimension, in ROLLUP_DIMENSIONS order. */
const DIMENSION_COLUMNS = [2, 1, 3, 4, 5] as const;

/**
 * Builds the rollup of aggregate rows while they stream into `cost_daily`, so a month replacement does not read
 * back what it just wrote. Gives the same sums as `rollupInsertSql` (which the migration uses for old data).
 */
export class RollupAccumulator {
  /** Per dimension: date -> name -> [unblended, net_unblended, amortized, net_amortized]. */
  private readonly sums = ROLLUP_DIMENSIONS.map(() => new Map<string, Map<string, number[]>>());
  private lastDate = '';
  private byDate: Map<string, number[]>[] = [];

  add(row: readonly string[]): void {
    const date = row[0]!;
    if (date !== this.lastDate) {
      // Rows mostly arrive grouped by day: look the day up once per run of rows.
      this.lastDate = date;
      this.byDate = this.sums.map((m) => {
        let names = m.get(date);
        if (!names) m.set(date, (names = new Map<string, number[]>()));
        return names;
      });
    }
    const u = Number(row[6] || 0);
    const nu = Number(row[7] || 0);
    const a = Number(row[8] || 0);
    const na = Number(row[9] || 0);
    for (let k = 0; k < DIMENSION_COLUMNS.length; k++) {
      const names = this.byDate[k]!;
      const name = row[DIMENSION_COLUMNS[k]!]!;
      const s = names.get(name);
      if (s) {
        s[0]! += u;
        s[1]! += nu;
        s[2]! += a;
        s[3]! += na;
      } else names.set(name, [u, nu, a, na]);
    }
  }

  /** Rows in `cost_rollup_daily` column order after tenant_id: usage_date, dimension, name, four measures. */
  *rows(): Generator<string[]> {
    for (let k = 0; k < ROLLUP_DIMENSIONS.length; k++)
      for (const [date, names] of this.sums[k]!)
        for (const [name, s] of names) yield [date, ROLLUP_DIMENSIONS[k]!, name, ...s.map(String)];
  }
}
