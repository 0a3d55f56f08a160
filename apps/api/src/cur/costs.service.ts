import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { CostsQuery, CostsResponse, Dashboard, Measure, NamedCost } from '@cost-optimizer/dto';
import { TenantSchema } from '../tenants/tenant.entity';
import { AwsConnectionSchema } from '../aws-connection/aws-connection.entity';
import { CostStore } from './cost-store';
import { CurSyncService } from './cur-sync.service';
import type { RollupDimension } from './cost-rollup';

/** Whitelists: the only identifiers that reach SQL from a request. */
const MEASURE_COLUMN: Record<Measure, string> = {
  unblended: 'unblended',
  net_unblended: 'net_unblended',
  amortized: 'amortized',
  net_amortized: 'net_amortized',
};
/** Totals come from the rollup's smallest dimension (a handful of charge classes per day). */
const TOTAL_DIMENSION: RollupDimension = 'charge_class';

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const CURRENCY = 'USD';

/** Hook for the anomaly module: how many anomalies are open for a tenant. */
export type OpenAnomalyCounter = (tenantId: string) => Promise<number>;

@Injectable()
export class CostsService {
  private openAnomalies: OpenAnomalyCounter = () => Promise.resolve(0);

  constructor(
    private readonly store: CostStore,
    private readonly em: EntityManager,
    private readonly sync: CurSyncService,
  ) {}

  setOpenAnomalyCounter(fn: OpenAnomalyCounter): void {
    this.openAnomalies = fn;
  }

  async measureFor(tenantId: string, requested?: Measure): Promise<Measure> {
    if (requested) return requested;
    const t = await this.em.fork().findOne(TenantSchema, { id: tenantId });
    return t?.default_measure ?? 'net_amortized';
  }

  async costs(tenantId: string, q: CostsQuery): Promise<CostsResponse> {
    const measure = await this.measureFor(tenantId, q.measure);
    const m = MEASURE_COLUMN[measure];
    const dimension: RollupDimension = q.group_by;
    const day = q.granularity === 'monthly' ? `date_trunc('month', usage_date)::date` : 'usage_date';
    const rows = await this.store.query<{ date: string; grp: string; cost: number }>(
      `select to_char(${day}, 'YYYY-MM-DD') as date, name as grp, sum(${m}) as cost
         from cost_rollup_daily where tenant_id = $1 and dimension = $4 and usage_date between $2 and $3
        group by 1, 2 order by 1, 2`,
      [tenantId, q.from, q.to, dimension],
    );
    let total = 0;
    const items = rows.map((r) => {
      total += Number(r.cost);
      return { date: r.date, group: r.grp, cost: round(Number(r.cost)) };
    });
    return {
      items,
      total: round(total),
      from: q.from,
      to: q.to,
      group_by: q.group_by,
      measure,
      granularity: q.granularity,
      currency: CURRENCY,
    };
  }

