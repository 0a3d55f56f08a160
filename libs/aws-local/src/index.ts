export {
  startAwsLocal,
  type AwsLocalHandle,
  type FaultController,
  type StartAwsLocalOptions,
} from './server';
export {
  generateCurSample,
  amortizedOf,
  LINE_ITEM_TYPES,
  MEASURES,
  SAMPLE_ACCOUNT_ID,
  SAMPLE_BUCKET,
  SAMPLE_DATABASE,
  SAMPLE_ROLE,
  SAMPLE_TABLE,
  RESULTS_BUCKET,
  type AnomalyLabel,
  type CurFormat,
  type ExpectedTotals,
  type GenerateCurSampleOptions,
  type GenerateCurSampleResult,
  type LineItemType,
  type Measure,
  type MeasureTotals,
} from './sample/generate';
export {
  ConfigError,
  loadConfigFile,
  parseConfig,
  type AwsLocalConfig,
  type AwsLocalConfigInput,
  type FaultSpec,
} from './config';
export type { ActiveFault } from './server/state';
