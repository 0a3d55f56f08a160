/**
 * Checks a generated sample with the anomaly engine's CLI (its stable file contract): the daily usage cost of every
 * series the product's monitors build (total, service, account, region, service x account, usage type, and the
 * leaf account x service x region x usage type), read from the sample's Parquet with DuckDB, one CSV per series,
 * scored in one batch run at the engine's defaults.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AnomalyLabel } from '../sample/model';

export interface SeriesKey {
  account?: string;
  service?: string;
  region?: string;
  usage_type?: string;
}

export interface DailySeries {
  name: string;
  level: string;
  key: SeriesKey;
  /** Cost per day over the whole sample (0 when the series had no usage that day). */
  values: number[];
}

export interface Flag {
  series: string;
  level: string;
  key: SeriesKey;
  date: string;
  value: number;
  /** The engine's kind of the flagged day (spike, level_shift, ramp, drop, weekend, new_series, ...). */
  kind: string;
}

const LEVELS: [string, (keyof SeriesKey)[]][] = [
  ['total', []],
  ['service', ['service']],
  ['account', ['account']],
  ['region', ['region']],
  ['service_account', ['service', 'account']],
  ['usage_type', ['usage_type']],
  ['leaf', ['account', 'service', 'region', 'usage_type']],
];

/**
 * Daily usage cost (charge class usage: Usage, DiscountedUsage, SavingsPlanCoveredUsage; net amortized, the
 * product's default measure) of every series at every monitor level, from a legacy-format sample's Parquet.
 */
