import { MAX_MERGED_ROWS, MonthShaper, OTHER_VALUE } from './month-shaper';

/** An aggregate row (AGGREGATE_COLUMNS order) with unblended = cost and line_items = n. */
const row = (date: string, usageType: string, cost: number, n = 1, service = 'AmazonEC2') => [
  date,
  '123456789012',
  service,
  'us-east-1',
  usageType,
  'usage',
  String(cost),
  String(cost),
  String(cost),
  String(cost),
  String(cost),
  '1',
  String(n),
];

describe('MonthShaper', () => {
  it('keeps the first N usage types, folds the rest into one merged row per day, totals whole', () => {
    const s = new MonthShaper(3);
    const batch = Array.from({ length: 10 }, (_, i) => row('2026-11-01', `type-${i}`, i + 1, 2));
    const now = s.take(batch);
    const rest = s.rest();
    expect(now.map((r) => r[4])).toEqual(['type-0', 'type-1', 'type-2']);
    expect(rest).toHaveLength(1);
    expect(rest[0]![4]).toBe(OTHER_VALUE);
    expect(Number(rest[0]![6])).toBe(4 + 5 + 6 + 7 + 8 + 9 + 10);
    expect(Number(rest[0]![12])).toBe(14);
    const total = [...now, ...rest].reduce((a, r) => a + Number(r[6]), 0);
    expect(total).toBe(55);
    expect(s.lineItems).toBe(20);
    expect(s.folded()).toEqual([{ dimension: 'usage_type', kept: 3, rows_folded: 7 }]);
  });

  it('keeps a value seen before the cap was reached, on later days too', () => {
    const s = new MonthShaper(1);
    expect(s.take([row('2026-11-01', 'a', 1), row('2026-11-01', 'b', 1)]).map((r) => r[4])).toEqual(['a']);
    expect(s.take([row('2026-11-02', 'a', 1), row('2026-11-02', 'c', 1)]).map((r) => r[4])).toEqual(['a']);
    expect(s.rest().map((r) => [r[0], r[4], r[6]])).toEqual([
      ['2026-11-01', OTHER_VALUE, '1'],
      ['2026-11-02', OTHER_VALUE, '1'],
    ]);
  });

  it('merges a real value equal to the marker with the folded rows (one row per key)', () => {
    const s = new MonthShaper(1);
    const now = s.take([
      row('2026-11-01', 'a', 1),
      row('2026-11-01', OTHER_VALUE, 2),
      row('2026-11-01', 'b', 3),
    ]);
    expect(now.map((r) => r[4])).toEqual(['a']);
    expect(s.rest().map((r) => [r[4], r[6]])).toEqual([[OTHER_VALUE, '5']]);
    expect(s.folded()).toEqual([{ dimension: 'usage_type', kept: 1, rows_folded: 1 }]);
  });

  it('bounds the merged rows: beyond MAX_MERGED_ROWS new keys fold on every dimension', () => {
    const s = new MonthShaper(1);
    s.take([row('2026-11-01', 'keep', 1, 1, 'svc-keep')]);
    const batch: string[][] = [];
    // Folded usage types over distinct kept... services cannot grow (cap 1): vary the day and charge class instead.
    for (let i = 0; i < MAX_MERGED_ROWS + 50; i++) {
      const r = row('2026-11-01', `t-${i}`, 1, 1, 'svc-keep');
      r[5] = `class-${i}`;
      batch.push(r);
    }
    s.take(batch);
    const rest = s.rest();
    expect(rest.length).toBeLessThanOrEqual(MAX_MERGED_ROWS + 50);
    const total = rest.reduce((a, r) => a + Number(r[6]), 0);
    expect(total).toBe(MAX_MERGED_ROWS + 50);
    expect(rest.filter((r) => r[2] === OTHER_VALUE && r[1] === OTHER_VALUE)).toHaveLength(50);
  });
});
