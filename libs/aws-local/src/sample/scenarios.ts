/**
 * What a sample contains beyond its regular streams: the injected (labelled) anomalies and the synthetic
 * CloudWatch metrics of aws-local.json.
 *
 * - `compact` (the default): four anomalies at fixed fractions of the range, so samples of any length (tests use
 *   5-100 days) carry them; metrics with no anomaly.
 * - `demo`: a year of history for `npm start` and the browser journeys. Six anomalies, each in the last 90 days
 *   after at least 30 days of its series, each on a day the product judges (two days before the last one or
 *   earlier), none on a month's first day; nothing else changes enough to be one. Two of them line up with a
 *   CloudWatch anomaly on the same day, account and region (NAT gateway bytes, EC2 CPU).
 */
import type { AwsLocalConfigInput } from '../config';
import {
  DAY,
  isoDay,
  type Account,
  type AnomalyLabel,
  type Injection,
  type MetricEventLabel,
  type Stream,
} from './model';
import {
  M6I_XLARGE,
  NEW_SERVICE,
  REGIONS,
  SERVICES,
  type RegionSpec,
  type ServiceSpec,
  type UsageSpec,
} from './services';
import type { StreamFactory } from './streams';

export type SampleScenario = 'compact' | 'demo';
type MetricsConfig = AwsLocalConfigInput['accounts'][number]['metrics'];

export interface ScenarioContext {
  factory: StreamFactory;
  accounts: Account[];
  days: number;
  startEpoch: number;
  seed: number;
  /** The regular streams; the scenario appends its dedicated ones. */
  streams: Stream[];
}

export interface ScenarioResult {
  labels: AnomalyLabel[];
  metrics: MetricsConfig;
}

const service = (code: string): ServiceSpec => {
  const s = SERVICES.find((x) => x.code === code);
  if (!s) throw new Error(`no service ${code}`);
  return s;
};
const usage = (s: ServiceSpec, usageType: string): UsageSpec => {
  const u = s.usages.find((x) => x.usageType === usageType);
  if (!u) throw new Error(`no usage type ${usageType} in ${s.code}`);
  return u;
};
const region = (id: string): RegionSpec => REGIONS.find((r) => r.id === id)!;
const lastPart = (arn: string, sep: string) => arn.slice(arn.lastIndexOf(sep) + 1);

/** A stream of its own for an anomaly: on demand, flat (no growth, no weekend dip), labelled. */
function dedicated(
  ctx: ScenarioContext,
  labels: AnomalyLabel[],
  spec: {
    kind: AnomalyLabel['kind'];
    service: ServiceSpec;
    usage: UsageSpec;
    account: Account;
    region: RegionSpec;
    base: number;
    from: number;
    to: number;
    multiplier: number;
    description: string;
  },
): { stream: Stream; label: AnomalyLabel } {
  const stream = ctx.factory.make(spec.service, spec.usage, spec.account, spec.region, 'od', spec.base);
  stream.startDay = spec.kind === 'new_service' ? spec.from : 0;
  stream.growth = 0;
  stream.weekendFactor = 1;
  const label: AnomalyLabel = {
    id: `anomaly-${labels.length + 1}`,
    kind: spec.kind,
    start_date: isoDay(ctx.startEpoch + spec.from * DAY),
    end_date: isoDay(ctx.startEpoch + spec.to * DAY),
    account_id: spec.account.id,
    service: spec.service.code,
    region: spec.region.id,
    usage_type: stream.profile.usageType,
    multiplier: spec.multiplier,
    extra_unblended: 0,
    description: spec.description,
  };
  labels.push(label);
  ctx.streams.push(stream);
  return { stream, label };
}

/** The usage multiplier is `multiplier` on days [from, to]; `onlyDuring`: the stream exists on those days only. */
function windowed(
  label: AnomalyLabel,
  from: number,
  to: number,
  multiplier: number,
  onlyDuring: boolean,
): Injection {
  const inside = (d: number) => d >= from && d <= to;
  return {
    label,
    factor: (d) => (inside(d) ? multiplier : 1),
    present: (d) => !onlyDuring || inside(d),
  };
}

// ---------------------------------------------------------------------------------------------- compact

