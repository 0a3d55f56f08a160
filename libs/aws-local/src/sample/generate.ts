/**
 * Realistic CUR sample: Parquet in the real column names and types of legacy CUR, CUR 2.0 or FOCUS,
 * a complete `aws-local.json` root, `labels.json` (injected anomalies) and `expected.json` (daily
 * totals per measure, summed here in TypeScript from the rows as they are written, never with SQL).
 *
 * The parts: `streams.ts` (profiles and usage streams), `scenarios.ts` (labelled anomalies and metrics),
 * `ledger.ts` (the line items and their totals), `output.ts` and `formats.ts` (Parquet of each format).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AwsLocalConfigInput } from '../config';
import type { CurFormat } from './formats';
import { MEASURES, writeLedger, type LedgerTotals, type Measure, type MeasureTotals } from './ledger';
import { DAY, isoDay, r6, type Account, type AnomalyLabel, type Stream } from './model';
import { measureSql, tablePrefix, writeParquet, writeProfiles } from './output';
import { Rng } from './rng';
import { compactScenario, demoScenario, DEMO_MIN_DAYS, type SampleScenario } from './scenarios';
import { REGIONS, SERVICES, type ServiceSpec, type UsageSpec } from './services';
import { Profiles, StreamFactory } from './streams';

export type { CurFormat } from './formats';
export { MEASURES, type Measure, type MeasureTotals } from './ledger';
export {
  amortizedOf,
  LINE_ITEM_TYPES,
  type AnomalyLabel,
  type LineItemType,
  type MetricEventLabel,
} from './model';
export { DEMO_MIN_DAYS, type SampleScenario } from './scenarios';

export interface GenerateCurSampleOptions {
  out: string;
  format: CurFormat;
  /** Days of data ending on `endDate` (default 120; scenario `demo`: 13 billing months, see `demoDays`). */
  days?: number;
  accounts?: number;
  seed?: number;
  /** Approximate line items per day (default 2000). */
  rowsPerDay?: number;
  /** Last day of data, YYYY-MM-DD (default: yesterday, UTC). */
  endDate?: string;
  /** The External ID the role requires (default: random from the seed). `null` = the role requires none. */
  externalId?: string | null;
  /** `compact` (default): anomalies at fractions of any range; `demo`: a year with its labelled anomalies. */
  scenario?: SampleScenario;
}

/** What `npm start`'s demo and the browser journeys generate (with `out`, and `endDate` when pinned). */
export const DEMO_SAMPLE = {
  scenario: 'demo',
  format: 'legacy',
  accounts: 5,
  rowsPerDay: 1000,
  seed: 42,
} as const satisfies Omit<GenerateCurSampleOptions, 'out'>;

export interface ExpectedTotals {
  format: CurFormat;
  seed: number;
  start_date: string;
  end_date: string;
  currency: 'USD';
  payer_account_id: string;
  usage_account_ids: string[];
  measures: Record<Measure, string>;
  /** How each measure is written in SQL for this format. */
  sql: Partial<Record<Measure, string>>;
  daily: Record<string, MeasureTotals>;
  totals: MeasureTotals;
  by_line_item_type: Record<string, { line_items: number; unblended: number; amortized: number }>;
  by_service: Record<string, { unblended: number; amortized: number }>;
  by_account: Record<string, { unblended: number; amortized: number }>;
}

export interface GenerateCurSampleResult {
  root: string;
  rows: number;
  files: string[];
  expected: ExpectedTotals;
  labels: AnomalyLabel[];
  externalId: string | null;
  config: AwsLocalConfigInput;
}

export const SAMPLE_ACCOUNT_ID = '123456789012';
export const SAMPLE_ROLE = 'CostOptimizerAccess';
export const SAMPLE_DATABASE = 'cost_optimizer_cur_db';
export const SAMPLE_TABLE = 'cost_optimizer_cur_table';
export const SAMPLE_BUCKET = 'cur-data';
export const RESULTS_BUCKET = 'cur-results';

const ACCOUNT_NAMES: [string, string][] = [
  ['management', 'prod'],
  ['production', 'prod'],
  ['staging', 'staging'],
  ['development', 'dev'],
  ['data-platform', 'prod'],
  ['sandbox', 'dev'],
  ['analytics', 'prod'],
  ['security', 'prod'],
];

function defaultEndDate(): string {
  const d = new Date(Date.now() - DAY * 1000);
  return d.toISOString().slice(0, 10);
}

