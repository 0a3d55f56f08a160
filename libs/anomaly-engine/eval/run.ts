/**
 * Evaluation report: `npx tsx libs/anomaly-engine/eval/run.ts [--cost N] [--metric N] [--cost-seed S] [--metric-seed S]`.
 * Labelled synthetic daily cost series and metric streams; event-level precision, recall, F1, detection
 * delay and false alerts per series-month; engine at its DEFAULT settings vs classic baselines (whose
 * thresholds are tuned on this very set, which flatters them).
 */
import { CostSeriesDetector } from '../src/cost-detector';
import { MetricDetector } from '../src/metric-detector';
import type { Direction } from '../src/types';
import { calibratedRobustZ, medianMadScan, windowedGaussian } from './baselines';
import { countKinds, emptyKindCounts, KIND_OF_LABEL, median } from './kinds';
import { emptyCounts, scoreSeries, summary, type EventCounts } from './metrics';
import { costDataset, metricDataset, type CostSeries, type LabelledEvent } from './synthetic';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) ? v : fallback;
}

const DAYS_PER_MONTH = 30.44;
const costThreshold = arg('cost-threshold', 0);
const metricThreshold = arg('metric-threshold', 0);
const metricOptionsAt = process.argv.indexOf('--metric-options');
const metricOptions = (
  metricOptionsAt >= 0 ? JSON.parse(process.argv[metricOptionsAt + 1] ?? '{}') : {}
) as Record<string, number>;

const pct = (x: number): string => (x * 100).toFixed(1).padStart(5) + '%';
const num = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

function row(name: string, c: EventCounts, extra = ''): string {
  const s = summary(c);
  const fpm = c.falseEpisodes / (c.points / DAYS_PER_MONTH);
  return `| ${name.padEnd(38)} | ${pct(s.precision)} | ${pct(s.recall)} | ${num(s.f1, 3)} | ${num(s.delay, 2).padStart(5)} | ${num(fpm, 3)} |${extra}`;
}

function evalCost(series: readonly CostSeries[], direction: Direction, detectDrift = false, drops = true) {
  const c = emptyCounts();
  const kinds = emptyKindCounts();
  let feeAlerts = 0;
  let feeDays = 0;
  let normalDays = 0;
  const over = [0, 0, 0]; // normal days with score >= 0.9, 0.99, 0.999
  // Drops are reported by default whatever the direction (detectDrops).
  const scope = (e: LabelledEvent<string>): boolean =>
    direction === 'both' || e.direction === direction || (drops && e.type === 'drop_to_zero');
  for (const s of series) {
    const d = new CostSeriesDetector({
      direction,
      detectDrift,
      detectDrops: drops,
      ...(costThreshold ? { threshold: costThreshold } : {}),
    });
    const res = s.values.map((v, i) => d.push({ date: s.dates[i]!, value: v }));
    const flags = res.map((r) => r.isAnomaly);
    scoreSeries(flags, s.events, scope, 0, c);
    countKinds(res, s.events.filter(scope), kinds);
    for (const f of s.feeDays) {
      if (s.events.some((e) => f >= e.start && f <= e.end)) continue; // an anomaly on a fee day
      feeDays++;
      if (flags[f]) feeAlerts++;
    }
    res.forEach((r, i) => {
      if (i < 21 || r.actual === null || s.events.some((e) => i >= e.start - 1 && i <= e.end + 30)) return;
      normalDays++;
      if (r.anomalyScore >= 0.9) over[0]!++;
      if (r.anomalyScore >= 0.99) over[1]!++;
      if (r.anomalyScore >= 0.999) over[2]!++;
    });
  }
  return { c, kinds, feeAlerts, feeDays, normalDays, over };
}

function evalCostBaseline(series: readonly CostSeries[], z: number): EventCounts {
  const c = emptyCounts();
  for (const s of series) {
    const values = Float64Array.from(s.values, (v) => (v === null ? NaN : v));
    const out = new Float64Array(values.length);
    medianMadScan(values, 28, z, true, out);
    const flags = Array.from(out, (zz, i) => zz >= z && Math.abs(values[i]! - 0) >= 0);
    scoreSeries(flags, s.events, (e) => e.direction === 'up', 0, c);
  }
  return c;
}

