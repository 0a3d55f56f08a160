/**
 * Brings a CUR that someone else made (an export downloaded from S3, or a third-party generator's output such as
 * project-koku's nise) into an aws-local root, laid out as AWS lays out each export for Athena:
 *
 * - legacy CUR: the raw CSV headers (`lineItem/UsageStartDate`, `resourceTags/user:team`) become the names the
 *   Athena integration gives them (`line_item_usage_start_date`, `resource_tags_user_team`); Parquet partitioned by
 *   `year`/`month` (month unpadded);
 * - CUR 2.0 (Data Exports): snake_case columns kept, the map columns (`product`, `resource_tags`, `cost_category`,
 *   `discount`) read from their JSON text into maps; partitioned by `billing_period` ('YYYY-MM');
 * - FOCUS: PascalCase names lower-cased as Athena shows them (`BilledCost` -> `billedcost`); partitioned by
 *   `billing_period`.
 *
 * Money, rate and quantity columns become DOUBLE (when every value parses), dates become UTC timestamps whatever
 * their text form (`2026-09-01T00:00:00Z`, `2026-09-01 01:00:00+00:00`), everything else stays text.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { AwsLocalConfigInput } from '../config';

export type ImportedFormat = 'legacy' | 'cur2' | 'focus';

export interface ImportCurOptions {
  /** CSV (optionally .gz) or Parquet files, or folders holding them (searched recursively). */
  inputs: string[];
  /** The aws-local root to write (its `s3/` folder and `aws-local.json` are replaced). */
  out: string;
  /** The account that owns the role and the buckets (default: the CUR's payer account). */
  accountId?: string;
  /** The External ID the role requires; `null` = none. */
  externalId?: string | null;
}

export interface ImportCurResult {
  format: ImportedFormat;
  rows: number;
  columns: number;
  months: string[];
  accountId: string;
  roleArn: string;
  externalId: string | null;
  database: string;
  table: string;
  region: string;
  /** Per billing month: the sum of the CUR's unblended cost (FOCUS: billed cost), for checking what a sync loaded. */
  unblendedByMonth: Record<string, number>;
}

export const IMPORT_ROLE = 'CostOptimizerAccess';
export const IMPORT_DATABASE = 'cost_optimizer_cur_db';
export const IMPORT_TABLE = 'cost_optimizer_cur_table';
const DATA_BUCKET = 'cur-data';
const RESULTS_BUCKET = 'cur-results';
const REGION = 'us-east-1';

/**
 * The name the legacy CUR's Athena integration gives a raw CSV header: `/`, `:` and spaces become `_`, and every
 * upper-case letter starts a new word (`reservation/ReservationARN` -> `reservation_reservation_a_r_n`).
 */
export function athenaColumnName(header: string): string {
  let out = '';
  for (const ch of header.trim()) {
    if (/[A-Z]/.test(ch)) {
      if (out && !out.endsWith('_')) out += '_';
      out += ch.toLowerCase();
    } else if (/[a-z0-9]/.test(ch)) out += ch;
    else if (out && !out.endsWith('_')) out += '_';
  }
  return out.replace(/_+$/, '');
}

/** Which export a set of column names (as read) comes from. */
export function detectFormat(columns: readonly string[]): ImportedFormat {
  const lower = new Set(columns.map((c) => c.toLowerCase()));
  if (lower.has('billedcost') && lower.has('chargeperiodstart')) return 'focus';
  if (
    lower.has('bill_payer_account_name') ||
    (lower.has('product') && lower.has('line_item_usage_start_date'))
  )
    return 'cur2';
  if (columns.some((c) => c.includes('/')) || lower.has('line_item_usage_start_date')) return 'legacy';
  throw new Error(
    'not a CUR: expected legacy columns (lineItem/UsageStartDate or line_item_usage_start_date), CUR 2.0 columns ' +
      '(bill_payer_account_name) or FOCUS columns (BilledCost, ChargePeriodStart)',
  );
}

/** The Athena name of a column as read, per format. */
export function targetName(format: ImportedFormat, column: string): string {
  if (format === 'focus') return column.toLowerCase();
  return column.includes('/') || /[A-Z]/.test(column) ? athenaColumnName(column) : column;
}

const NUMERIC =
  /(cost|rate|amount|fee|commitment|quantity|units|factor|reservations|upfront_value|price|credit)(_|$)/;
