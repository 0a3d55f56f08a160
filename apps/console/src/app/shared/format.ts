import type { Measure } from '@cost-optimizer/dto';

/** The cost measures in the order people look for them, with their labels (see AWS.md §4). */
export const MEASURES: readonly Measure[] = ['unblended', 'net_unblended', 'amortized', 'net_amortized'];

export const MEASURE_LABELS: Record<Measure, string> = {
  unblended: 'Unblended',
  net_unblended: 'Net unblended',
  amortized: 'Amortized',
  net_amortized: 'Net amortized',
};

export const MEASURE_HINTS: Record<Measure, string> = {
  unblended: 'What the line items cost',
  net_unblended: 'After discounts (EDP, private rates)',
  amortized: 'Reservations and Savings Plans spread over the usage they cover',
  net_amortized: 'Amortized, after discounts',
};

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** An amount in the tenant's currency, e.g. `$12,345.67` for USD. */
export function formatMoney(amount: number, currency = 'USD'): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    } catch {
      format = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(currency, format);
  }
  return format.format(amount);
}

/** A change in percent with its sign, e.g. `+12.3%`; `—` when there is nothing to compare with. */
export function formatChange(pct: number | null): string {
  if (pct === null || !Number.isFinite(pct)) return '—';
  const rounded = Math.round(pct * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}%`;
}

/** `a` compared with `b` in percent, or null when `b` is zero. */
export function percentChange(a: number, b: number): number | null {
  return b === 0 ? null : ((a - b) / Math.abs(b)) * 100;
}

/** Rising costs are bad news (red), falling costs good news (green). */
export function changeClass(pct: number | null): string {
  if (pct === null || Math.abs(pct) < 0.05) return 'change-flat';
  return pct > 0 ? 'change-up' : 'change-down';
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "5 minutes ago", "yesterday", ... */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** Bytes as MB with one decimal. */
export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** Milliseconds as `850 ms`, `12.3 s` or `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A local calendar day as `YYYY-MM-DD`. */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const dayFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric' });

/** A calendar day `YYYY-MM-DD` as `Nov 23, 2026`, without time-zone shifts. */
export function formatDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return dayFormat.format(new Date(y, m - 1, d));
}
