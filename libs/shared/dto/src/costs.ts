import { z } from 'zod';
import { pageOf } from './common';

export const MeasureSchema = z.enum(['unblended', 'net_unblended', 'amortized', 'net_amortized']).meta({
  id: 'Measure',
  description:
    'unblended: what the line items cost; net_unblended: after discounts (EDP, private rates); amortized: commitments (RIs, Savings Plans) spread over the usage they cover; net_amortized: amortized after discounts',
});
export type Measure = z.infer<typeof MeasureSchema>;

const CHARGE_CLASSES =
  'From line_item_line_item_type: usage (Usage, DiscountedUsage, SavingsPlanCoveredUsage), commitment_fee (RIFee, SavingsPlanRecurringFee, SavingsPlanUpfrontFee, upfront Fee), discount (EdpDiscount, PrivateRateDiscount, BundledDiscount, SavingsPlanNegation), credit, refund, tax, other (anything else, surfaced)';

export const ChargeClassSchema = z
  .enum(['usage', 'commitment_fee', 'discount', 'credit', 'refund', 'tax', 'other'])
  .meta({ description: CHARGE_CLASSES });
export type ChargeClass = z.infer<typeof ChargeClassSchema>;

export const GroupBySchema = z.enum(['service', 'account', 'region', 'usage_type', 'charge_class']).meta({
  id: 'GroupBy',
  description: `What the keys are: service codes, linked account ids, regions, usage types, or charge classes. Charge classes come ${CHARGE_CLASSES.replace(/^From/, 'from')}`,
});
export type GroupBy = z.infer<typeof GroupBySchema>;

const isoDate = z.iso.date({ message: 'Must be a date YYYY-MM-DD' });
const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'Must be a month YYYY-MM' });

export const SyncRequestSchema = z
  .object({
    months: z.number().int().min(1).max(24).optional().meta({
      description:
        'How many billing months to re-ingest, ending with the current one (default 2; first sync: CUR_BACKFILL_MONTHS)',
      example: 2,
    }),
    history: z.boolean().optional().meta({
      description:
        'Load history: the billing months of the history horizon (13 months, or CUR_BACKFILL_MONTHS) that the CUR holds and that are not loaded yet, newest first (e.g. after enabling backfill in AWS). Ignores `months`',
      example: true,
    }),
  })
  .meta({ id: 'SyncRequest' });
export type SyncRequest = z.infer<typeof SyncRequestSchema>;

export const SyncRunStatusSchema = z
  .enum(['queued', 'running', 'succeeded', 'failed'])
  .meta({ id: 'SyncRunStatus' });
export type SyncRunStatus = z.infer<typeof SyncRunStatusSchema>;

export const SyncRunSchema = z
  .object({
    id: z.uuid(),
    status: SyncRunStatusSchema,
    trigger: z.enum(['manual', 'nightly', 'connect']).meta({ description: 'Who started it' }),
    mode: z.enum(['months', 'backfill', 'history']).meta({
      description:
        'months: the listed months (a nightly run also adds months of the history horizon older than the loaded range); backfill: the first sync, months planned from the CUR (13 months when it has them, at least the 90 days before yesterday, or CUR_BACKFILL_MONTHS); history: the horizon months not loaded yet',
    }),
    months: z.array(month).meta({
      description: 'The months to load, newest first (a backfill lists them once it has read the CUR)',
      example: ['2026-11', '2026-10'],
    }),
    progress: z.object({
      phase: z.string().meta({ example: 'querying 2026-11' }),
      months_done: z.number().int(),
      months_total: z.number().int(),
      current_month: month.nullable().meta({ description: 'The month being loaded', example: '2026-09' }),
    }),
    month_stats: z
      .array(
        z.object({
          month,
          rows: z.number().int(),
          bytes_scanned: z.number().int(),
          athena_ms: z.number().int(),
          load_ms: z.number().int(),
          line_items: z.number().int().optional().meta({ description: 'CUR line items the rows stand for' }),
          shrank_from: z.number().int().optional().meta({
            description:
              'The CUR of the month shrank (a count of its line items confirmed it): the line items loaded before. Without this confirmation a result smaller than the loaded month is refused (error INCOMPLETE_RESULT) and the month kept',
          }),
          restated: z.boolean().optional().meta({
            description:
              'Read again because its CUR files changed since it was loaded (AWS restated a closed month)',
          }),
          folded: z
            .array(
              z.object({
                dimension: z.enum(['account', 'service', 'region', 'usage_type']),
                kept: z
                  .number()
                  .int()
                  .meta({ description: 'Distinct values kept (CUR_MAX_DISTINCT_VALUES)' }),
                rows_folded: z.number().int().meta({ description: 'Rows whose value is shown as "(other)"' }),
              }),
            )
            .optional()
            .meta({
              description:
                'Dimensions that had more distinct values this month than the platform keeps: the rest are stored, and shown, as "(other)" (totals stay whole)',
            }),
        }),
      )
      .meta({ description: 'The months loaded so far, in load order (a retry resumes after them)' }),
    rows_loaded: z.number().int().meta({ description: 'Aggregated rows stored', example: 48211 }),
    bytes_scanned: z.number().int().meta({
      description: "Data Athena scanned: the sum of Athena's DataScannedInBytes (billed to you at $5/TB)",
      example: 73400320,
    }),
    estimated_cost_usd: z.number().meta({
      description:
        "bytes_scanned at Athena's $5 per TB (10^12 bytes), in USD; Athena's 10 MB minimum per query is not included",
      example: 0.000367,
    }),
    athena_ms: z.number().int(),
    load_ms: z.number().int(),
    attempt: z.number().int().meta({ description: 'Failed runs are retried; this is the attempt number' }),
    error: z
      .object({ code: z.string(), message: z.string(), aws_error: z.string().nullable() })
      .nullable()
      .meta({ description: "Why it failed: Athena's reason verbatim" }),
    created_at: z.iso.datetime(),
    started_at: z.iso.datetime().nullable(),
    finished_at: z.iso.datetime().nullable(),
  })
  .meta({ id: 'SyncRun' });
