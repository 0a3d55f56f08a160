import { z } from 'zod';
import { pageOf } from './common';

/**
 * CloudWatch metric watches: which metrics a tenant collects, their points, discovery, presets and the
 * collector's own record (calls made and what they cost the customer).
 */

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** CloudWatch namespaces: letters, digits and . - _ / # : and spaces; not starting with ':' (AWS rule). */
const NAMESPACE = /^[A-Za-z0-9._\-/#][A-Za-z0-9._\-/#: ]{0,254}$/;
/** Metric and dimension names: printable ASCII, not starting with a space or ':'. */
const NAME = /^[\x21-\x39\x3b-\x7e][\x20-\x7e]{0,254}$/;
/** Dimension values: printable ASCII (CloudWatch allows up to 1024 characters). */
const VALUE = /^[\x20-\x7e]{1,1024}$/;
/** Statistics the collector may request: the five basic ones and percentiles p0..p100 (up to two decimals). */
const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|p(100|[0-9]{1,2})(\.[0-9]{1,2})?)$/;

export const METRIC_BASIC_STATS = ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'] as const;

export const MetricRegionSchema = z
  .string()
  .regex(REGION, { message: 'Must be an AWS region code such as us-east-1' })
  .meta({ example: 'us-east-1' });

export const MetricNamespaceSchema = z
  .string()
  .regex(NAMESPACE, {
    message: "Must be 1-255 of letters, digits, spaces and . - _ / # : (not starting with ':' or a space)",
  })
  .meta({ example: 'AWS/EC2' });

export const MetricNameSchema = z
  .string()
  .regex(NAME, { message: "Must be 1-255 printable ASCII characters (not starting with ':' or a space)" })
  .meta({ example: 'CPUUtilization' });

export const MetricStatSchema = z
  .string()
  .regex(STAT, {
    message: 'Must be one of SampleCount, Average, Sum, Minimum, Maximum or a percentile p0..p100 (e.g. p99)',
  })
  .meta({ example: 'Average' });

export const MetricPeriodSchema = z
  .number()
  .int({ message: 'Must be a whole number of seconds' })
  .min(60, { message: 'Must be at least 60 seconds' })
  .max(86400, { message: 'Must be at most 86400 seconds (one day)' })
  .refine((p) => p % 60 === 0, { message: 'Must be a multiple of 60 seconds' })
  .meta({ example: 300, description: 'Seconds; a multiple of 60 between 60 and 86400' });

export const MetricDimensionSchema = z
  .object({
    name: MetricNameSchema.meta({ example: 'InstanceId' }),
    value: z
      .string()
      .regex(VALUE, { message: 'Must be 1-1024 printable ASCII characters' })
      .meta({ example: 'i-0abc1234def567890' }),
  })
  .strict()
  .meta({ id: 'MetricDimension' });
export type MetricDimension = z.infer<typeof MetricDimensionSchema>;

const DimensionsSchema = z
  .array(MetricDimensionSchema)
  .max(30, { message: 'At most 30 dimensions (CloudWatch limit)' })
  .refine((d) => new Set(d.map((x) => x.name)).size === d.length, {
    message: 'Dimension names must be unique',
  });

export const MetricPointSchema = z
  .object({
    ts: z.iso.datetime().meta({ description: 'Start of the period (UTC)' }),
    value: z.number(),
  })
  .meta({ id: 'MetricPoint' });
export type MetricPoint = z.infer<typeof MetricPointSchema>;

