/** Writes the staged sample out: the `profiles` table, the Parquet files of the format, and the SQL of each measure. */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { formatSelect, type CurFormat } from './formats';
import type { Measure } from './ledger';
import type { Account, Profile } from './model';

const PROFILE_COLUMNS = [
  'type',
  'account_id',
  'account_name',
  'payer_id',
  'payer_name',
  'product_code',
  'product_name',
  'category',
  'region',
  'location',
  'az',
  'usage_type',
  'operation',
  'resource_id',
  'description',
  'family',
  'instance_type',
  'unit',
  'pricing_term',
  'res_arn',
  'sp_arn',
  'tax_type',
  'tag_environment',
  'tag_team',
  'tag_application',
  'tag_cost_center',
] as const;

export async function writeProfiles(
  conn: DuckDBConnection,
  profiles: Profile[],
  payer: Account,
): Promise<void> {
  await conn.run(
    `CREATE TABLE profiles (profile INTEGER, normalization DOUBLE, ${PROFILE_COLUMNS.map((c) => `${c} VARCHAR`).join(', ')})`,
  );
  const a = await conn.createAppender('profiles');
  for (const p of profiles) {
    a.appendInteger(p.id);
    a.appendDouble(p.normalization);
    const values: Record<(typeof PROFILE_COLUMNS)[number], string> = {
      type: p.type,
      account_id: p.accountId,
      account_name: p.accountName,
      payer_id: payer.id,
      payer_name: payer.name,
      product_code: p.productCode,
      product_name: p.productName,
      category: p.category,
      region: p.region,
      location: p.location,
      az: p.az,
      usage_type: p.usageType,
      operation: p.operation,
      resource_id: p.resourceId,
      description: p.description,
      family: p.family,
      instance_type: p.instanceType,
      unit: p.unit,
      pricing_term: p.pricingTerm,
      res_arn: p.resArn,
      sp_arn: p.spArn,
      tax_type: p.taxType,
      tag_environment: p.tags['environment'] ?? '',
      tag_team: p.tags['team'] ?? '',
      tag_application: p.tags['application'] ?? '',
      tag_cost_center: p.tags['cost_center'] ?? '',
    };
    for (const c of PROFILE_COLUMNS) a.appendVarchar(values[c]);
    a.endRow();
  }
  a.closeSync();
}

/** Where the format's table lives in the bucket (as AWS lays out each export). */
export function tablePrefix(format: CurFormat): string {
  return format === 'legacy'
    ? 'cur/cost-optimizer/cost-optimizer/'
    : format === 'cur2'
      ? 'cur2/cost-optimizer/data/'
      : 'focus/cost-optimizer/data/';
}

/** Replaces the sample bucket's table with Parquet files partitioned like the format; returns their paths. */
export async function writeParquet(
  conn: DuckDBConnection,
  root: string,
  bucket: string,
  resultsBucket: string,
  format: CurFormat,
  seed: number,
): Promise<string[]> {
  const tableDir = join(root, 's3', bucket, tablePrefix(format));
  rmSync(join(root, 's3', bucket), { recursive: true, force: true });
  mkdirSync(tableDir, { recursive: true });
  mkdirSync(join(root, 's3', resultsBucket, 'athena-results'), { recursive: true });
  const partitions = format === 'legacy' ? 'year, month' : 'billing_period';
  await conn.run(
    `COPY (${formatSelect(format, seed)}) TO '${tableDir.replace(/'/g, "''")}' (FORMAT parquet, PARTITION_BY (${partitions}), FILENAME_PATTERN 'cost-optimizer-{i}', OVERWRITE_OR_IGNORE true)`,
  );
  return listFiles(tableDir).filter((f) => f.endsWith('.parquet'));
}

export function measureSql(format: CurFormat): Partial<Record<Measure, string>> {
  if (format === 'focus')
    return {
      unblended: 'SUM(billedcost)',
      net_amortized: 'SUM(effectivecost)',
      public_on_demand: 'SUM(listcost)',
    };
  return {
    unblended: 'SUM(line_item_unblended_cost)',
    net_unblended: 'SUM(line_item_net_unblended_cost)',
    public_on_demand: 'SUM(pricing_public_on_demand_cost)',
    amortized: `SUM(CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
  WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN reservation_effective_cost
  WHEN 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
  ELSE CASE WHEN line_item_line_item_type = 'Fee' AND reservation_reservation_a_r_n <> '' THEN 0 ELSE line_item_unblended_cost END
END)`,
  };
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}
