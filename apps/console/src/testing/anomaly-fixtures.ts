import type { Anomaly, AnomalyDetail, AnomalyMonitor, AnomalyPage, Backtest } from '@cost-optimizer/dto';

export const MONITOR_ID = '77777777-7777-4777-8777-777777777777';
export const CUSTOM_MONITOR_ID = '88888888-8888-4888-8888-888888888888';
export const ANOMALY_ID = '99999999-9999-4999-8999-999999999999';

export function monitor(overrides: Partial<AnomalyMonitor> = {}): AnomalyMonitor {
  return {
    id: MONITOR_ID,
    name: 'Per service',
    dimension: 'service',
    filter: {},
    enabled: true,
    is_default: true,
    created_at: '2026-11-01T10:00:00.000Z',
    ...overrides,
  };
}

export const customMonitor = (overrides: Partial<AnomalyMonitor> = {}): AnomalyMonitor =>
  monitor({ id: CUSTOM_MONITOR_ID, name: 'EC2 only', dimension: 'custom', is_default: false, ...overrides });

export function anomaly(overrides: Partial<Anomaly> = {}): Anomaly {
  return {
    id: ANOMALY_ID,
    kind: 'cost',
    change_kind: 'spike',
    grouped_into: null,
    grouped_count: 0,
    monitor_id: MONITOR_ID,
    monitor_name: 'Per service',
    dimension: 'service',
    watch_id: null,
    start_at: null,
    end_at: null,
    dimension_value: 'AmazonEC2',
    start_date: '2026-11-18',
    end_date: '2026-11-20',
    status: 'open',
    expected: 300,
    actual: 720.1,
    impact_usd: 420.1,
    impact_pct: 140.03,
    severity: 'high',
    score: 0.934,
    root_causes: [
      {
        dimension: 'usage_type',
        key: 'BoxUsage:m5.large',
        actual: 600,
        expected: 233.6,
        contribution_usd: 366.4,
        contribution_pct: 87.2,
      },
      {
        dimension: 'region',
        key: 'us-east-1',
        actual: 120.1,
        expected: 66.4,
        contribution_usd: 53.7,
        contribution_pct: 12.8,
      },
    ],
    feedback: null,
    feedback_note: null,
    suppressed_by_feedback: null,
    created_at: '2026-11-21T02:00:00.000Z',
    updated_at: '2026-11-22T02:00:00.000Z',
    ...overrides,
  };
}

export function anomalyPage(items: Anomaly[] = [anomaly()], total = items.length): AnomalyPage {
  return { items, total, page: 1, page_size: 20 };
}

export function anomalyDetail(
  overrides: Partial<Anomaly> = {},
  grouped: AnomalyDetail['grouped'] = [],
): AnomalyDetail {
  const series = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21'].map(
    (date, i) => {
      const anomalous = i >= 2 && i <= 4;
      return {
        date,
        actual: anomalous ? 240 : 100,
        expected: 100,
        lower: 80,
        upper: 120,
        is_anomaly: anomalous,
      };
    },
  );
  return {
    ...anomaly(overrides),
    explanation: {
      rules: ['deviation'],
      peak_date: '2026-11-19',
      peak_impact: 150.5,
      days: [],
    },
    series,
    related_metrics: [],
    metric: null,
    grouped,
  };
}

export function backtest(overrides: Partial<Backtest> = {}): Backtest {
  return {
    monitor_id: MONITOR_ID,
    from: '2026-08-25',
    to: '2026-11-22',
    alerts: [
      {
        dimension_value: 'AmazonS3',
        start_date: '2026-10-02',
        end_date: '2026-10-03',
        impact_usd: 210.5,
        impact_pct: 64.2,
        severity: 'medium',
        score: 0.81,
        change_kind: 'spike',
      },
    ],
    ...overrides,
  };
}
