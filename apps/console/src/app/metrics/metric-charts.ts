import type { MetricAnomalyMark, MetricPoint } from '@cost-optimizer/dto';
import type { ChartOption } from '../shared/chart';

/** A number the way metric values read best: 1.2k, 3.4M, 0.123. */
export function formatMetric(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units)
    if (abs >= size) return `${(value / size).toFixed(abs >= size * 100 ? 0 : 1)}${suffix}`;
  return abs >= 100 ? value.toFixed(0) : abs >= 1 ? value.toFixed(2) : value.toPrecision(3);
}

/** A small line without axes for tables and cards. */
export function sparklineOption(points: readonly MetricPoint[]): ChartOption {
  return {
    animation: false,
    grid: { left: 0, right: 0, top: 2, bottom: 2 },
    xAxis: { type: 'time', show: false },
    yAxis: { type: 'value', show: false, scale: true },
    tooltip: { show: false },
    series: [
      {
        type: 'line',
        data: points.map((p) => [p.ts, p.value]),
        symbol: 'none',
        lineStyle: { width: 1.5, color: '#3f6fd8' },
        areaStyle: { opacity: 0.08, color: '#3f6fd8' },
      },
    ],
  };
}

/** Points over time with the anomaly episodes shaded (markArea) and their peaks marked (markPoint). */
export function metricChartOption(
  points: readonly MetricPoint[],
  anomalies: readonly MetricAnomalyMark[],
  name: string,
): ChartOption {
  return {
    animation: false,
    color: ['#3f6fd8'],
    grid: { left: 8, right: 16, top: 24, bottom: 24, containLabel: true },
    tooltip: {
      trigger: 'axis',
      confine: true,
      valueFormatter: (v: unknown) => formatMetric(typeof v === 'number' ? v : null),
    },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', scale: true, axisLabel: { formatter: (v: number) => formatMetric(v) } },
    series: [
      {
        name,
        type: 'line',
        data: points.map((p) => [p.ts, p.value]),
        symbol: 'none',
        markArea: {
          silent: true,
          itemStyle: { color: 'rgba(214, 84, 84, 0.15)' },
          data: anomalies.map((a) => [{ xAxis: a.start_at }, { xAxis: a.end_at }]),
        },
        markPoint: {
          symbol: 'pin',
          symbolSize: 36,
          itemStyle: { color: '#d65454' },
          label: { formatter: '!' },
          data: anomalies.map((a) => ({ name: a.severity, coord: [a.start_at, a.actual], value: a.actual })),
        },
      },
    ],
  };
}