  async dashboard(tenantId: string, requested?: Measure): Promise<Dashboard> {
    const measure = await this.measureFor(tenantId, requested);
    const m = MEASURE_COLUMN[measure];
    const em = this.em.fork();
    const conn = await em.findOne(AwsConnectionSchema, { tenant: tenantId });
    const connected = !!conn && (conn.status === 'connected' || conn.status === 'pending_data');
    const [last, lastSync, open] = await Promise.all([
      this.store.query<{ d: string | null }>(
        `select to_char(max(usage_date), 'YYYY-MM-DD') as d from cost_rollup_daily
          where tenant_id = $1 and dimension = $2`,
        [tenantId, TOTAL_DIMENSION],
      ),
      this.sync.latest(tenantId),
      this.openAnomalies(tenantId),
    ]);
    const through = last[0]?.d ?? null;
    const empty: Dashboard = {
      connected,
      currency: CURRENCY,
      measure,
      month_to_date: 0,
      previous_month_same_period: 0,
      forecast_month_end: 0,
      daily: [],
      daily_by_service: { dates: [], series: [] },
      top_services: [],
      top_accounts: [],
      top_regions: [],
      open_anomalies: open,
      data_through: through,
      last_sync: lastSync,
    };
    if (!through) return empty;

    const end = Date.parse(`${through}T00:00:00Z`);
    const d = new Date(end);
    const dayOfMonth = d.getUTCDate();
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const prevStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
    const prevMonthEnd = monthStart - DAY;
    const prevEnd = Math.min(prevStart + (dayOfMonth - 1) * DAY, prevMonthEnd);
    const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    const start90 = end - 89 * DAY;
    // Every query reads the rollup (one row per day and dimension value), never the detail table.
    const p = [tenantId];
    const [totals, daily, byService, tops] = await Promise.all([
      this.store.query<{ mtd: number | null; prev: number | null; last7: number | null }>(
        `select sum(${m}) filter (where usage_date between $2 and $3) as mtd,
                sum(${m}) filter (where usage_date between $4 and $5) as prev,
                sum(${m}) filter (where usage_date between $6 and $3) as last7
           from cost_rollup_daily where tenant_id = $1 and dimension = $7 and usage_date between $4 and $3`,
        [...p, iso(monthStart), through, iso(prevStart), iso(prevEnd), iso(end - 6 * DAY), TOTAL_DIMENSION],
      ),
      this.store.query<{ date: string; cost: number }>(
        `select to_char(g.day, 'YYYY-MM-DD') as date, coalesce(sum(c.${m}), 0) as cost
           from generate_series($2::date, $3::date, interval '1 day') g(day)
           left join cost_rollup_daily c
             on c.tenant_id = $1 and c.dimension = $4 and c.usage_date = g.day::date
          group by g.day order by g.day`,
        [...p, iso(start90), through, TOTAL_DIMENSION],
      ),
      this.store.query<{ date: string; service: string; cost: number }>(
        `select to_char(usage_date, 'YYYY-MM-DD') as date, name as service, ${m} as cost
           from cost_rollup_daily
          where tenant_id = $1 and dimension = 'service' and usage_date between $2 and $3`,
        [...p, iso(start90), through],
      ),
      Promise.all(
        (['service', 'account', 'region'] as const).map((dimension) =>
          this.store.query<{ name: string; cur: number | null; prev: number | null }>(
            `select name,
                    sum(${m}) filter (where usage_date between $2 and $3) as cur,
                    sum(${m}) filter (where usage_date between $4 and $5) as prev
               from cost_rollup_daily where tenant_id = $1 and dimension = $6 and usage_date between $4 and $3
              group by 1 order by cur desc nulls last limit 10`,
            [...p, iso(monthStart), through, iso(prevStart), iso(prevEnd), dimension],
          ),
        ),
      ),
    ]);
    const mtd = Number(totals[0]?.mtd ?? 0);
    const prev = Number(totals[0]?.prev ?? 0);
    const runRate = Number(totals[0]?.last7 ?? 0) / 7;
    const named = (rows: { name: string; cur: number | null; prev: number | null }[]): NamedCost[] =>
      rows
        .filter((r) => r.cur !== null)
        .map((r) => {
          const cur = Number(r.cur ?? 0);
          const before = Number(r.prev ?? 0);
          return {
            name: r.name || '(none)',
            cost: round(cur),
            change_pct: before > 0 ? round(((cur - before) / before) * 100) : null,
          };
        });
    return {
      ...empty,
      month_to_date: round(mtd),
      previous_month_same_period: round(prev),
      forecast_month_end: round(mtd + runRate * (daysInMonth - dayOfMonth)),
      daily: daily.map((r) => ({ date: r.date, cost: round(Number(r.cost)) })),
      daily_by_service: stackByService(
        daily.map((r) => r.date),
        byService,
      ),
      top_services: named(tops[0]!),
      top_accounts: named(tops[1]!),
      top_regions: named(tops[2]!),
    };
  }
}

/** The top 6 services by cost over the period, then everything else as "Other". */
export function stackByService(
  dates: string[],
  rows: { date: string; service: string; cost: number }[],
  top = 6,
): Dashboard['daily_by_service'] {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(r.service, (totals.get(r.service) ?? 0) + Number(r.cost));
  const names = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([n]) => n);
  const kept = names.slice(0, top);
  const hasOther = names.length > top;
  const index = new Map(dates.map((d, i) => [d, i]));
  const series = [...kept, ...(hasOther ? ['Other'] : [])].map((name) => ({
    name: name || '(none)',
    costs: dates.map(() => 0),
  }));
  const slot = new Map(kept.map((n, i) => [n, i]));
  for (const r of rows) {
    const i = index.get(r.date);
    if (i === undefined) continue;
    const s = slot.get(r.service) ?? (hasOther ? kept.length : undefined);
    if (s === undefined) continue;
    series[s]!.costs[i] = round(series[s]!.costs[i]! + Number(r.cost));
  }
  return { dates, series };
}
