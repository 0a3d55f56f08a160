import { z } from 'zod';
import { pageOf } from './common';
import { MetricAnomalyDetailSchema, RelatedMetricSchema } from './metrics';

const isoDate = z.iso.date({ message: 'Must be a date YYYY-MM-DD' });

export const MonitorDimensionSchema = z
  .enum([
    'total',
    'service',
    'account',
    'region',
    'usage_type',
    'service_account',
    'account_usage_type',
    'tag',
    'custom',
  ])
  .meta({
    id: 'MonitorDimension',
    description:
      'total: one series for all usage; service/account/region/usage_type: one series per value; service_account: one series per service x linked account ("AmazonEC2 / 111122223333"); account_usage_type: one series per service x linked account x usage type ("AmazonDynamoDB / 111122223333 / TimedStorage-ByteHrs"), only for usage types whose spend is material (ANOMALY_DETAIL_MIN_SHARE of the tenant spend or ANOMALY_DETAIL_MIN_USD a day); custom: one series of the rows the filter keeps; tag: not available yet (cost data carries no tags), refused with 422',
  });
export type MonitorDimension = z.infer<typeof MonitorDimensionSchema>;

const values = (example: string) =>
  z
    .array(z.string().min(1).max(256))
    .min(1)
    .max(100)
    .optional()
    .meta({ example: [example] });

export const MonitorFilterSchema = z
  .object({
    services: values('AmazonEC2'),
    accounts: values('111122223333'),
    regions: values('us-east-1'),
    usage_types: values('BoxUsage:m5.large'),
  })
  .strict()
  .meta({
    id: 'MonitorFilter',
    description: 'Rows kept by the monitor: every given list must contain the row value (AND across lists)',
    example: { services: ['AmazonEC2'], regions: ['us-east-1'] },
  });
export type MonitorFilter = z.infer<typeof MonitorFilterSchema>;

export const AnomalyMonitorSchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ example: 'Per service' }),
    dimension: MonitorDimensionSchema,
    filter: MonitorFilterSchema,
    enabled: z.boolean(),
    is_default: z.boolean().meta({ description: 'Created automatically the first time detection ran' }),
    created_at: z.iso.datetime(),
  })
  .meta({
    id: 'AnomalyMonitor',
    description:
      'A set of daily cost series (usage charges only, in the tenant default measure) watched for anomalies',
  });
export type AnomalyMonitor = z.infer<typeof AnomalyMonitorSchema>;

export const AnomalyMonitorListSchema = z
  .object({ items: z.array(AnomalyMonitorSchema) })
  .meta({ id: 'AnomalyMonitorList' });
export type AnomalyMonitorList = z.infer<typeof AnomalyMonitorListSchema>;

export const CreateAnomalyMonitorSchema = z
  .object({
    name: z.string().trim().min(1).max(120).meta({ example: 'EC2 in production' }),
    dimension: MonitorDimensionSchema,
    filter: MonitorFilterSchema.default({}),
  })
  .meta({
    id: 'CreateAnomalyMonitor',
    description: 'A custom monitor',
    example: { name: 'EC2 in production', dimension: 'custom', filter: { services: ['AmazonEC2'] } },
  });
export type CreateAnomalyMonitor = z.infer<typeof CreateAnomalyMonitorSchema>;

export const UpdateAnomalyMonitorSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.enabled !== undefined, { message: 'Nothing to change' })
  .meta({ id: 'UpdateAnomalyMonitor', example: { enabled: false } });
export type UpdateAnomalyMonitor = z.infer<typeof UpdateAnomalyMonitorSchema>;

export const AnomalyStatusSchema = z.enum(['open', 'closed']).meta({
  id: 'AnomalyStatus',
  description: 'open while the latest judged day is still anomalous',
});
export const AnomalySeveritySchema = z.enum(['low', 'medium', 'high']).meta({
  id: 'AnomalySeverity',
  description: 'high: impact >= $1000, or >= $100 and >= 100 %; medium: >= $100 or >= 50 %; low otherwise',
});
export const AnomalyFeedbackSchema = z
  .enum(['yes', 'no', 'planned_activity'])
  .meta({ id: 'AnomalyFeedbackValue', description: 'As in AWS Cost Anomaly Detection' });
export type AnomalyFeedbackValue = z.infer<typeof AnomalyFeedbackSchema>;

export const RootCauseSchema = z
  .object({
    dimension: z.enum(['service', 'account', 'region', 'usage_type']),
    key: z.string().meta({ example: 'AmazonEC2' }),
    actual: z.number().meta({ description: 'Cost over the anomalous days' }),
    expected: z.number(),
    contribution_usd: z.number().meta({ description: 'actual - expected', example: 412.5 }),
    contribution_pct: z.number().meta({ description: "Share of the episode's impact, in %", example: 87.2 }),
  })
  .meta({ id: 'AnomalyRootCause' });