export const MetricWatchSchema = z
  .object({
    id: z.uuid(),
    namespace: z.string().meta({ example: 'AWS/EC2' }),
    metric_name: z.string().meta({ example: 'CPUUtilization' }),
    dimensions: z.array(MetricDimensionSchema),
    stat: z.string().meta({ example: 'Average' }),
    period: z.number().int().meta({ example: 300 }),
    region: z.string().meta({ example: 'us-east-1' }),
    label: z.string().meta({ description: 'Display name', example: 'CPUUtilization i-0abc1234def567890' }),
    cost_service: z.string().nullable().meta({
      description:
        'Cost service this metric explains (a CUR product code or name); cost anomalies of that service show it',
      example: 'AmazonEC2',
    }),
    preset: z.string().nullable().meta({ description: 'The preset that added it', example: 'ec2_cpu' }),
    enabled: z.boolean(),
    last_ts: z.iso.datetime().nullable().meta({ description: 'Newest stored point' }),
    last_value: z.number().nullable(),
    sparkline: z
      .array(MetricPointSchema)
      .meta({ description: 'The last 24 hours, at most 48 averaged points (list responses only)' }),
    open_anomalies: z.number().int().meta({ description: 'Open metric anomaly episodes of this watch' }),
    created_at: z.iso.datetime(),
  })
  .meta({ id: 'MetricWatch', description: 'One CloudWatch metric series collected for the tenant' });
export type MetricWatch = z.infer<typeof MetricWatchSchema>;

export const MetricWatchPageSchema = pageOf(MetricWatchSchema, 'MetricWatchPage');
export type MetricWatchPage = z.infer<typeof MetricWatchPageSchema>;

export const MetricWatchListQuerySchema = z.object({
  search: z
    .string()
    .trim()
    .max(200)
    .optional()
    .meta({ description: 'Substring of the namespace, metric name, label or a dimension value' }),
  namespace: z.string().max(255).optional(),
  region: MetricRegionSchema.optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});
export type MetricWatchListQuery = z.infer<typeof MetricWatchListQuerySchema>;

export const CreateMetricWatchSchema = z
  .object({
    namespace: MetricNamespaceSchema,
    metric_name: MetricNameSchema,
    dimensions: DimensionsSchema.default([]),
    stat: MetricStatSchema.default('Average'),
    period: MetricPeriodSchema.default(300),
    region: MetricRegionSchema,
    label: z.string().trim().min(1).max(120).optional(),
    cost_service: z.string().trim().min(1).max(128).nullable().optional(),
  })
  .strict()
  .refine((w) => w.namespace !== 'AWS/Billing' || w.region === 'us-east-1', {
    message: 'AWS/Billing metrics exist only in us-east-1',
    path: ['region'],
  })
  .meta({
    id: 'CreateMetricWatch',
    example: {
      namespace: 'AWS/EC2',
      metric_name: 'CPUUtilization',
      dimensions: [{ name: 'InstanceId', value: 'i-0abc1234def567890' }],
      stat: 'Average',
      period: 300,
      region: 'us-east-1',
      cost_service: 'AmazonEC2',
    },
  });
export type CreateMetricWatch = z.infer<typeof CreateMetricWatchSchema>;

export const UpdateMetricWatchSchema = z
  .object({
    label: z.string().trim().min(1).max(120).optional(),
    enabled: z.boolean().optional(),
    cost_service: z.string().trim().min(1).max(128).nullable().optional(),
  })
  .strict()
  .refine((b) => b.label !== undefined || b.enabled !== undefined || b.cost_service !== undefined, {
    message: 'Nothing to change',
  })
  .meta({ id: 'UpdateMetricWatch', example: { enabled: false } });
export type UpdateMetricWatch = z.infer<typeof UpdateMetricWatchSchema>;

export const MetricPresetIdSchema = z
  .enum([
    'ec2_cpu',
    'ec2_network_out',
    'nat_bytes_out',
    'lambda_invocations',
    'lambda_duration',
    'rds_cpu',
    's3_bucket_size',
    'billing_estimated_charges',
  ])
  .meta({ id: 'MetricPresetId' });
export type MetricPresetId = z.infer<typeof MetricPresetIdSchema>;

export const MetricPresetSchema = z
  .object({
    id: MetricPresetIdSchema,
    name: z.string().meta({ example: 'EC2 CPU per instance' }),
    description: z.string(),
    namespace: z.string(),
    metric_name: z.string(),
    dimension_names: z
      .array(z.string())
      .meta({ description: 'One watch per discovered metric with exactly these dimensions' }),
    stat: z.string(),
    period: z.number().int(),
    region: z.string().nullable().meta({ description: 'Fixed region (AWS/Billing: us-east-1)' }),
    cost_service: z.string().nullable(),
  })
  .meta({ id: 'MetricPreset' });
