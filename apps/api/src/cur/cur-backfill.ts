import { quoteIdent } from '../aws/athena-runner';
import type { CurTable } from './cur-sql';

/** Months of history a default backfill reaches for: monthly and yearly patterns need 13. */
export const HISTORY_MONTHS = 13;
/** Complete days before yesterday that the anomaly models train on: a backfill always covers them. */
export const TRAINING_DAYS = 90;

const DAY_MS = 86_400_000;

/** 'YYYY-MM' of a 'YYYY-MM-DD' (or any ISO) date. */
export const monthOf = (day: string): string => day.slice(0, 7);

/** The month n months after (negative: before) the given 'YYYY-MM'. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1 + n, 1)).toISOString().slice(0, 7);
}

/** The n months ending with `newest`, newest first. */
export function monthsBack(newest: string, n: number): string[] {
  return Array.from({ length: Math.max(0, n) }, (_, i) => addMonths(newest, -i));
}

/**
 * The months holding the TRAINING_DAYS complete days before yesterday, through the current month, newest first.
 * On Dec 3 (yesterday Dec 2, days Sep 3 - Dec 1) that is Dec, Nov, Oct and Sep: 3 months would leave 27 days out.
 */
export function trainingMonths(today: string): string[] {
  const t = Date.parse(`${today.slice(0, 10)}T00:00:00Z`);
  const first = new Date(t - (TRAINING_DAYS + 1) * DAY_MS).toISOString().slice(0, 10);
  const months: string[] = [];
  for (let m = monthOf(today); m >= monthOf(first); m = addMonths(m, -1)) months.push(m);
  return months;
}

/**
 * Billing months the catalog's partitions hold, read from their values (0 bytes scanned): legacy `year`/`month`
 * (month often unpadded: '7'), CUR 2.0 and FOCUS `billing_period` ('2026-07', '202607' or a date). Null when no
 * partition key names the month (the caller asks Athena instead).
 */
export function partitionMonths(partitionKeys: string[], partitions: string[][]): Set<string> | null {
  const bp = partitionKeys.indexOf('billing_period');
  const y = partitionKeys.indexOf('year');
  const m = partitionKeys.indexOf('month');
  if (bp < 0 && (y < 0 || m < 0)) return null;
  const out = new Set<string>();
  for (const values of partitions) {
    if (bp >= 0) {
      const hit = /^(\d{4})-?(\d{2})/.exec(values[bp] ?? '');
      if (hit && Number(hit[2]) >= 1 && Number(hit[2]) <= 12) out.add(`${hit[1]}-${hit[2]}`);
      continue;
    }
    const year = Number(values[y]);
    const month = Number(values[m]);
    if (Number.isInteger(year) && year >= 1970 && Number.isInteger(month) && month >= 1 && month <= 12)
      out.add(`${year}-${String(month).padStart(2, '0')}`);
  }
  return out;
}

/**
 * For a table whose partitions do not name the month: the first usage time within the horizon, one column over a
 * bounded half-open time range (never the whole history). Athena answers one row: `first_usage`.
 */
export function firstUsageQuery(t: CurTable, oldest: string, newest: string): string {
  const start =
    t.format === 'focus' ? quoteIdent('chargeperiodstart') : quoteIdent('line_item_usage_start_date');
  const end = addMonths(newest, 1);
  return `SELECT min(${start}) AS first_usage\nFROM ${quoteIdent(t.database)}.${quoteIdent(t.table)}\nWHERE ${start} >= TIMESTAMP '${oldest}-01 00:00:00'\n  AND ${start} < TIMESTAMP '${end}-01 00:00:00'`;
}

/** The months from the first usage ('2026-03-14 ...', or empty: none) through `newest`. */
export function monthsFrom(firstUsage: string | null | undefined, newest: string): Set<string> {
  const out = new Set<string>();
  if (!firstUsage || !/^\d{4}-\d{2}/.test(firstUsage)) return out;
  for (let m = newest; m >= monthOf(firstUsage); m = addMonths(m, -1)) out.add(m);
  return out;
}

/**
 * The history horizon, newest first: CUR_BACKFILL_MONTHS when set, else HISTORY_MONTHS (never fewer than the
 * training months).
 */
export function horizon(today: string, override: number | null): string[] {
  const n = override ?? Math.max(HISTORY_MONTHS, trainingMonths(today).length);
  return monthsBack(monthOf(today), n);
}

/**
 * The first sync's months, newest first: the horizon's months the CUR holds (`available`; null: unknown, then the
 * whole horizon and empty months load nothing). Never more than the data has.
 */
export function planBackfill(
  today: string,
  available: Set<string> | null,
  override: number | null,
): string[] {
  const months = horizon(today, override);
  return available ? months.filter((m) => available.has(m)) : months;
}

/**
 * History the CUR gained later (e.g. the customer enabled backfill in AWS): the horizon's months the CUR holds that
 * are not loaded; `olderOnly` keeps those older than the oldest loaded month (what the nightly sync adds).
 */
export function missingHistory(
  today: string,
  available: Set<string> | null,
  loaded: Set<string>,
  override: number | null,
  olderOnly: boolean,
): string[] {
  if (!available) return [];
  const oldest = [...loaded].sort()[0];
  return planBackfill(today, available, override).filter(
    (m) => !loaded.has(m) && (!olderOnly || (oldest !== undefined && m < oldest)),
  );
}
