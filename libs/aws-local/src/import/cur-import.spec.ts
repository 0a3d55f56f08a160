import { athenaColumnName, detectFormat, targetName } from './cur-import';

describe('cur:import column names', () => {
  it('names legacy raw headers as the Athena integration does', () => {
    expect(athenaColumnName('lineItem/UsageStartDate')).toBe('line_item_usage_start_date');
    expect(athenaColumnName('lineItem/LineItemType')).toBe('line_item_line_item_type');
    expect(athenaColumnName('reservation/ReservationARN')).toBe('reservation_reservation_a_r_n');
    expect(athenaColumnName('pricing/publicOnDemandCost')).toBe('pricing_public_on_demand_cost');
    expect(athenaColumnName('resourceTags/user:team')).toBe('resource_tags_user_team');
    expect(athenaColumnName('resourceTags/user:CostCenter')).toBe('resource_tags_user_cost_center');
    expect(athenaColumnName('costCategory/Charge type')).toBe('cost_category_charge_type');
    expect(athenaColumnName('product/usagetype')).toBe('product_usagetype');
    expect(athenaColumnName('savingsPlan/TotalCommitmentToDate')).toBe(
      'savings_plan_total_commitment_to_date',
    );
  });

  it('tells the three formats apart and refuses what is not a CUR', () => {
    expect(detectFormat(['identity/LineItemId', 'lineItem/UsageStartDate'])).toBe('legacy');
    expect(detectFormat(['line_item_usage_start_date', 'line_item_unblended_cost'])).toBe('legacy');
    expect(detectFormat(['bill_payer_account_name', 'line_item_usage_start_date', 'product'])).toBe('cur2');
    expect(detectFormat(['BilledCost', 'ChargePeriodStart', 'ServiceName'])).toBe('focus');
    expect(() => detectFormat(['id', 'name'])).toThrow(/not a CUR/);
    expect(targetName('focus', 'x_UsageType')).toBe('x_usagetype');
    expect(targetName('cur2', 'line_item_usage_type')).toBe('line_item_usage_type');
  });
});
