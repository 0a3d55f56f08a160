import { GetQueryResultsCommand, type AthenaClient } from '@aws-sdk/client-athena';
import type { CurFormat } from './sample/generate';
import { assume, clients, runQuery, setup, type Env } from './test/fixture';

const T = `"cost_optimizer_cur_db"."cost_optimizer_cur_table"`;
const RANGE = (col: string) =>
  `${col} >= TIMESTAMP '2026-01-30 00:00:00' AND ${col} < TIMESTAMP '2026-03-06 00:00:00'`;
const AMORTIZED = `CASE line_item_line_item_type
    WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
    WHEN 'SavingsPlanRecurringFee' THEN savings_plan_total_commitment_to_date - savings_plan_used_commitment
    WHEN 'SavingsPlanNegation' THEN 0 WHEN 'SavingsPlanUpfrontFee' THEN 0
    WHEN 'DiscountedUsage' THEN reservation_effective_cost
    WHEN 'RIFee' THEN reservation_unused_amortized_upfront_fee_for_billing_period + reservation_unused_recurring_fee
    WHEN 'Fee' THEN IF(coalesce(reservation_reservation_a_r_n, '') <> '', 0, line_item_unblended_cost)
    ELSE line_item_unblended_cost END`;
const USAGE = `line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')`;

/** Aggregate SQL the way Athena users write it, one per format. */
const QUERIES: Record<CurFormat, string> = {
  legacy: `SELECT date_format(date_trunc('day', "line_item_usage_start_date"), '%Y-%m-%d') AS day,
      SUM("line_item_unblended_cost") AS unblended,
      SUM(line_item_net_unblended_cost) AS net_unblended,
      SUM(${AMORTIZED}) AS amortized,
      SUM(pricing_public_on_demand_cost) AS public_on_demand,
      SUM(CASE WHEN ${USAGE} THEN line_item_unblended_cost ELSE 0 END) AS usage_unblended,
      SUM(CASE WHEN ${USAGE} THEN ${AMORTIZED} ELSE 0 END) AS usage_amortized,
      COUNT(DISTINCT line_item_product_code) AS services
    FROM ${T}
    WHERE "year" = '2026' AND "month" IN ('1', '2', '3') AND ${RANGE('line_item_usage_start_date')}
    GROUP BY 1 ORDER BY 1`,
  cur2: `SELECT CAST(CAST(date_trunc('day', line_item_usage_start_date) AS date) AS varchar) AS day,
      SUM(line_item_unblended_cost) AS unblended,
      SUM(line_item_net_unblended_cost) AS net_unblended,
      SUM(${AMORTIZED}) AS amortized,
      SUM(pricing_public_on_demand_cost) AS public_on_demand,
      COUNT(DISTINCT product['product_name']) AS services,
      COUNT(DISTINCT element_at(resource_tags, 'user_team')) AS teams
    FROM cost_optimizer_cur_db.cost_optimizer_cur_table
    WHERE billing_period IN ('2026-01', '2026-02', '2026-03') AND ${RANGE('line_item_usage_start_date')}
    GROUP BY 1 ORDER BY 1`,
  focus: `SELECT format_datetime(date_trunc('day', chargeperiodstart), 'yyyy-MM-dd') AS day,
      SUM(billedcost) AS unblended,
      SUM(effectivecost) AS net_amortized,
      SUM(listcost) AS public_on_demand,
      COUNT(DISTINCT servicename) AS services,
      COUNT(DISTINCT tags['user:environment']) AS envs
    FROM ${T}
    WHERE billing_period BETWEEN '2026-01' AND '2026-03' AND ${RANGE('chargeperiodstart')}
    GROUP BY 1 ORDER BY 1`,
};

async function rows(athena: AthenaClient, sql: string): Promise<Record<string, string>[]> {
  const { id, execution } = await runQuery(athena, sql);
  if (execution.Status!.State !== 'SUCCEEDED') throw new Error(execution.Status!.StateChangeReason);
  const out: string[][] = [];
  let token: string | undefined;
  do {
    const r = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, ...(token ? { NextToken: token } : {}) }),
    );
    out.push(...r.ResultSet!.Rows!.map((x) => x.Data!.map((d) => d.VarCharValue ?? '')));
    token = r.NextToken;
  } while (token);
  const [header, ...data] = out;
  return data.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

describe.each(['legacy', 'cur2', 'focus'] as CurFormat[])('aggregate SQL over %s CUR', (format) => {
  let env: Env;
  beforeAll(async () => {
    env = await setup(format);
  });
  afterAll(() => env.close());

  it('returns the daily totals of expected.json to the cent', async () => {
    const { athena } = clients(env.aws.url, await assume(env));
    const got = await rows(athena, QUERIES[format]);
    const expected = env.sample.expected.daily;
    expect(got.map((r) => r['day'])).toEqual(Object.keys(expected));
    const measures = Object.keys(got[0]!).filter((k) => k in expected[got[0]!['day']!]!);
    expect(measures.length).toBeGreaterThanOrEqual(3);
    for (const r of got) {
      const e = expected[r['day']!]!;
      for (const m of measures) {
        const diff = Math.abs(Number(r[m]) - (e as unknown as Record<string, number>)[m]!);
        if (diff >= 0.005)
          throw new Error(
            `${format} ${r['day']} ${m}: got ${r[m]}, expected ${(e as unknown as Record<string, number>)[m]}`,
          );
      }
    }
    expect(Math.max(...got.map((r) => Number(r['services'])))).toBeGreaterThanOrEqual(15);
  });
});
