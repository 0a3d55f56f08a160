import { buildMonthQuery, monthRange, partitionPredicate, type CurTable } from './cur-sql';

const legacyCols = [
  'line_item_usage_start_date',
  'line_item_usage_account_id',
  'line_item_product_code',
  'line_item_usage_type',
  'line_item_line_item_type',
  'line_item_unblended_cost',
  'line_item_net_unblended_cost',
  'line_item_usage_amount',
  'pricing_public_on_demand_cost',
  'product_region',
  'savings_plan_savings_plan_effective_cost',
  'reservation_effective_cost',
  'reservation_reservation_a_r_n',
];
const legacy: CurTable = {
  format: 'legacy',
  database: 'athenacurcfn_my-report',
  table: '2024report',
  columns: legacyCols,
  partitionKeys: ['year', 'month'],
};

describe('CUR SQL builder', () => {
  it('computes half-open month ranges, across a year end', () => {
    expect(monthRange('2026-12')).toEqual({ start: '2026-12-01', end: '2027-01-01' });
    expect(monthRange('2026-02')).toEqual({ start: '2026-02-01', end: '2026-03-01' });
  });

  it('prunes legacy partitions with the values the catalog really holds (unpadded months)', () => {
    expect(
      partitionPredicate(legacy, '2026-07', [
        ['2026', '6'],
        ['2026', '7'],
      ]),
    ).toBe(`"year" = '2026' AND "month" = '7'`);
    expect(partitionPredicate(legacy, '2026-08', [['2026', '7']])).toBeNull();
    const cur2: CurTable = { ...legacy, format: 'cur2', partitionKeys: ['billing_period'] };
    expect(partitionPredicate(cur2, '2026-11', [['2026-11']])).toBe(`"billing_period" = '2026-11'`);
    expect(partitionPredicate({ ...legacy, partitionKeys: [] }, '2026-11', [])).toBeUndefined();
  });

  it('builds one quoted, pruned, grouped query for legacy CUR', () => {
    const sql = buildMonthQuery(legacy, '2026-07', [['2026', '7']])!;
    expect(sql).toContain('FROM "athenacurcfn_my-report"."2024report"');
    expect(sql).toContain(`"year" = '2026' AND "month" = '7'`);
    expect(sql).toContain(`"line_item_usage_start_date" >= TIMESTAMP '2026-07-01 00:00:00'`);
    expect(sql).toContain(`"line_item_usage_start_date" < TIMESTAMP '2026-08-01 00:00:00'`);
    expect(sql).toContain(`CAST(date_trunc('day', "line_item_usage_start_date") AS date) AS usage_date`);
    expect(sql).toContain(
      'WHEN \'SavingsPlanCoveredUsage\' THEN COALESCE(TRY_CAST("savings_plan_savings_plan_effective_cost" AS double), 0)',
    );
    expect(sql).toContain("WHEN 'RIFee' THEN 0 + 0"); // the table lacks the unused-RI columns: they count as 0
    expect(sql).toContain(`WHEN 'EdpDiscount' THEN 'discount'`);
    expect(sql).toMatch(/GROUP BY 1, 2, 3, 4, 5, 6$/);
  });

  it('falls back to unblended where a table has no net columns', () => {
    const sql = buildMonthQuery(
      { ...legacy, columns: legacyCols.filter((c) => c !== 'line_item_net_unblended_cost') },
      '2026-07',
      [['2026', '7']],
    )!;
    expect(sql).not.toContain('line_item_net_unblended_cost');
    expect(sql).toContain(
      'sum(COALESCE(TRY_CAST("line_item_unblended_cost" AS double), 0)) AS net_unblended',
    );
  });

  it('reads the region from the product map of CUR 2.0 when there is no region column', () => {
    const cur2: CurTable = {
      format: 'cur2',
      database: 'db',
      table: 't',
      columns: [...legacyCols.filter((c) => c !== 'product_region'), 'product', 'bill_payer_account_name'],
      partitionKeys: ['billing_period'],
    };
    expect(buildMonthQuery(cur2, '2026-11', [['2026-11']])).toContain(`element_at("product", 'region')`);
  });

  it('maps FOCUS columns', () => {
    const focus: CurTable = {
      format: 'focus',
      database: 'db',
      table: 'focus',
      columns: [
        'chargeperiodstart',
        'billedcost',
        'effectivecost',
        'listcost',
        'subaccountid',
        'servicename',
        'x_servicecode',
        'regionid',
        'chargecategory',
      ],
      partitionKeys: ['billing_period'],
    };
    const sql = buildMonthQuery(focus, '2026-11', [['2026-11']])!;
    expect(sql).toContain(`"chargeperiodstart" >= TIMESTAMP '2026-11-01 00:00:00'`);
    expect(sql).toContain(`sum(COALESCE(TRY_CAST("effectivecost" AS double), 0)) AS net_amortized`);
    expect(sql).toContain(
      `substr(COALESCE(NULLIF("x_servicecode", ''), NULLIF("servicename", ''), ''), 1, 256) AS service`,
    );
  });

  it('refuses identifiers that could break out of quotes', () => {
    expect(() =>
      buildMonthQuery({ ...legacy, table: 'x"; drop table y; --' }, '2026-07', [['2026', '7']]),
    ).toThrow(/unsafe identifier/);
  });
});