const NOT_NUMERIC = /(_id|_code|_arn|_a_r_n|_type|_description|_option|_class|_term|_unit|_name|_status)$/;
const CUR2_MAPS = new Set(['product', 'resource_tags', 'cost_category', 'discount']);

function isDateColumn(format: ImportedFormat, name: string): boolean {
  if (format === 'focus') return /period(start|end)$/.test(name);
  return /_(start|end)_date$/.test(name);
}

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

function listInputs(inputs: string[]): { csv: string[]; parquet: string[] } {
  const csv: string[] = [];
  const parquet: string[] = [];
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) if (!e.startsWith('.')) visit(join(p, e));
    } else if (/\.csv(\.gz)?$/i.test(p)) csv.push(p);
    else if (/\.parquet$/i.test(p)) parquet.push(p);
  };
  for (const i of inputs) {
    if (!existsSync(i)) throw new Error(`input not found: ${i}`);
    visit(resolve(i));
  }
  if (csv.length && parquet.length)
    throw new Error('mix of CSV and Parquet inputs: import one kind at a time');
  if (!csv.length && !parquet.length) throw new Error('no .csv, .csv.gz or .parquet files in the inputs');
  return { csv, parquet };
}

async function rows<T>(conn: DuckDBConnection, sql: string): Promise<T[]> {
  const r = await conn.runAndReadAll(sql);
  return r.getRowObjectsJS() as T[];
}

