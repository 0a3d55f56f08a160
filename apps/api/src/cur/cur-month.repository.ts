import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { CostStore } from './cost-store';
import type { MonthSource } from './cur-month-source';
import { monthRange } from './cur-sql';

/** Named queries of what the tenant's loaded months hold: the months, their line items, their recorded CUR files. */
@Injectable()
export class CurMonthRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly store: CostStore,
  ) {}

  /** Months with loaded data (from the small per-day rollup, not the detail table). */
  async loadedMonths(tenantId: string): Promise<Set<string>> {
    const rows: { m: string }[] = await this.em.fork().execute(
      `select distinct to_char(usage_date, 'YYYY-MM') as m from cost_rollup_daily
        where tenant_id = ? and dimension = 'charge_class'`,
      [tenantId],
    );
    return new Set(rows.map((r) => r.m));
  }

  /** The CUR line items the loaded month stands for (0: not loaded). */
  async loadedLineItems(tenantId: string, month: string): Promise<number> {
    const { start, end } = monthRange(month);
    const rows = await this.store.query<{ n: string }>(
      tenantId,
      'select coalesce(sum(line_items), 0)::bigint as n from cost_daily where tenant_id = $1 and usage_date >= $2 and usage_date < $3',
      [tenantId, start, end],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The fingerprints of the given months' CUR files as they were when loaded, by month. */
  async fingerprints(tenantId: string, months: string[]): Promise<Map<string, string>> {
    const rows: { month: string; fingerprint: string }[] = await this.em
      .fork()
      .execute('select month, fingerprint from cur_month_source where tenant_id = ? and month in (?)', [
        tenantId,
        months,
      ]);
    return new Map(rows.map((r) => [r.month, r.fingerprint]));
  }

  /** Records the month's CUR files as loaded (in the run's tenant scope). */
  async recordSource(tenantId: string, month: string, source: MonthSource): Promise<void> {
    await this.em.fork().execute(
      `insert into cur_month_source (tenant_id, month, fingerprint, objects, checked_at)
       values (?, ?, ?, ?, now())
       on conflict (tenant_id, month) do update
         set fingerprint = excluded.fingerprint, objects = excluded.objects, checked_at = now()`,
      [tenantId, month, source.fingerprint, source.objects],
    );
  }
}
