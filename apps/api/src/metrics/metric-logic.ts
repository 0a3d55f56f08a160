/** Pure helpers of metric collection and detection: no Nest, no ORM, no SDK (unit-tested beside). */
import { createHash } from 'node:crypto';
import { CronTime } from 'cron';
import type { MetricPointResult } from '@cost-optimizer/anomaly-engine';
import type { MetricDimension, MetricPreset, MetricPresetId } from '@cost-optimizer/dto';

/** GetMetricData: $0.01 per 1,000 metrics requested (AWS pricing; every call counts its queries). */
export const GET_METRIC_DATA_USD_PER_METRIC = 0.01 / 1000;
/** GetMetricData takes at most 500 metric queries per call. */
export const MAX_QUERIES_PER_CALL = 500;
/** Points endpoint: at most this many buckets come back. */
export const MAX_BUCKETS = 500;

export interface SeriesIdentity {
  region: string;
  namespace: string;
  metric_name: string;
  dimensions: readonly MetricDimension[];
  stat: string;
  period: number;
}

export function sortDimensions(d: readonly MetricDimension[]): MetricDimension[] {
  return [...d].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One key per series: two watches of a tenant never collect the same numbers. */
export function seriesKey(s: SeriesIdentity): string {
  const canonical = JSON.stringify([
    s.region,
    s.namespace,
    s.metric_name,
    sortDimensions(s.dimensions).map((d) => [d.name, d.value]),
    s.stat,
    s.period,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Same metric (any stat and period): what discovery marks as watched. */
export function metricKey(namespace: string, metricName: string, dims: readonly MetricDimension[]): string {
  return JSON.stringify([namespace, metricName, sortDimensions(dims).map((d) => [d.name, d.value])]);
}

export function defaultLabel(s: Pick<SeriesIdentity, 'metric_name' | 'dimensions' | 'stat'>): string {
  const dims = s.dimensions.map((d) => d.value).join(' ');
  return `${s.metric_name}${dims ? ` ${dims}` : ''} (${s.stat})`.slice(0, 120);
}

export const PRESETS: readonly MetricPreset[] = [
  {
    id: 'ec2_cpu',
    name: 'EC2 CPU per instance',
    description: 'CPUUtilization of each instance (idle or runaway instances)',
    namespace: 'AWS/EC2',
    metric_name: 'CPUUtilization',
    dimension_names: ['InstanceId'],
    stat: 'Average',
    period: 300,
    region: null,
    cost_service: 'AmazonEC2',
  },
  {
    id: 'ec2_network_out',
    name: 'EC2 network out per instance',
    description: 'NetworkOut bytes of each instance (data transfer charges)',
    namespace: 'AWS/EC2',
    metric_name: 'NetworkOut',
    dimension_names: ['InstanceId'],
    stat: 'Sum',
    period: 300,
    region: null,
    cost_service: 'AWSDataTransfer',
  },
  {
    id: 'nat_bytes_out',
    name: 'NAT gateway bytes out',
    description: 'BytesOutToDestination of each NAT gateway (NAT data processing is billed under Amazon EC2)',
    namespace: 'AWS/NATGateway',
    metric_name: 'BytesOutToDestination',
    dimension_names: ['NatGatewayId'],
    stat: 'Sum',
    period: 300,
    region: null,
    cost_service: 'AmazonEC2',
  },
  {
    id: 'lambda_invocations',
    name: 'Lambda invocations per function',
    description: 'Invocations of each function (request charges)',
    namespace: 'AWS/Lambda',
    metric_name: 'Invocations',
    dimension_names: ['FunctionName'],
    stat: 'Sum',
    period: 300,
    region: null,
    cost_service: 'AWSLambda',
  },
  {
    id: 'lambda_duration',
    name: 'Lambda duration per function',
    description: 'Average Duration of each function (GB-second charges)',
    namespace: 'AWS/Lambda',
    metric_name: 'Duration',
    dimension_names: ['FunctionName'],
    stat: 'Average',
    period: 300,
    region: null,
    cost_service: 'AWSLambda',
  },
  {
    id: 'rds_cpu',
    name: 'RDS CPU per instance',
    description: 'CPUUtilization of each database instance',
    namespace: 'AWS/RDS',
    metric_name: 'CPUUtilization',
    dimension_names: ['DBInstanceIdentifier'],
    stat: 'Average',
    period: 300,
    region: null,
    cost_service: 'AmazonRDS',
  },
  {
    id: 's3_bucket_size',
    name: 'S3 bucket size',
    description: 'BucketSizeBytes of each bucket and storage class (reported once a day)',
    namespace: 'AWS/S3',
    metric_name: 'BucketSizeBytes',
    dimension_names: ['BucketName', 'StorageType'],
    stat: 'Average',
    period: 86400,
    region: null,
    cost_service: 'AmazonS3',
  },
  {
    id: 'billing_estimated_charges',
    name: 'Estimated charges (USD)',
    description: 'AWS/Billing EstimatedCharges for the whole account (exists only in us-east-1)',
    namespace: 'AWS/Billing',
    metric_name: 'EstimatedCharges',
    dimension_names: ['Currency'],
    stat: 'Maximum',
    period: 21600,
    region: 'us-east-1',
    cost_service: null,
  },
];

export function presetById(id: MetricPresetId): MetricPreset {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown preset ${id}`);
  return p;
}

/** A discovered metric fits a preset when it has exactly the preset's dimensions. */
export function fitsPreset(p: MetricPreset, dims: readonly MetricDimension[]): boolean {
  const names = dims.map((d) => d.name).sort();
  const want = [...p.dimension_names].sort();
  return names.length === want.length && names.every((n, i) => n === want[i]);
}

/** CUR product codes and the product names that mean the same service. */
const SERVICE_ALIASES: readonly (readonly string[])[] = [
  ['AmazonEC2', 'Amazon Elastic Compute Cloud', 'Amazon EC2', 'Amazon Elastic Compute Cloud - Compute'],
  ['AWSDataTransfer', 'AWS Data Transfer'],
  ['AWSLambda', 'AWS Lambda'],
  ['AmazonRDS', 'Amazon Relational Database Service', 'Amazon RDS'],
  ['AmazonS3', 'Amazon Simple Storage Service', 'Amazon S3'],
  ['AmazonVPC', 'Amazon Virtual Private Cloud'],
  ['AmazonCloudWatch', 'Amazon CloudWatch'],
  ['AmazonDynamoDB', 'Amazon DynamoDB'],
  ['AmazonCloudFront', 'Amazon CloudFront'],
];

/** Every spelling of a service (code and names), lower-cased. */
export function serviceSpellings(service: string): string[] {
  const s = service.trim().toLowerCase();
  const group = SERVICE_ALIASES.find((g) => g.some((x) => x.toLowerCase() === s));
  return group ? group.map((x) => x.toLowerCase()) : [s];
}

export function sameService(a: string, b: string): boolean {
  return serviceSpellings(a).includes(b.trim().toLowerCase());
}

export interface PendingWatch {
  id: string;
  region: string;
  /** Epoch ms of the first period start wanted. */
  startMs: number;
}

/**
 * Where collection of a watch starts: the period after `lastTsMs` (the collector passes the newest point its
 * detector has judged, so the points still inside the late-data window are read again), never before the backfill
 * bound.
 */
export function collectStart(
  lastTsMs: number | null,
  periodS: number,
  nowMs: number,
  backfillHours: number,
): number {
  const bound = nowMs - Math.max(backfillHours * 3_600_000, 3 * periodS * 1000);
  const from = lastTsMs === null ? bound : lastTsMs + periodS * 1000;
  return Math.floor(Math.max(from, bound) / 60_000) * 60_000;
}

/**
 * Only whole periods are collected (the current one is still being aggregated): end of the last complete
 * period of the shortest period in the batch.
 */
export function collectEnd(nowMs: number): number {
  return Math.floor(nowMs / 60_000) * 60_000;
}

/** Batches of at most `size` watches of one region, watches with close start times together. */
export function batchesOf<T extends PendingWatch>(watches: readonly T[], size: number): T[][] {
  const byRegion = new Map<string, T[]>();
  for (const w of watches) {
    const list = byRegion.get(w.region);
    if (list) list.push(w);
    else byRegion.set(w.region, [w]);
  }
  const out: T[][] = [];
  for (const region of [...byRegion.keys()].sort()) {
    const list = byRegion.get(region)!.sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
    for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  }
  return out;
}

export const estimateCostUsd = (metricsRequested: number): number =>
  Math.round(metricsRequested * GET_METRIC_DATA_USD_PER_METRIC * 1e6) / 1e6;

/** Ticks of a cron expression in the next 30 days (capped: a per-second schedule is counted exactly). */
export function ticksPer30Days(cron: string, from = new Date()): number {
  const t = new CronTime(cron, 'UTC');
  const a = t.getNextDateFrom(from).toMillis();
  const b = t.getNextDateFrom(new Date(a)).toMillis();
  const interval = Math.max(1000, b - a);
  return Math.round((30 * 86_400_000) / interval);
}

/**
 * The schedule slot a cron tick belongs to: the scheduled time itself, the same in every process even when
 * their timers fire a little apart (tolerance: half the interval, at most 30 s).
 */
export function cronSlot(cron: string, nowMs: number): number {
  const t = new CronTime(cron, 'UTC');
  const probe = t.getNextDateFrom(new Date(nowMs - 60_000)).toMillis();
  const after = t.getNextDateFrom(new Date(probe)).toMillis();
  const tolerance = Math.min(30_000, (after - probe) / 2);
  return t.getNextDateFrom(new Date(nowMs - tolerance)).toMillis();
}

/** Bucket width for a points query: the period, or wider so at most MAX_BUCKETS come back. */
export function bucketSeconds(
  fromMs: number,
  toMs: number,
  periodS: number,
  maxBuckets = MAX_BUCKETS,
): number {
  const span = Math.max(1, (toMs - fromMs) / 1000);
  const need = Math.ceil(span / maxBuckets);
  if (need <= periodS) return periodS;
  // A multiple of the period, so buckets hold whole periods.
  return Math.ceil(need / periodS) * periodS;
}

export function isThrottle(e: unknown): boolean {
  const err = e as { name?: string; Code?: string; $retryable?: { throttling?: boolean } };
  const code = err?.Code ?? err?.name ?? '';
  return (
    err?.$retryable?.throttling === true ||
    /^(Throttling|ThrottlingException|TooManyRequestsException|RequestLimitExceeded|LimitExceededException)$/.test(
      code,
    )
  );
}

/** Full-jitter exponential backoff (ms) for our own retries after the SDK's. */
export function backoffMs(attempt: number, baseMs = 200, capMs = 10_000, random = Math.random): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

export type Severity = 'low' | 'medium' | 'high';

/** Metric severity from how far outside its band the peak went (|z|) and the relative deviation. */
export function metricSeverity(absZ: number, deviationPct: number | null): Severity {
  const pct = Math.abs(deviationPct ?? 0);
  if (absZ >= 20 || pct >= 100) return 'high';
  if (absZ >= 10 || pct >= 50) return 'medium';
  return 'low';
}

/** A stored point of a metric episode (the anomaly's explanation.metric_points). */
export interface MetricEpisodePoint {
  ts: string;
  actual: number;
  expected: number | null;
  lower: number | null;
  upper: number | null;
  score: number;
  z: number;
  /** The detector's rule for this point (`deviation`, `mean_shift`...); absent on episodes stored before v5. */
  rule?: string;
  /** The mean-shift statistic: a `mean_shift` point is judged by it, not by its own z. */
  shift_z?: number;
}

/**
 * An episode's figures from its points: the peak (largest |z|) gives expected and actual; the rules are those that
 * flagged its points; severity takes a gradual shift's statistic, since no single point of a `mean_shift` is far
 * from its band.
 */
export function metricEpisodeFields(points: readonly MetricEpisodePoint[]) {
  const peak = points.reduce((a, b) => (Math.abs(b.z) > Math.abs(a.z) ? b : a));
  const expected = peak.expected ?? 0;
  const deviationPct = expected !== 0 ? ((peak.actual - expected) / Math.abs(expected)) * 100 : null;
  const severityZ = Math.max(
    ...points.map((p) => Math.abs(p.rule === 'mean_shift' ? (p.shift_z ?? p.z) : p.z)),
  );
  return {
    peakTs: peak.ts,
    expected,
    actual: peak.actual,
    deviationPct,
    rules: [...new Set(points.map((p) => p.rule ?? 'deviation'))],
    severity: metricSeverity(severityZ, deviationPct),
    score: Math.max(...points.map((p) => p.score)),
  };
}

export interface EpisodeDraft {
  startMs: number;
  endMs: number;
  /** The anomalous points, in time order. */
  points: MetricPointResult[];
  /** Continues the open episode ending at `continuesFromMs`. */
  continues: boolean;
}

/**
 * Groups the anomalous points of newly judged results into episodes. An anomalous point within `gapPeriods`
 * periods of the previous one (or of the open episode's end) joins its episode.
 */
export function episodesOf(
  results: readonly MetricPointResult[],
  periodS: number,
  openEndMs: number | null,
  gapPeriods = 2,
): EpisodeDraft[] {
  const gap = gapPeriods * periodS * 1000;
  const out: EpisodeDraft[] = [];
  let current: EpisodeDraft | null = null;
  let lastEnd = openEndMs;
  for (const r of results) {
    if (!r.isAnomaly || r.actual === null) continue;
    if (current && r.time - current.endMs <= gap) {
      current.endMs = r.time;
      current.points.push(r);
      continue;
    }
    if (!current && lastEnd !== null && r.time - lastEnd <= gap) {
      current = { startMs: r.time, endMs: r.time, points: [r], continues: true };
      out.push(current);
      continue;
    }
    current = { startMs: r.time, endMs: r.time, points: [r], continues: false };
    out.push(current);
    lastEnd = null;
  }
  return out;
}

/** The point furthest from its forecast (the episode's peak). */
export function peakOf(points: readonly MetricPointResult[]): MetricPointResult {
  return points.reduce((a, b) => (Math.abs(b.z) > Math.abs(a.z) ? b : a));
}

export const round = (x: number, digits = 6): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
