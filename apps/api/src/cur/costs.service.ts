import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import type {
  ConnectionStatus,
  CostsQuery,
  CostsResponse,
  Dashboard,
  Measure,
  NamedCost,
} from '@cost-optimizer/dto';
import { TenantSchema } from '../tenants/tenant.entity';
import { connectionStatusSql, isActiveStatus } from '../aws-connection';
import { CostStore } from './cost-store';
import { toSyncRunDto } from './cur.mapper';
import type { SyncRun } from './sync-run.entity';
import { scopedRows, tenantSession } from '../database/db-scope';
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

/** The rest of the dashboard, read on every request. */
type DashboardRest = Omit<Dashboard, keyof DashboardFigures>;

/** The figures of a tenant with no cost data yet. */
const NO_FIGURES_JSON = JSON.stringify({
  month_to_date: 0,
  data_from: null,
  previous_month_same_period: 0,
  forecast_month_end: 0,
  daily: [],
  daily_by_service: { dates: [], series: [] },
  top_services: [],
  top_accounts: [],
  top_regions: [],
} satisfies DashboardFigures);

/** What the dashboard reads on every request, in one statement (see dashboard()). */
interface DashboardHead {
  default_measure: Measure;
  connection_status: ConnectionStatus | null;
  version: string | null;
  through: string | null;
  open_anomalies: number;
  last_sync: SyncRunJson | null;
}

/** A sync_run row as row_to_json gives it (timestamps as text). */
type SyncRunJson = Omit<SyncRun, 'tenant' | 'created_at' | 'started_at' | 'finished_at'> & {
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
};

/**
 * The dashboard's per-request read, in the tenant's scope: the default measure, the connection's status, the cost
 * data's version, the open anomalies (as AnomalyDetector.countOpen counts them) and the latest sync run.
 */
const DASHBOARD_HEAD_SQL = `
  select t.default_measure, ${connectionStatusSql('t.id')} as connection_status, v.version::text as version,
         to_char(v.data_through, 'YYYY-MM-DD') as through,
         (select count(*)::int from anomaly a
           where a.tenant_id = t.id and a.status = 'open' and not a.held_back and a.grouped_into is null) as open_anomalies,
         (select row_to_json(r) from (
            select id, status, "trigger", mode, months, progress, month_stats, rows_loaded, bytes_scanned, athena_ms,
                   load_ms, attempt, error, created_at, started_at, finished_at
              from sync_run where tenant_id = t.id order by created_at desc limit 1) r) as last_sync
    from tenant t
    left join cost_data_version v on v.tenant_id = t.id
   where t.id = $1`;

@Injectable()
export class CostsService {
  /** The figures' JSON per tenant and measure, for the version of the cost data they were computed from. */
  private readonly figures = new VersionedCache<string>();

  constructor(
    private readonly store: CostStore,
    private readonly em: EntityManager,
  ) {}

  async measureFor(tenantId: string, requested?: Measure): Promise<Measure> {
    if (requested) return requested;
    const t = await this.em.fork().findOne(TenantSchema, { id: tenantId });
    return t?.default_measure ?? 'net_amortized';
  }