export function compactScenario(ctx: ScenarioContext): ScenarioResult {
  const { accounts, days } = ctx;
  const labels: AnomalyLabel[] = [];
  const payer = accounts[0]!;
  const prod = accounts.find((a, i) => i > 0 && a.env === 'prod') ?? payer;
  const dev = accounts.find((a) => a.env === 'dev') ?? prod;
  const ec2 = service('AmazonEC2');
  const cw = service('AmazonCloudWatch');
  const clampDay = (d: number) => Math.max(0, Math.min(days - 1, d));
  const add = (
    kind: AnomalyLabel['kind'],
    svc: ServiceSpec,
    u: UsageSpec,
    account: Account,
    r: RegionSpec,
    base: number,
    fromDay: number,
    lengthDays: number,
    multiplier: number,
    description: string,
  ) => {
    const from = clampDay(fromDay);
    const to = clampDay(from + lengthDays - 1);
    const { stream, label } = dedicated(ctx, labels, {
      kind,
      service: svc,
      usage: u,
      account,
      region: r,
      base,
      from,
      to,
      multiplier,
      description,
    });
    stream.anomaly = windowed(label, from, to, multiplier, kind === 'new_service');
  };
  add(
    'spike',
    ec2,
    ec2.usages[1]!,
    prod,
    REGIONS[0]!,
    10,
    Math.floor(days * 0.7),
    2,
    6,
    'EC2 c5.xlarge fleet scaled out 6x for two days',
  );
  add(
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
  add(
    'new_service',
    NEW_SERVICE,
    NEW_SERVICE.usages[0]!,
    dev,
    REGIONS[0]!,
    2,
    Math.floor(days * 0.85),
    4,
    1,
    'SageMaker training instances left running in a dev account',
  );
  add(
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
  return { labels, metrics: compactMetrics(ctx.streams, payer.id, ctx.seed) };
}

function compactMetrics(streams: Stream[], payerId: string, seed: number): MetricsConfig {
  const instances = streams
    .filter((s) => s.usage.resource === 'instance' && s.account.id === payerId)
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

// ---------------------------------------------------------------------------------------------- demo

/** Smallest range the demo's anomalies fit in (the oldest starts 58 days before the end, after 30 days). */
export const DEMO_MIN_DAYS = 120;

/**
 * The demo's anomalies, counted back from the last day E (yesterday): the product judges days up to E-2, so
 * the metric-aligned spikes sit on E-2 (NAT) and E-4 (EC2; a quiet day between keeps them two incidents of the
 * payer account's EC2), both inside the demo's two weeks of metric backfill; the others are older.
 */
export function demoScenario(ctx: ScenarioContext): ScenarioResult {
  const { accounts, days, startEpoch, seed } = ctx;
  if (days < DEMO_MIN_DAYS) throw new Error(`the demo scenario needs days >= ${DEMO_MIN_DAYS}`);
  const labels: AnomalyLabel[] = [];
  const last = days - 1;
  const payer = accounts[0]!;
  const production = accounts.find((a, i) => i > 0 && a.env === 'prod') ?? payer;
  const development = accounts.find((a) => a.env === 'dev') ?? production;
  const dataPlatform = accounts.find((a) => a.name === 'data-platform') ?? production;
  const ec2 = service('AmazonEC2');
  const dynamo = service('AmazonDynamoDB');
  const redshift = service('AmazonRedshift');
  const lambda = service('AWSLambda');
  const useast = region('us-east-1');
  /**
   * Day `d`, moved earlier while it or the next day is a month's first day: no anomaly on a fee day, and none right
   * before one (the day after a spike would be a fee day, which the detector keeps out of its level).
   */
  const isFirst = (d: number) => new Date((startEpoch + d * DAY) * 1000).getUTCDate() === 1;
  const clearOfMonthStart = (d: number) => {
    while (isFirst(d) || isFirst(d + 1)) d--;
    return d;
  };
  const dayBack = (back: number) => clearOfMonthStart(last - back);
  const natDay = dayBack(2);
  const cpuDay = clearOfMonthStart(natDay - 2);
  const iso = (d: number, hour: number) =>
    new Date((startEpoch + d * DAY + hour * 3600) * 1000).toISOString().replace('.000Z', 'Z');
  /** A spike on day `d` during hours [h0, h1); daily streams get the day's mean. */
  const hoursSpike = (label: AnomalyLabel, d: number, h0: number, h1: number, m: number): Injection => ({
    label,
    factor: (day, h) =>
      day !== d ? 1 : h === null ? (24 - (h1 - h0) + (h1 - h0) * m) / 24 : h >= h0 && h < h1 ? m : 1,
    present: () => true,
  });

  // 1. DynamoDB storage of the production account triples and stays (a table's backups kept by mistake).
  const shiftFrom = dayBack(35);
  const shift = dedicated(ctx, labels, {
    kind: 'level_shift',
    service: dynamo,
    usage: usage(dynamo, 'TimedStorage-ByteHrs'),
    account: production,
    region: region('us-west-2'),
    base: 60,
    from: shiftFrom,
    to: last,
    multiplier: 3,
    description:
      'DynamoDB storage of the production account tripled and stayed there (on-demand backups kept)',
  });
  shift.stream.anomaly = {
    label: shift.label,
    factor: (d) => (d >= shiftFrom ? 3 : 1),
    present: () => true,
  };

  // 2. A new m6i.xlarge fleet in eu-west-1 grows over two weeks to 3.5x its first size, then stays.
  const rampFrom = dayBack(58);
  const rampTo = rampFrom + 13;
  const ramp = dedicated(ctx, labels, {
    kind: 'ramp',
    service: ec2,
    usage: M6I_XLARGE,
    account: production,
    region: region('eu-west-1'),
    base: 6,
    from: rampFrom,
    to: rampTo,
    multiplier: 3.5,
    description:
      'EC2 m6i.xlarge instances in eu-west-1 ramped up over two weeks to 3.5x (autoscaling minimum raised step by step)',
  });
  ramp.stream.anomaly = {
    label: ramp.label,
    factor: (d) =>
      d < rampFrom ? 1 : d >= rampTo ? 3.5 : 1 + (2.5 * (d - rampFrom + 1)) / (rampTo - rampFrom + 1),
    present: () => true,
  };

  // 3. The Redshift cluster of the data platform is deleted: the service stops.
  const dropFrom = dayBack(20);
  const drop = dedicated(ctx, labels, {
    kind: 'drop',
    service: redshift,
    usage: usage(redshift, 'Node:ra3.xlplus'),
    account: dataPlatform,
    region: useast,
    base: 2,
    from: dropFrom,
    to: last,
    multiplier: 0,
    description: 'The data platform deleted its Redshift cluster: Amazon Redshift stops',
  });
  drop.stream.anomaly = { label: drop.label, factor: () => 1, present: (d) => d < dropFrom };

  // 4. SageMaker training instances left running for four days in the development account (a new service).
  const newFrom = dayBack(12);
  const fresh = dedicated(ctx, labels, {
    kind: 'new_service',
    service: NEW_SERVICE,
    usage: NEW_SERVICE.usages[0]!,
    account: development,
    region: useast,
    base: 2,
    from: newFrom,
    to: newFrom + 3,
    multiplier: 1,
    description: 'SageMaker training instances left running for four days in the development account',
  });
  fresh.stream.anomaly = windowed(fresh.label, newFrom, newFrom + 3, 1, true);

  // 5. The payer account's c5.xlarge fleet scales out 4x from 10:00 to 18:00 UTC, its CPU pegged.
  const fleet = dedicated(ctx, labels, {
    kind: 'spike',
    service: ec2,
    usage: usage(ec2, 'BoxUsage:c5.xlarge'),
    account: payer,
    region: useast,
    base: 8,
    from: cpuDay,
    to: cpuDay,
    multiplier: 4,
    description: 'The c5.xlarge fleet scaled out 4x from 10:00 to 18:00 UTC: a runaway job pegged its CPU',
  });
  fleet.stream.anomaly = hoursSpike(fleet.label, cpuDay, 10, 18, 4);
  const fleetInstance = lastPart(fleet.stream.profile.resourceId, '/');
  fleet.label.metric = {
    namespace: 'AWS/EC2',
    metric_name: 'CPUUtilization',
    dimensions: { InstanceId: fleetInstance },
    start: iso(cpuDay, 10),
    end: iso(cpuDay, 18),
    multiplier: 1,
    add: 55,
  };

  // 6. The payer account's NAT gateway processes 8x its bytes from 09:00 to 15:00 UTC (a sync job via NAT).
  const natUsage = usage(ec2, 'NatGateway-Bytes');
  const natBase = 25;
  const nat = dedicated(ctx, labels, {
    kind: 'spike',
    service: ec2,
    usage: natUsage,
    account: payer,
    region: useast,
    base: natBase,
    from: natDay,
    to: natDay,
    multiplier: 8,
    description:
      'NAT gateway data processing 8x from 09:00 to 15:00 UTC: a bulk copy went through the NAT gateway',
  });
  nat.stream.anomaly = hoursSpike(nat.label, natDay, 9, 15, 8);
  const natId = lastPart(nat.stream.profile.resourceId, '/');
  nat.label.metric = {
    namespace: 'AWS/NATGateway',
    metric_name: 'BytesOutToDestination',
    dimensions: { NatGatewayId: natId },
    start: iso(natDay, 9),
    end: iso(natDay, 15),
    multiplier: 8,
    add: 0,
  };

  // A quiet Lambda function of the payer account, so its invocations can be watched next to its cost.
  const fn = ctx.factory.make(lambda, usage(lambda, 'Request'), payer, useast, 'od', 4);
  fn.startDay = 0;
  fn.growth = 0;
  fn.weekendFactor = 1;
  ctx.streams.push(fn);

  // Synthetic metrics of the payer account (the one the product's role reads), sized like the usage they bill.
  const event = (m: MetricEventLabel) => ({
    start: m.start,
    end: m.end,
    multiplier: m.multiplier,
    add: m.add,
  });
  const otherInstances = ctx.streams
    .filter(
      (s) =>
        s !== fleet.stream && s.usage.resource === 'instance' && s.account === payer && s.region === useast,
    )
    .slice(0, 2)
    .map((s) => lastPart(s.profile.resourceId, '/'));
  const bytesPer5Min = (natUsage.amount * natBase * 1e9) / 288;
  const invocationsPer5Min = (fn.usage.amount * fn.base) / 288;
  const metrics: MetricsConfig = [
    {
      namespace: 'AWS/EC2',
      metric_name: 'CPUUtilization',
      dimensions: { InstanceId: fleetInstance },
      unit: 'Percent',
      synthetic: {
        base: 30,
        daily_amplitude: 10,
        noise: 4,
        period_seconds: 300,
        seed: seed + 1,
        events: [event(fleet.label.metric)],
      },
    },
    ...otherInstances.map((id, i) => ({
      namespace: 'AWS/EC2',
      metric_name: 'CPUUtilization',
      dimensions: { InstanceId: id },
      unit: 'Percent',
      synthetic: {
        base: 40 + i * 10,
        daily_amplitude: 12,
        noise: 4,
        period_seconds: 300,
        seed: seed + 2 + i,
      },
    })),
    {
      namespace: 'AWS/NATGateway',
      metric_name: 'BytesOutToDestination',
      dimensions: { NatGatewayId: natId },
      unit: 'Bytes',
      synthetic: {
        base: bytesPer5Min,
        daily_amplitude: bytesPer5Min * 0.25,
        noise: bytesPer5Min * 0.06,
        period_seconds: 300,
        seed: seed + 99,
        events: [event(nat.label.metric)],
      },
    },
    {
      namespace: 'AWS/Lambda',
      metric_name: 'Invocations',
      dimensions: { FunctionName: lastPart(fn.profile.resourceId, ':') },
      unit: 'Count',
      synthetic: {
        base: invocationsPer5Min,
        daily_amplitude: invocationsPer5Min * 0.35,
        noise: invocationsPer5Min * 0.05,
        period_seconds: 300,
        seed: seed + 7,
      },
    },
    {
      namespace: 'AWS/Billing',
      metric_name: 'EstimatedCharges',
      dimensions: { Currency: 'USD' },
      unit: 'None',
      synthetic: { base: 1000, daily_amplitude: 0, noise: 20, period_seconds: 21600, seed },
    },
  ];
  return { labels, metrics };
}