export type MetricPreset = z.infer<typeof MetricPresetSchema>;

export const MetricPresetListSchema = z
  .object({ items: z.array(MetricPresetSchema) })
  .meta({ id: 'MetricPresetList' });
export type MetricPresetList = z.infer<typeof MetricPresetListSchema>;

export const AddMetricPresetsSchema = z
  .object({
    presets: z.array(MetricPresetIdSchema).min(1).max(20),
    region: MetricRegionSchema.optional().meta({
      description: "Where to discover the resources; default: the connection's region",
    }),
  })
  .strict()
  .meta({ id: 'AddMetricPresets', example: { presets: ['ec2_cpu', 'billing_estimated_charges'] } });
export type AddMetricPresets = z.infer<typeof AddMetricPresetsSchema>;

export const AddMetricPresetsResultSchema = z
  .object({
    created: z.array(MetricWatchSchema),
    already_watched: z.number().int(),
    found: z.number().int().meta({ description: 'Metrics ListMetrics found for the chosen presets' }),
    skipped_over_limit: z
      .number()
      .int()
      .meta({ description: 'Not added because of METRIC_WATCHES_MAX_PER_TENANT' }),
  })
  .meta({ id: 'AddMetricPresetsResult' });
export type AddMetricPresetsResult = z.infer<typeof AddMetricPresetsResultSchema>;

export const MetricDiscoverQuerySchema = z.object({
  namespace: MetricNamespaceSchema.optional(),
  region: MetricRegionSchema.optional().meta({ description: "Default: the connection's region" }),
  search: z
    .string()
    .trim()
    .max(200)
    .optional()
    .meta({ description: 'Substring of the metric name or a dimension value (case-insensitive)' }),
  next_token: z.string().max(4096).optional().meta({ description: 'From the previous page' }),
});
export type MetricDiscoverQuery = z.infer<typeof MetricDiscoverQuerySchema>;

export const DiscoveredMetricSchema = z
  .object({
    namespace: z.string(),
    metric_name: z.string(),
    dimensions: z.array(MetricDimensionSchema),
    watched: z.boolean().meta({ description: 'Already watched (any stat/period)' }),
  })
  .meta({ id: 'DiscoveredMetric' });
export type DiscoveredMetric = z.infer<typeof DiscoveredMetricSchema>;

export const MetricDiscoverPageSchema = z
  .object({
    region: z.string(),
    items: z.array(DiscoveredMetricSchema),
    next_token: z.string().nullable(),
  })
  .meta({ id: 'MetricDiscoverPage', description: 'One ListMetrics page, filtered by search' });
export type MetricDiscoverPage = z.infer<typeof MetricDiscoverPageSchema>;

export const MetricPointsQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().meta({ description: 'Default: to - 24 h' }),
    to: z.iso.datetime({ offset: true }).optional().meta({ description: 'Default: now' }),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: 'from must be before to',
    path: ['from'],
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, {
    message: 'The range may span at most 400 days',
    path: ['to'],
  });
export type MetricPointsQuery = z.infer<typeof MetricPointsQuerySchema>;

export const MetricAnomalyMarkSchema = z
  .object({
    id: z.uuid(),
    start_at: z.iso.datetime(),
    end_at: z.iso.datetime(),
    status: z.enum(['open', 'closed']),
    severity: z.enum(['low', 'medium', 'high']),
    expected: z.number(),
    actual: z.number(),
  })
  .meta({ id: 'MetricAnomalyMark' });
export type MetricAnomalyMark = z.infer<typeof MetricAnomalyMarkSchema>;

export const MetricPointsSchema = z
  .object({
    watch_id: z.uuid(),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    bucket_seconds: z
      .number()
      .int()
      .meta({ description: 'Stored period, or a wider bucket (averaged) so at most ~500 points come back' }),
    points: z.array(
      MetricPointSchema.extend({
        min: z.number().meta({ description: 'Smallest stored value in the bucket' }),
        max: z.number(),
      }),
    ),
    anomalies: z.array(MetricAnomalyMarkSchema),
  })
  .meta({ id: 'MetricPoints' });
