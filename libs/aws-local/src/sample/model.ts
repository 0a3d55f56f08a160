/** The sample's internal model: line-item profiles, usage streams, injected anomalies, and the per-row numbers. */
import type { RegionSpec, ServiceSpec, UsageSpec } from './services';

export const LINE_ITEM_TYPES = [
  'Usage',
  'DiscountedUsage',
  'SavingsPlanCoveredUsage',
  'SavingsPlanNegation',
  'SavingsPlanUpfrontFee',
  'SavingsPlanRecurringFee',
  'RIFee',
  'Fee',
  'Credit',
  'Refund',
  'Tax',
  'EdpDiscount',
  'PrivateRateDiscount',
  'BundledDiscount',
] as const;
export type LineItemType = (typeof LINE_ITEM_TYPES)[number];

/** The line-item types of the `usage` charge class (what anomaly series are built from). */
export const USAGE_CLASS = new Set<LineItemType>(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage']);

/** A metric anomaly injected into a synthetic CloudWatch series (`synthetic.events` of aws-local.json). */
export interface MetricEventLabel {
  namespace: string;
  metric_name: string;
  dimensions: Record<string, string>;
  /** ISO date-times, [start, end). */
  start: string;
  end: string;
  /** value = normal value x multiplier + add. */
  multiplier: number;
  add: number;
}

export interface AnomalyLabel {
  id: string;
  kind: 'spike' | 'level_shift' | 'new_service' | 'ramp' | 'drop';
  /** First and last day of the change (a level shift or a drop lasts to the end of the sample). */
  start_date: string;
  end_date: string;
  account_id: string;
  service: string;
  region: string;
  usage_type: string;
  /** Usage multiplier at the change's peak (a drop: 0; a ramp: where it ends). */
  multiplier: number;
  /** Unblended cost the anomaly added over its days (a drop: the cost it no longer adds, negative). */
  extra_unblended: number;
  description: string;
  /** The CloudWatch anomaly on the same day, account and region (demo scenario). */
  metric?: MetricEventLabel;
}

export interface Account {
  id: string;
  name: string;
  env: string;
}

export interface Profile {
  id: number;
  type: LineItemType;
  accountId: string;
  accountName: string;
  productCode: string;
  productName: string;
  category: string;
  region: string;
  location: string;
  az: string;
  usageType: string;
  operation: string;
  resourceId: string;
  description: string;
  family: string;
  instanceType: string;
  unit: string;
  pricingTerm: string;
  resArn: string;
  spArn: string;
  taxType: string;
  normalization: number;
  tags: Record<string, string>;
}

export interface Reservation {
  arn: string;
  upfrontHourly: number;
  recurringHourly: number;
  fee: Profile;
  purchase: Profile;
}

/** A usage change injected into one stream. */
export interface Injection {
  label: AnomalyLabel;
  /**
   * Usage multiplier on day `d` (0-based) at hour `h` of an hourly stream; `h = null` asks for the whole day
   * (daily streams: the mean over the day's hours).
   */
  factor(d: number, h: number | null): number;
  /** Days with line items: a new service only on its days, a dropped one only before the drop. */
  present(d: number): boolean;
}

export interface Stream {
  usage: UsageSpec;
  service: ServiceSpec;
  region: RegionSpec | null;
  account: Account;
  profile: Profile;
  negation?: Profile;
  coverage: 'od' | 'ri' | 'sp';
  base: number;
  weekendFactor: number;
  growth: number;
  startDay: number;
  rate: number;
  ri?: Reservation;
  anomaly?: Injection;
}

/** The per-row numbers (everything else comes from the row's profile). */
export interface Row {
  usage: number;
  unblendedRate: number;
  unblended: number;
  netUnblended: number;
  odRate: number;
  odCost: number;
  resEff: number;
  resUnusedUpfront: number;
  resUnusedRecurring: number;
  spEff: number;
  spRate: number;
  spCommit: number;
  spUsed: number;
  edp: number;
}

export const DAY = 86400;
export const EDP_RATE = 0.03;
export const RI_EFFECTIVE = 0.62;
export const SP_EFFECTIVE = 0.72;

export const r10 = (x: number) => Math.round(x * 1e10) / 1e10;
export const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
export const isoDay = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10);

/** AWS.md §4: the amortized cost of one line item (CID formula); `net` uses the net columns. */
export function amortizedOf(type: LineItemType, resArn: string, r: Row, net: boolean): number {
  switch (type) {
    case 'SavingsPlanCoveredUsage':
      return r.spEff;
    case 'SavingsPlanRecurringFee':
      return r.spCommit - r.spUsed;
    case 'SavingsPlanNegation':
    case 'SavingsPlanUpfrontFee':
      return 0;
    case 'DiscountedUsage':
      return r.resEff;
    case 'RIFee':
      return r.resUnusedUpfront + r.resUnusedRecurring;
    case 'Fee':
      return resArn !== '' ? 0 : net ? r.netUnblended : r.unblended;
    case 'Usage':
    case 'Credit':
    case 'Refund':
    case 'Tax':
    case 'EdpDiscount':
    case 'PrivateRateDiscount':
    case 'BundledDiscount':
      return net ? r.netUnblended : r.unblended;
  }
}
