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
