import { detectCurFormat } from './cur-format';

const legacy = [
  'line_item_usage_start_date',
  'line_item_usage_account_id',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_line_item_type',
  'line_item_unblended_cost',
  'product_region',
];

describe('detectCurFormat', () => {
  it('recognises legacy CUR', () => {
    expect(detectCurFormat(legacy)).toEqual({ format: 'legacy', missing: [] });
  });
  it('recognises CUR 2.0 by bill_payer_account_name, with the product map for region', () => {
    const cols = [...legacy.filter((c) => c !== 'product_region'), 'bill_payer_account_name', 'product'];
    expect(detectCurFormat(cols)).toEqual({ format: 'cur2', missing: [] });
  });
  it('recognises FOCUS and names its missing columns', () => {
    expect(detectCurFormat(['ChargePeriodStart', 'BilledCost'])).toEqual({
      format: 'focus',
      missing: ['effectivecost', 'subaccountid', 'servicename', 'chargecategory'],
    });
  });
  it('names what makes a table not a CUR', () => {
    expect(detectCurFormat(['foo', 'line_item_unblended_cost'])).toEqual({
      format: null,
      missing: ['line_item_usage_start_date'],
    });
  });
  it('reports a legacy table without any region column', () => {
    expect(detectCurFormat(legacy.filter((c) => c !== 'product_region')).missing).toEqual([
      'product_region_code',
    ]);
  });
});
