import type {
  Anomaly,
  AnomalyChangeKind,
  AnomalyDetail,
  AnomalyFeedbackValue,
  AnomalyRootCause,
  MonitorDimension,
} from '@cost-optimizer/dto';
import type { ChartOption } from '../shared/chart';
import { formatDay, formatMoney } from '../shared/format';

export type Severity = Anomaly['severity'];
export type AnomalyStatus = Anomaly['status'];

export const SEVERITY_LABELS: Record<Severity, string> = { low: 'Low', medium: 'Medium', high: 'High' };
export const STATUS_LABELS: Record<AnomalyStatus, string> = { open: 'Open', closed: 'Closed' };

export const FEEDBACK_LABELS: Record<AnomalyFeedbackValue, string> = {
  yes: 'Yes, it is an anomaly',
  no: 'Not an anomaly',
  planned_activity: 'Planned activity',
};

export const DIMENSION_LABELS: Record<MonitorDimension, string> = {
  total: 'Total',
  service: 'Service',
  account: 'Account',
  region: 'Region',
  usage_type: 'Usage type',
  service_account: 'Service × account',
  account_usage_type: 'Usage type × account',
  tag: 'Tag',
  custom: 'Custom filter',
};

/** The engine's kinds of change, in the order the filter lists them. */
export const CHANGE_KIND_LABELS: Record<AnomalyChangeKind, string> = {
  spike: 'Spike',
  level_shift: 'Level shift',
  ramp: 'Ramp',
  drop: 'Drop',
  weekend: 'Weekend not scaled down',
  new_series: 'New service',
  drift: 'Drift',
};

/** A Material icon per kind: drops point down, everything else is a rise of some shape. */
export const CHANGE_KIND_ICONS: Record<AnomalyChangeKind, string> = {
  spike: 'north_east',
  level_shift: 'stairs',
  ramp: 'trending_up',
  drop: 'south',
  weekend: 'weekend',
  new_series: 'fiber_new',
  drift: 'show_chart',
};

export const CHANGE_KINDS = Object.keys(CHANGE_KIND_LABELS) as AnomalyChangeKind[];

/** Dimensions a custom monitor can be created with (tags are not available yet). */
export const CREATABLE_DIMENSIONS: readonly MonitorDimension[] = [
  'total',
  'service',
  'account',
  'region',
  'usage_type',
];

export const ROOT_CAUSE_LABELS: Record<AnomalyRootCause['dimension'], string> = {
  service: 'Service',
  account: 'Account',
  region: 'Region',
  usage_type: 'Usage type',
};

/** The engine's rules in plain words. */
export const RULE_LABELS: Record<string, string> = {
  new_series: 'New spend: this series cost nothing before and now does',
  sustained: 'Several days in a row above the expected range: together they are well beyond it',
  drop: 'The cost fell to half or less of the expected and stayed down',
  ramp: 'A gradual climb, well above the level of 4 to 6 weeks ago',
  deviation: 'The cost went well beyond the expected range, by more than the $ and % floors',
  drift: 'A slow, steady rise that added up over several days',
  below_impact_floor: 'Unusual, but the impact stayed below the $ or % floor',
  month_start_hold: 'First day of a month, held until its usual behaviour is known',
  seen_before: 'A one-day rise to a height this series reached several times in the last 8 weeks',
  idle_weekday:
    'A busy weekday that cost what a quiet day costs (an unlisted holiday?): its fall is judged from the third such day',
  holiday: 'A holiday: a fall is not judged (a rise still is), and the day stays out of the baseline',
  return_to_previous_level: 'The cost went back to the level it had before a recent change',
  warmup: 'Not enough history yet to judge',
  missing: 'No cost data for the day',
  normal: 'Within the expected range',
};

export const ruleLabel = (rule: string): string => RULE_LABELS[rule] ?? rule;

