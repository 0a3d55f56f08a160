/**
 * Realistic CUR sample: Parquet in the real column names and types of legacy CUR, CUR 2.0 or FOCUS,
 * a complete `aws-local.json` root, `labels.json` (injected anomalies) and `expected.json` (daily
 * totals per measure, summed here in TypeScript from the rows as they are written, never with SQL).
 */
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { AwsLocalConfigInput } from '../config';
import { Rng } from './rng';
import {
  NEW_SERVICE,
  REGIONS,
  SERVICES,
  SUPPORT,
  type RegionSpec,
  type ServiceSpec,
  type UsageSpec,
} from './services';
import { formatSelect, type CurFormat } from './formats';

export type { CurFormat } from './formats';

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

export interface GenerateCurSampleOptions {
  out: string;
  format: CurFormat;
  days?: number;
  accounts?: number;
  seed?: number;
  /** Approximate line items per day (default 2000). */
  rowsPerDay?: number;
  /** Last day of data, YYYY-MM-DD (default: yesterday, UTC). */
  endDate?: string;
  /** The External ID the role requires (default: random from the seed). `null` = the role requires none. */
  externalId?: string | null;
}

export const MEASURES = [
  'unblended',
  'net_unblended',
  'amortized',
  'net_amortized',
  'public_on_demand',
  'usage_unblended',
  'usage_amortized',
] as const;
export type Measure = (typeof MEASURES)[number];
export type MeasureTotals = Record<Measure, number> & { line_items: number };

export interface AnomalyLabel {
  id: string;
  kind: 'spike' | 'level_shift' | 'new_service';
  start_date: string;
  end_date: string;
  account_id: string;
  service: string;
  region: string;
  usage_type: string;
  multiplier: number;
  /** Extra unblended cost the anomaly added, summed over its days. */
  extra_unblended: number;
  description: string;
}

export interface ExpectedTotals {
  format: CurFormat;
  seed: number;
  start_date: string;
  end_date: string;
  currency: 'USD';
  payer_account_id: string;
  usage_account_ids: string[];
  measures: Record<Measure, string>;
  /** How each measure is written in SQL for this format. */
  sql: Partial<Record<Measure, string>>;
  daily: Record<string, MeasureTotals>;
  totals: MeasureTotals;
  by_line_item_type: Record<string, { line_items: number; unblended: number; amortized: number }>;
  by_service: Record<string, { unblended: number; amortized: number }>;
  by_account: Record<string, { unblended: number; amortized: number }>;
}

export interface GenerateCurSampleResult {
  root: string;
  rows: number;
  files: string[];
  expected: ExpectedTotals;
  labels: AnomalyLabel[];
  externalId: string | null;
  config: AwsLocalConfigInput;
}

export const SAMPLE_ACCOUNT_ID = '123456789012';
export const SAMPLE_ROLE = 'CostOptimizerAccess';
export const SAMPLE_DATABASE = 'cost_optimizer_cur_db';
export const SAMPLE_TABLE = 'cost_optimizer_cur_table';
export const SAMPLE_BUCKET = 'cur-data';
export const RESULTS_BUCKET = 'cur-results';

