/**
 * Scores the daily cost evaluation set and prints a markdown report:
 *
 *   npx tsx libs/anomaly-engine/eval/daily/evaluate.ts --data DIR [--scored DIR] [--variants]
 *       [--direction up|down|both] [--drops yes|no] [--threshold S] [--options JSON] [--json FILE]
 *
 * Without --scored every CSV of DIR goes through the library form of the CLI contract,
 * `scoreRows('cost', parseSeriesCsv(text))` at the engine's defaults (or the options given). With --scored,
 * the already-scored CLI outputs (`timestamp,value,anomaly_score,is_anomaly[,kind]`, same file names) are
 * read instead, e.g. from `npm run --silent anomaly -- score --kind cost --input-dir DIR --output-dir OUT`.
 * --variants also scores `--direction both` and `--drops no` for comparison.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSeriesCsv, splitCsvLine } from '../../src/csv';
import { scoreRows } from '../../src/score-rows';
import type { CostDetectorOptions } from '../../src/types';
import { EVENT_KINDS, SIZE_BANDS, type EventLabel, type FeeDay, type NormalDay } from './dataset';
import { alertsOf, f1, matchEvent, rowOnOrAfter, rowOnOrBefore, type Window } from './matching';
import { dayOf, median } from './random';

export interface ScoredSeries {
  readonly file: string;
  readonly dates: string[];
  readonly flags: boolean[];
  /** Kind of each flagged row when the scorer names it (null otherwise or when there is no kind column). */
  readonly kinds: (string | null)[] | null;
}

interface Tally {
  events: number;
  detected: number;
  delays: number[];
}

export interface Report {
  readonly variant: string;
  readonly series: number;
  readonly days: number;
  readonly events: number;
  readonly detected: number;
  readonly alerts: number;
  readonly falseAlerts: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly falseAlertsPerSeriesMonth: number;
  readonly quietSeriesWithAlerts: number;
  readonly quietSeries: number;
  readonly byKind: Record<string, Tally>;
  readonly byBand: Record<string, Tally>;
  readonly byDirection: Record<string, Tally>;
  /** By the file name's prefix (the generator's source: aws-, focus-, nab-). */
  readonly bySource: Record<
    string,
    { series: number; days: number; events: number; detected: number; alerts: number; falseAlerts: number }
  >;
  readonly feeDays: Record<string, { days: number; flagged: number }>;
  /** Days of normal behaviour added by realism 2 (`normal-days.json`): holiday, refund, batch. */
  readonly normalDays: Record<string, { days: number; flagged: number }>;
  /** label kind -> engine kind of the first flag in the window -> count (only when kinds are known). */
  readonly confusion: Record<string, Record<string, number>> | null;
  /**
   * label kind -> kind of the alert (run of flags) holding that first flag, taken as an episode takes it
   * (its most specific kind, engine README order) -> count.
   */
  readonly episodeConfusion: Record<string, Record<string, number>> | null;
  /**
   * Precision per kind: alerts (runs of flags) by the kind an episode takes (most specific), and how many of them
   * overlap a labelled window (only when kinds are known).
   */
  readonly byAlertKind: Record<string, { alerts: number; matched: number }> | null;
}

const tally = (): Tally => ({ events: 0, detected: 0, delays: [] });

/** Most specific first, as the engine's episodes take their kind. */
const KIND_ORDER = ['new_series', 'drop', 'weekend', 'ramp', 'level_shift', 'drift', 'spike'];

/** The most specific kind among the flagged rows of the run that holds row `i`. */
export function runKind(flags: readonly boolean[], kinds: readonly (string | null)[], i: number): string {
  let a = i;
  let b = i;
  while (a > 0 && flags[a - 1]) a--;
  while (b + 1 < flags.length && flags[b + 1]) b++;
  let best = '(none)';
  for (let j = a; j <= b; j++) {
    const k = kinds[j];
    if (!k) continue;
    const rank = KIND_ORDER.indexOf(k);
    if (best === '(none)' || (rank >= 0 && rank < KIND_ORDER.indexOf(best))) best = k;
  }
  return best;
}