export type SyncRun = z.infer<typeof SyncRunSchema>;

export const SyncRunCreatedSchema = z.object({ run_id: z.uuid() }).meta({ id: 'SyncRunCreated' });
export type SyncRunCreated = z.infer<typeof SyncRunCreatedSchema>;

export const SyncRunPageSchema = pageOf(SyncRunSchema, 'SyncRunPage');
export type SyncRunPage = z.infer<typeof SyncRunPageSchema>;

export const NamedCostSchema = z
  .object({
    name: z.string().meta({ example: 'AmazonEC2' }),
    cost: z.number().meta({ example: 1234.56 }),
    change_pct: z.number().nullable().meta({
      description:
        'Month to date vs the same days of the previous month, in %; null when there was nothing before',
    }),
  })
  .meta({ id: 'NamedCost' });
export type NamedCost = z.infer<typeof NamedCostSchema>;

export const DashboardQuerySchema = z.object({
  measure: MeasureSchema.optional().meta({ description: "Default: the tenant's chosen measure" }),
});
export type DashboardQuery = z.infer<typeof DashboardQuerySchema>;

export const DashboardSchema = z
  .object({
    connected: z.boolean(),
    currency: z.string().meta({ example: 'USD' }),
    measure: MeasureSchema,
    month_to_date: z.number().meta({ description: 'This month through data_through', example: 12345.67 }),
    previous_month_same_period: z
      .number()
      .meta({ description: 'The previous month, same days', example: 11890.12 }),
    forecast_month_end: z
      .number()
      .meta({ description: 'Month-to-date plus the recent daily run-rate for the remaining days' }),
    daily: z
      .array(z.object({ date: isoDate, cost: z.number() }))
      .meta({ description: 'The last 90 days, one entry per day' }),
    daily_by_service: z
      .object({
        dates: z.array(isoDate),
        series: z.array(z.object({ name: z.string(), costs: z.array(z.number()) })),
      })
      .meta({ description: 'The same 90 days stacked by service: the top services by cost, then "Other"' }),
    top_services: z.array(NamedCostSchema),
    top_accounts: z.array(NamedCostSchema),
    top_regions: z.array(NamedCostSchema),
    open_anomalies: z.number().int(),
    data_through: isoDate.nullable().meta({ description: 'Last complete day of data' }),
    data_from: isoDate.nullable().meta({
      description:
        'First day of loaded data: days before it are not loaded (yet), not zero-cost days. While a backfill runs (last_sync.mode backfill/history) it moves back month by month',
    }),
    last_sync: SyncRunSchema.nullable(),
  })
  .meta({ id: 'Dashboard' });
export type Dashboard = z.infer<typeof DashboardSchema>;

export const CostsQuerySchema = z
  .object({
    from: isoDate.meta({ description: 'First day, inclusive', example: '2026-09-01' }),
    to: isoDate.meta({ description: 'Last day, inclusive', example: '2026-11-23' }),
    group_by: GroupBySchema.default('service'),
    measure: MeasureSchema.optional().meta({ description: "Default: the tenant's chosen measure" }),
    granularity: z.enum(['daily', 'monthly']).default('daily'),
    top: z.coerce.number().int().min(1).max(100).optional().meta({
      description:
        'At most this many groups: the largest by their total over the range; every other group is summed into one group named "Other". Default: every group (a payer with 1,000 linked accounts gets 1,000 series).',
      example: 10,
    }),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .refine((q) => (Date.parse(q.to) - Date.parse(q.from)) / 86_400_000 <= 731, {
    message: 'The range may span at most 2 years',
    path: ['to'],
  });
export type CostsQuery = z.infer<typeof CostsQuerySchema>;

export const CostsResponseSchema = z
  .object({
    items: z.array(
      z.object({
        date: isoDate.meta({ description: 'The day, or the first day of the month for monthly granularity' }),
        group: z.string().meta({ example: 'AmazonEC2' }),
        cost: z.number(),
      }),
    ),
    total: z.number().meta({ description: 'Sum of all items' }),
    from: isoDate,
    to: isoDate,
    group_by: GroupBySchema,
    measure: MeasureSchema,
    granularity: z.enum(['daily', 'monthly']),
    currency: z.string(),
  })
  .meta({ id: 'CostsResponse' });
export type CostsResponse = z.infer<typeof CostsResponseSchema>;