/** `+87.2%`, or "new" when nothing was expected. */
export function formatImpactPct(pct: number | null): string {
  if (pct === null || !Number.isFinite(pct)) return 'new';
  const rounded = Math.round(pct * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}%`;
}

/** `Nov 3, 2026 – Nov 5, 2026`, or one day. */
export function formatDays(start: string, end: string): string {
  return start === end ? formatDay(start) : `${formatDay(start)} – ${formatDay(end)}`;
}

/** What feedback did to later alerts of this series, or why this episode is held back. */
export function suppressionNote(a: Anomaly): string | null {
  const s = a.suppressed_by_feedback;
  if (!s) return null;
  // Cost episodes: a bar in USD; metric episodes: a deviation in the metric's own unit.
  const bar =
    s.min_impact_usd !== null ? formatMoney(s.min_impact_usd) : `a deviation of ${s.min_deviation ?? 0}`;
  if (s.source_anomaly_id === a.id) {
    return `Similar changes on this series under ${bar} won't alert (${s.factor}× this impact).`;
  }
  return s.held_back
    ? `Held back: earlier feedback on this series means changes under ${bar} don't alert.`
    : `Raised although earlier feedback set a bar of ${bar} for this series.`;
}

/** Actual vs expected with the expected band, the episode's days shaded. */
export function anomalyChartOption(detail: AnomalyDetail): ChartOption {
  const points = detail.series;
  const dates = points.map((p) => p.date);
  const lower = points.map((p) => (p.lower !== null && p.upper !== null ? p.lower : null));
  const band = points.map((p) => (p.lower !== null && p.upper !== null ? p.upper - p.lower : null));
  const money = (v: number | null) => (v === null ? '—' : formatMoney(v));
  return {
    animation: false,
    color: ['#d65454', '#3f6fd8'],
    grid: { left: 8, right: 16, top: 40, bottom: 24, containLabel: true },
    legend: { top: 0, data: ['Actual', 'Expected', 'Expected range'] },
    tooltip: {
      trigger: 'axis',
      confine: true,
      formatter: (params: unknown) => {
        const first = (Array.isArray(params) ? params[0] : params) as { dataIndex?: number } | undefined;
        const p = points[first?.dataIndex ?? -1];
        if (!p) return '';
        return [
          `<b>${formatDay(p.date)}</b>${p.is_anomaly ? ' · anomalous' : ''}`,
          `Actual: ${money(p.actual)}`,
          `Expected: ${money(p.expected)}`,
          `Range: ${money(p.lower)} – ${money(p.upper)}`,
        ].join('<br/>');
      },
    },
    xAxis: { type: 'category', data: dates, boundaryGap: false },
    yAxis: {
      type: 'value',
      axisLabel: { formatter: (value: number) => formatMoney(value).replace(/\.00$/, '') },
    },
    series: [
      {
        name: 'Lower',
        type: 'line',
        stack: 'band',
        data: lower,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        silent: true,
      },
      {
        name: 'Expected range',
        type: 'line',
        stack: 'band',
        data: band,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { color: 'rgba(63, 111, 216, 0.18)' },
        itemStyle: { color: 'rgba(63, 111, 216, 0.35)' },
        silent: true,
      },
      {
        name: 'Expected',
        type: 'line',
        data: points.map((p) => p.expected),
        symbol: 'none',
        lineStyle: { type: 'dashed', color: '#3f6fd8' },
        itemStyle: { color: '#3f6fd8' },
      },
      {
        name: 'Actual',
        type: 'line',
        data: points.map((p) => p.actual),
        symbolSize: 5,
        lineStyle: { color: '#d65454', width: 2 },
        itemStyle: { color: '#d65454' },
        markArea: {
          silent: true,
          itemStyle: { color: 'rgba(214, 84, 84, 0.12)' },
          data: [[{ xAxis: detail.start_date }, { xAxis: detail.end_date }]],
        },
      },
    ],
  };
}
