/**
 * The engine's metric detector on the Numenta Anomaly Benchmark (NAB), scored with a TypeScript
 * reimplementation of NAB's own scorer (./nab-scorer.ts).
 *
 *   npx tsx libs/anomaly-engine/eval/nab.ts --nab-dir DIR [--validate] [--split] [--metric-options JSON]
 *     [--cli-output OUT]
 *
 * DIR is a checkout of NAB (github.com/numenta/NAB) with its data/, labels/, results/ and config/ folders;
 * NAB's data is not part of this repository.
 * - default: runs the engine on every labelled NAB file through `scoreRows('metric', parseSeriesCsv(text))`
 *   (the CLI's library form, default settings) and prints, for the three NAB profiles, the normalised score
 *   of the `is_anomaly` column (a detection = is_anomaly 1) and of `anomaly_score` at its best single
 *   threshold over the corpus (NAB's own optimisation), with windows caught and detections outside windows.
 * - `--split`: the same figures on the two halves of the corpus (files sorted by name, alternating), so a
 *   choice made on one half can be checked on the other.
 * - `--validate`: scores every published detector's results (results/<detector>/...) at the thresholds of
 *   config/thresholds.json and compares with results/final_results.json.
 * - `--metric-options JSON`: detector options (for experiments; the reported figures use the defaults).
 * - `--cli-output OUT`: instead of running the engine, reads the files the CLI wrote for DIR/data
 *   (`npm run --silent anomaly -- score --kind metric --input-dir DIR/data --output-dir OUT`).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseSeriesCsv } from '../src/csv';
import { scoreRows } from '../src/score-rows';
import { parseTimestamp } from '../src/time';
import {
  NAB_PROFILES,
  PROFILE_NAMES,
  bestThreshold,
  normalise,
  scoreAtThreshold,
  scoresByThreshold,
  sweepScores,
  type AnomalyPoint,
  type ProfileName,
} from './nab-scorer';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const nabDir = argValue('nab-dir');
if (nabDir === undefined || !existsSync(join(nabDir, 'labels', 'combined_windows.json'))) {
  console.error('usage: nab.ts --nab-dir DIR [--validate] [--split] [--metric-options JSON]');
  console.error("DIR must contain NAB's data/, labels/combined_windows.json, results/ and config/.");
  process.exit(2);
}

const windowsByFile = JSON.parse(
  readFileSync(join(nabDir, 'labels', 'combined_windows.json'), 'utf8'),
) as Record<string, [string, string][]>;
const files = Object.keys(windowsByFile).sort();

interface NabFile {
  readonly name: string;
  readonly times: number[];
  readonly windows: [number, number][];
}

function loadFile(name: string): NabFile & { text: string } {
  const text = readFileSync(join(nabDir!, 'data', name), 'utf8');
  const rows = parseSeriesCsv(text, name);
  const windows = windowsByFile[name]!.map(
    ([a, b]) => [parseTimestamp(a), parseTimestamp(b)] as [number, number],
  );
  return { name, times: rows.map((r) => r.time), windows, text };
}

/** The anomaly_score column of a published NAB results file (plain CSV, no quoting). */
function readResultScores(path: string, column = 'anomaly_score'): Float64Array {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const col = lines[0]!.split(',').indexOf(column);
  if (col < 0) throw new Error(`${path}: no ${column} column`);
  const out = new Float64Array(lines.length - 1);
  for (let i = 1; i < lines.length; i++) out[i - 1] = Number(lines[i]!.split(',')[col]);
  return out;
}

interface Scored {
  readonly file: NabFile;
  readonly scores: ArrayLike<number>;
}

interface ProfileResult {
  readonly normalised: number;
  readonly threshold: number;
  readonly caught: number;
  readonly windows: number;
  readonly fp: number;
  readonly raw: number;
}

/** Pooled rows of a set of files for one profile, with the windows they contain. */
function pool(set: readonly Scored[], profile: ProfileName): { points: AnomalyPoint[]; windows: number } {
  const cost = NAB_PROFILES[profile];
  const points: AnomalyPoint[] = [];
  let windows = 0;
  for (const s of set) {
    windows += s.file.windows.length;
    for (const p of sweepScores(s.file.times, s.scores, s.file.windows, s.file.name, cost)) points.push(p);
  }
  return { points, windows };
}

/** Scores at a fixed threshold (undefined = NAB's optimised best threshold). */
function evaluate(set: readonly Scored[], profile: ProfileName, threshold?: number): ProfileResult {
  const cost = NAB_PROFILES[profile];
  const { points, windows } = pool(set, profile);
  const rows = scoresByThreshold(points, cost);
  const row = threshold === undefined ? bestThreshold(rows) : scoreAtThreshold(rows, threshold);
  const nullScore = rows[0]!.score;
  // Windows caught and detections outside windows at that threshold.
  const caughtWindows = new Set<string>();
  let fp = 0;
  for (const p of points) {
    if (p.anomalyScore < row.threshold) continue;
    if (p.window === null) fp++;
    else caughtWindows.add(p.window);
  }
  return {
    normalised: normalise(row.score, nullScore, windows, cost),
    threshold: row.threshold,
    caught: caughtWindows.size,
    windows,
    fp,
    raw: row.score,
  };
}

