import type { CurFormat } from '@cost-optimizer/dto';
import { quoteIdent, quoteLiteral } from '../aws/athena-runner';

/** What the builder needs to know about the customer's table (read at connect time). */
export interface CurTable {
  format: CurFormat;
  database: string;
  table: string;
  columns: string[];
  partitionKeys: string[];
}

/** The columns of one aggregated row, in the order the query returns them. */
export const AGGREGATE_COLUMNS = [
  'usage_date',
  'account_id',
  'service',
  'region',
  'usage_type',
  'charge_class',
  'unblended',
  'net_unblended',
  'amortized',
  'net_amortized',
  'public_on_demand',
  'usage_quantity',
  'line_items',
] as const;
export type AggregateColumn = (typeof AGGREGATE_COLUMNS)[number];

/** line_item_line_item_type -> charge class (AWS.md §4); unknown types are kept as "other". */
const CHARGE_CLASS: Record<string, string> = {
  Usage: 'usage',
  DiscountedUsage: 'usage',
  SavingsPlanCoveredUsage: 'usage',
  RIFee: 'commitment_fee',
  SavingsPlanRecurringFee: 'commitment_fee',
  SavingsPlanUpfrontFee: 'commitment_fee',
  Fee: 'commitment_fee',
  EdpDiscount: 'discount',
  PrivateRateDiscount: 'discount',
  BundledDiscount: 'discount',
  SavingsPlanNegation: 'discount',
  Credit: 'credit',
  Refund: 'refund',
  Tax: 'tax',
};
/** FOCUS ChargeCategory -> charge class. */
const FOCUS_CHARGE_CLASS: Record<string, string> = {
  Usage: 'usage',
  Purchase: 'commitment_fee',
  Tax: 'tax',
  Credit: 'credit',
  Adjustment: 'other',
};

export function monthRange(month: string): { start: string; end: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { start: `${month}-01`, end: `${next}-01` };
}

function caseMap(expr: string, map: Record<string, string>, otherwise: string): string {
  const whens = Object.entries(map)
    .map(([k, v]) => `WHEN ${quoteLiteral(k)} THEN ${quoteLiteral(v)}`)
    .join(' ');
  return `CASE ${expr} ${whens} ELSE ${otherwise} END`;
}

/** Whether a partition (its values, in partition-key order) holds the billing month. */
export function partitionOfMonth(t: CurTable, month: string, values: string[]): boolean {
  const [y, m] = month.split('-');
  return t.partitionKeys.every((k, i) => {
    const v = values[i] ?? '';
    if (k === 'billing_period') return v === month || v.replace(/-/g, '') === `${y}${m}`;
    if (k === 'year') return Number(v) === Number(y);
    if (k === 'month') return Number(v) === Number(m);
    return true; // other keys (e.g. a report version): any value
  });
}

/**
 * The longest text value stored per field (account, service, region, usage type): the query cuts longer ones, so a
 * CUR value (Marketplace sellers name their own usage types) cannot make rows of any size.
 */
export const MAX_FIELD_CHARS = 256;

/**
 * The partition predicate for one billing month, from the partition values the catalog really holds
 * (legacy months are usually unpadded: '7'). Null when the table has no partitions for the month.
 */
export function partitionPredicate(
  t: CurTable,
  month: string,
  partitions: string[][],
): string | null | undefined {
  if (t.partitionKeys.length === 0) return undefined; // not partitioned: only the time range prunes
  const matching = partitions.filter((values) => partitionOfMonth(t, month, values));
  if (matching.length === 0) return null;
  const keys = t.partitionKeys.filter((k) => ['billing_period', 'year', 'month'].includes(k));
  if (keys.length === 0) return undefined;
  const disjuncts = [
    ...new Set(
      matching.map((values) =>
        keys
          .map((k) => `${quoteIdent(k)} = ${quoteLiteral(values[t.partitionKeys.indexOf(k)] ?? '')}`)
          .join(' AND '),
      ),
    ),
  ];
  return disjuncts.length === 1 ? disjuncts[0]! : `(${disjuncts.map((d) => `(${d})`).join(' OR ')})`;
}

/**
 * One aggregate query per billing month: partition-pruned, a half-open time range, grouped by UTC day, usage
 * account, service, region, usage type and charge class, summing every measure. Identifiers are quoted; the
 * only literals are the month's dates and partition values read from the catalog.
 */