export async function usageSeries(root: string, startDate: string, endDate: string): Promise<DailySeries[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let rows: { d: string; a: string; s: string; r: string; u: string; cost: number }[];
  try {
    const reader = await conn.runAndReadAll(`
      SELECT strftime(line_item_usage_start_date, '%Y-%m-%d') AS d, line_item_usage_account_id AS a,
             line_item_product_code AS s, product_region AS r, line_item_usage_type AS u,
             sum(CASE line_item_line_item_type
                   WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
                   WHEN 'DiscountedUsage' THEN reservation_effective_cost
                   ELSE line_item_net_unblended_cost END)::DOUBLE AS cost
        FROM read_parquet('${join(root, 's3', '**', '*.parquet').replace(/'/g, "''")}', hive_partitioning = true)
       WHERE line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
       GROUP BY ALL`);
    rows = reader.getRowObjectsJS() as typeof rows;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  const start = Date.parse(`${startDate}T00:00:00Z`);
  const n = Math.round((Date.parse(`${endDate}T00:00:00Z`) - start) / 86_400_000) + 1;
  const out = new Map<string, DailySeries>();
  for (const row of rows) {
    const i = Math.round((Date.parse(`${row.d}T00:00:00Z`) - start) / 86_400_000);
    const full: Required<SeriesKey> = { account: row.a, service: row.s, region: row.r, usage_type: row.u };
    for (const [level, dims] of LEVELS) {
      const key: SeriesKey = {};
      for (const dim of dims) key[dim] = full[dim];
      const name = `${level}/${dims.map((dim) => full[dim]).join('/') || 'total'}`;
      let s = out.get(name);
      if (!s) out.set(name, (s = { name, level, key, values: new Array<number>(n).fill(0) }));
      s.values[i]! += row.cost;
    }
  }
  return [...out.values()];
}

export interface ScoredRow {
  /** Index of the series in the input list. */
  series: number;
  timestamp: string;
  value: number;
  isAnomaly: boolean;
  kind: string;
}

/**
 * Runs `anomaly score --kind K --input-dir IN --output-dir OUT [--direction D]` once over the given series (one
 * CSV of `timestamp,value` rows each); returns every scored row.
 */
export function runEngineCli(
  kind: 'cost' | 'metric',
  series: { timestamp: string; value: number }[][],
  direction?: 'up' | 'down' | 'both',
): ScoredRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'engine-check-'));
  try {
    const input = join(dir, 'in');
    const output = join(dir, 'out');
    mkdirSync(input);
    series.forEach((rows, i) => {
      const lines = rows.map((r) => `${r.timestamp},${r.value}`);
      writeFileSync(join(input, `s${i}.csv`), `timestamp,value\n${lines.join('\n')}\n`);
    });
    const cli = resolve(__dirname, '../../../anomaly-engine/src/cli.ts');
    const tsx = require.resolve('tsx/cli');
    const args = [tsx, cli, 'score', '--kind', kind, '--input-dir', input, '--output-dir', output];
    if (direction) args.push('--direction', direction);
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`anomaly CLI failed (${r.status}): ${r.stderr}`);
    const out: ScoredRow[] = [];
    for (const file of readdirSync(output)) {
      const index = Number(/^s(\d+)\.csv$/.exec(file)?.[1]);
      const [header, ...lines] = readFileSync(join(output, file), 'utf8').trim().split('\n');
      const cols = header!.split(',');
      const at = (name: string) => cols.indexOf(name);
      for (const line of lines) {
        const v = line.split(',');
        out.push({
          series: index,
          timestamp: v[at('timestamp')]!,
          value: Number(v[at('value')]),
          isAnomaly: v[at('is_anomaly')] === '1' || v[at('is_anomaly')] === 'true',
          kind: at('kind') >= 0 ? (v[at('kind')] ?? '') : '',
        });
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Scores every daily series (cost, at the engine's defaults unless `direction`); returns the flagged days. */
export function costFlags(
  series: DailySeries[],
  startDate: string,
  direction?: 'up' | 'down' | 'both',
): Flag[] {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  const dateOf = (i: number) => new Date(start + i * 86_400_000).toISOString().slice(0, 10);
  const rows = series.map((s) =>
    s.values.map((v, d) => ({ timestamp: dateOf(d), value: Math.round(v * 1e6) / 1e6 })),
  );
  return runEngineCli('cost', rows, direction)
    .filter((r) => r.isAnomaly)
    .map((r) => {
      const s = series[r.series]!;
      return { series: s.name, level: s.level, key: s.key, date: r.timestamp, value: r.value, kind: r.kind };
    });
}

/** True when the series contains the label's stream. */
export function covers(key: SeriesKey, l: AnomalyLabel): boolean {
  return (
    (key.account === undefined || key.account === l.account_id) &&
    (key.service === undefined || key.service === l.service) &&
    (key.region === undefined || key.region === l.region) &&
    (key.usage_type === undefined || key.usage_type === l.usage_type)
  );
}

/** Days a ramp's new level may still be detected after its last rising day (series above its own grow slower). */
export const RAMP_LAG_DAYS = 7;

/** Last day a flag can belong to the label: its end, or a week later for a ramp (its plateau stays). */
export function labelUntil(l: AnomalyLabel): string {
  if (l.kind !== 'ramp') return l.end_date;
  return new Date(Date.parse(`${l.end_date}T00:00:00Z`) + RAMP_LAG_DAYS * 86_400_000)
    .toISOString()
    .slice(0, 10);
}

/** Flags no label explains: outside every window of a label whose stream the series contains. */
export function unexplained(flags: Flag[], labels: AnomalyLabel[]): Flag[] {
  return flags.filter(
    (f) => !labels.some((l) => covers(f.key, l) && f.date >= l.start_date && f.date <= labelUntil(l)),
  );
}

/** The leaf series of a label (its own account, service, region and usage type). */
export function leafOf(series: DailySeries[], l: AnomalyLabel): DailySeries | undefined {
  return series.find(
    (s) =>
      s.level === 'leaf' &&
      s.key.account === l.account_id &&
      s.key.service === l.service &&
      s.key.region === l.region &&
      s.key.usage_type === l.usage_type,
  );
}
