/**
 * anomaly CLI (stable contract):
 *   anomaly score --kind cost|metric --input IN.csv --output OUT.csv
 *   anomaly score --kind cost|metric --input-dir DIR --output-dir OUT
 * Options: --direction up|down|both, --threshold 0..1, --drops yes|no (defaults: the engine's production settings).
 * Output columns: timestamp,value,anomaly_score,is_anomaly,kind (kind names a flagged row's change).
 * Exit codes: 0 ok, 1 bad input file(s), 2 bad usage.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { CsvInputError, formatScoredCsv, parseSeriesCsv } from './csv';
import { scoreRows, type ScoreRowsOptions } from './score-rows';
import type { Direction, SeriesKind } from './types';

const USAGE = `usage:
  anomaly score --kind cost|metric --input IN.csv --output OUT.csv
  anomaly score --kind cost|metric --input-dir DIR --output-dir OUT
options:
  --direction up|down|both   directions of deviations reported (default: up for cost, both for metric)
  --drops yes|no             cost: also report drops (a fall of >= 50 % that lasts 2 days) whatever
                             the direction (default: yes)
  --threshold S              score threshold of is_anomaly, 0 < S < 1 (default: engine default)
output: timestamp,value,anomaly_score,is_anomaly,kind   (kind of a flagged row: spike, level_shift,
        ramp, drop, weekend, new_series, drift)`;

export class UsageError extends Error {}

export interface CliArgs {
  readonly kind: SeriesKind;
  readonly input?: string;
  readonly output?: string;
  readonly inputDir?: string;
  readonly outputDir?: string;
  readonly options: ScoreRowsOptions;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (command !== 'score') throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!/^--(kind|input|output|input-dir|output-dir|direction|threshold|drops)$/.test(name)) {
      throw new UsageError(`unknown argument "${a}"`);
    }
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
    flags.set(name.slice(2), value);
  }
  const kind = flags.get('kind');
  if (kind !== 'cost' && kind !== 'metric') throw new UsageError('--kind must be "cost" or "metric"');
  const single = flags.has('input') || flags.has('output');
  const batch = flags.has('input-dir') || flags.has('output-dir');
  if (single === batch)
    throw new UsageError('give either --input and --output, or --input-dir and --output-dir');
  if (single && !(flags.has('input') && flags.has('output')))
    throw new UsageError('--input and --output go together');
  if (batch && !(flags.has('input-dir') && flags.has('output-dir'))) {
    throw new UsageError('--input-dir and --output-dir go together');
  }
  const overrides: { direction?: Direction; threshold?: number; detectDrops?: boolean } = {};
  const direction = flags.get('direction');
  if (direction !== undefined) {
    if (direction !== 'up' && direction !== 'down' && direction !== 'both') {
      throw new UsageError('--direction must be up, down or both');
    }
    overrides.direction = direction;
  }
  const threshold = flags.get('threshold');
  if (threshold !== undefined) {
    const t = Number(threshold);
    if (!(t > 0 && t < 1)) throw new UsageError('--threshold must be a number between 0 and 1');
    overrides.threshold = t;
  }
  const drops = flags.get('drops');
  if (drops !== undefined) {
    if (drops !== 'yes' && drops !== 'no') throw new UsageError('--drops must be yes or no');
    if (kind !== 'cost') throw new UsageError('--drops applies to --kind cost');
    overrides.detectDrops = drops === 'yes';
  }
  return {
    kind,
    ...(single ? { input: flags.get('input')!, output: flags.get('output')! } : {}),
    ...(batch ? { inputDir: flags.get('input-dir')!, outputDir: flags.get('output-dir')! } : {}),
    options: kind === 'cost' ? { cost: overrides } : { metric: overrides },
  };
}

/** Every *.csv file below dir (sorted, deterministic). */
export function listCsvFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.toLowerCase().endsWith('.csv')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function scoreFile(kind: SeriesKind, input: string, output: string, options: ScoreRowsOptions): number {
  let text: string;
  try {
    text = readFileSync(input, 'utf8');
  } catch (e) {
    throw new CsvInputError(input, 0, `cannot read: ${(e as Error).message}`);
  }
  const rows = parseSeriesCsv(text, input);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, formatScoredCsv(scoreRows(kind, rows, options)));
  return rows.length;
}

/** Runs the CLI; returns the exit code. Messages go to the given streams. */
export function runCli(argv: readonly string[], log: (s: string) => void, err: (s: string) => void): number {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`anomaly: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.input !== undefined && args.output !== undefined) {
    try {
      const n = scoreFile(args.kind, args.input, args.output, args.options);
      log(`scored ${n} rows -> ${args.output}`);
      return 0;
    } catch (e) {
      if (e instanceof CsvInputError) {
        err(`anomaly: ${e.message}`);
        return 1;
      }
      throw e;
    }
  }
  const inputDir = args.inputDir!;
  const outputDir = args.outputDir!;
  let files: string[];
  try {
    files = listCsvFiles(inputDir);
  } catch (e) {
    err(`anomaly: cannot read --input-dir ${inputDir}: ${(e as Error).message}`);
    return 1;
  }
  let failed = 0;
  let rows = 0;
  for (const f of files) {
    try {
      rows += scoreFile(args.kind, f, join(outputDir, relative(inputDir, f)), args.options);
    } catch (e) {
      if (!(e instanceof CsvInputError)) throw e;
      err(`anomaly: ${e.message}`);
      failed++;
    }
  }
  log(`scored ${files.length - failed} of ${files.length} files (${rows} rows) -> ${outputDir}`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = runCli(
    process.argv.slice(2),
    (s) => process.stderr.write(`${s}\n`),
    (s) => process.stderr.write(`${s}\n`),
  );
}