export function buildMonthQuery(t: CurTable, month: string, partitions: string[][]): string | null {
  const have = new Set(t.columns.map((c) => c.toLowerCase()));
  const col = (name: string) => quoteIdent(name);
  // TRY_CAST: tables made over the CSV CUR (OpenCSVSerDe) type every column as string, and some CURs write empty
  // numbers as text ('None'); a number that does not parse counts as 0 rather than failing the whole month.
  const num = (name: string) => (have.has(name) ? `COALESCE(TRY_CAST(${col(name)} AS double), 0)` : '0');
  const str = (...names: string[]) => {
    const found = names.filter((n) => have.has(n) || n.includes('('));
    if (found.length === 0) return "''";
    return `substr(COALESCE(${found.map((n) => (n.includes('(') ? n : `NULLIF(${col(n)}, '')`)).join(', ')}, ''), 1, ${MAX_FIELD_CHARS})`;
  };
  const range = monthWhere(t, month, partitions);
  if (range === null) return null;

  let select: string[];
  const usageStart = range.usageStart;
  if (t.format === 'focus') {
    const billed = num('billedcost');
    const effective = num('effectivecost');
    const chargeClass = have.has('x_lineitemtype')
      ? caseMap(
          col('x_lineitemtype'),
          CHARGE_CLASS,
          caseMap(col('chargecategory'), FOCUS_CHARGE_CLASS, "'other'"),
        )
      : caseMap(col('chargecategory'), FOCUS_CHARGE_CLASS, "'other'");
    select = [
      str('subaccountid'),
      str('x_servicecode', 'servicename'),
      str('regionid'),
      str('x_usagetype'),
      chargeClass,
      `sum(${billed})`,
      `sum(${billed})`,
      `sum(${effective})`,
      `sum(${effective})`,
      `sum(${num('listcost')})`,
      `sum(${num('consumedquantity')})`,
    ];
  } else {
    const type = col('line_item_line_item_type');
    const unblended = num('line_item_unblended_cost');
    const netUnblended = have.has('line_item_net_unblended_cost')
      ? num('line_item_net_unblended_cost')
      : unblended;
    const amortized = (net: boolean) => `CASE ${type}
      WHEN 'SavingsPlanCoveredUsage' THEN ${num('savings_plan_savings_plan_effective_cost')}
      WHEN 'SavingsPlanRecurringFee' THEN ${num('savings_plan_total_commitment_to_date')} - ${num('savings_plan_used_commitment')}
      WHEN 'SavingsPlanNegation' THEN 0
      WHEN 'SavingsPlanUpfrontFee' THEN 0
      WHEN 'DiscountedUsage' THEN ${num('reservation_effective_cost')}
      WHEN 'RIFee' THEN ${num('reservation_unused_amortized_upfront_fee_for_billing_period')} + ${num('reservation_unused_recurring_fee')}
      WHEN 'Fee' THEN CASE WHEN ${have.has('reservation_reservation_a_r_n') ? `COALESCE(${col('reservation_reservation_a_r_n')}, '')` : "''"} <> '' THEN 0 ELSE ${net ? netUnblended : unblended} END
      ELSE ${net ? netUnblended : unblended} END`;
    const region =
      t.format === 'cur2' &&
      have.has('product') &&
      !have.has('product_region_code') &&
      !have.has('product_region')
        ? str(`element_at(${col('product')}, 'region')`)
        : str('product_region_code', 'product_region');
    select = [
      str('line_item_usage_account_id'),
      str('line_item_product_code'),
      region,
      str('line_item_usage_type'),
      caseMap(type, CHARGE_CLASS, "'other'"),
      `sum(${unblended})`,
      `sum(${netUnblended})`,
      `sum(${amortized(false)})`,
      `sum(${amortized(true)})`,
      `sum(${num('pricing_public_on_demand_cost')})`,
      `sum(${num('line_item_usage_amount')})`,
    ];
  }
  const exprs = [`CAST(date_trunc('day', ${usageStart}) AS date)`, ...select, 'count(*)'];
  return `SELECT\n  ${exprs.map((e, i) => `${e} AS ${AGGREGATE_COLUMNS[i]}`).join(',\n  ')}\nFROM ${col(t.database)}.${col(t.table)}\nWHERE ${range.where.join('\n  AND ')}\nGROUP BY 1, 2, 3, 4, 5, 6`;
}

/** The month's rows: its partitions (null: none in the catalog) and the half-open usage time range. */
function monthWhere(
  t: CurTable,
  month: string,
  partitions: string[][],
): { usageStart: string; where: string[] } | null {
  const { start, end } = monthRange(month);
  const pred = partitionPredicate(t, month, partitions);
  if (pred === null) return null;
  const usageStart = quoteIdent(t.format === 'focus' ? 'chargeperiodstart' : 'line_item_usage_start_date');
  return {
    usageStart,
    where: [
      ...(pred ? [pred] : []),
      `${usageStart} >= TIMESTAMP '${start} 00:00:00'`,
      `${usageStart} < TIMESTAMP '${end} 00:00:00'`,
    ],
  };
}

/**
 * How many CUR line items the month holds, over exactly the rows of buildMonthQuery (whose `line_items` sum to it):
 * one row, `line_items`. Run only to tell a CUR that really shrank from an incomplete result.
 */
export function buildCountQuery(t: CurTable, month: string, partitions: string[][]): string | null {
  const range = monthWhere(t, month, partitions);
  if (range === null) return null;
  return `SELECT count(*) AS line_items\nFROM ${quoteIdent(t.database)}.${quoteIdent(t.table)}\nWHERE ${range.where.join('\n  AND ')}`;
}