export function evaluate(
  variant: string,
  scored: readonly ScoredSeries[],
  labels: readonly EventLabel[],
  feeDays: readonly FeeDay[],
  normalDays: readonly NormalDay[] = [],
): Report {
  const byFile = new Map<string, EventLabel[]>();
  for (const l of labels) byFile.set(l.file, [...(byFile.get(l.file) ?? []), l]);
  const feeByFile = new Map<string, FeeDay[]>();
  for (const f of feeDays) feeByFile.set(f.file, [...(feeByFile.get(f.file) ?? []), f]);
  const normalByFile = new Map<string, NormalDay[]>();
  for (const d of normalDays) normalByFile.set(d.file, [...(normalByFile.get(d.file) ?? []), d]);
  const normal: Record<string, { days: number; flagged: number }> = {};
  const byKind: Record<string, Tally> = {};
  const byBand: Record<string, Tally> = {};
  const byDirection: Record<string, Tally> = {};
  const bySource: Report['bySource'] = {};
  const fee: Record<string, { days: number; flagged: number }> = {};
  let confusion: Record<string, Record<string, number>> | null = null;
  let episodeConfusion: Record<string, Record<string, number>> | null = null;
  let byAlertKind: Record<string, { alerts: number; matched: number }> | null = null;
  let events = 0;
  let detected = 0;
  let alerts = 0;
  let falseAlerts = 0;
  let days = 0;
  let quietSeries = 0;
  let quietSeriesWithAlerts = 0;
  for (const s of scored) {
    days += s.dates.length;
    const src = (bySource[s.file.replace(/[-_]?\d*\.csv$/, '')] ??= {
      series: 0,
      days: 0,
      events: 0,
      detected: 0,
      alerts: 0,
      falseAlerts: 0,
    });
    src.series++;
    src.days += s.dates.length;
    const evs = byFile.get(s.file) ?? [];
    const windows: Window[] = evs.map((e) => ({
      start: rowOnOrAfter(s.dates, e.start),
      end: rowOnOrBefore(s.dates, e.end),
    }));
    evs.forEach((e, k) => {
      const m = matchEvent(s.flags, windows[k]!);
      events++;
      const buckets = [
        (byKind[e.kind] ??= tally()),
        (byBand[e.band] ??= tally()),
        (byDirection[`${e.kind} ${e.direction}`] ??= tally()),
      ];
      for (const b of buckets) b.events++;
      src.events++;
      if (!m.detected) return;
      detected++;
      src.detected++;
      const delay = dayOf(s.dates[m.firstFlag!]!) - dayOf(e.start);
      for (const b of buckets) {
        b.detected++;
        b.delays.push(delay);
      }
      if (s.kinds) {
        confusion ??= {};
        const row = (confusion[e.kind] ??= {});
        const got = s.kinds[m.firstFlag!] ?? '(none)';
        row[got] = (row[got] ?? 0) + 1;
        episodeConfusion ??= {};
        const erow = (episodeConfusion[e.kind] ??= {});
        const ek = runKind(s.flags, s.kinds, m.firstFlag!);
        erow[ek] = (erow[ek] ?? 0) + 1;
      }
    });
    const as = alertsOf(s.flags, windows);
    if (s.kinds) {
      byAlertKind ??= {};
      for (const a of as) {
        const k = (byAlertKind[runKind(s.flags, s.kinds, a.start)] ??= { alerts: 0, matched: 0 });
        k.alerts++;
        if (a.matched) k.matched++;
      }
    }
    alerts += as.length;
    falseAlerts += as.filter((a) => !a.matched).length;
    src.alerts += as.length;
    src.falseAlerts += as.filter((a) => !a.matched).length;
    if (evs.length === 0) {
      quietSeries++;
      if (as.length > 0) quietSeriesWithAlerts++;
    }
    for (const f of feeByFile.get(s.file) ?? []) {
      const i = rowOnOrAfter(s.dates, f.date);
      if (s.dates[i] !== f.date) continue;
      const b = (fee[f.kind === 'mid_month' && (f.occurrence ?? 2) > 1 ? 'mid_month (repeat)' : f.kind] ??= {
        days: 0,
        flagged: 0,
      });
      b.days++;
      if (s.flags[i]) b.flagged++;
    }
    for (const d of normalByFile.get(s.file) ?? []) {
      const i = rowOnOrAfter(s.dates, d.date);
      if (s.dates[i] !== d.date) continue;
      const b = (normal[d.kind] ??= { days: 0, flagged: 0 });
      b.days++;
      if (s.flags[i]) b.flagged++;
    }
  }
  const precision = alerts > 0 ? (alerts - falseAlerts) / alerts : 1;
  const recall = events > 0 ? detected / events : 1;
  return {
    variant,
    series: scored.length,
    days,
    events,
    detected,
    alerts,
    falseAlerts,
    precision,
    recall,
    f1: f1(precision, recall),
    falseAlertsPerSeriesMonth: days > 0 ? falseAlerts / (days / 30.44) : 0,
    quietSeries,
    quietSeriesWithAlerts,
    byKind,
    byBand,
    byDirection,
    bySource,
    feeDays: fee,
    normalDays: normal,
    confusion,
    episodeConfusion,
    byAlertKind,
  };
}

