import type { CostsResponse, Dashboard, SyncRun } from '@cost-optimizer/dto';

export const RUN_ID = '44444444-4444-4444-8444-444444444444';
export const OTHER_RUN_ID = '55555555-5555-4555-8555-555555555555';

export function syncRun(overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    id: RUN_ID,
    status: 'succeeded',
    trigger: 'nightly',
    mode: 'months',
    months: ['2026-10', '2026-11'],
    progress: { phase: 'done', months_done: 2, months_total: 2, current_month: '2026-11' },
    month_stats: [
      { month: '2026-11', rows: 24000, bytes_scanned: 36_700_160, athena_ms: 6200, load_ms: 425 },
      { month: '2026-10', rows: 24211, bytes_scanned: 36_700_160, athena_ms: 6200, load_ms: 425 },
    ],
    rows_loaded: 48211,
    bytes_scanned: 73_400_320,
    estimated_cost_usd: 0.000367,
    athena_ms: 12_400,
    load_ms: 850,
    attempt: 1,
    error: null,
    created_at: '2026-11-24T02:00:00.000Z',
    started_at: '2026-11-24T02:00:01.000Z',
    finished_at: '2026-11-24T02:00:15.000Z',
    ...overrides,
  };
}

/** 90 days ending 2026-11-23, stacked by EC2, S3 and Other. */
export function dashboardData(overrides: Partial<Dashboard> = {}): Dashboard {
  const dates: string[] = [];
  const end = Date.UTC(2026, 10, 23);
  for (let i = 89; i >= 0; i--) dates.push(new Date(end - i * 86_400_000).toISOString().slice(0, 10));
  const ec2 = dates.map((_, i) => 300 + (i % 7) * 10);
  const s3 = dates.map(() => 80);
  const other = dates.map(() => 20.5);
  return {
    connected: true,
    currency: 'USD',
    measure: 'unblended',
    month_to_date: 12345.67,
    previous_month_same_period: 11890.12,
    forecast_month_end: 16100.5,
    daily: dates.map((date, i) => ({ date, cost: (ec2[i] ?? 0) + (s3[i] ?? 0) + (other[i] ?? 0) })),
    daily_by_service: {
      dates,
      series: [
        { name: 'AmazonEC2', costs: ec2 },
        { name: 'AmazonS3', costs: s3 },
        { name: 'Other', costs: other },
      ],
    },
    top_services: [
      { name: 'AmazonEC2', cost: 8200.1, change_pct: 12.34 },
      { name: 'AmazonS3', cost: 2100, change_pct: -4.5 },
      { name: 'AWSLambda', cost: 300, change_pct: null },
    ],
    top_accounts: [{ name: '123456789012', cost: 12345.67, change_pct: 3.8 }],
    top_regions: [
      { name: 'us-east-1', cost: 10000, change_pct: 5 },
      { name: 'eu-west-1', cost: 2345.67, change_pct: -1 },
    ],
    open_anomalies: 3,
    data_through: '2026-11-23',
    data_from: '2026-01-01',
    last_sync: syncRun(),
    ...overrides,
  };
}

export function emptyDashboard(connected: boolean): Dashboard {
  return dashboardData({
    connected,
    month_to_date: 0,
    previous_month_same_period: 0,
    forecast_month_end: 0,
    daily: [],
    daily_by_service: { dates: [], series: [] },
    top_services: [],
    top_accounts: [],
    top_regions: [],
    open_anomalies: 0,
    data_through: null,
    last_sync: null,
  });
}

export function costsResponse(overrides: Partial<CostsResponse> = {}): CostsResponse {
  return {
    items: [
      { date: '2026-11-01', group: 'AmazonEC2', cost: 100 },
      { date: '2026-11-01', group: 'AmazonS3', cost: 25.5 },
      { date: '2026-11-02', group: 'AmazonEC2', cost: 120 },
      { date: '2026-11-02', group: 'Amazon "Bedrock", GenAI', cost: 4.5 },
    ],
    total: 250,
    from: '2026-11-01',
    to: '2026-11-02',
    group_by: 'service',
    measure: 'unblended',
    granularity: 'daily',
    currency: 'USD',
    ...overrides,
  };
}
