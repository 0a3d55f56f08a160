import { CostSeriesDetector } from './cost-detector';
import type { InputRow } from './csv';
import { MetricDetector } from './metric-detector';
import type { CostDetectorOptions, ScoredRow, SeriesKind } from './types';
import type { MetricDetectorOptions } from './metric-detector';

export interface ScoreRowsOptions {
  readonly cost?: Partial<CostDetectorOptions>;
  readonly metric?: Partial<MetricDetectorOptions>;
}

/**
 * The library form of the CLI: scores rows in order, one output per input row, each output using only
 * the rows up to it (the detectors are fed one row at a time). Blank values score 0 and are not anomalies.
 */
export function scoreRows(
  kind: SeriesKind,
  rows: readonly InputRow[],
  options: ScoreRowsOptions = {},
): ScoredRow[] {
  if (kind === 'cost') {
    const detector = new CostSeriesDetector(options.cost);
    return rows.map((row) => {
      const r = detector.push({ date: row.time, value: row.value });
      return {
        timestamp: row.timestamp,
        value: row.valueText,
        anomalyScore: r.anomalyScore,
        isAnomaly: r.isAnomaly,
        kind: r.kind,
      };
    });
  }
  const detector = new MetricDetector(options.metric);
  return rows.map((row) => {
    const r = detector.update(row.time, row.value, false);
    return {
      timestamp: row.timestamp,
      value: row.valueText,
      anomalyScore: r.anomalyScore,
      isAnomaly: r.isAnomaly,
      kind: r.kind,
    };
  });
}