export async function importCur(opts: ImportCurOptions): Promise<ImportCurResult> {
  const { csv, parquet } = listInputs(opts.inputs);
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  try {
    const list = `[${(csv.length ? csv : parquet).map(lit).join(', ')}]`;
    const source = csv.length
      ? `read_csv(${list}, header = true, all_varchar = true, union_by_name = true, quote = '"', escape = '"')`
      : `read_parquet(${list}, union_by_name = true)`;
    await conn.run(`CREATE TEMP TABLE src AS SELECT * FROM ${source}`);
    const described = await rows<{ column_name: string; column_type: string }>(conn, `DESCRIBE src`);
    const format = detectFormat(described.map((d) => d.column_name));

    const seen = new Map<string, string>();
    const planned: { col: string; name: string; text: boolean }[] = [];
    for (const { column_name: col, column_type: type } of described) {
      const name = targetName(format, col);
      if (!name) continue;
      const earlier = seen.get(name);
      if (earlier) throw new Error(`columns ${earlier} and ${col} both map to ${name}`);
      seen.set(name, col);
      planned.push({ col, name, text: type === 'VARCHAR' });
    }
    // A money/quantity column becomes DOUBLE only when every value in it parses (one scan for all of them).
    const candidates = planned.filter(
      (p) => p.text && !isDateColumn(format, p.name) && NUMERIC.test(p.name) && !NOT_NUMERIC.test(p.name),
    );
    const numeric = new Set<string>();
    if (candidates.length) {
      const counts = await rows<Record<string, bigint | number>>(
        conn,
        `SELECT ${candidates
          .map(
            (p, i) =>
              `count(*) FILTER (WHERE NULLIF(trim(${q(p.col)}), '') IS NOT NULL AND TRY_CAST(trim(${q(p.col)}) AS DOUBLE) IS NULL) AS c${i}`,
          )
          .join(', ')} FROM src`,
      );
      candidates.forEach((p, i) => {
        if (Number(counts[0]?.[`c${i}`] ?? 0) === 0) numeric.add(p.col);
      });
    }
    const selects = planned.map(({ col, name, text }) => {
      let expr = q(col);
      if (isDateColumn(format, name))
        expr = text
          ? `timezone('UTC', TRY_CAST(NULLIF(${q(col)}, '') AS TIMESTAMPTZ))`
          : `CAST(${q(col)} AS TIMESTAMP)`;
      else if (format === 'cur2' && CUR2_MAPS.has(name) && text)
        expr = `CAST(TRY_CAST(NULLIF(${q(col)}, '') AS JSON) AS MAP(VARCHAR, VARCHAR))`;
      else if (numeric.has(col)) expr = `TRY_CAST(NULLIF(trim(${q(col)}), '') AS DOUBLE)`;
      return `${expr} AS ${q(name)}`;
    });
    const periodCol =
      format === 'focus'
        ? 'billingperiodstart'
        : format === 'cur2'
          ? 'bill_billing_period_start_date'
          : 'bill_billing_period_start_date';
    const usageCol = format === 'focus' ? 'chargeperiodstart' : 'line_item_usage_start_date';
    if (!seen.has(usageCol)) throw new Error(`the CUR has no ${usageCol} column`);
    const period = seen.has(periodCol)
      ? `coalesce(${q(periodCol)}, date_trunc('month', ${q(usageCol)}))`
      : `date_trunc('month', ${q(usageCol)})`;
    await conn.run(`CREATE TEMP TABLE cur AS SELECT ${selects.join(', ')} FROM src`);
    const partitions =
      format === 'legacy'
        ? `CAST(year(${period}) AS VARCHAR) AS year, CAST(month(${period}) AS VARCHAR) AS month`
        : `strftime(${period}, '%Y-%m') AS billing_period`;
    const dropped = ['year', 'month', 'billing_period'].filter((c) => seen.has(c));
    const body = dropped.length ? `* EXCLUDE (${dropped.map(q).join(', ')})` : '*';

    const prefix = format === 'legacy' ? 'cur/imported/imported/' : `${format}/imported/data/`;
    const root = resolve(opts.out);
    rmSync(join(root, 's3'), { recursive: true, force: true });
    const tableDir = join(root, 's3', DATA_BUCKET, prefix);
    mkdirSync(tableDir, { recursive: true });
    mkdirSync(join(root, 's3', RESULTS_BUCKET, 'athena-results'), { recursive: true });
    await conn.run(
      `COPY (SELECT ${body}, ${partitions} FROM cur) TO ${lit(tableDir)} (FORMAT parquet, PARTITION_BY (${format === 'legacy' ? 'year, month' : 'billing_period'}), FILENAME_PATTERN 'imported-{i}', OVERWRITE_OR_IGNORE true)`,
    );

    const costCol = format === 'focus' ? 'billedcost' : 'line_item_unblended_cost';
    const payerCol = format === 'focus' ? 'billingaccountid' : 'bill_payer_account_id';
    const summary = await rows<{ m: string; n: bigint | number; cost: number | null }>(
      conn,
      `SELECT strftime(${period}, '%Y-%m') AS m, count(*) AS n, ${seen.has(costCol) ? `sum(${q(costCol)})` : 'NULL'} AS cost FROM cur GROUP BY 1 ORDER BY 1`,
    );
    const payer = seen.has(payerCol)
      ? (
          await rows<{ p: string | null }>(
            conn,
            `SELECT ${q(payerCol)} AS p FROM cur WHERE ${q(payerCol)} IS NOT NULL LIMIT 1`,
          )
        )[0]?.p
      : null;
    const accountId = opts.accountId ?? (payer && /^\d{12}$/.test(payer) ? payer : '123456789012');
    const externalId = opts.externalId === undefined ? 'cost-optimizer-import' : opts.externalId;
    const config: AwsLocalConfigInput = {
      region: REGION,
      accounts: [
        {
          account_id: accountId,
          name: 'imported-cur',
          roles: [{ name: IMPORT_ROLE, external_id: externalId, trusted: ['*'] }],
          workgroups: [
            {
              name: 'primary',
              output_location: `s3://${RESULTS_BUCKET}/athena-results/`,
              managed_results: false,
            },
          ],
          databases: [
            {
              name: IMPORT_DATABASE,
              tables: [{ name: IMPORT_TABLE, location: `s3://${DATA_BUCKET}/${prefix}` }],
            },
          ],
          buckets: [DATA_BUCKET, RESULTS_BUCKET],
        },
      ],
    };
    writeFileSync(join(root, 'aws-local.json'), JSON.stringify(config, null, 2) + '\n');
    const unblendedByMonth: Record<string, number> = {};
    for (const s of summary) unblendedByMonth[s.m] = Number(s.cost ?? 0);
    return {
      format,
      rows: summary.reduce((a, s) => a + Number(s.n), 0),
      columns: seen.size,
      months: summary.map((s) => s.m),
      accountId,
      roleArn: `arn:aws:iam::${accountId}:role/${IMPORT_ROLE}`,
      externalId,
      database: IMPORT_DATABASE,
      table: IMPORT_TABLE,
      region: REGION,
      unblendedByMonth,
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