export type AnomalyRootCause = z.infer<typeof RootCauseSchema>;

export const SuppressionSchema = z
  .object({
    source_anomaly_id: z.uuid().meta({ description: 'The episode whose feedback created it' }),
    feedback: z.enum(['no', 'planned_activity']),
    factor: z.number().meta({ example: 2 }),
    min_impact_usd: z.number().nullable().meta({
      description:
        'Cost episodes: |impact| in USD a later episode of the same series needs to be raised (null for metric episodes)',
      example: 280,
    }),
    min_deviation: z.number().nullable().meta({
      description:
        "Metric episodes: |actual - expected| at the peak, in the metric's own unit, a later episode of the same watch needs to be raised (null for cost episodes)",
      example: null,
    }),
    held_back: z.boolean().meta({
      description:
        'True when this episode stayed below the bar: kept, but not listed by default nor counted as open',
    }),
  })
  .meta({ id: 'AnomalySuppression' });
export type AnomalySuppression = z.infer<typeof SuppressionSchema>;

export const AnomalyKindSchema = z.enum(['cost', 'metric']).meta({
  id: 'AnomalyKind',
  description: 'cost: a daily cost series of a monitor; metric: a CloudWatch metric watch (near real time)',
});
export type AnomalyKind = z.infer<typeof AnomalyKindSchema>;

/** The engine's kinds of change (ANOMALY_KINDS of @cost-optimizer/anomaly-engine), in the same order. */
export const ANOMALY_CHANGE_KINDS = [
  'spike',
  'level_shift',
  'ramp',
  'drop',
  'weekend',
  'new_series',
  'drift',
] as const;
export const AnomalyChangeKindSchema = z.enum(ANOMALY_CHANGE_KINDS).meta({
  id: 'AnomalyChangeKind',
  description:
    "What changed, as the engine names it: spike (a short rise), level_shift (a rise that stays), ramp (a gradual climb), drop (a fall of >= 50 % that lasts; impact is negative; alerts only for subscriptions with include_drops), weekend (a usually quiet weekday at the busy days' level), new_series (a series that appeared after the tenant's data started), drift (a slow drift)",
});
export type AnomalyChangeKind = z.infer<typeof AnomalyChangeKindSchema>;

export const GroupedAnomalySchema = z
  .object({
    id: z.uuid(),
    monitor_name: z.string(),
    dimension: MonitorDimensionSchema.nullable(),
    dimension_value: z.string(),
    change_kind: AnomalyChangeKindSchema,
    impact_usd: z.number(),
  })
  .meta({ id: 'GroupedAnomaly', description: 'Another series that saw the same incident' });
export type GroupedAnomaly = z.infer<typeof GroupedAnomalySchema>;

