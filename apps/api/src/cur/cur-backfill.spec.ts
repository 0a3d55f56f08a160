import {
  firstUsageQuery,
  horizon,
  missingHistory,
  monthsFrom,
  partitionMonths,
  planBackfill,
  trainingMonths,
} from './cur-backfill';
import type { CurTable } from './cur-sql';

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

describe('the backfill plan', () => {
  it('covers the 90 complete days before yesterday on every day of two years', () => {
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2027, 0, 1); t += DAY) {
      const today = iso(t);
      const months = trainingMonths(today);
      const oldestNeeded = iso(t - 91 * DAY); // yesterday minus 90 days
      expect({ today, covers: months.at(-1)! <= oldestNeeded.slice(0, 7) }).toEqual({ today, covers: true });
      expect(months[0]).toBe(today.slice(0, 7));
      // 3 months are not enough early in a month: the bug this plan fixes.
      if (today.endsWith('-03')) expect(months.length).toBe(4);
    }
  });

  it('takes 13 months when the CUR has them, newest first, and never more than the data has', () => {
    const all = new Set(horizon('2026-12-03', null).concat(['2025-01', '2024-12']));
    const plan = planBackfill('2026-12-03', all, null);
    expect(plan).toHaveLength(13);
    expect(plan[0]).toBe('2026-12');
    expect(plan.at(-1)).toBe('2025-12');
    expect([...plan].sort().reverse()).toEqual(plan);
    // A CUR started in August: only its months.
    const young = new Set(['2026-08', '2026-09', '2026-10', '2026-11', '2026-12']);
    expect(planBackfill('2026-12-03', young, null)).toEqual([
      '2026-12',
      '2026-11',
      '2026-10',
      '2026-09',
      '2026-08',
    ]);
    // Unknown months: the whole horizon (empty months load nothing).
    expect(planBackfill('2026-12-03', null, null)).toHaveLength(13);
  });

  it('CUR_BACKFILL_MONTHS overrides the count', () => {
    const all = new Set(horizon('2026-12-03', 24));
    expect(planBackfill('2026-12-03', all, 5)).toEqual([
      '2026-12',
      '2026-11',
      '2026-10',
      '2026-09',
      '2026-08',
    ]);
    expect(planBackfill('2026-12-03', all, 24)).toHaveLength(24);
  });

  it('finds history the CUR gained later: every missing month, or only older ones for the nightly sync', () => {
    const all = new Set(horizon('2026-12-03', null));
    const loaded = new Set(['2026-12', '2026-11', '2026-10', '2026-09', '2026-07']);
    const older = missingHistory('2026-12-03', all, loaded, null, true);
    expect(older[0]).toBe('2026-06');
    expect(older.at(-1)).toBe('2025-12');
    expect(older).not.toContain('2026-08');
    expect(missingHistory('2026-12-03', all, loaded, null, false)).toContain('2026-08');
    expect(missingHistory('2026-12-03', null, loaded, null, false)).toEqual([]);
  });
});

describe('which months the CUR holds', () => {
  it('reads legacy year/month partitions, unpadded or not', () => {
    const months = partitionMonths(
      ['year', 'month'],
      [
        ['2026', '7'],
        ['2026', '10'],
        ['2025', '01'],
        ['x', '1'],
      ],
    );
    expect([...months!].sort()).toEqual(['2025-01', '2026-07', '2026-10']);
  });

  it('reads CUR 2.0 and FOCUS billing periods in their spellings', () => {
    const months = partitionMonths(
      ['billing_period'],
      [['2026-07'], ['202608'], ['2026-09-01T00:00:00.000Z'], ['junk']],
    );
    expect([...months!].sort()).toEqual(['2026-07', '2026-08', '2026-09']);
    expect(partitionMonths(['report_version', 'billing_period'], [['v1', '2026-11']])).toEqual(
      new Set(['2026-11']),
    );
  });

  it('says it does not know when no partition key names the month', () => {
    expect(partitionMonths([], [])).toBeNull();
    expect(partitionMonths(['year'], [['2026']])).toBeNull();
  });

  it('asks Athena one bounded min() for a table without month partitions', () => {
    const t: CurTable = { format: 'legacy', database: 'db-1', table: 'cur', columns: [], partitionKeys: [] };
    const sql = firstUsageQuery(t, '2025-12', '2026-12');
    expect(sql).toContain('min("line_item_usage_start_date")');
    expect(sql).toContain(`>= TIMESTAMP '2025-12-01 00:00:00'`);
    expect(sql).toContain(`< TIMESTAMP '2027-01-01 00:00:00'`);
    expect(sql).toContain('"db-1"');
    expect(firstUsageQuery({ ...t, format: 'focus' }, '2025-12', '2026-12')).toContain('"chargeperiodstart"');
    expect([...monthsFrom('2026-09-14 03:00:00.000', '2026-12')]).toEqual([
      '2026-12',
      '2026-11',
      '2026-10',
      '2026-09',
    ]);
    expect(monthsFrom(null, '2026-12').size).toBe(0);
  });
});
