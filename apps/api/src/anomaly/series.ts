// Pure logic of anomaly detection in the product: no Nest, no database. Rows in, series and decisions out.
import {
  buildEpisodes,
  rankRootCauses,
  scoreCostSeries,
  type CostDayResult,
  type AnomalyKind,
  type CostDetectorOptions,
  type Episode,
} from '@cost-optimizer/anomaly-engine';
import type { AnomalyRootCause, MonitorDimension, MonitorFilter } from '@cost-optimizer/dto';

/** One aggregated usage row of cost_daily in the measure being watched. */
export interface UsageRow {
  date: string;
  service: string;
  account: string;
  region: string;
  usage_type: string;
  cost: number;
}

export type ChildDimension = 'service' | 'account' | 'region' | 'usage_type';
export const CHILD_DIMENSIONS: readonly ChildDimension[] = ['service', 'account', 'region', 'usage_type'];

export interface MonitorSpec {
  dimension: MonitorDimension;
  filter: MonitorFilter;
}

const DAY = 86_400_000;
export const addDays = (date: string, n: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
export const daysBetween = (a: string, b: string): number =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY);

const FILTER_FIELDS: Record<keyof MonitorFilter, ChildDimension> = {
  services: 'service',
  accounts: 'account',
  regions: 'region',
  usage_types: 'usage_type',
};

export function matchesFilter(filter: MonitorFilter, row: UsageRow): boolean {
  for (const [k, field] of Object.entries(FILTER_FIELDS) as [keyof MonitorFilter, ChildDimension][]) {
    const allowed = filter[k];
    if (allowed && allowed.length > 0 && !allowed.includes(row[field])) return false;
  }
  return true;
}

/** Separator of the parts of a composite series key ("AmazonDynamoDB / 111122223333 / TimedStorage-ByteHrs"). */
export const KEY_SEPARATOR = ' / ';

/** The series a row belongs to in a monitor ('total' / 'custom' for single-series monitors). */
export function seriesKey(dimension: MonitorDimension, row: UsageRow): string | null {
  switch (dimension) {
    case 'total':
    case 'custom':
      return dimension;
    case 'service':
    case 'account':
    case 'region':
    case 'usage_type':
      return row[dimension] || '(none)';
    case 'service_account':
      return [row.service || '(none)', row.account || '(none)'].join(KEY_SEPARATOR);
    case 'account_usage_type':
      return [row.service || '(none)', row.account || '(none)', row.usage_type || '(none)'].join(
        KEY_SEPARATOR,
      );
    case 'tag':
      return null;
  }
}

/** The dimension values every row of a series shares (its filter and its key): what it is "about". */
export type SeriesScope = Partial<Record<ChildDimension, string>>;

export function scopeOf(monitor: MonitorSpec, value: string): SeriesScope {
  const scope: SeriesScope = {};
  for (const [k, field] of Object.entries(FILTER_FIELDS) as [keyof MonitorFilter, ChildDimension][]) {
    const allowed = monitor.filter[k];
    if (allowed && allowed.length === 1) scope[field] = allowed[0]!;
  }
  switch (monitor.dimension) {
    case 'service':
    case 'account':
    case 'region':
    case 'usage_type':
      scope[monitor.dimension] = value;
      break;
    case 'service_account':
    case 'account_usage_type': {
      const [service, account, ...rest] = value.split(KEY_SEPARATOR);
      if (service !== undefined) scope.service = service;
      if (account !== undefined) scope.account = account;
      if (monitor.dimension === 'account_usage_type' && rest.length > 0)
        scope.usage_type = rest.join(KEY_SEPARATOR);
      break;
    }
    default:
      break;
  }
  return scope;
}

/** Monitors whose series are fine-grained (many per tenant): they get the stricter false-alarm budget. */
export const DETAIL_DIMENSIONS: readonly MonitorDimension[] = ['service_account', 'account_usage_type'];

/**
 * Whether a fine series (e.g. one usage type of one account) carries enough spend to be watched on its own: its
 * mean daily cost over the last 28 days or over the whole window reaches `minShare` of the tenant's mean daily
 * usage cost, or `minUsd` a day.
 */
