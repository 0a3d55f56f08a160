import { InjectionToken } from '@angular/core';
import type { CostsQuery, GroupBy } from '@cost-optimizer/dto';
import type { CostItem } from '../shared/chart-options';
import { isoDay } from '../shared/format';

export type RangePreset =
  'last_7' | 'last_30' | 'last_90' | 'this_month' | 'last_month' | 'last_12_months' | 'custom';

export const RANGE_PRESETS: readonly { value: RangePreset; label: string }[] = [
  { value: 'last_7', label: 'Last 7 days' },
  { value: 'last_30', label: 'Last 30 days' },
  { value: 'last_90', label: 'Last 90 days' },
  { value: 'this_month', label: 'This month' },
  { value: 'last_month', label: 'Last month' },
  { value: 'last_12_months', label: 'Last 12 months' },
  { value: 'custom', label: 'Custom' },
];

export const GROUP_BY_LABELS: Record<GroupBy, string> = {
  service: 'Service',
  account: 'Account',
  region: 'Region',
  usage_type: 'Usage type',
  charge_class: 'Charge class',
};

/** Today, as the page sees it (a fixed day in tests). */
export const TODAY = new InjectionToken<() => Date>('TODAY', { factory: () => () => new Date() });

/** The first and last day (inclusive) of a preset range, in local days. */
export function presetRange(
  preset: Exclude<RangePreset, 'custom'>,
  today: Date,
): { from: string; to: string } {
  const y = today.getFullYear();
  const m = today.getMonth();
  const d = today.getDate();
  const daysBack = (n: number) => ({ from: isoDay(new Date(y, m, d - (n - 1))), to: isoDay(today) });
  switch (preset) {
    case 'last_7':
      return daysBack(7);
    case 'last_30':
      return daysBack(30);
    case 'last_90':
      return daysBack(90);
    case 'this_month':
      return { from: isoDay(new Date(y, m, 1)), to: isoDay(today) };
    case 'last_month':
      return { from: isoDay(new Date(y, m - 1, 1)), to: isoDay(new Date(y, m, 0)) };
    case 'last_12_months':
      return { from: isoDay(new Date(y, m - 11, 1)), to: isoDay(today) };
  }
}

/** The query string of GET /api/costs (no measure: the tenant's default). */
export function costsParams(query: CostsQuery): Record<string, string> {
  const params: Record<string, string> = {
    from: query.from,
    to: query.to,
    group_by: query.group_by,
    granularity: query.granularity,
  };
  if (query.measure) params['measure'] = query.measure;
  return params;
}

/**
 * One CSV field. Names come from the CUR (Marketplace sellers choose product names): one that starts like a formula
 * (= + - @, tab, carriage return) gets a leading apostrophe, so a spreadsheet shows it as text instead of running it
 * (OWASP CSV injection).
 */
const csvField = (raw: string): string => {
  const value = /^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
};

/** The items as CSV with the header `date,group,cost`. */
export function toCsv(items: readonly CostItem[]): string {
  const lines = items.map((i) => `${i.date},${csvField(i.group)},${String(i.cost)}`);
  return ['date,group,cost', ...lines].join('\n') + '\n';
}