/** Days from the first day of the month 12 months before `endDate`'s month through `endDate`: 13 billing months. */
export function demoDays(endDate: string): number {
  const end = Date.parse(`${endDate}T00:00:00Z`);
  const e = new Date(end);
  const start = Date.UTC(e.getUTCFullYear(), e.getUTCMonth() - 12, 1);
  return Math.round((end - start) / (DAY * 1000)) + 1;
}

export async function generateCurSample(opts: GenerateCurSampleOptions): Promise<GenerateCurSampleResult> {
  const format = opts.format;
  if (!['legacy', 'cur2', 'focus'].includes(format)) throw new Error(`unknown format "${String(format)}"`);
  const scenario = opts.scenario ?? 'compact';
  if (scenario !== 'compact' && scenario !== 'demo')
    throw new Error(`unknown scenario "${String(scenario)}"`);
  const endDate = opts.endDate ?? defaultEndDate();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate)) throw new Error('endDate must be YYYY-MM-DD');
  const days = opts.days ?? (scenario === 'demo' ? demoDays(endDate) : 120);
  const accountCount = opts.accounts ?? 4;
  const seed = opts.seed ?? 42;
  const rowsPerDay = opts.rowsPerDay ?? 2000;
  if (!Number.isInteger(days) || days < 1 || days > 1100) throw new Error('days must be an integer 1..1100');
  if (scenario === 'demo' && days < DEMO_MIN_DAYS)
    throw new Error(`days must be at least ${DEMO_MIN_DAYS} for the demo scenario`);
  if (!Number.isInteger(accountCount) || accountCount < 1 || accountCount > 8)
    throw new Error('accounts must be an integer 1..8');
  const rng = new Rng(seed);
  const externalId = opts.externalId === undefined ? `co-${rng.token(24)}` : opts.externalId;

  const endEpoch = Date.parse(`${endDate}T00:00:00Z`) / 1000;
  const startEpoch = endEpoch - (days - 1) * DAY;

  // Accounts: the payer (management) account has usage too.
  const accounts: Account[] = [];
  for (let i = 0; i < accountCount; i++) {
    const [name, env] = ACCOUNT_NAMES[i] ?? ['account', 'dev'];
    const id =
      i === 0
        ? SAMPLE_ACCOUNT_ID
        : `${rng.int(1, 9)}${rng.hex(11).replace(/[a-f]/g, (c) => String(c.charCodeAt(0) % 10))}`;
    accounts.push({ id, name, env });
  }
  const payer = accounts[0]!;
  const spArn = `arn:aws:savingsplans::${payer.id}:savingsplan/${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  const profiles = new Profiles();
  const factory = new StreamFactory(rng, profiles, payer, spArn, days);

  const streams = regularStreams(rng, factory, accounts, rowsPerDay);
  if (scenario === 'demo')
    for (const s of streams) {
      // A year that is steady apart from its labelled anomalies: every resource from the first day, slow growth.
      s.startDay = 0;
      s.growth *= 0.25;
    }
  const ctx = { factory, accounts, days, startEpoch, seed, streams };
  const { labels, metrics } = scenario === 'demo' ? demoScenario(ctx) : compactScenario(ctx);

  // Staging tables in DuckDB, filled through appenders; the Parquet is written from them.
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    const ledger = await writeLedger(conn, { rng, profiles, accounts, spArn, streams, days, startEpoch });
    await writeProfiles(conn, profiles.all, payer);
    const root = opts.out;
    const files = await writeParquet(conn, root, SAMPLE_BUCKET, RESULTS_BUCKET, format, seed);
    for (const l of labels) l.extra_unblended = r6(l.extra_unblended);
    const expected = expectedTotals(ledger, { format, seed, startEpoch, endEpoch, accounts });
    const config: AwsLocalConfigInput = {
      region: 'us-east-1',
      accounts: [
        {
          account_id: SAMPLE_ACCOUNT_ID,
          name: 'sample-payer',
          roles: [{ name: SAMPLE_ROLE, external_id: externalId, trusted: ['*'] }],
          workgroups: [
            {
              name: 'primary',
              output_location: `s3://${RESULTS_BUCKET}/athena-results/`,
              managed_results: false,
            },
            { name: 'managed', managed_results: true },
          ],
          databases: [
            {
              name: SAMPLE_DATABASE,
              tables: [{ name: SAMPLE_TABLE, location: `s3://${SAMPLE_BUCKET}/${tablePrefix(format)}` }],
            },
          ],
          buckets: [SAMPLE_BUCKET, RESULTS_BUCKET],
          metrics,
        },
      ],
    };
    writeFileSync(join(root, 'aws-local.json'), JSON.stringify(config, null, 2) + '\n');
    writeFileSync(join(root, 'labels.json'), JSON.stringify(labels, null, 2) + '\n');
    writeFileSync(join(root, 'expected.json'), JSON.stringify(expected, null, 2) + '\n');
    return { root, rows: ledger.rows, files, expected, labels, externalId, config };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The regular streams, sized to land near rowsPerDay line items. */
