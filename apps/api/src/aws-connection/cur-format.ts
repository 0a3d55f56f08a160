import type { CurFormat } from '@cost-optimizer/dto';

/** Columns each CUR format needs for ingestion (AWS.md §3); lower-case, as Athena shows them. */
export const REQUIRED_COLUMNS: Record<CurFormat, string[]> = {
  legacy: [
    'line_item_usage_start_date',
    'line_item_usage_account_id',
    'line_item_product_code',
    'line_item_usage_type',
    'line_item_line_item_type',
    'line_item_unblended_cost',
  ],
  cur2: [
    'line_item_usage_start_date',
    'line_item_usage_account_id',
    'line_item_product_code',
    'line_item_usage_type',
    'line_item_line_item_type',
    'line_item_unblended_cost',
    'bill_payer_account_name',
  ],
  focus: [
    'chargeperiodstart',
    'billedcost',
    'effectivecost',
    'subaccountid',
    'servicename',
    'chargecategory',
  ],
};

export const USAGE_START_COLUMN: Record<CurFormat, string> = {
  legacy: 'line_item_usage_start_date',
  cur2: 'line_item_usage_start_date',
  focus: 'chargeperiodstart',
};

export type Detection = { format: CurFormat; missing: string[] } | { format: null; missing: string[] };

/** Detect, never assume: FOCUS by billedcost + chargeperiodstart, CUR 2.0 by bill_payer_account_name, else legacy. */
export function detectCurFormat(columns: string[]): Detection {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  let format: CurFormat | null = null;
  if (have.has('billedcost') && have.has('chargeperiodstart')) format = 'focus';
  else if (have.has('line_item_usage_start_date') && have.has('line_item_unblended_cost'))
    format = have.has('bill_payer_account_name') ? 'cur2' : 'legacy';
  if (!format) {
    return {
      format: null,
      missing: ['line_item_usage_start_date', 'line_item_unblended_cost'].filter((c) => !have.has(c)),
    };
  }
  const missing = REQUIRED_COLUMNS[format].filter((c) => !have.has(c));
  if (
    format !== 'focus' &&
    !have.has('product_region') &&
    !have.has('product_region_code') &&
    !have.has('product')
  ) {
    missing.push('product_region_code');
  }
  return { format, missing };
}