function main(): void {
  const nCost = arg('cost', 1000);
  const nMetric = arg('metric', 150);
  const t0 = Date.now();
  const costSeed = arg('cost-seed', 42);
  const cost = costDataset(nCost, 120, costSeed);
  const lines: string[] = [];
  const log = (s: string): void => {
    lines.push(s);
    console.log(s);
  };
  const nEvents = cost.reduce((a, s) => a + s.events.length, 0);
  log(`## Daily cost: ${nCost} series x 120 days, ${nEvents} labelled events (seed ${costSeed})`);
  log('');
  log('| detector | precision | recall | F1 | delay (days) | false alerts / series-month |');
  log('|---|---|---|---|---|---|');
  const up = evalCost(cost, 'up');
  log(row('engine, default (rises + drops)', up.c));
  const drift = evalCost(cost, 'up', true);
  log(row('engine, default + drift option', drift.c));
  const both = evalCost(cost, 'both');
  log(row('engine, direction both', both.c));
  const risesOnly = evalCost(cost, 'up', false, false);
  log(row('engine, rises only (drops off)', risesOnly.c));
  let best = { z: 0, f1: -1, c: emptyCounts() };
  for (const z of [3, 3.5, 4, 5, 6, 8]) {
    const c = evalCostBaseline(cost, z);
    const f1 = summary(c).f1;
    if (f1 > best.f1) best = { z, f1, c };
  }
  log(row(`median/MAD scan (w=28, best z=${best.z})`, best.c));
  log('');
  log(
    `Month-start fee days (no labelled anomaly that day): ${up.feeDays}, alerts on them: ${up.feeAlerts} (default).`,
  );
  log('');
  log(
    'Per event type at the defaults: recall, median delay, whether the alert that found it (a run of flags,',
  );
  log('kind as its episode would have) named the right kind; precision of the alerts given that kind:');
  log('');
  log(
    '| event type | events | recall | median delay (days) | kind named right | alerts of that kind | precision |',
  );
  log('|---|---|---|---|---|---|---|');
  for (const [type, v] of up.c.byType) {
    const k = up.kinds.kindRight.get(type) ?? { detected: 0, right: 0 };
    const a = up.kinds.alerts.get(KIND_OF_LABEL[type] ?? type) ?? { alerts: 0, true: 0 };
    log(
      `| ${type} | ${v.events} | ${pct(v.detected / v.events)} | ${num(median(up.kinds.delays.get(type) ?? []), 1)} | ` +
        `${pct(k.detected ? k.right / k.detected : NaN)} | ${a.alerts} | ${pct(a.alerts ? a.true / a.alerts : NaN)} |`,
    );
  }
  log('');
  log(
    `Score calibration on ${up.normalDays} normal days: score >= 0.9: ${pct(up.over[0]! / up.normalDays)}, ` +
      `>= 0.99: ${pct(up.over[1]! / up.normalDays)}, >= 0.999: ${pct(up.over[2]! / up.normalDays)} ` +
      `(one-sided 'up' scores, so the nominal rates are half of 10 %, 1 %, 0.1 %).`,
  );

  const metricSeed = arg('metric-seed', 7);
  const metric = metricDataset(nMetric, 3000, metricSeed);
  const mEvents = metric.reduce((a, s) => a + s.events.length, 0);
  log('');
  log(
    `## Metric streams: ${nMetric} streams x 3000 points (1-5 min, gaps), ${mEvents} labelled events (seed ${metricSeed})`,
  );
  log('');
  log('| detector | precision | recall | F1 | delay (points) | false alerts / series-month |');
  log('|---|---|---|---|---|---|');
  const all = (): boolean => true;
  const engine = emptyCounts();
  for (const s of metric) {
    const d = new MetricDetector({
      ...metricOptions,
      ...(metricThreshold ? { threshold: metricThreshold } : {}),
    });
    const flags = s.values.map((v, i) => d.update(s.times[i]!, v, false).isAnomaly);
    scoreSeries(flags, s.events, all, 3, engine);
  }
  // false alerts per series-month: metric months measured in wall time
  const months =
    metric.reduce((a, s) => a + (s.times[s.times.length - 1]! - s.times[0]!) / 86_400_000, 0) /
    DAYS_PER_MONTH;
  const mrow = (name: string, c: EventCounts): string => {
    const s = summary(c);
    return `| ${name.padEnd(44)} | ${pct(s.precision)} | ${pct(s.recall)} | ${num(s.f1, 3)} | ${num(s.delay, 1).padStart(5)} | ${num(c.falseEpisodes / months, 2)} |`;
  };
  log(mrow('engine, default', engine));
  let bestG = { name: '', f1: -1, c: emptyCounts() };
  for (const w of [100, 500]) {
    const zs = metric.map((s) => windowedGaussian(s.values, w));
    for (const thr of [3, 4, 5, 6, 8]) {
      const c = emptyCounts();
      metric.forEach((s, k) =>
        scoreSeries(
          zs[k]!.map((z) => Math.abs(z) >= thr),
          s.events,
          all,
          3,
          c,
        ),
      );
      const f1 = summary(c).f1;
      if (f1 > bestG.f1) bestG = { name: `windowed Gaussian (best: w=${w}, |z|>=${thr})`, f1, c };
    }
  }
  log(mrow(bestG.name, bestG.c));
  let bestR = { name: '', f1: -1, c: emptyCounts() };
  const ps = metric.map((s) => calibratedRobustZ(s.values, 60));
  for (const q of [0.99, 0.995, 0.999, 0.9995, 0.9999]) {
    const c = emptyCounts();
    metric.forEach((s, k) =>
      scoreSeries(
        ps[k]!.map((p) => p >= q),
        s.events,
        all,
        3,
        c,
      ),
    );
    const f1 = summary(c).f1;
    if (f1 > bestR.f1) bestR = { name: `robust z, per-series calibrated (best q=${q})`, f1, c };
  }
  log(mrow(bestR.name, bestR.c));
  log('');
  log('Recall by event type (engine default):');
  log('');
  log('| event type | events | recall |');
  log('|---|---|---|');
  for (const [type, v] of engine.byType) log(`| ${type} | ${v.events} | ${pct(v.detected / v.events)} |`);
  log('');
  log(`(evaluation took ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

main();