export const AnomalySchema = z
  .object({
    id: z.uuid(),
    kind: AnomalyKindSchema,
    change_kind: AnomalyChangeKindSchema,
    grouped_into: z.uuid().nullable().meta({
      description:
        'Set when a default monitor saw the same incident in a more telling series: the id of that episode, which is the one listed and alerted (this one is listed with include_grouped=true)',
    }),
    grouped_count: z
      .number()
      .int()
      .meta({ description: 'How many other series saw the same incident and are grouped into this one' }),
    monitor_id: z.uuid().nullable().meta({ description: 'null for metric anomalies' }),
    monitor_name: z.string().meta({ description: 'For metric anomalies: the watch label' }),
    dimension: MonitorDimensionSchema.nullable().meta({ description: 'null for metric anomalies' }),
    watch_id: z.uuid().nullable().meta({ description: 'The metric watch (metric anomalies only)' }),
    start_at: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'First anomalous point (metric anomalies only)' }),
    end_at: z.iso.datetime().nullable().meta({ description: 'Last anomalous point (metric anomalies only)' }),
    dimension_value: z.string().meta({ example: 'AmazonEC2' }),
    start_date: isoDate,
    end_date: isoDate.meta({ description: 'Last anomalous day so far' }),
    status: AnomalyStatusSchema,
    expected: z.number().meta({ description: 'Expected cost over the anomalous days' }),
    actual: z.number(),
    impact_usd: z.number().meta({
      description: 'actual - expected over the anomalous days; negative for a drop',
      example: 420.1,
    }),
    impact_pct: z
      .number()
      .nullable()
      .meta({ description: 'In %; null when nothing was expected (new series)' }),
    severity: AnomalySeveritySchema,
    score: z.number().meta({ description: 'Peak anomaly score in [0, 1]' }),
    root_causes: z.array(RootCauseSchema),
    feedback: AnomalyFeedbackSchema.nullable(),
    feedback_note: z.string().nullable(),
    suppressed_by_feedback: SuppressionSchema.nullable(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Anomaly' });
export type Anomaly = z.infer<typeof AnomalySchema>;

export const AnomalyPageSchema = pageOf(AnomalySchema, 'AnomalyPage');
export type AnomalyPage = z.infer<typeof AnomalyPageSchema>;

export const AnomalySeriesPointSchema = z
  .object({
    date: isoDate,
    actual: z.number().nullable(),
    expected: z.number().nullable(),
    lower: z.number().nullable(),
    upper: z.number().nullable(),
    is_anomaly: z.boolean(),
  })
  .meta({ id: 'AnomalySeriesPoint' });

export const AnomalyDetailSchema = AnomalySchema.extend({
  explanation: z
    .object({
      rules: z.array(z.string()).meta({ example: ['deviation'] }),
      peak_date: isoDate,
      peak_impact: z.number(),
      days: z
        .array(
          z.object({
            date: isoDate,
            actual: z.number().nullable(),
            expected: z.number().nullable(),
            upper: z.number().nullable(),
            score: z.number(),
            rule: z.string(),
            z: z.number(),
            sigma: z.number(),
          }),
        )
        .meta({ description: "The engine's stored numbers for each anomalous day" }),
    })
    .meta({ description: 'Why it was raised' }),
  series: z
    .array(AnomalySeriesPointSchema)
    .meta({ description: 'The series around the episode with its band (cost anomalies)' }),
  related_metrics: z.array(RelatedMetricSchema).meta({
    description: 'Metric watches linked to the cost service of this episode (cost anomalies)',
  }),
  metric: MetricAnomalyDetailSchema.nullable().meta({
    description: 'Metric anomalies: the watch and its points',
  }),
  grouped: z.array(GroupedAnomalySchema).meta({
    description:
      'The other series that saw the same incident (total, account, service...), grouped into this one',
  }),
}).meta({ id: 'AnomalyDetail' });
export type AnomalyDetail = z.infer<typeof AnomalyDetailSchema>;

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const AnomalyListQuerySchema = z.object({
  status: AnomalyStatusSchema.optional(),
  kind: AnomalyKindSchema.optional().meta({ description: 'Only cost or only metric episodes' }),
  change_kind: AnomalyChangeKindSchema.optional().meta({
    description: 'Only episodes of this kind of change',
  }),
  monitor: z.uuid().optional().meta({ description: 'Monitor id' }),
  from: isoDate.optional().meta({ description: 'Episodes ending on or after this day' }),
  to: isoDate.optional().meta({ description: 'Episodes starting on or before this day' }),
  sort: z
    .enum(['impact', 'start'])
    .default('start')
    .meta({ description: 'impact: largest first; start: newest first' }),
  include_suppressed: bool.optional().meta({ description: 'Also list episodes held back by feedback' }),
  include_grouped: bool.optional().meta({
    description: 'Also list episodes grouped into another one (the same incident seen by a coarser series)',
  }),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
});
export type AnomalyListQuery = z.infer<typeof AnomalyListQuerySchema>;

export const AnomalyFeedbackBodySchema = z
  .object({
    feedback: AnomalyFeedbackSchema,
    note: z.string().trim().max(1000).optional(),
  })
  .meta({ id: 'AnomalyFeedback', example: { feedback: 'planned_activity', note: 'Load test' } });
export type AnomalyFeedbackBody = z.infer<typeof AnomalyFeedbackBodySchema>;

export const DetectResultSchema = z
  .object({
    judged_through: isoDate.nullable().meta({ description: 'Last settled day judged; null without data' }),
    series: z.number().int().meta({ description: 'Series scored' }),
    days_judged: z.number().int(),
    anomalies_open: z.number().int(),
  })
  .meta({ id: 'AnomalyDetectResult' });
export type DetectResult = z.infer<typeof DetectResultSchema>;

export const BacktestQuerySchema = z.object({
  monitor: z.uuid().meta({ description: 'Monitor id' }),
  days: z.coerce.number().int().min(1).max(365).default(90),
});
export type BacktestQuery = z.infer<typeof BacktestQuerySchema>;

export const BacktestSchema = z
  .object({
    monitor_id: z.uuid(),
    from: isoDate.nullable(),
    to: isoDate.nullable(),
    alerts: z.array(
      z.object({
        dimension_value: z.string(),
        start_date: isoDate,
        end_date: isoDate,
        impact_usd: z.number(),
        impact_pct: z.number().nullable(),
        severity: AnomalySeveritySchema,
        score: z.number(),
        change_kind: AnomalyChangeKindSchema,
      }),
    ),
  })
  .meta({
    id: 'AnomalyBacktest',
    description: 'What the monitor would have raised over the window (nothing stored)',
  });
export type Backtest = z.infer<typeof BacktestSchema>;
