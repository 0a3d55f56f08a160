import {
  levelOf,
  matchesChange,
  matchesMonitor,
  matchesWatch,
  meetsThresholds,
  metricLevelOf,
  nextAlertLevel,
  nextMetricAlertLevel,
  retryDelaySeconds,
  sizeOf,
} from './alert-rules';

describe('alert rules', () => {
  const usd100 = { min_impact_usd: 100, min_impact_pct: null, threshold_mode: 'or' as const };
  const both = { min_impact_usd: 100, min_impact_pct: 50, threshold_mode: 'and' as const };

  it('applies one threshold, both (and) or either (or)', () => {
    expect(meetsThresholds(usd100, { impact_usd: 99.99, impact_pct: 900 })).toBe(false);
    expect(meetsThresholds(usd100, { impact_usd: 100, impact_pct: 1 })).toBe(true);
    expect(meetsThresholds(both, { impact_usd: 150, impact_pct: 20 })).toBe(false);
    expect(meetsThresholds(both, { impact_usd: 150, impact_pct: 60 })).toBe(true);
    expect(meetsThresholds({ ...both, threshold_mode: 'or' }, { impact_usd: 20, impact_pct: 60 })).toBe(true);
    // A new series (nothing expected, no %) reaches any % threshold.
    expect(meetsThresholds(both, { impact_usd: 150, impact_pct: null })).toBe(true);
    expect(
      meetsThresholds(
        { min_impact_usd: null, min_impact_pct: null, threshold_mode: 'or' },
        { impact_usd: 1e6, impact_pct: 1e3 },
      ),
    ).toBe(false);
  });

  it('levels double from the $ threshold, or from the % one without it', () => {
    expect(levelOf(usd100, { impact_usd: 100, impact_pct: null })).toBe(0);
    expect(levelOf(usd100, { impact_usd: 199.99, impact_pct: null })).toBe(0);
    expect(levelOf(usd100, { impact_usd: 200, impact_pct: null })).toBe(1);
    expect(levelOf(usd100, { impact_usd: 5000, impact_pct: null })).toBe(5);
    const pct = { min_impact_usd: null, min_impact_pct: 25, threshold_mode: 'or' as const };
    expect(levelOf(pct, { impact_usd: 1, impact_pct: 100 })).toBe(2);
    expect(levelOf(pct, { impact_usd: 1, impact_pct: null })).toBe(0);
  });

  it('alerts once per level: the first match at its level, then only when the episode grows past it', () => {
    const grown = (usd: number, highest: number | null) =>
      nextAlertLevel(usd100, { impact_usd: usd, impact_pct: null }, highest);
    expect(grown(50, null)).toBeNull(); // below the threshold
    expect(grown(450, null)).toBe(2); // first alert: straight at level 2, no levels 0 and 1 replayed
    expect(grown(700, 2)).toBeNull(); // still level 2: no second alert
    expect(grown(820, 2)).toBe(3); // grew past 8 x $100: follow-up
    expect(grown(300, 3)).toBeNull(); // shrank: nothing
  });

  it('matches every monitor when the list is empty', () => {
    expect(matchesMonitor([], 'a')).toBe(true);
    expect(matchesMonitor(['a'], 'a')).toBe(true);
    expect(matchesMonitor(['b'], 'a')).toBe(false);
  });

  it('metric episodes: the $ threshold never applies, the % one does on |deviation|', () => {
    const pct50 = { min_impact_usd: null, min_impact_pct: 50, threshold_mode: 'or' as const };
    // A spike of +380 % is level 2 of a 50 % threshold (4 x 50 = 200 <= 380 < 400); a drop of -60 % matches too.
    expect(metricLevelOf(pct50, { impact_pct: 380, severity: 'high' })).toBe(2);
    expect(metricLevelOf(pct50, { impact_pct: -60, severity: 'medium' })).toBe(0);
    expect(metricLevelOf(pct50, { impact_pct: 49.9, severity: 'high' })).toBeNull();
    // Nothing expected (0 before): reaches any % threshold, at level 0.
    expect(metricLevelOf(pct50, { impact_pct: null, severity: 'low' })).toBe(0);
    // With both thresholds, "and" cannot demand dollars of a metric: the % decides alone.
    const both = { min_impact_usd: 1000, min_impact_pct: 50, threshold_mode: 'and' as const };
    expect(metricLevelOf(both, { impact_pct: 120, severity: 'high' })).toBe(1);
    expect(metricLevelOf(both, { impact_pct: 20, severity: 'high' })).toBeNull();
  });

  it('metric episodes under a $-only subscription: medium and high severity, one follow-up on escalation', () => {
    expect(metricLevelOf(usd100, { impact_pct: 900, severity: 'low' })).toBeNull();
    expect(metricLevelOf(usd100, { impact_pct: 60, severity: 'medium' })).toBe(0);
    expect(metricLevelOf(usd100, { impact_pct: 150, severity: 'high' })).toBe(1);
    expect(nextMetricAlertLevel(usd100, { impact_pct: 60, severity: 'medium' }, null)).toBe(0);
    expect(nextMetricAlertLevel(usd100, { impact_pct: 150, severity: 'high' }, 0)).toBe(1);
    expect(nextMetricAlertLevel(usd100, { impact_pct: 400, severity: 'high' }, 1)).toBeNull();
  });

  it('metric follow-ups: only when the % deviation doubles past the level alerted', () => {
    const pct25 = { min_impact_usd: null, min_impact_pct: 25, threshold_mode: 'or' as const };
    const grown = (p: number, highest: number | null) =>
      nextMetricAlertLevel(pct25, { impact_pct: p, severity: 'high' }, highest);
    expect(grown(30, null)).toBe(0);
    expect(grown(45, 0)).toBeNull();
    expect(grown(-110, 0)).toBe(2);
    expect(grown(90, 2)).toBeNull();
  });

  it('metric episodes need include_metric_anomalies, and a listed watch when the list is not empty', () => {
    expect(matchesWatch({ include_metric_anomalies: true, metric_watch_ids: [] }, 'w')).toBe(true);
    expect(matchesWatch({ include_metric_anomalies: true, metric_watch_ids: ['w'] }, 'w')).toBe(true);
    expect(matchesWatch({ include_metric_anomalies: true, metric_watch_ids: ['x'] }, 'w')).toBe(false);
    expect(matchesWatch({ include_metric_anomalies: false, metric_watch_ids: [] }, 'w')).toBe(false);
  });

  it('alerts on drops only for subscriptions that opt in, judging a drop by its size', () => {
    expect(matchesChange({ include_drops: false }, 'level_shift')).toBe(true);
    expect(matchesChange({ include_drops: false }, 'drop')).toBe(false);
    expect(matchesChange({ include_drops: true }, 'drop')).toBe(true);
    const drop = { impact_usd: -450, impact_pct: -90 };
    const usd100 = { min_impact_usd: 100, min_impact_pct: null, threshold_mode: 'or' as const };
    expect(nextAlertLevel(usd100, drop, null)).toBeNull();
    expect(sizeOf(drop)).toEqual({ impact_usd: 450, impact_pct: 90 });
    expect(nextAlertLevel(usd100, sizeOf(drop), null)).toBe(2);
  });

  it('backs off exponentially, capped at a day', () => {
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(60, a))).toEqual([60, 120, 240, 480]);
    expect(retryDelaySeconds(3600, 20)).toBe(86_400);
  });
});