function regularStreams(rng: Rng, factory: StreamFactory, accounts: Account[], rowsPerDay: number): Stream[] {
  const accountsByWeight = accounts.map((a, i) => [a, i === 0 ? 1 : a.env === 'prod' ? 4 : 2] as const);
  const hourlyUsages: [ServiceSpec, UsageSpec][] = [];
  const dailyUsages: [ServiceSpec, UsageSpec][] = [];
  for (const s of SERVICES) for (const u of s.usages) (u.hourly ? hourlyUsages : dailyUsages).push([s, u]);
  const streams: Stream[] = [];
  const nHourly = Math.max(6, Math.round((rowsPerDay * 0.82) / 24 / 1.15));
  const nDaily = Math.max(dailyUsages.length * 2, Math.round(rowsPerDay * 0.14));
  const pickRegion = (s: ServiceSpec) =>
    s.global ? null : rng.weighted(REGIONS.map((r) => [r, r.weight] as const));
  // Every daily usage type and service appears at least once, then random draws.
  for (let i = 0; i < nDaily; i++) {
    const [s, u] = i < dailyUsages.length ? dailyUsages[i]! : rng.pick(dailyUsages);
    const account = i < accounts.length ? accounts[i]! : rng.weighted(accountsByWeight);
    const cover = u.coverable === 'sp' && rng.next() < 0.3 ? 'sp' : 'od';
    streams.push(factory.make(s, u, account, pickRegion(s), cover, Math.exp(rng.next() * 2 - 0.5)));
  }
  for (let i = 0; i < nHourly; i++) {
    const [s, u] = i < hourlyUsages.length ? hourlyUsages[i]! : rng.pick(hourlyUsages);
    const account = rng.weighted(accountsByWeight);
    const roll = rng.next();
    const cover: 'od' | 'ri' | 'sp' =
      i === 0
        ? 'ri'
        : i === 1
          ? 'sp'
          : (u.coverable === 'ri' || u.coverable === 'both') && roll < 0.3
            ? 'ri'
            : (u.coverable === 'sp' || u.coverable === 'both') && roll > 0.7
              ? 'sp'
              : 'od';
    streams.push(
      factory.make(
        s,
        u,
        account,
        pickRegion(s),
        cover,
        u.resource === 'instance' ? 1 : Math.exp(rng.next() * 1.5 - 0.3),
      ),
    );
  }
  return streams;
}

function expectedTotals(
  ledger: LedgerTotals,
  meta: { format: CurFormat; seed: number; startEpoch: number; endEpoch: number; accounts: Account[] },
): ExpectedTotals {
  const round = (t: MeasureTotals): MeasureTotals => {
    const o = { ...t };
    for (const m of MEASURES) o[m] = r6(t[m]);
    return o;
  };
  const dailyOut: Record<string, MeasureTotals> = {};
  for (const day of [...ledger.daily.keys()].sort()) dailyOut[day] = round(ledger.daily.get(day)!);
  const roundPairs = <T extends Record<string, number>>(rec: Record<string, T>) => {
    for (const v of Object.values(rec))
      for (const k of Object.keys(v)) (v as Record<string, number>)[k] = r6(v[k]!);
    return rec;
  };
  return {
    format: meta.format,
    seed: meta.seed,
    start_date: isoDay(meta.startEpoch),
    end_date: isoDay(meta.endEpoch),
    currency: 'USD',
    payer_account_id: meta.accounts[0]!.id,
    usage_account_ids: meta.accounts.map((a) => a.id),
    measures: {
      unblended: 'sum of line_item_unblended_cost over every line item',
      net_unblended: 'sum of line_item_net_unblended_cost over every line item',
      amortized: 'AWS.md §4 amortized formula over every line item',
      net_amortized: 'AWS.md §4 formula with the net columns',
      public_on_demand: 'sum of pricing_public_on_demand_cost',
      usage_unblended: 'unblended cost of Usage, DiscountedUsage and SavingsPlanCoveredUsage only',
      usage_amortized: 'amortized cost of Usage, DiscountedUsage and SavingsPlanCoveredUsage only',
    },
    sql: measureSql(meta.format),
    daily: dailyOut,
    totals: round(ledger.totals),
    by_line_item_type: roundPairs(ledger.byType),
    by_service: roundPairs(ledger.byService),
    by_account: roundPairs(ledger.byAccount),
  };
}