function validate(): void {
  const thresholds = JSON.parse(readFileSync(join(nabDir!, 'config', 'thresholds.json'), 'utf8')) as Record<
    string,
    Record<ProfileName, { threshold: number; score: number }>
  >;
  const published = JSON.parse(
    readFileSync(join(nabDir!, 'results', 'final_results.json'), 'utf8'),
  ) as Record<string, Record<ProfileName, number>>;
  const loaded = files.map(loadFile);
  console.log('| detector | profile | published | ours | difference |');
  console.log('|---|---|---|---|---|');
  let worst = 0;
  for (const detector of Object.keys(published).sort()) {
    const dir = join(nabDir!, 'results', detector);
    if (!existsSync(dir) || thresholds[detector] === undefined) continue;
    const set: Scored[] = loaded.map((file) => {
      const [category, base] = file.name.split('/') as [string, string];
      return { file, scores: readResultScores(join(dir, category, `${detector}_${base}`)) };
    });
    for (const profile of PROFILE_NAMES) {
      // NAB normalises against the null detector over the whole corpus; without a detection its score is
      // -fnWeight per scored window, which is what evaluate() uses.
      const r = evaluate(set, profile, thresholds[detector][profile].threshold);
      const d = r.normalised - published[detector]![profile];
      worst = Math.max(worst, Math.abs(d));
      console.log(
        `| ${detector} | ${profile} | ${published[detector]![profile].toFixed(2)} | ${r.normalised.toFixed(2)} | ${d.toFixed(3)} |`,
      );
    }
  }
  console.log('');
  console.log(`largest |difference|: ${worst.toFixed(3)}`);
}

interface EngineScored extends Scored {
  /** The is_anomaly column as 0/1. */
  readonly flags: Float64Array;
}

function engineScores(metricOptions: Record<string, unknown>): EngineScored[] {
  return files.map((name) => {
    const file = loadFile(name);
    const rows = scoreRows('metric', parseSeriesCsv(file.text, name), { metric: metricOptions });
    return {
      file,
      scores: Float64Array.from(rows, (r) => r.anomalyScore),
      flags: Float64Array.from(rows, (r) => (r.isAnomaly ? 1 : 0)),
    };
  });
}

function report(label: string, set: readonly EngineScored[]): void {
  console.log(`### ${label}: ${set.length} files`);
  console.log('');
  console.log('| column | profile | NAB score | threshold | windows caught | detections outside windows |');
  console.log('|---|---|---|---|---|---|');
  for (const profile of PROFILE_NAMES) {
    const flag = evaluate(
      set.map((s) => ({ file: s.file, scores: s.flags })),
      profile,
      1,
    );
    console.log(
      `| is_anomaly | ${profile} | ${flag.normalised.toFixed(1)} | = 1 | ${flag.caught} / ${flag.windows} | ${flag.fp} |`,
    );
  }
  for (const profile of PROFILE_NAMES) {
    const best = evaluate(set, profile);
    console.log(
      `| anomaly_score (best threshold) | ${profile} | ${best.normalised.toFixed(1)} | ${best.threshold.toFixed(6)} | ${best.caught} / ${best.windows} | ${best.fp} |`,
    );
  }
  console.log('');
}

function main(): void {
  if (process.argv.includes('--validate')) {
    validate();
    return;
  }
  const opts = argValue('metric-options');
  const metricOptions = (opts ? JSON.parse(opts) : {}) as Record<string, unknown>;
  const t0 = Date.now();
  const cliOutput = argValue('cli-output');
  // --cli-output OUT: score the files the CLI wrote (`anomaly -- score --kind metric --input-dir DIR/data
  // --output-dir OUT`) instead of calling the engine here: the same contract, read back from disk.
  const set: EngineScored[] =
    cliOutput === undefined
      ? engineScores(metricOptions)
      : files.map((name) => ({
          file: loadFile(name),
          scores: readResultScores(join(cliOutput, name)),
          flags: readResultScores(join(cliOutput, name), 'is_anomaly'),
        }));
  const points = set.reduce((a, s) => a + s.file.times.length, 0);
  console.log(
    `## Engine metric detector on NAB: ${set.length} files, ${points} rows, ${files.reduce((a, f) => a + windowsByFile[f]!.length, 0)} windows (scored in ${((Date.now() - t0) / 1000).toFixed(1)} s)`,
  );
  console.log('');
  report('all files', set);
  if (process.argv.includes('--split')) {
    report(
      'half A (files 1, 3, 5, ... by name)',
      set.filter((_s, i) => i % 2 === 0),
    );
    report(
      'half B (files 2, 4, 6, ... by name)',
      set.filter((_s, i) => i % 2 === 1),
    );
  }
}

main();