export type MetricPoints = z.infer<typeof MetricPointsSchema>;

export const MetricCollectionErrorSchema = z
  .object({
    region: z.string(),
    step: z.string().meta({ example: 'GetMetricData' }),
    code: z.string().meta({ example: 'Throttling' }),
    message: z.string(),
  })
  .meta({ id: 'MetricCollectionError' });

export const MetricCollectionRunSchema = z
  .object({
    id: z.uuid(),
    tick_at: z.iso
      .datetime()
      .meta({ description: 'The schedule slot (or the request time for collect now)' }),
    trigger: z.enum(['schedule', 'manual']),
    status: z.enum(['running', 'succeeded', 'partial', 'failed']),
    started_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
    duration_ms: z.number().int().nullable(),
    watches: z.number().int(),
    calls: z.number().int().meta({ description: 'GetMetricData calls (pages included)' }),
    metrics_requested: z.number().int().meta({ description: 'Metric queries sent, summed over calls' }),
    throttle_retries: z.number().int().meta({ description: "Our retries after the SDK's own gave up" }),
    points_stored: z.number().int().meta({ description: 'New points (already stored ones are not counted)' }),
    anomalies: z.number().int().meta({ description: 'Anomalous points found by the detector' }),
    estimated_cost_usd: z.number().meta({
      description: 'GetMetricData cost to the customer: $0.01 per 1,000 metrics requested',
      example: 0.0005,
    }),
    errors: z.array(MetricCollectionErrorSchema),
  })
  .meta({ id: 'MetricCollectionRun' });
export type MetricCollectionRun = z.infer<typeof MetricCollectionRunSchema>;

export const MetricCollectionSchema = z
  .object({
    schedule: z.string().meta({ description: 'METRICS_COLLECT_CRON', example: '*/5 * * * *' }),
    watches: z.number().int().meta({ description: 'Enabled watches' }),
    last_24h: z.object({
      runs: z.number().int(),
      calls: z.number().int(),
      metrics_requested: z.number().int(),
      points_stored: z.number().int(),
      estimated_cost_usd: z.number(),
    }),
    estimated_monthly_cost_usd: z.number().meta({
      description: 'Enabled watches x schedule ticks in 30 days x $0.01 / 1,000 (one page per tick)',
    }),
    runs: z.array(MetricCollectionRunSchema).meta({ description: 'Recent ticks, newest first' }),
  })
  .meta({ id: 'MetricCollection' });
export type MetricCollection = z.infer<typeof MetricCollectionSchema>;

/** A metric series shown next to a cost anomaly of the service it is linked to. */
export const RelatedMetricSchema = z
  .object({
    watch_id: z.uuid(),
    label: z.string(),
    namespace: z.string(),
    metric_name: z.string(),
    stat: z.string(),
    region: z.string(),
    cost_service: z.string(),
    points: z.array(MetricPointSchema).meta({ description: 'Daily averages around the episode' }),
  })
  .meta({ id: 'RelatedMetric' });
export type RelatedMetric = z.infer<typeof RelatedMetricSchema>;

/** The metric numbers behind a metric anomaly episode. */
export const MetricAnomalyDetailSchema = z
  .object({
    watch_id: z.uuid(),
    namespace: z.string(),
    metric_name: z.string(),
    dimensions: z.array(MetricDimensionSchema),
    stat: z.string(),
    period: z.number().int(),
    region: z.string(),
    points: z
      .array(
        z.object({
          ts: z.iso.datetime(),
          actual: z.number(),
          expected: z.number().nullable(),
          lower: z.number().nullable(),
          upper: z.number().nullable(),
          score: z.number(),
        }),
      )
      .meta({ description: 'The anomalous points as the detector judged them' }),
  })
  .meta({ id: 'MetricAnomalyDetail' });
export type MetricAnomalyDetail = z.infer<typeof MetricAnomalyDetailSchema>;
