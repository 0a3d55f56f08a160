/**
 * CURs the project did not make: each format written the way other tools write it (raw legacy CSV headers such as
 * `lineItem/UsageStartDate`, dates as `2026-09-01 01:00:00+00:00`, empty numbers as the text `None`, a CUR 2.0 export
 * whose `product` map is JSON text, FOCUS with its PascalCase names), brought into the local AWS endpoint with
 * `cur:import` (as AWS's Athena integration would lay them out) and synced through the real connect -> Athena ->
 * load path. What the sync stores must add up to the files, per month and per dimension.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCur, startAwsLocal, type AwsLocalHandle } from '@cost-optimizer/aws-local';
import { syncsSettled } from './aws-env';
import { testApp, type TestApp } from './harness';

const PAYER = '210987654321';
const ACCOUNTS = ['210987654321', '345678901234'];

/** Day `d` (0-based) of the month `back` months before the current one, at `hour`, UTC. */
function at(back: number, d: number, hour: number): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1 + d, hour));
}
const iso = (t: Date) => t.toISOString().replace('.000Z', 'Z');
/** nise's form: a space, and +00:00. */
const spaced = (t: Date) => iso(t).replace('T', ' ').replace('Z', '+00:00');
const month = (t: Date) => iso(t).slice(0, 7);
const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (header: string[], rows: (string | number)[][]) =>
  [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

interface Line {
  t: Date;
  account: string;
  service: string;
  region: string;
  usageType: string;
  type: string;
  unblended: number;
}

/** Two months of hourly-ish lines over two accounts, three services, two regions, with tax and a credit. */
function lines(): Line[] {
  const out: Line[] = [];
  const services = [
    ['AmazonEC2', 'BoxUsage:m5.large', 0.096],
    ['AmazonS3', 'TimedStorage-ByteHrs', 0.023],
    ['AmazonRDS', 'InstanceUsage:db.r5.large', 0.25],
  ] as const;
  for (const back of [2, 1])
    for (let d = 0; d < 12; d++)
      for (const hour of [0, 9, 18])
        for (const [i, account] of ACCOUNTS.entries())
          for (const [j, [service, usageType, rate]] of services.entries()) {
            const region = (i + j) % 2 === 0 ? 'us-east-1' : 'eu-west-1';
            out.push({
              t: at(back, d, hour),
              account,
              service,
              region,
              usageType,
              type: 'Usage',
              unblended: Math.round(rate * (1 + ((d * 7 + hour + i * 3 + j) % 5)) * 1e6) / 1e6,
            });
          }
  for (const back of [2, 1]) {
    out.push({
      t: at(back, 0, 0),
      account: PAYER,
      service: 'AmazonEC2',
      region: '',
      usageType: 'Tax',
      type: 'Tax',
      unblended: 4.2,
    });
    out.push({
      t: at(back, 3, 0),
      account: PAYER,
      service: 'AmazonEC2',
      region: 'us-east-1',
      usageType: 'Credit',
      type: 'Credit',
      unblended: -1.5,
    });
  }
  return out;
}

/** The legacy CUR's raw CSV, as S3 delivers it and as nise writes it. */
function legacyCsv(ls: Line[]): string {
  const header = [
    'identity/LineItemId',
    'bill/PayerAccountId',
    'bill/BillingPeriodStartDate',
    'lineItem/UsageStartDate',
    'lineItem/UsageEndDate',
    'lineItem/UsageAccountId',
    'lineItem/LineItemType',
    'lineItem/ProductCode',
    'lineItem/UsageType',
    'lineItem/UsageAmount',
    'lineItem/UnblendedCost',
    'lineItem/BlendedCost',
    'pricing/publicOnDemandCost',
    'product/region',
    'product/ProductName',
    'reservation/ReservationARN',
    'savingsPlan/SavingsPlanEffectiveCost',
    'resourceTags/user:team',
  ];
  const rows = ls.map((l, i) => [
    `li-${i}`,
    PAYER,
    iso(at(0, 0, 0)).replace(/^\d{4}-\d{2}/, month(l.t)),
    spaced(l.t),
    spaced(new Date(l.t.getTime() + 3_600_000)),
    l.account,
    l.type,
    l.service,
    l.usageType,
    1,
    l.unblended,
    l.unblended,
    l.type === 'Usage' ? l.unblended : 0,
    l.region,
    `${l.service} (product)`,
    '',
    'None',
    i % 3 === 0 ? 'platform, "core"' : '',
  ]);
  return csv(header, rows);
}

/** A CUR 2.0 export in CSV: snake_case, the product attributes in a JSON `product` map, no product_region column. */
function cur2Csv(ls: Line[]): string {
  const header = [
    'bill_payer_account_id',
    'bill_payer_account_name',
    'bill_billing_period_start_date',
    'line_item_usage_start_date',
    'line_item_usage_account_id',
    'line_item_line_item_type',
    'line_item_product_code',
    'line_item_usage_type',
    'line_item_usage_amount',
    'line_item_unblended_cost',
    'line_item_net_unblended_cost',
    'pricing_public_on_demand_cost',
    'product',
    'resource_tags',
  ];
  const rows = ls.map((l) => [
    PAYER,
    'Payer Inc.',
    `${month(l.t)}-01T00:00:00.000Z`,
    iso(l.t),
    l.account,
    l.type,
    l.service,
    l.usageType,
    1,
    l.unblended,
    l.unblended,
    l.type === 'Usage' ? l.unblended : 0,
    JSON.stringify({ region: l.region, product_name: `${l.service} (product)` }),
    JSON.stringify({ user_team: 'platform' }),
  ]);
  return csv(header, rows);
}

/** FOCUS 1.0 with its PascalCase names, as AWS's FOCUS export or a FinOps tool writes it. */
function focusCsv(ls: Line[]): string {
  const category: Record<string, string> = { Usage: 'Usage', Tax: 'Tax', Credit: 'Credit' };
  const header = [
    'BillingAccountId',
    'BillingPeriodStart',
    'ChargePeriodStart',
    'ChargePeriodEnd',
    'SubAccountId',
    'ChargeCategory',
    'ServiceName',
    'RegionId',
    'x_UsageType',
    'BilledCost',
    'EffectiveCost',
    'ListCost',
    'ConsumedQuantity',
    'Tags',
  ];
  const rows = ls.map((l) => [
    PAYER,
    `${month(l.t)}-01T00:00:00Z`,
    iso(l.t),
    iso(new Date(l.t.getTime() + 3_600_000)),
    l.account,
    category[l.type]!,
    l.service,
    l.region,
    l.usageType,
    l.unblended,
    l.unblended,
    l.type === 'Usage' ? l.unblended : 0,
    1,
    '{"team":"platform"}',
  ]);
  return csv(header, rows);
}

const cents = (x: number) => Math.round(x * 100);

describe.each([
  ['legacy', legacyCsv],
  ['cur2', cur2Csv],
  ['focus', focusCsv],
] as const)('a third-party %s CUR', (format, write) => {
  const ls = lines();
  let dir: string;
  let aws: AwsLocalHandle;
  let api: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'co-third-party-'));
    writeFileSync(join(dir, 'export-00001.csv'), write(ls));
    const imported = await importCur({
      inputs: [join(dir, 'export-00001.csv')],
      out: join(dir, 'root'),
      externalId: null,
    });
    expect(imported).toMatchObject({ format, rows: ls.length, accountId: PAYER });
    aws = await startAwsLocal({ root: join(dir, 'root'), port: 0 });
    aws.config.athena.queued_ms = 10;
    aws.config.athena.running_ms = 20;
    api = await testApp({
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIAPLATFORMTEST0001',
      AWS_SECRET_ACCESS_KEY: 'platform-secret',
      AWS_REGION: 'us-east-1',
      AWS_S3_FORCE_PATH_STYLE: 'true',
      CUR_WORKER_POLL_MS: '200',
    });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await aws?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connects, syncs every month and stores what the files say, per month, service, region and account', async () => {
    const s = await api.signup();
    const conn = await api.get('/api/tenants/connection', s.access_token);
    aws.setRole(PAYER, 'CostOptimizerAccess', { external_id: conn.body.external_id });
    const res = await api.post(
      '/api/tenants/connect',
      {
        aws_role_arn: `arn:aws:iam::${PAYER}:role/CostOptimizerAccess`,
        external_id: conn.body.external_id,
        region: 'us-east-1',
        athena_db: 'cost_optimizer_cur_db',
        athena_table: 'cost_optimizer_cur_table',
      },
      s.access_token,
    );
    expect(res.status).toBe(200);
    expect(res.body.cur_format).toBe(format);
    const run = await syncsSettled(api, s.access_token, 90_000);
    expect(run).toMatchObject({ status: 'succeeded', error: null });
    const months = [...new Set(ls.map((l) => month(l.t)))].sort();
    expect([...run.months].sort()).toEqual(months);

    const from = iso(at(2, 0, 0)).slice(0, 10);
    const to = iso(at(0, 0, 0)).slice(0, 10);
    const sumBy = async (groupBy: string) => {
      const r = await api.get(
        `/api/costs?from=${from}&to=${to}&group_by=${groupBy}&measure=unblended&granularity=monthly`,
        s.access_token,
      );
      expect(r.status).toBe(200);
      const out = new Map<string, number>();
      for (const i of r.body.items) out.set(`${i.date.slice(0, 7)} ${i.group}`, cents(i.cost));
      return out;
    };
    const expected = (key: (l: Line) => string) => {
      const out = new Map<string, number>();
      for (const l of ls) {
        const k = `${month(l.t)} ${key(l)}`;
        out.set(k, (out.get(k) ?? 0) + l.unblended);
      }
      return new Map([...out].map(([k, v]) => [k, cents(v)]));
    };
    expect(await sumBy('service')).toEqual(expected((l) => l.service));
    expect(await sumBy('account')).toEqual(expected((l) => l.account));
    // Tax has no region in any format; it is stored under the empty region, shown as such.
    const regions = await sumBy('region');
    const want = expected((l) => l.region);
    for (const [k, v] of want) expect([k, regions.get(k) ?? regions.get(k.trim())]).toEqual([k, v]);
  }, 180_000);
});
