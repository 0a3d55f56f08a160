export * from './types';
export { CostSeriesDetector, DEFAULT_COST_OPTIONS, scoreCostSeries } from './cost-detector';
export {
  createMetricDetector,
  DEFAULT_METRIC_OPTIONS,
  initialMetricState,
  MetricDetector,
  type MetricDetectorOptions,
  type MetricDetectorState,
  type MetricPointResult,
  type MetricRule,
} from './metric-detector';
export { buildEpisodes, KIND_PRIORITY, type Episode, type EpisodeOptions } from './episodes';
export {
  rankChildSeries,
  rankRootCauses,
  type ChildObservation,
  type ChildSeries,
  type RootCause,
  type RootCauseOptions,
} from './root-cause';
export { CsvInputError, formatScoredCsv, parseSeriesCsv, type InputRow } from './csv';
export { scoreRows, type ScoreRowsOptions } from './score-rows';
export { scoreOfZ, zOfScore } from './stats';
export { parseTimestamp } from './time';