/** Reads a scored CLI output (`timestamp,value,anomaly_score,is_anomaly[,kind]`). */
export function parseScoredCsv(file: string, text: string): ScoredSeries {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const ti = header.indexOf('timestamp');
  const ai = header.indexOf('is_anomaly');
  const ki = header.indexOf('kind');
  if (ti < 0 || ai < 0) throw new Error(`${file}: header needs timestamp and is_anomaly`);
  const dates: string[] = [];
  const flags: boolean[] = [];
  const kinds: (string | null)[] = [];
  for (const line of lines.slice(1)) {
    const f = splitCsvLine(line);
    dates.push((f[ti] ?? '').trim().slice(0, 10));
    const a = (f[ai] ?? '').trim().toLowerCase();
    flags.push(a === 'true' || a === '1');
    const k = ki >= 0 ? (f[ki] ?? '').trim() : '';
    kinds.push(k || null);
  }
  return { file, dates, flags, kinds: ki >= 0 ? kinds : null };
}

export function scoreWithEngine(
  file: string,
  text: string,
  options: Partial<CostDetectorOptions>,
): ScoredSeries {
  const rows = scoreRows('cost', parseSeriesCsv(text, file), { cost: options });
  return {
    file,
    dates: rows.map((r) => r.timestamp.slice(0, 10)),
    flags: rows.map((r) => r.isAnomaly),
    kinds: rows.map((r) => r.kind),
  };
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');
const ratio = (t: Tally | undefined): string =>
  t && t.events > 0 ? `${t.detected}/${t.events} (${pct(t.detected / t.events)})` : '-';
const delays = (t: Tally | undefined): string => {
  if (!t || t.delays.length === 0) return '-';
  const mean = t.delays.reduce((a, b) => a + b, 0) / t.delays.length;
  return `${median(t.delays).toFixed(1)} / ${mean.toFixed(2)}`;
};

export function formatReport(r: Report): string {
  const out: string[] = [];
  out.push(`### ${r.variant}: ${r.series} series, ${r.days} days, ${r.events} events`, '');
  out.push(
    '| precision | recall | F1 | alerts | false alerts | false alerts / series-month | quiet series with an alert |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- |');
  out.push(
    `| ${pct(r.precision)} | ${pct(r.recall)} | ${r.f1.toFixed(3)} | ${r.alerts} | ${r.falseAlerts} | ${r.falseAlertsPerSeriesMonth.toFixed(3)} | ${r.quietSeriesWithAlerts}/${r.quietSeries} |`,
    '',
  );
  out.push('| kind | recall | delay days (median / mean) |', '| --- | --- | --- |');
  for (const k of EVENT_KINDS) out.push(`| ${k} | ${ratio(r.byKind[k])} | ${delays(r.byKind[k])} |`);
  for (const k of Object.keys(r.byDirection).sort()) {
    if (k.startsWith('level_shift'))
      out.push(`| ${k} | ${ratio(r.byDirection[k])} | ${delays(r.byDirection[k])} |`);
  }
  if (r.byAlertKind) {
    out.push(
      '',
      '| alert (episode) kind | alerts | on a labelled event | precision |',
      '| --- | --- | --- | --- |',
    );
    for (const [k, v] of Object.entries(r.byAlertKind).sort())
      out.push(`| ${k} | ${v.alerts} | ${v.matched} | ${pct(v.matched / v.alerts)} |`);
  }
  out.push(
    '',
    '| source | series | recall | precision | false alerts / series-month |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const [k, v] of Object.entries(r.bySource).sort()) {
    const prec = v.alerts > 0 ? (v.alerts - v.falseAlerts) / v.alerts : NaN;
    out.push(
      `| ${k} | ${v.series} | ${v.detected}/${v.events} (${pct(v.events ? v.detected / v.events : NaN)}) | ${pct(prec)} | ${(v.falseAlerts / (v.days / 30.44)).toFixed(3)} |`,
    );
  }
  out.push('', '| size band | recall |', '| --- | --- |');
  for (const b of SIZE_BANDS) out.push(`| ${b} | ${ratio(r.byBand[b])} |`);
  out.push('', '| fee days (no event) | days | flagged |', '| --- | --- | --- |');
  for (const k of ['month_start', 'mid_month', 'mid_month (repeat)']) {
    out.push(`| ${k} | ${r.feeDays[k]?.days ?? 0} | ${r.feeDays[k]?.flagged ?? 0} |`);
  }
  if (Object.keys(r.normalDays).length > 0) {
    out.push('', '| normal days (realism 2, no event) | days | flagged |', '| --- | --- | --- |');
    for (const k of ['holiday', 'refund', 'batch']) {
      out.push(`| ${k} | ${r.normalDays[k]?.days ?? 0} | ${r.normalDays[k]?.flagged ?? 0} |`);
    }
  }
  const tables = [
    ['first flag kind', r.confusion],
    ['alert (episode) kind', r.episodeConfusion],
  ] as const;
  for (const [title, table] of tables) {
    if (!table) continue;
    const got = [...new Set(Object.values(table).flatMap((row) => Object.keys(row)))].sort();
    let same = 0;
    let all = 0;
    out.push(
      '',
      `| label \\ ${title} | ${got.join(' | ')} |`,
      `| --- | ${got.map(() => '---').join(' | ')} |`,
    );
    for (const k of EVENT_KINDS) {
      const row = table[k];
      if (!row) continue;
      out.push(`| ${k} | ${got.map((g) => row[g] ?? 0).join(' | ')} |`);
      for (const [g, c] of Object.entries(row)) {
        all += c;
        if (g === k) same += c;
      }
    }
    out.push(
      '',
      `The ${title} equals the label on ${same}/${all} detected events (${pct(all ? same / all : NaN)}).`,
    );
  }
  return out.join('\n') + '\n';
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const data = flag('data');
  if (!data) {
    process.stderr.write(
      'usage: evaluate.ts --data DIR [--scored DIR] [--variants] [--direction up|down|both] [--drops yes|no] [--threshold S] [--options JSON] [--json FILE]\n',
    );
    process.exit(2);
  }
  const labels = JSON.parse(readFileSync(join(data, 'labels.json'), 'utf8')) as EventLabel[];
  const feeDays = existsSync(join(data, 'fee-days.json'))
    ? (JSON.parse(readFileSync(join(data, 'fee-days.json'), 'utf8')) as FeeDay[])
    : [];
  const normalDays = existsSync(join(data, 'normal-days.json'))
    ? (JSON.parse(readFileSync(join(data, 'normal-days.json'), 'utf8')) as NormalDay[])
    : [];
  const files = readdirSync(data)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  const scoredDir = flag('scored');
  const base: Partial<CostDetectorOptions> = {};
  const direction = flag('direction');
  if (direction === 'up' || direction === 'down' || direction === 'both') Object.assign(base, { direction });
  if (flag('drops')) Object.assign(base, { detectDrops: flag('drops') !== 'no' });
  if (flag('threshold')) Object.assign(base, { threshold: Number(flag('threshold')) });
  if (flag('options')) Object.assign(base, JSON.parse(flag('options')!) as Partial<CostDetectorOptions>);
  const describe = (o: Partial<CostDetectorOptions>): string =>
    Object.keys(o).length
      ? `engine, ${Object.entries(o)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')}`
      : 'engine, defaults';
  const variants: { name: string; load: (f: string) => ScoredSeries }[] = scoredDir
    ? [
        {
          name: `scored files in ${scoredDir}`,
          load: (f) => parseScoredCsv(f, readFileSync(join(scoredDir, f), 'utf8')),
        },
      ]
    : [{ name: describe(base), load: (f) => scoreWithEngine(f, readFileSync(join(data, f), 'utf8'), base) }];
  if (!scoredDir && process.argv.includes('--variants')) {
    for (const extra of [{ direction: 'both' as const }, { detectDrops: false }]) {
      const o = { ...base, ...extra };
      variants.push({
        name: describe(o),
        load: (f) => scoreWithEngine(f, readFileSync(join(data, f), 'utf8'), o),
      });
    }
  }
  const reports = variants.map((v) => evaluate(v.name, files.map(v.load), labels, feeDays, normalDays));
  const feeStart = reports[0]!.feeDays['month_start'];
  process.stdout.write(`## Daily cost evaluation: ${data.split(/[\\/]/).filter(Boolean).pop()}\n\n`);
  process.stdout.write(
    '| variant | precision | recall | F1 | false alerts / series-month | month-start fee days flagged |\n',
  );
  process.stdout.write('| --- | --- | --- | --- | --- | --- |\n');
  for (const r of reports) {
    const fs = r.feeDays['month_start'] ?? { days: 0, flagged: 0 };
    process.stdout.write(
      `| ${r.variant} | ${pct(r.precision)} | ${pct(r.recall)} | ${r.f1.toFixed(3)} | ${r.falseAlertsPerSeriesMonth.toFixed(3)} | ${fs.flagged}/${fs.days} |\n`,
    );
  }
  process.stdout.write('\n');
  for (const r of reports) process.stdout.write(formatReport(r) + '\n');
  if (!feeStart) process.stdout.write('(no month-start fee days listed)\n');
  const json = flag('json');
  if (json) writeFileSync(json, JSON.stringify(reports, null, 1) + '\n');
}

if (require.main === module) main();
