import type { Dashboard } from '@cost-optimizer/dto';

/** The dashboard's stacked chart shows this many services, then "Other". */
export const STACKED_SERVICES = 6;
export const OTHER = 'Other';

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * The top services by cost over the period, then everything else as "Other" (rows may already carry an "Other"
 * summed by the query; it always comes last).
 */
export function stackByService(
  dates: string[],
  rows: { date: string; service: string; cost: number }[],
  top = STACKED_SERVICES,
): Dashboard['daily_by_service'] {
  const totals = new Map<string, number>();
  for (const r of rows)
    if (r.service !== OTHER) totals.set(r.service, (totals.get(r.service) ?? 0) + Number(r.cost));
  const names = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const kept = names.slice(0, top);
  const hasOther = names.length > top || rows.some((r) => r.service === OTHER);
  const index = new Map(dates.map((d, i) => [d, i]));
  const series = [...kept, ...(hasOther ? [OTHER] : [])].map((name) => ({
    name: name || '(none)',
    costs: dates.map(() => 0),
  }));
  const slot = new Map(kept.map((n, i) => [n, i]));
  for (const r of rows) {
    const i = index.get(r.date);
    if (i === undefined) continue;
    const s = slot.get(r.service) ?? (hasOther ? kept.length : undefined);
    if (s === undefined) continue;
    series[s]!.costs[i] = round(series[s]!.costs[i]! + Number(r.cost));
  }
  return { dates, series };
}