interface Profile {
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

interface Stream {
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
  anomaly?: { label: AnomalyLabel; from: number; to: number; multiplier: number; onlyDuring: boolean };
}

interface Reservation {
  arn: string;
  upfrontHourly: number;
  recurringHourly: number;
  fee: Profile;
  purchase: Profile;
}

interface Account {
  id: string;
  name: string;
  env: string;
}

/** The per-row numbers (everything else comes from the row's profile). */
interface Row {
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

const DAY = 86400;
const EDP_RATE = 0.03;
const RI_EFFECTIVE = 0.62;
const SP_EFFECTIVE = 0.72;

const r10 = (x: number) => Math.round(x * 1e10) / 1e10;
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
const isoDay = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10);

function emptyTotals(): MeasureTotals {
  return {
    unblended: 0,
    net_unblended: 0,
    amortized: 0,
    net_amortized: 0,
    public_on_demand: 0,
    usage_unblended: 0,
    usage_amortized: 0,
    line_items: 0,
  };
}

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

const USAGE_CLASS = new Set<LineItemType>(['Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage']);

const ACCOUNT_NAMES: [string, string][] = [
  ['management', 'prod'],
  ['production', 'prod'],
  ['staging', 'staging'],
  ['development', 'dev'],
  ['data-platform', 'prod'],
  ['sandbox', 'dev'],
  ['analytics', 'prod'],
  ['security', 'prod'],
];
const TEAMS = ['platform', 'payments', 'search', 'data', 'web', 'ml'];
const APPS = ['checkout', 'catalog', 'api-gateway', 'etl', 'recommendations', 'auth'];

function defaultEndDate(): string {
  const d = new Date(Date.now() - DAY * 1000);
  return d.toISOString().slice(0, 10);
}

export async function generateCurSample(opts: GenerateCurSampleOptions): Promise<GenerateCurSampleResult> {
  const format = opts.format;
  if (!['legacy', 'cur2', 'focus'].includes(format)) throw new Error(`unknown format "${String(format)}"`);
  const days = opts.days ?? 120;
  const accountCount = opts.accounts ?? 4;
  const seed = opts.seed ?? 42;
  const rowsPerDay = opts.rowsPerDay ?? 2000;
  const endDate = opts.endDate ?? defaultEndDate();
  if (!Number.isInteger(days) || days < 1 || days > 1100) throw new Error('days must be an integer 1..1100');
  if (!Number.isInteger(accountCount) || accountCount < 1 || accountCount > 8)
    throw new Error('accounts must be an integer 1..8');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate)) throw new Error('endDate must be YYYY-MM-DD');
  const rng = new Rng(seed);
  const externalId = opts.externalId === undefined ? `co-${rng.token(24)}` : opts.externalId;

  const endEpoch = Date.parse(`${endDate}T00:00:00Z`) / 1000;
  const startEpoch = endEpoch - (days - 1) * DAY;

  // Accounts: the payer (management) account has usage too.
  const accounts: Account[] = [];
  for (let i = 0; i < accountCount; i++) {
    const [name, env] = ACCOUNT_NAMES[i] ?? ['account', 'dev'];
    const id =
      i === 0
        ? SAMPLE_ACCOUNT_ID
        : `${rng.int(1, 9)}${rng.hex(11).replace(/[a-f]/g, (c) => String(c.charCodeAt(0) % 10))}`;
    accounts.push({ id, name, env });
  }
  const payer = accounts[0]!;
  const accountsByWeight = accounts.map((a, i) => [a, i === 0 ? 1 : a.env === 'prod' ? 4 : 2] as const);

  const profiles: Profile[] = [];
  const profile = (p: Omit<Profile, 'id'>): Profile => {
    const full = { ...p, id: profiles.length };
    profiles.push(full);
    return full;
  };
  const baseProfile = (account: Account, service: ServiceSpec, region: RegionSpec | null) => ({
    accountId: account.id,
    accountName: account.name,
    productCode: service.code,
    productName: service.name,
    category: service.category,
    region: region?.id ?? (service.global ? 'global' : ''),
    location: region?.location ?? (service.global ? 'Global' : ''),
    az: '',
    usageType: '',
    operation: '',
    resourceId: '',
    description: '',
    family: '',
    instanceType: '',
    unit: '',
    pricingTerm: '',
    resArn: '',
    spArn: '',
    taxType: '',
    normalization: 0,
    tags: {} as Record<string, string>,
  });

  const spArn = `arn:aws:savingsplans::${payer.id}:savingsplan/${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  const resourceId = (u: UsageSpec, region: RegionSpec | null, account: Account): string => {
    const r = region?.id ?? 'us-east-1';
    switch (u.resource) {
      case 'instance':
        return `arn:aws:ec2:${r}:${account.id}:instance/i-0${rng.hex(16)}`;
      case 'volume':
        return `arn:aws:ec2:${r}:${account.id}:volume/vol-0${rng.hex(16)}`;
      case 'nat':
        return `arn:aws:ec2:${r}:${account.id}:natgateway/nat-0${rng.hex(16)}`;
      case 'bucket':
        return `${account.name}-${rng.pick(APPS)}-${rng.hex(6)}`;
      case 'function':
        return `arn:aws:lambda:${r}:${account.id}:function:${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'table':
        return `arn:aws:dynamodb:${r}:${account.id}:table/${rng.pick(APPS)}`;
      case 'cluster':
        return `arn:aws:ecs:${r}:${account.id}:cluster/${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'db':
        return `arn:aws:rds:${r}:${account.id}:db:${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'cache':
        return `arn:aws:elasticache:${r}:${account.id}:cluster:${rng.pick(APPS)}-${rng.hex(4)}`;
      case 'none':
        return '';
    }
  };

  const makeStream = (
    service: ServiceSpec,
    usage: UsageSpec,
    account: Account,
    region: RegionSpec | null,
    coverage: 'od' | 'ri' | 'sp',
    base: number,
  ): Stream => {
    const prefix = usage.regional && region && region.id !== 'us-east-1' ? `${region.prefix}-` : '';
    const rate = r10(usage.rate * (region?.factor ?? 1));
    const tagged = rng.next() > 0.15;
    const tags: Record<string, string> = tagged
      ? {
          environment: account.env,
          team: rng.pick(TEAMS),
          application: rng.pick(APPS),
          ...(rng.next() > 0.4 ? { cost_center: `cc-${rng.int(100, 120)}` } : {}),
        }
      : {};
    const type: LineItemType =
      coverage === 'ri' ? 'DiscountedUsage' : coverage === 'sp' ? 'SavingsPlanCoveredUsage' : 'Usage';
    const common = {
      ...baseProfile(account, service, region),
      az:
        usage.hourly && region && usage.resource === 'instance'
          ? `${region.id}${rng.pick(['a', 'b', 'c'])}`
          : '',
      usageType: `${prefix}${usage.usageType}`,
      operation: usage.operation,
      resourceId: resourceId(usage, region, account),
      family: usage.family,
      instanceType: usage.instanceType ?? '',
      unit: usage.unit,
      normalization: usage.instanceType ? 4 : 0,
      tags,
    };
    let ri: Reservation | undefined;
    if (coverage === 'ri') {
      const arn = `arn:aws:${service.code === 'AmazonRDS' ? 'rds' : service.code === 'AmazonElastiCache' ? 'elasticache' : 'ec2'}:${region?.id ?? 'us-east-1'}:${payer.id}:ri:${rng.hex(8)}-${rng.hex(4)}`;
      const feeBase = {
        ...baseProfile(payer, service, region),
        usageType: `${prefix}HeavyUsage:${usage.instanceType ?? 'x'}`,
        operation: usage.operation,
        unit: 'Hrs',
        resArn: arn,
        pricingTerm: 'Reserved',
        family: usage.family,
        instanceType: usage.instanceType ?? '',
      };
      ri = {
        arn,
        upfrontHourly: r10(rate * RI_EFFECTIVE * 0.5 * base),
        recurringHourly: r10(rate * RI_EFFECTIVE * 0.5 * base),
        fee: profile({
          ...feeBase,
          type: 'RIFee',
          description: `USD ${(rate * RI_EFFECTIVE * 0.5).toFixed(4)} hourly fee per ${usage.instanceType ?? 'instance'} reservation`,
        }),
        purchase: profile({
          ...feeBase,
          type: 'Fee',
          description: `Sign up charge for subscription: ${arn.slice(-13)}, planId: ${rng.int(1000000, 9999999)}`,
        }),
      };
    }
    const p = profile({
      ...common,
      type,
      resArn: ri?.arn ?? '',
      spArn: coverage === 'sp' ? spArn : '',
      pricingTerm: coverage === 'ri' ? 'Reserved' : 'OnDemand',
      description:
        coverage === 'ri'
          ? `USD 0.0 hourly fee per ${usage.instanceType ?? 'unit'} (Reserved)`
          : coverage === 'sp'
            ? `${usage.usageType} covered by Savings Plan ${spArn.slice(-36)}`
            : `$${rate} per ${usage.unit} for ${usage.usageType} in ${region?.location ?? 'Global'}`,
    });
    const negation =
      coverage === 'sp'
        ? profile({
            ...common,
            type: 'SavingsPlanNegation',
            spArn,
            pricingTerm: 'OnDemand',
            description: `SavingsPlanNegation used by AccountId : ${account.id} and UsageSku : ${rng.hex(16).toUpperCase()}`,
          })
        : undefined;
    return {
      usage,
      service,
      region,
      account,
      profile: p,
      ...(negation ? { negation } : {}),
      coverage,
      base,
      weekendFactor: account.env === 'prod' ? 1 : 0.45 + rng.next() * 0.3,
      growth: (rng.next() - 0.35) * 0.004,
      startDay: rng.next() < 0.85 ? 0 : rng.int(0, Math.floor(days * 0.3)),
      rate,
      ...(ri ? { ri } : {}),
    };
  };

  // Regular streams, sized to land near rowsPerDay line items.
  const hourlyUsages: [ServiceSpec, UsageSpec][] = [];
  const dailyUsages: [ServiceSpec, UsageSpec][] = [];
  for (const s of SERVICES) for (const u of s.usages) (u.hourly ? hourlyUsages : dailyUsages).push([s, u]);
  const streams: Stream[] = [];
  const nHourly = Math.max(6, Math.round((rowsPerDay * 0.82) / 24 / 1.15));
  const nDaily = Math.max(dailyUsages.length * 2, Math.round(rowsPerDay * 0.14));
  const pickRegion = (s: ServiceSpec) =>
    s.global ? null : rng.weighted(REGIONS.map((r) => [r, r.weight] as const));
  // Every daily usage type and service appears at least once, then random draws.
  for (let i = 0; i < nDaily; i++) {
    const [s, u] = i < dailyUsages.length ? dailyUsages[i]! : rng.pick(dailyUsages);
    const account = i < accounts.length ? accounts[i]! : rng.weighted(accountsByWeight);
    const cover = u.coverable === 'sp' && rng.next() < 0.3 ? 'sp' : 'od';
    streams.push(makeStream(s, u, account, pickRegion(s), cover, Math.exp(rng.next() * 2 - 0.5)));
  }
  for (let i = 0; i < nHourly; i++) {
    const [s, u] = i < hourlyUsages.length ? hourlyUsages[i]! : rng.pick(hourlyUsages);
    const account = rng.weighted(accountsByWeight);
    const roll = rng.next();
    const cover: 'od' | 'ri' | 'sp' =
      i === 0
        ? 'ri'
        : i === 1
          ? 'sp'
          : (u.coverable === 'ri' || u.coverable === 'both') && roll < 0.3
            ? 'ri'
            : (u.coverable === 'sp' || u.coverable === 'both') && roll > 0.7
              ? 'sp'
              : 'od';
    streams.push(
      makeStream(
        s,
        u,
        account,
        pickRegion(s),
        cover,
        u.resource === 'instance' ? 1 : Math.exp(rng.next() * 1.5 - 0.3),
      ),
    );
  }

  // Injected anomalies: dedicated on-demand streams, so they exist at every sample size.
  const labels: AnomalyLabel[] = [];
  const prod = accounts.find((a, i) => i > 0 && a.env === 'prod') ?? payer;
  const dev = accounts.find((a) => a.env === 'dev') ?? prod;
  const useast = REGIONS[0]!;
  const ec2 = SERVICES.find((s) => s.code === 'AmazonEC2')!;
  const cw = SERVICES.find((s) => s.code === 'AmazonCloudWatch')!;
  const clampDay = (d: number) => Math.max(0, Math.min(days - 1, d));
  const addAnomaly = (
    kind: AnomalyLabel['kind'],
    service: ServiceSpec,
    usage: UsageSpec,
    account: Account,
    region: RegionSpec,
    base: number,
    fromDay: number,
    lengthDays: number,
    multiplier: number,
    description: string,
  ) => {
    const from = clampDay(fromDay);
    const to = clampDay(from + lengthDays - 1);
    const stream = makeStream(service, usage, account, region, 'od', base);
    stream.startDay = kind === 'new_service' ? from : 0;
    stream.growth = 0;
    stream.weekendFactor = 1;
    const label: AnomalyLabel = {
      id: `anomaly-${labels.length + 1}`,
      kind,
      start_date: isoDay(startEpoch + from * DAY),
      end_date: isoDay(startEpoch + to * DAY),
      account_id: account.id,
      service: service.code,
      region: region.id,
      usage_type: stream.profile.usageType,
      multiplier,
      extra_unblended: 0,
      description,
    };
    stream.anomaly = { label, from, to, multiplier, onlyDuring: kind === 'new_service' };
    labels.push(label);
    streams.push(stream);
  };
  addAnomaly(
    'spike',
    ec2,
    ec2.usages[1]!,
    prod,
    useast,
    10,
    Math.floor(days * 0.7),
    2,
    6,
    'EC2 c5.xlarge fleet scaled out 6x for two days',
  );
  addAnomaly(
    'level_shift',
    ec2,
    ec2.usages[5]!,
    prod,
    REGIONS[2]!,
    8,
    Math.floor(days * 0.8),
    days,
    3.5,
    'NAT gateway data processing tripled and stayed high',
  );
  addAnomaly(
    'new_service',
    NEW_SERVICE,
    NEW_SERVICE.usages[0]!,
    dev,
    useast,
    2,
    Math.floor(days * 0.85),
    4,
    1,
    'SageMaker training instances left running in a dev account',
  );
  addAnomaly(
    'spike',
    cw,
    cw.usages[1]!,
    dev,
    REGIONS[1]!,
    6,
    Math.floor(days * 0.92),
    1,
    12,
    'CloudWatch Logs ingestion exploded for one day (debug logging)',
  );

  // Fixed profiles: discounts, credits, refunds, taxes, support, commitments.
  const keyed = new Map<string, Profile>();
  const keyedProfile = (key: string, make: () => Omit<Profile, 'id'>): Profile => {
    let p = keyed.get(key);
    if (!p) {
      p = profile(make());
      keyed.set(key, p);
    }
    return p;
  };
  const edpProfile = (account: Account, service: ServiceSpec) =>
    keyedProfile(`edp|${account.id}|${service.code}`, () => ({
      ...baseProfile(account, service, null),
      type: 'EdpDiscount',
      usageType: 'EdpDiscount',
      description: 'Enterprise Program Discount',
      region: '',
      location: '',
    }));
  const taxProfile = (account: Account, service: ServiceSpec) =>
    keyedProfile(`tax|${account.id}|${service.code}`, () => ({
      ...baseProfile(account, service, null),
      type: 'Tax',
      usageType: 'Tax',
      description: 'Tax for product code ' + service.code,
      taxType: 'Sales',
      region: '',
      location: '',
    }));
  const lambda = SERVICES.find((s) => s.code === 'AWSLambda')!;
  const dataTransfer = SERVICES.find((s) => s.code === 'AWSDataTransfer')!;
  const s3 = SERVICES.find((s) => s.code === 'AmazonS3')!;
  const creditProfile = profile({
    ...baseProfile(accounts[1] ?? payer, ec2, null),
    type: 'Credit',
    usageType: 'Credit',
    description: 'AWS Activate credits',
    region: '',
    location: '',
  });
  const refundProfile = profile({
    ...baseProfile(payer, s3, useast),
    type: 'Refund',
    usageType: 'Refund',
    description: 'Refund for S3 request charges (billing error)',
  });
  const bundledProfile = profile({
    ...baseProfile(payer, lambda, useast),
    type: 'BundledDiscount',
    usageType: 'Lambda-GB-Second',
    description: 'Free tier bundled discount',
  });
  const privateRateProfile = profile({
    ...baseProfile(payer, dataTransfer, useast),
    type: 'PrivateRateDiscount',
    usageType: 'DataTransfer-Out-Bytes',
    description: 'Private pricing discount for data transfer',
  });
  const supportProfile = profile({
    ...baseProfile(payer, SUPPORT, null),
    type: 'Fee',
    usageType: 'Dollar',
    operation: '',
    description: 'AWS Support (Business) monthly fee',
  });
  const spBase = {
    ...baseProfile(
      payer,
      {
        code: 'ComputeSavingsPlans',
        name: 'Savings Plans for AWS Compute usage',
        category: 'Compute',
        usages: [],
      },
      null,
    ),
    spArn,
    region: '',
    location: '',
  };
  const spRecurring = profile({
    ...spBase,
    type: 'SavingsPlanRecurringFee',
    usageType: 'ComputeSP:1yrNoUpfront',
    description: '1 year No Upfront Compute Savings Plan',
  });
  const spUpfront = profile({
    ...spBase,
    type: 'SavingsPlanUpfrontFee',
    usageType: 'ComputeSP:1yrAllUpfront',
    description: '1 year All Upfront Compute Savings Plan',
  });

  // Staging table in DuckDB, filled through an appender; the Parquet is written from it.
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    await conn.run(`CREATE TABLE facts (profile INTEGER, start_s INTEGER, end_s INTEGER, usage DOUBLE, unblended_rate DOUBLE,
      unblended DOUBLE, net_unblended DOUBLE, od_rate DOUBLE, od_cost DOUBLE, res_eff DOUBLE, res_unused_upfront DOUBLE,
      res_unused_recurring DOUBLE, sp_eff DOUBLE, sp_rate DOUBLE, sp_commit DOUBLE, sp_used DOUBLE, edp DOUBLE,
      amortized DOUBLE, net_amortized DOUBLE)`);
    const appender = await conn.createAppender('facts');

    const daily = new Map<string, MeasureTotals>();
    const byType: ExpectedTotals['by_line_item_type'] = {};
    const byService: ExpectedTotals['by_service'] = {};
    const byAccount: ExpectedTotals['by_account'] = {};
    const totals = emptyTotals();
    let rows = 0;
    const row: Row = {
      usage: 0,
      unblendedRate: 0,
      unblended: 0,
      netUnblended: 0,
      odRate: 0,
      odCost: 0,
      resEff: 0,
      resUnusedUpfront: 0,
      resUnusedRecurring: 0,
      spEff: 0,
      spRate: 0,
      spCommit: 0,
      spUsed: 0,
      edp: 0,
    };
    const reset = () => {
      row.usage = row.unblendedRate = row.unblended = row.netUnblended = row.odRate = row.odCost = 0;
      row.resEff =
        row.resUnusedUpfront =
        row.resUnusedRecurring =
        row.spEff =
        row.spRate =
        row.spCommit =
        row.spUsed =
        row.edp =
          0;
    };
    const add = (t: MeasureTotals, a: number, na: number, usage: boolean) => {
      t.unblended += row.unblended;
      t.net_unblended += row.netUnblended;
      t.amortized += a;
      t.net_amortized += na;
      t.public_on_demand += row.odCost;
      if (usage) {
        t.usage_unblended += row.unblended;
        t.usage_amortized += a;
      }
      t.line_items += 1;
    };
    const emit = (p: Profile, start: number, end: number) => {
      const a = amortizedOf(p.type, p.resArn, row, false);
      const na = amortizedOf(p.type, p.resArn, row, true);
      append(appender, p.id, start, end, row, a, na);
      rows++;
      const day = isoDay(start);
      let t = daily.get(day);
      if (!t) daily.set(day, (t = emptyTotals()));
      const usage = USAGE_CLASS.has(p.type);
      add(t, a, na, usage);
      add(totals, a, na, usage);
      const bt = (byType[p.type] ??= { line_items: 0, unblended: 0, amortized: 0 });
      bt.line_items++;
      bt.unblended += row.unblended;
      bt.amortized += a;
      const bs = (byService[p.productCode] ??= { unblended: 0, amortized: 0 });
      bs.unblended += row.unblended;
      bs.amortized += a;
      const ba = (byAccount[p.accountId] ??= { unblended: 0, amortized: 0 });
      ba.unblended += row.unblended;
      ba.amortized += a;
    };

    // Per-month accumulators for fees and taxes (keyed by YYYY-MM).
    const spUsed = new Map<string, number>();
    const usageByAccountService = new Map<
      string,
      Map<string, { account: Account; service: ServiceSpec; cost: number }>
    >();
    const monthUsage = new Map<string, number>();
    const hourShape = Array.from({ length: 24 }, (_, h) => 1 + 0.18 * Math.sin(((h - 9) / 24) * 2 * Math.PI));

    for (let d = 0; d < days; d++) {
      const dayStart = startEpoch + d * DAY;
      const month = isoDay(dayStart).slice(0, 7);
      const weekday = new Date(dayStart * 1000).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      const edpToday = new Map<string, { account: Account; service: ServiceSpec; cost: number }>();
      let dataTransferToday = 0;
      let lambdaToday = 0;
      let mu = usageByAccountService.get(month);
      if (!mu)
        usageByAccountService.set(
          month,
          (mu = new Map<string, { account: Account; service: ServiceSpec; cost: number }>()),
        );
      for (const s of streams) {
        if (d < s.startDay) continue;
        const an = s.anomaly;
        if (an?.onlyDuring && (d < an.from || d > an.to)) continue;
        const mult = an && d >= an.from && d <= an.to ? an.multiplier : 1;
        const dayFactor = (1 + s.growth * d) * (weekend ? s.weekendFactor : 1) * (0.92 + rng.next() * 0.16);
        const hours = s.usage.hourly ? 24 : 1;
        let dayCost = 0;
        for (let h = 0; h < hours; h++) {
          const start = dayStart + h * (hours === 24 ? 3600 : 0);
          const end = hours === 24 ? start + 3600 : dayStart + DAY;
          const shape = hours === 24 ? hourShape[h]! * (0.97 + rng.next() * 0.06) : 1;
          const amount = r10(s.usage.amount * s.base * dayFactor * shape * mult * (hours === 24 ? 1 : 1));
          const od = r10(amount * s.rate);
          if (an) an.label.extra_unblended += an.onlyDuring ? od : od - od / mult;
          reset();
          row.usage = amount;
          row.odRate = s.rate;
          row.odCost = od;
          if (s.coverage === 'ri') {
            row.unblendedRate = 0;
            row.unblended = 0;
            row.netUnblended = 0;
            row.resEff = r10(od * RI_EFFECTIVE);
            emit(s.profile, start, end);
          } else if (s.coverage === 'sp') {
            row.unblendedRate = s.rate;
            row.unblended = od;
            row.netUnblended = od;
            row.spRate = r10(s.rate * SP_EFFECTIVE);
            row.spEff = r10(od * SP_EFFECTIVE);
            spUsed.set(month, (spUsed.get(month) ?? 0) + row.spEff);
            emit(s.profile, start, end);
            reset();
            row.usage = amount;
            row.unblendedRate = -s.rate;
            row.unblended = -od;
            row.netUnblended = -od;
            emit(s.negation!, start, end);
          } else {
            row.unblendedRate = s.rate;
            row.unblended = od;
            row.netUnblended = r10(od * (1 - EDP_RATE));
            row.edp = r10(row.netUnblended - od);
            emit(s.profile, start, end);
            dayCost += od;
          }
        }
        if (dayCost > 0) {
          const key = `${s.account.id}|${s.service.code}`;
          const e = edpToday.get(key) ?? { account: s.account, service: s.service, cost: 0 };
          e.cost += dayCost;
          edpToday.set(key, e);
          const m = mu.get(key) ?? { account: s.account, service: s.service, cost: 0 };
          m.cost += dayCost;
          mu.set(key, m);
          monthUsage.set(month, (monthUsage.get(month) ?? 0) + dayCost);
          if (s.service === dataTransfer) dataTransferToday += dayCost;
          if (s.service === lambda) lambdaToday += dayCost;
        }
      }
      // The EDP discount is its own line item; the usage rows carry the net columns.
      for (const e of edpToday.values()) {
        reset();
        row.unblended = -r10(e.cost * EDP_RATE);
        row.netUnblended = 0;
        emit(edpProfile(e.account, e.service), dayStart, dayStart + DAY);
      }
      if (dataTransferToday > 0) {
        reset();
        row.unblended = row.netUnblended = -r10(dataTransferToday * 0.08);
        emit(privateRateProfile, dayStart, dayStart + DAY);
      }
      if (lambdaToday > 0) {
        reset();
        row.unblended = row.netUnblended = -r10(Math.min(lambdaToday, 0.4));
        emit(bundledProfile, dayStart, dayStart + DAY);
      }
      if (d % 10 === 3) {
        reset();
        row.unblended = row.netUnblended = -25;
        emit(creditProfile, dayStart, dayStart + DAY);
      }
      if (d === Math.floor(days / 2)) {
        reset();
        row.unblended = row.netUnblended = -137.5;
        emit(refundProfile, dayStart, dayStart + DAY);
      }
    }

    // Month-start charges: RI fees, SP fees, support, tax and the upfront purchases (AWS.md §4).
    let firstMonth = true;
    for (let d = 0; d < days; d++) {
      const dayStart = startEpoch + d * DAY;
      const date = new Date(dayStart * 1000);
      if (date.getUTCDate() !== 1) continue;
      const month = isoDay(dayStart).slice(0, 7);
      const next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) / 1000;
      const hoursInMonth = (next - dayStart) / 3600;
      for (const s of streams) {
        if (!s.ri) continue;
        reset();
        row.usage = hoursInMonth;
        row.unblendedRate = s.ri.recurringHourly;
        row.unblended = r10(s.ri.recurringHourly * hoursInMonth);
        row.netUnblended = row.unblended;
        row.resUnusedUpfront = r10(s.ri.upfrontHourly * hoursInMonth * 0.04);
        row.resUnusedRecurring = r10(row.unblended * 0.04);
        emit(s.ri.fee, dayStart, next);
        if (firstMonth) {
          reset();
          row.usage = 1;
          row.unblended = row.netUnblended = r10(s.ri.upfrontHourly * 8760);
          row.unblendedRate = row.unblended;
          emit(s.ri.purchase, dayStart, dayStart + 3600);
        }
      }
      const used = spUsed.get(month) ?? 0;
      if (used > 0) {
        reset();
        row.spUsed = r10(used);
        row.spCommit = r10(used * 1.06);
        row.usage = hoursInMonth;
        row.unblended = row.netUnblended = row.spCommit;
        emit(spRecurring, dayStart, next);
        if (firstMonth) {
          reset();
          row.usage = 1;
          row.unblended = row.netUnblended = 1200;
          emit(spUpfront, dayStart, dayStart + 3600);
        }
      }
      reset();
      row.usage = 1;
      row.unblended = row.netUnblended = r10(Math.max(100, (monthUsage.get(month) ?? 0) * 0.1));
      emit(supportProfile, dayStart, next);
      for (const u of usageByAccountService.get(month)?.values() ?? []) {
        reset();
        row.unblended = row.netUnblended = r10(u.cost * 0.07);
        emit(taxProfile(u.account, u.service), dayStart, next);
      }
      firstMonth = false;
    }
    appender.closeSync();

    await writeProfiles(conn, profiles, payer);

    // Root layout: aws-local.json, labels.json, expected.json, s3/<bucket>/<key>.
    const root = opts.out;
    const prefix =
      format === 'legacy'
        ? 'cur/cost-optimizer/cost-optimizer/'
        : format === 'cur2'
          ? 'cur2/cost-optimizer/data/'
          : 'focus/cost-optimizer/data/';
    const tableDir = join(root, 's3', SAMPLE_BUCKET, prefix);
    rmSync(join(root, 's3', SAMPLE_BUCKET), { recursive: true, force: true });
    mkdirSync(tableDir, { recursive: true });
    mkdirSync(join(root, 's3', RESULTS_BUCKET, 'athena-results'), { recursive: true });
    const partitions = format === 'legacy' ? 'year, month' : 'billing_period';
    await conn.run(
      `COPY (${formatSelect(format, seed)}) TO '${tableDir.replace(/'/g, "''")}' (FORMAT parquet, PARTITION_BY (${partitions}), FILENAME_PATTERN 'cost-optimizer-{i}', OVERWRITE_OR_IGNORE true)`,
    );
    const files = listFiles(tableDir).filter((f) => f.endsWith('.parquet'));

    const round = (t: MeasureTotals): MeasureTotals => {
      const o = { ...t };
      for (const m of MEASURES) o[m] = r6(t[m]);
      return o;
    };
    const dailyOut: Record<string, MeasureTotals> = {};
    for (const day of [...daily.keys()].sort()) dailyOut[day] = round(daily.get(day)!);
    const roundPairs = <T extends Record<string, number>>(rec: Record<string, T>) => {
      for (const v of Object.values(rec))
        for (const k of Object.keys(v)) (v as Record<string, number>)[k] = r6(v[k]!);
      return rec;
    };
    for (const l of labels) l.extra_unblended = r6(l.extra_unblended);
    const expected: ExpectedTotals = {
      format,
      seed,
      start_date: isoDay(startEpoch),
      end_date: isoDay(endEpoch),
      currency: 'USD',
      payer_account_id: payer.id,
      usage_account_ids: accounts.map((a) => a.id),
      measures: {
        unblended: 'sum of line_item_unblended_cost over every line item',
        net_unblended: 'sum of line_item_net_unblended_cost over every line item',
        amortized: 'AWS.md §4 amortized formula over every line item',
        net_amortized: 'AWS.md §4 formula with the net columns',
        public_on_demand: 'sum of pricing_public_on_demand_cost',
        usage_unblended: 'unblended cost of Usage, DiscountedUsage and SavingsPlanCoveredUsage only',
        usage_amortized: 'amortized cost of Usage, DiscountedUsage and SavingsPlanCoveredUsage only',
      },
      sql: measureSql(format),
      daily: dailyOut,
      totals: round(totals),
      by_line_item_type: roundPairs(byType),
      by_service: roundPairs(byService),
      by_account: roundPairs(byAccount),
    };
    const config: AwsLocalConfigInput = {
      region: 'us-east-1',
      accounts: [
        {
          account_id: SAMPLE_ACCOUNT_ID,
          name: 'sample-payer',
          roles: [{ name: SAMPLE_ROLE, external_id: externalId, trusted: ['*'] }],
          workgroups: [
            {
              name: 'primary',
              output_location: `s3://${RESULTS_BUCKET}/athena-results/`,
              managed_results: false,
            },
            { name: 'managed', managed_results: true },
          ],
          databases: [
            {
              name: SAMPLE_DATABASE,
              tables: [{ name: SAMPLE_TABLE, location: `s3://${SAMPLE_BUCKET}/${prefix}` }],
            },
          ],
          buckets: [SAMPLE_BUCKET, RESULTS_BUCKET],
          metrics: sampleMetrics(streams, seed),
        },
      ],
    };
    writeFileSync(join(root, 'aws-local.json'), JSON.stringify(config, null, 2) + '\n');
    writeFileSync(join(root, 'labels.json'), JSON.stringify(labels, null, 2) + '\n');
    writeFileSync(join(root, 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
    return { root, rows, files, expected, labels, externalId, config };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function append(
  a: DuckDBAppender,
  profile: number,
  start: number,
  end: number,
  r: Row,
  am: number,
  nam: number,
) {
  a.appendInteger(profile);
  a.appendInteger(start);
  a.appendInteger(end);
  a.appendDouble(r.usage);
  a.appendDouble(r.unblendedRate);
  a.appendDouble(r.unblended);
  a.appendDouble(r.netUnblended);
  a.appendDouble(r.odRate);
  a.appendDouble(r.odCost);
  a.appendDouble(r.resEff);
  a.appendDouble(r.resUnusedUpfront);
  a.appendDouble(r.resUnusedRecurring);
  a.appendDouble(r.spEff);
  a.appendDouble(r.spRate);
  a.appendDouble(r.spCommit);
  a.appendDouble(r.spUsed);
  a.appendDouble(r.edp);
  a.appendDouble(am);
  a.appendDouble(nam);
  a.endRow();
}

const PROFILE_COLUMNS = [
  'type',
  'account_id',
  'account_name',
  'payer_id',
  'payer_name',
  'product_code',
  'product_name',
  'category',
  'region',
  'location',
  'az',
  'usage_type',
  'operation',
  'resource_id',
  'description',
  'family',
  'instance_type',
  'unit',
  'pricing_term',
  'res_arn',
  'sp_arn',
  'tax_type',
  'tag_environment',
  'tag_team',
  'tag_application',
  'tag_cost_center',
] as const;

async function writeProfiles(conn: DuckDBConnection, profiles: Profile[], payer: Account) {
  await conn.run(
    `CREATE TABLE profiles (profile INTEGER, normalization DOUBLE, ${PROFILE_COLUMNS.map((c) => `${c} VARCHAR`).join(', ')})`,
  );
  const a = await conn.createAppender('profiles');
  for (const p of profiles) {
    a.appendInteger(p.id);
    a.appendDouble(p.normalization);
    const values: Record<(typeof PROFILE_COLUMNS)[number], string> = {
      type: p.type,
      account_id: p.accountId,
      account_name: p.accountName,
      payer_id: payer.id,
      payer_name: payer.name,
      product_code: p.productCode,
      product_name: p.productName,
      category: p.category,
      region: p.region,
      location: p.location,
      az: p.az,
      usage_type: p.usageType,
      operation: p.operation,
      resource_id: p.resourceId,
      description: p.description,
      family: p.family,
      instance_type: p.instanceType,
      unit: p.unit,
      pricing_term: p.pricingTerm,
      res_arn: p.resArn,
      sp_arn: p.spArn,
      tax_type: p.taxType,
      tag_environment: p.tags['environment'] ?? '',
      tag_team: p.tags['team'] ?? '',
      tag_application: p.tags['application'] ?? '',
      tag_cost_center: p.tags['cost_center'] ?? '',
    };
    for (const c of PROFILE_COLUMNS) a.appendVarchar(values[c]);
    a.endRow();
  }
  a.closeSync();
}

function measureSql(format: CurFormat): Partial<Record<Measure, string>> {
  if (format === 'focus')
    return {
      unblended: 'SUM(billedcost)',
      net_amortized: 'SUM(effectivecost)',
      public_on_demand: 'SUM(listcost)',
    };
  return {
    unblended: 'SUM(line_item_unblended_cost)',
    net_unblended: 'SUM(line_item_net_unblended_cost)',
    public_on_demand: 'SUM(pricing_public_on_demand_cost)',
    amortized: `SUM(CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
  WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN reservation_effective_cost
  WHEN 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
  ELSE CASE WHEN line_item_line_item_type = 'Fee' AND reservation_reservation_a_r_n <> '' THEN 0 ELSE line_item_unblended_cost END
END)`,
  };
}

function sampleMetrics(streams: Stream[], seed: number): AwsLocalConfigInput['accounts'][number]['metrics'] {
  const instances = streams
    .filter((s) => s.usage.resource === 'instance' && s.account.id === SAMPLE_ACCOUNT_ID)
    .slice(0, 3)
    .map((s) => s.profile.resourceId.split('/').pop() ?? 'i-0');
  if (instances.length === 0) instances.push('i-0abc1234def567890');
  return [
    ...instances.map((id, i) => ({
      namespace: 'AWS/EC2',
      metric_name: 'CPUUtilization',
      dimensions: { InstanceId: id },
      unit: 'Percent',
      synthetic: { base: 35 + i * 10, daily_amplitude: 15, noise: 5, period_seconds: 300, seed: seed + i },
    })),
    {
      namespace: 'AWS/Billing',
      metric_name: 'EstimatedCharges',
      dimensions: { Currency: 'USD' },
      unit: 'None',
      synthetic: { base: 1000, daily_amplitude: 0, noise: 20, period_seconds: 21600, seed },
    },
    {
      namespace: 'AWS/NATGateway',
      metric_name: 'BytesOutToDestination',
      dimensions: { NatGatewayId: 'nat-0sample000000001' },
      unit: 'Bytes',
      synthetic: { base: 4e9, daily_amplitude: 1e9, noise: 2e8, period_seconds: 300, seed: seed + 99 },
    },
  ];
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}
