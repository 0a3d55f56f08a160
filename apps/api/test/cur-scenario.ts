import { readdirSync, renameSync, rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AwsEnv } from './aws-env';

/** One synthetic daily usage series added to a generated legacy CUR: cost per day (0 or less: no line item). */
export interface ScenarioSeries {
  account: string;
  service: string;
  usageType: string;
  region: string;
  cost: (date: string, dayIndex: number) => number;
}

const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** A small deterministic wobble (+/- 3 %), so a series is not perfectly flat. */
export const wobble = (i: number) => 1 + 0.03 * Math.sin(i * 1.7) * Math.cos(i * 0.37);

/**
 * Adds daily usage line items to the generated legacy CUR sample served by the local AWS endpoint (the parquet files
 * Athena reads), copying the columns of one real usage line item and replacing its date, account, service, usage
 * type, region and costs. The sample's own data and labels stay as they are.
 */
export async function addCurSeries(env: AwsEnv, series: ScenarioSeries[]): Promise<void> {
  const files = env.sample.files;
  const tableDir = files[0]!.slice(0, files[0]!.indexOf('/year='));
  const start = env.sample.expected.start_date;
  const end = env.sample.expected.end_date;
  const values: string[] = [];
  let n = 0;
  for (let d = start, i = 0; d <= end; d = addDays(d, 1), i++) {
    for (const s of series) {
      const cost = s.cost(d, i);
      if (!(cost > 0)) continue;
      const q = (x: string) => `'${x.replace(/'/g, "''")}'`;
      values.push(
        `(DATE ${q(d)}, ${q(s.account)}, ${q(s.service)}, ${q(s.usageType)}, ${q(s.region)}, ${cost.toFixed(6)}, ${++n})`,
      );
    }
  }
  const list = `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
  const out = `${tableDir}.new`;
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await duck.run(
      `CREATE TABLE tpl AS SELECT * FROM read_parquet(${list}, hive_partitioning=true)
        WHERE line_item_line_item_type = 'Usage' AND line_item_unblended_cost > 0 LIMIT 1`,
    );
    await duck.run(
      'CREATE TABLE v (d DATE, account VARCHAR, service VARCHAR, usage_type VARCHAR, region VARCHAR, cost DOUBLE, n INTEGER)',
    );
    for (let i = 0; i < values.length; i += 500)
      await duck.run(`INSERT INTO v VALUES ${values.slice(i, i + 500).join(', ')}`);
    await duck.run(
      `COPY (
         SELECT * FROM read_parquet(${list}, hive_partitioning=true)
         UNION ALL BY NAME
         SELECT tpl.* REPLACE (
           'scenario-' || v.n AS identity_line_item_id,
           CAST(v.d AS TIMESTAMP) AS line_item_usage_start_date,
           CAST(v.d AS TIMESTAMP) + INTERVAL 1 DAY AS line_item_usage_end_date,
           v.account AS line_item_usage_account_id,
           v.service AS line_item_product_code,
           v.service AS product_servicecode,
           v.service AS product_product_name,
           v.usage_type AS line_item_usage_type,
           v.region AS product_region,
           1.0 AS line_item_usage_amount,
           v.cost AS line_item_unblended_cost,
           v.cost AS line_item_blended_cost,
           v.cost AS line_item_net_unblended_cost,
           v.cost AS pricing_public_on_demand_cost,
           CAST(year(v.d) AS VARCHAR) AS year,
           CAST(month(v.d) AS VARCHAR) AS month
         ) FROM tpl, v
       ) TO '${out.replace(/'/g, "''")}' (FORMAT parquet, PARTITION_BY (year, month), FILENAME_PATTERN 'cost-optimizer-{i}')`,
    );
  } finally {
    duck.closeSync();
  }
  rmSync(tableDir, { recursive: true, force: true });
  renameSync(out, tableDir);
  if (readdirSync(tableDir).length === 0) throw new Error('no partitions written');
}