  /**
   * Costs between two days by one dimension. With `top`, the groups past the `top` largest over the range are summed
   * as "Other" in SQL, so the answer's size does not grow with the payer's accounts or services. Monthly figures
   * read the monthly rollup for the months the range covers whole (or up to the last loaded day), the daily rollup
   * only for a partial month at either end.
   */
  async costs(tenantId: string, q: CostsQuery): Promise<CostsResponse> {
    const measure = await this.measureFor(tenantId, q.measure);
    const m = MEASURE_COLUMN[measure];
    const dimension: RollupDimension = q.group_by;
    const top = q.top ?? null;
    // The months the range holds whole: from the first month starting on or after `from`, to the month of `to` when
    // `to` ends it or is on or after the last loaded day (the monthly rollup's row of the last month then ends there
    // too). The days outside them come from the daily rollup.
    const f = new Date(`${q.from}T00:00:00Z`);
    const t = new Date(`${q.to}T00:00:00Z`);
    const firstWhole = iso(Date.UTC(f.getUTCFullYear(), f.getUTCMonth() + (f.getUTCDate() === 1 ? 0 : 1), 1));
    const lastStart = iso(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1));
    const toEndsMonth =
      t.getUTCDate() === new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
    /** Per name: the whole months from the monthly rollup, the other days from the daily one ($1-$4, $7-$9). */
    const spans = (cost: string) => `
      v as (select coalesce((select data_through from cost_data_version where tenant_id = $1), $3::date) as through),
      whole as (
        select month, name, ${m} as cost from cost_rollup_monthly, v
         where tenant_id = $1 and dimension = $4 and month >= $7::date
           and (month < $8::date or $9::boolean or $3::date >= v.through)),
      part as (
        select ${cost}, name, ${m} as cost from cost_rollup_daily d, v
         where d.tenant_id = $1 and d.dimension = $4
           and ((usage_date >= $2::date and usage_date < $7::date)
             or (usage_date >= $8::date and usage_date <= $3::date and not ($9::boolean or $3::date >= v.through))))`;
    const params = [tenantId, q.from, q.to, dimension, top, OTHER, firstWhole, lastStart, toEndsMonth];
    type Row = { date: string; grp: string; cost: number };
    let rows: Row[];
    if (q.granularity === 'monthly')
      rows = await this.store.query<Row>(
        tenantId,
        `with ${spans(`date_trunc('month', usage_date)::date as month`)},
              s as (select * from whole union all select * from part),
              top as (select name from s group by name order by sum(cost) desc, name limit $5)
         select to_char(s.month, 'YYYY-MM-DD') as date, coalesce(top.name, $6) as grp, sum(s.cost) as cost
           from s left join top using (name) group by 1, 2 order by 1, 2`,
        params,
      );
    else if (top !== null)
      // The top groups from the per-name totals above; their days by name; "Other" is each day's total (the
      // smallest dimension's) less theirs. Reads the top groups' days, not every group's.
      rows = await this.store.query<Row>(
        tenantId,
        `with ${spans('usage_date')},
              sums as (select name, sum(cost) as cost from (select name, cost from whole union all select name, cost from part) w
                        group by name),
              top as (select name from sums order by cost desc, name limit $5),
              kept as (select d.usage_date, d.name, d.${m} as cost from top join cost_rollup_daily d
                         on d.tenant_id = $1 and d.dimension = $4 and d.name = top.name and d.usage_date between $2 and $3),
              totals as (select usage_date, sum(${m}) as cost from cost_rollup_daily
                          where dimension = '${TOTAL_DIMENSION}' and tenant_id = $1 and usage_date between $2 and $3
                          group by usage_date),
              other as (select t.usage_date, t.cost - coalesce(k.cost, 0) as cost
                          from totals t left join (select usage_date, sum(cost) as cost from kept group by 1) k using (usage_date)
                         where (select count(*) from sums) > $5)
         select to_char(usage_date, 'YYYY-MM-DD') as date, name as grp, cost from kept
         union all
         select to_char(usage_date, 'YYYY-MM-DD'), $6, cost from other where abs(cost) > 1e-9
         order by 1, 2`,
        params,
      );
    else
      rows = await this.store.query<Row>(
        tenantId,
        `select to_char(usage_date, 'YYYY-MM-DD') as date, name as grp, sum(${m}) as cost
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

  /**
   * The dashboard as JSON text. One statement per request (DASHBOARD_HEAD_SQL, one round trip); the cost figures,
   * already serialised, come from this replica's cache of them for the tenant's cost data version (they change only
   * when a month is replaced, which raises the version) and are computed from the rollup on the first request after
   * a change. Serialising the figures (the daily and stacked series, some 20 kB) cost more than the rest of the
   * request, so it is done once per version and measure, not per request.
   */
  async dashboardJson(tenantId: string, requested?: Measure): Promise<string> {
    const [head] = await scopedRows<DashboardHead>(this.em, tenantSession(tenantId), DASHBOARD_HEAD_SQL, [
      tenantId,
    ]);
    const measure = requested ?? head?.default_measure ?? 'net_amortized';
    const status = head?.connection_status;
    const through = head?.through ?? null;
    const rest: DashboardRest = {
      connected: isActiveStatus(status),
      currency: CURRENCY,
      measure,
      open_anomalies: head?.open_anomalies ?? 0,
      data_through: through,
      last_sync: head?.last_sync ? syncRunOf(head.last_sync) : null,
    };
    const figures =
      through && head?.version != null
        ? await this.figures.get(`${tenantId}:${measure}`, `${head.version}:${through}`, () =>
            this.store.inTenant(tenantId, async (c) =>
              JSON.stringify(await this.costFigures(c, tenantId, measure, through)),
            ),
          )
        : NO_FIGURES_JSON;
    // both are JSON objects with no key in common: one object with the keys of both
    return `${JSON.stringify(rest).slice(0, -1)},${figures.slice(1)}`;
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
    // The stacked chart: the top services over the 90 days (their totals from the monthly rollup for the months the
    // window holds whole, from the daily rollup for the partial month at its start), then their days; "Other" is the
    // day's total less theirs. Reads the top services' days, not every service's.
    const firstWhole = Date.UTC(
      new Date(start90).getUTCFullYear(),
      new Date(start90).getUTCMonth() + (new Date(start90).getUTCDate() === 1 ? 0 : 1),
      1,
    );
    const byService = await rowsOf<{ date: string; service: string; cost: number; services: number }>(
      `with w as (
              select name, ${m} as cost from cost_rollup_monthly
               where tenant_id = $1 and dimension = 'service' and month >= $4 and month <= $3
              union all
              select name, ${m} from cost_rollup_daily
               where tenant_id = $1 and dimension = 'service' and usage_date >= $2 and usage_date < $4),
            sums as (select name, sum(cost) as cost from w group by name),
            top as (select name from sums order by cost desc, name limit $5)
       select to_char(d.usage_date, 'YYYY-MM-DD') as date, d.name as service, d.${m} as cost,
              (select count(*)::int from sums) as services
         from top join cost_rollup_daily d
           on d.tenant_id = $1 and d.dimension = 'service' and d.name = top.name and d.usage_date between $2 and $3`,
      [tenantId, iso(start90), through, iso(firstWhole), STACKED_SERVICES],
    );
    if ((byService[0]?.services ?? 0) > STACKED_SERVICES) {
      const kept = new Map<string, number>();
      for (const r of byService) kept.set(r.date, (kept.get(r.date) ?? 0) + Number(r.cost));
      for (const r of daily)
        byService.push({
          date: r.date,
          service: OTHER,
          cost: Number(r.cost) - (kept.get(r.date) ?? 0),
          services: 0,
        });
    }
    // Top 10 services, accounts and regions this month (the monthly rollup: the month's data ends on `through`), with
    // the same days of the previous month for those ten only (the daily rollup by name).
    const tops = await rowsOf<{ dimension: string; name: string; cur: number | null; prev: number | null }>(
      `with ranked as (
              select dimension, name, ${m} as cur,
                     row_number() over (partition by dimension order by ${m} desc, name) as rank
                from cost_rollup_monthly
               where tenant_id = $1 and dimension in ('service', 'account', 'region') and month = $2)
       select r.dimension, r.name, r.cur, p.prev
         from ranked r
         left join lateral (
           select sum(d.${m}) as prev from cost_rollup_daily d
            where d.tenant_id = $1 and d.dimension = r.dimension and d.name = r.name and d.usage_date between $3 and $4) p
           on true
        where r.rank <= 10 order by r.dimension, r.rank`,
      [tenantId, iso(monthStart), iso(prevStart), iso(prevEnd)],
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

/** The API's view of a sync run read as JSON (toSyncRunDto, with the timestamps parsed). */
function syncRunOf(r: SyncRunJson) {
  const at = (t: string | null) => (t === null ? null : new Date(t));
  return toSyncRunDto({
    ...r,
    created_at: new Date(r.created_at),
    started_at: at(r.started_at),
    finished_at: at(r.finished_at),
  } as unknown as SyncRun);
}
