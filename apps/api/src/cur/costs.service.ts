import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import type { CostsQuery, CostsResponse, Dashboard, Measure, NamedCost } from '@cost-optimizer/dto';
import { TenantSchema } from '../tenants/tenant.entity';
import { AwsConnectionSchema } from '../aws-connection/aws-connection.entity';
import { CostStore } from './cost-store';
import { CurSyncService } from './cur-sync.service';
import type { RollupDimension } from './cost-rollup';
import { OTHER, STACKED_SERVICES, stackByService } from './dashboard-stack';
import { VersionedCache } from './versioned-cache';

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

/** The part of the dashboard derived from cost data alone. */
type DashboardFigures = Pick<
  Dashboard,
  | 'month_to_date'
  | 'data_from'
  | 'previous_month_same_period'
  | 'forecast_month_end'
  | 'daily'
  | 'daily_by_service'
  | 'top_services'
  | 'top_accounts'
  | 'top_regions'
>;

/** Hook for the anomaly module: how many anomalies are open for a tenant. */
export type OpenAnomalyCounter = (tenantId: string) => Promise<number>;

@Injectable()
export class CostsService {
  private readonly figures = new VersionedCache<DashboardFigures>();
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
      tenantId,
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
    const em = this.em.fork();
    // The cost data in one transaction of the tenant's scope: its version, then (unless cached for that version)
    // the figures computed from it.
    const costData = this.store.inTenant(tenantId, async (c) => {
      const { rows } = await c.query<{ version: string; through: string | null }>(
        `select version, to_char(data_through, 'YYYY-MM-DD') as through from cost_data_version where tenant_id = $1`,
        [tenantId],
      );
      const through = rows[0]?.through ?? null;
      if (!through) return { through, figures: null };
      // The cost figures change only when a month is replaced (which bumps the version): computed once per version.
      const figures = await this.figures.get(`${tenantId}:${measure}`, rows[0]!.version, () =>
        this.costFigures(c, tenantId, measure, through),
      );
      return { through, figures };
    });
    const [conn, data, lastSync, open] = await Promise.all([
      em.findOne(AwsConnectionSchema, { tenant: tenantId }),
      costData,
      this.sync.latest(tenantId),
      this.openAnomalies(tenantId),
    ]);
    const connected = !!conn && (conn.status === 'connected' || conn.status === 'pending_data');
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
      data_through: data.through,
      data_from: null,
      last_sync: lastSync,
    };
    if (!data.figures) return empty;
    return { ...empty, ...data.figures };
  }

  /** The dashboard's cost figures from the rollup, for data through the given day (`c`: the tenant's scope). */
  private async costFigures(
    c: PoolClient,
    tenantId: string,
    measure: Measure,
    through: string,
  ): Promise<DashboardFigures> {
    const m = MEASURE_COLUMN[measure];
    const end = Date.parse(`${through}T00:00:00Z`);
    const d = new Date(end);
    const dayOfMonth = d.getUTCDate();
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const prevStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
    const prevMonthEnd = monthStart - DAY;
    const prevEnd = Math.min(prevStart + (dayOfMonth - 1) * DAY, prevMonthEnd);
    const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    const start90 = end - 89 * DAY;
    // Three queries, all on the rollup (one row per day and dimension value), never on the detail table; one after
    // the other, in the transaction of the tenant's scope.
    const rowsOf = async <T>(sql: string, params: unknown[]): Promise<T[]> =>
      (await c.query(sql, params)).rows as T[];
    // Daily totals for 90 days: the chart, and (the previous month starts inside them) every total below.
    const daily = await rowsOf<{ date: string; cost: number }>(
      `select to_char(g.day, 'YYYY-MM-DD') as date, coalesce(sum(c.${m}), 0) as cost
           from generate_series($2::date, $3::date, interval '1 day') g(day)
           left join cost_rollup_daily c
             on c.tenant_id = $1 and c.dimension = $4 and c.usage_date = g.day::date
          group by g.day order by g.day`,
      [tenantId, iso(start90), through, TOTAL_DIMENSION],
    );
    // The stacked chart: the top services over the 90 days, the rest summed as "Other" in SQL.
    const byService = await rowsOf<{ date: string; service: string; cost: number }>(
      `with s as (select usage_date, name, ${m} as cost from cost_rollup_daily
                     where tenant_id = $1 and dimension = 'service' and usage_date between $2 and $3),
              top as (select name from s group by name order by sum(cost) desc limit $4)
         select to_char(usage_date, 'YYYY-MM-DD') as date, coalesce(top.name, $5) as service, sum(cost) as cost
           from s left join top using (name) group by usage_date, top.name`,
      [tenantId, iso(start90), through, STACKED_SERVICES, OTHER],
    );
    // Top 10 services, accounts and regions this month, with the same days of the previous month.
    const tops = await rowsOf<{ dimension: string; name: string; cur: number | null; prev: number | null }>(
      `select dimension, name, cur, prev from (
           select dimension, name,
                  sum(${m}) filter (where usage_date between $2 and $3) as cur,
                  sum(${m}) filter (where usage_date between $4 and $5) as prev,
                  row_number() over (partition by dimension
                    order by sum(${m}) filter (where usage_date between $2 and $3) desc nulls last) as rank
             from cost_rollup_daily
            where tenant_id = $1 and dimension in ('service', 'account', 'region') and usage_date between $4 and $3
            group by 1, 2) t
          where rank <= 10 order by dimension, rank`,
      [tenantId, iso(monthStart), through, iso(prevStart), iso(prevEnd)],
    );
    // The first loaded day: the chart shows days before it as not loaded (a backfill still running), not as zero.
    const first = await rowsOf<{ first: string | null }>(
      `select to_char(min(usage_date), 'YYYY-MM-DD') as first from cost_rollup_daily where tenant_id = $1 and dimension = $2`,
      [tenantId, TOTAL_DIMENSION],
    );
    const sumDays = (from: number, to: number) =>
      daily.reduce((acc, r) => {
        const t = Date.parse(`${r.date}T00:00:00Z`);
        return t >= from && t <= to ? acc + Number(r.cost) : acc;
      }, 0);
    const mtd = sumDays(monthStart, end);
    const prev = sumDays(prevStart, prevEnd);
    const runRate = sumDays(end - 6 * DAY, end) / 7;
    const topOf = (dimension: string) => tops.filter((r) => r.dimension === dimension);
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
      data_from: first[0]?.first ?? null,
      month_to_date: round(mtd),
      previous_month_same_period: round(prev),
      forecast_month_end: round(mtd + runRate * (daysInMonth - dayOfMonth)),
      daily: daily.map((r) => ({ date: r.date, cost: round(Number(r.cost)) })),
      daily_by_service: stackByService(
        daily.map((r) => r.date),
        byService,
      ),
      top_services: named(topOf('service')),
      top_accounts: named(topOf('account')),
      top_regions: named(topOf('region')),
    };
  }
}