export function isMaterial(
  sums: Map<string, number>,
  from: string,
  to: string,
  tenantDaily: number,
  minShare: number,
  minUsd: number,
): boolean {
  const recentFrom = addDays(to, -27) > from ? addDays(to, -27) : from;
  const meanOf = (a: string): number => {
    let total = 0;
    for (const [d, v] of sums) if (d >= a && d <= to) total += v;
    return total / Math.max(1, daysBetween(a, to) + 1);
  };
  const mean = Math.max(meanOf(from), meanOf(recentFrom));
  return mean >= minUsd || (tenantDaily > 0 && mean >= minShare * tenantDaily);
}

/** The rows of each series of a monitor. */
export function rowsBySeries(monitor: MonitorSpec, rows: readonly UsageRow[]): Map<string, UsageRow[]> {
  const out = new Map<string, UsageRow[]>();
  for (const r of rows) {
    if (!matchesFilter(monitor.filter, r)) continue;
    const key = seriesKey(monitor.dimension, r);
    if (key === null) continue;
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(r);
  }
  return out;
}

/** Mean daily cost of the rows over [from, to] (days without rows count as 0). */
export function meanDaily(rows: readonly UsageRow[], from: string, to: string): number {
  let total = 0;
  for (const r of rows) if (r.date >= from && r.date <= to) total += r.cost;
  return total / Math.max(1, daysBetween(from, to) + 1);
}

/** Sum per day. */
export function dailySums(rows: readonly UsageRow[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(r.date, (m.get(r.date) ?? 0) + r.cost);
  return m;
}

/**
 * Daily points from `from` (or the tenant's first day of data, when later) to `to`: a day with tenant data but no
 * row for the series is 0 (nothing was used). Days before the tenant's data are not given at all: the engine then
 * takes a series that has cost on the first point as one that existed before the data (warm-up, no "new series"),
 * and a series that appears later, after days observed at zero, as new (the `new_series` rule). Use with
 * `observedSince` = the first point's date (seriesOptions does), never an earlier day.
 */
export function pointsOf(
  sums: Map<string, number>,
  from: string,
  to: string,
  dataStart: string,
): { date: string; value: number | null }[] {
  const out: { date: string; value: number | null }[] = [];
  for (let d = from < dataStart ? dataStart : from; d <= to; d = addDays(d, 1)) {
    out.push({ date: d, value: sums.get(d) ?? 0 });
  }
  return out;
}

/** `observedSince` for points built by pointsOf: their first day (a series with cost on it pre-existed). */
export function observedSinceOf(points: readonly { date: string }[]): string | undefined {
  return points[0]?.date;
}

/** Cents per day over [from, to] (non-zero days only): compared between runs to notice restated days. */
export function fingerprintOf(sums: Map<string, number>, from: string, to: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [d, v] of sums) {
    const cents = Math.round(v * 100);
    if (d >= from && d <= to && cents !== 0) out[d] = cents;
  }
  return out;
}

/** The earliest day in [from, to] whose value differs between two fingerprints, or null. */
export function firstRestatedDay(
  before: Record<string, number>,
  after: Record<string, number>,
  from: string,
  to: string,
): string | null {
  let first: string | null = null;
  for (const d of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (d < from || d > to) continue;
    if ((before[d] ?? 0) !== (after[d] ?? 0) && (first === null || d < first)) first = d;
  }
  return first;
}

export type Severity = 'low' | 'medium' | 'high';

/** Severity of a rise or a drop, by its size (|impact| in $ and as a fraction of expected). */
export function severityOf(signedImpactUsd: number, signedImpactPct: number | null): Severity {
  const impactUsd = Math.abs(signedImpactUsd);
  const pct = signedImpactPct === null ? Infinity : Math.abs(signedImpactPct);
  if (impactUsd >= 1000 || (impactUsd >= 100 && pct >= 1)) return 'high';
  if (impactUsd >= 100 || pct >= 0.5) return 'medium';
  return 'low';
}

