import type { ChartOption } from './chart';
import { formatMoney } from './format';

export interface StackSeries {
  name: string;
  values: readonly number[];
}

interface TooltipItem {
  seriesName?: string;
  value?: unknown;
  marker?: unknown;
  axisValueLabel?: string;
}

const PALETTE = [
  '#3f6fd8',
  '#e07b39',
  '#2f9e74',
  '#c2417a',
  '#8a63d2',
  '#c9a227',
  '#1f9bb8',
  '#d65454',
  '#5d8a3a',
  '#7b6f63',
  '#9aa3ad',
];

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The tooltip of a stacked chart: each non-zero series, largest first, then the total. */
export function stackTooltip(items: readonly TooltipItem[], currency: string): string {
  const rows = items
    .map((item) => ({ item, value: typeof item.value === 'number' ? item.value : 0 }))
    .filter((r) => r.value !== 0)
    .sort((a, b) => b.value - a.value);
  const total = rows.reduce((sum, r) => sum + r.value, 0);
  const head = escapeHtml(items[0]?.axisValueLabel ?? '');
  const lines = rows.map(
    (r) =>
      `${typeof r.item.marker === 'string' ? r.item.marker : ''}${escapeHtml(r.item.seriesName ?? '')}` +
      `<span style="float:right;margin-left:16px">${formatMoney(r.value, currency)}</span>`,
  );
  return [
    `<b>${head}</b>`,
    ...lines,
    `<b>Total<span style="float:right;margin-left:16px">${formatMoney(total, currency)}</span></b>`,
  ].join('<br/>');
}

/** Stacked bars per day (or month) and series, with zoom and a currency tooltip. */
export function stackedBarOption(
  dates: readonly string[],
  series: readonly StackSeries[],
  currency: string,
): ChartOption {
  return {
    color: PALETTE,
    animation: false,
    grid: { left: 8, right: 16, top: 48, bottom: 64, containLabel: true },
    legend: { type: 'scroll', top: 0 },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      confine: true,
      formatter: (params: unknown) => stackTooltip(Array.isArray(params) ? params : [params], currency),
    },
    xAxis: { type: 'category', data: [...dates] },
    yAxis: {
      type: 'value',
      axisLabel: { formatter: (value: number) => formatMoney(value, currency).replace(/\.00$/, '') },
    },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0 },
      { type: 'slider', xAxisIndex: 0, height: 20, bottom: 8 },
    ],
    series: series.map((s) => ({
      name: s.name,
      type: 'bar',
      stack: 'total',
      data: [...s.values],
    })),
  };
}

export interface CostItem {
  date: string;
  group: string;
  cost: number;
}

export interface GroupTotal {
  group: string;
  total: number;
}

/** Each group's total, largest first. */
export function groupTotals(items: readonly CostItem[]): GroupTotal[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.group, (totals.get(item.group) ?? 0) + item.cost);
  return [...totals]
    .map(([group, total]) => ({ group, total }))
    .sort((a, b) => b.total - a.total || a.group.localeCompare(b.group));
}

/** Items as stacked series: the `top` largest groups, the rest summed as "Other". */
export function stackByGroup(
  items: readonly CostItem[],
  top = 10,
): { dates: string[]; series: StackSeries[] } {
  const dates = [...new Set(items.map((i) => i.date))].sort();
  const index = new Map(dates.map((d, i) => [d, i]));
  const kept = groupTotals(items)
    .slice(0, top)
    .map((g) => g.group);
  const keptSet = new Set(kept);
  const values = new Map<string, number[]>();
  for (const name of [...kept, 'Other']) values.set(name, new Array<number>(dates.length).fill(0));
  for (const item of items) {
    const name = keptSet.has(item.group) ? item.group : 'Other';
    const row = values.get(name);
    const i = index.get(item.date);
    if (row && i !== undefined) row[i] = Math.round(((row[i] ?? 0) + item.cost) * 100) / 100;
  }
  const series = [...values].map(([name, v]) => ({ name, values: v }));
  return { dates, series: series.filter((s) => s.name !== 'Other' || s.values.some((v) => v !== 0)) };
}