export interface EpisodeSummary {
  start: string;
  end: string;
  expected: number;
  actual: number;
  impact: number;
  impactPct: number | null;
  score: number;
  peakDate: string;
  peakImpact: number;
  rules: string[];
  days: CostDayResult[];
}

/** An episode's kind for the product: the engine's, or from the sign of its impact for a legacy result. */
export function changeKindOf(ep: { kind?: AnomalyKind | null; totalImpact?: number }): AnomalyKind {
  return ep.kind ?? ((ep.totalImpact ?? 0) < 0 ? 'drop' : 'spike');
}

/** Figures of the anomalous days of `results` within [start, end]. */
export function summarise(results: readonly CostDayResult[], start: string, end: string): EpisodeSummary {
  const days = results.filter((r) => r.isAnomaly && r.date >= start && r.date <= end);
  let expected = 0;
  let actual = 0;
  let score = 0;
  let peak: CostDayResult | undefined;
  const rules = new Set<string>();
  for (const d of days) {
    expected += d.expected ?? 0;
    actual += d.actual ?? 0;
    score = Math.max(score, d.anomalyScore);
    rules.add(d.rule);
    if (!peak || Math.abs(d.impact) > Math.abs(peak.impact)) peak = d;
  }
  const impact = actual - expected;
  return {
    start,
    end,
    expected,
    actual,
    impact,
    impactPct: expected > 0 ? impact / expected : null,
    score,
    peakDate: peak?.date ?? start,
    peakImpact: peak?.impact ?? 0,
    rules: [...rules],
    days,
  };
}

export interface JudgeOptions {
  detector: Partial<CostDetectorOptions>;
}

/** Scores a series (causal) and returns the day results and the episodes touching [judgeFrom, ...]. */
export function judge(
  points: { date: string; value: number | null }[],
  judgeFrom: string,
  options: Partial<CostDetectorOptions>,
): { results: CostDayResult[]; episodes: Episode[] } {
  const results = scoreCostSeries(points, { ...options, observedSince: observedSinceOf(points) });
  const episodes = buildEpisodes(results).filter((e) => e.end >= judgeFrom);
  return { results, episodes };
}

/**
 * Root causes of an episode: each child series (by service, account, region and usage type, within the
 * monitored series) is scored on its own history; over the episode's anomalous days its actual minus its own
 * expected cost is its contribution. Top `limit` per dimension, largest contribution first.
 */
export function rootCauses(
  rows: readonly UsageRow[],
  episodeDays: readonly string[],
  from: string,
  to: string,
  dataStart: string,
  options: Partial<CostDetectorOptions>,
  limit = 5,
): AnomalyRootCause[] {
  if (episodeDays.length === 0) return [];
  const wanted = new Set(episodeDays);
  const out: AnomalyRootCause[] = [];
  for (const dim of CHILD_DIMENSIONS) {
    const children = new Map<string, UsageRow[]>();
    for (const r of rows) {
      const key = r[dim] || '(none)';
      let list = children.get(key);
      if (!list) children.set(key, (list = []));
      list.push(r);
    }
    const observations = [...children.entries()].map(([key, list]) => {
      const points = pointsOf(dailySums(list), from, to, dataStart);
      const scored = scoreCostSeries(points, { ...options, observedSince: observedSinceOf(points) });
      let actual = 0;
      let expected = 0;
      for (const r of scored) {
        if (!wanted.has(r.date)) continue;
        actual += r.actual ?? 0;
        expected += r.expected ?? 0;
      }
      return { key, dimension: dim, actual, expected };
    });
    const parent = observations.reduce((a, o) => a + (o.actual - o.expected), 0);
    for (const c of rankRootCauses(observations, { limit })) {
      if (c.deviation <= 0 && out.some((o) => o.dimension === dim)) continue;
      out.push({
        dimension: dim,
        key: c.key,
        actual: round(c.actual),
        expected: round(c.expected),
        contribution_usd: round(c.deviation),
        contribution_pct: parent !== 0 ? round((c.deviation / parent) * 100) : 0,
      });
    }
  }
  return out;
}

export const round = (x: number, digits = 6): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
