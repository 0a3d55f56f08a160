import { Injectable, Logger } from '@nestjs/common';
import type { SyncRun as SyncRunDto, SyncRunPage } from '@cost-optimizer/dto';
import { notFound } from '../common/errors';
import { AssumeRoleFailed, AwsAccessService } from '../aws-connection';
import { CurAthena, type CurAccess } from './cur-athena';
import { CurMonthLoader, type SyncPass } from './cur-month-loader';
import { CurMonthPlanner } from './cur-month-planner';
import { assumeRoleFailed, syncAlreadyActive, syncNotConnected, syncNotQueued } from './cur.errors';
import { toSyncRunDto } from './cur.mapper';
import type { SyncRun } from './sync-run.entity';
import { SyncRunRepository } from './sync-run.repository';

/** What a sync loads: the last n months, or months planned from the CUR (the first sync, or history). */
export type SyncPlan = { months: number } | { mode: 'backfill' | 'history' };

/** The last n billing months, oldest first, ending with the current (UTC) month. */
export function lastMonths(n: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}

/**
 * The CUR sync's use cases: queueing a sync, reading runs, and running a claimed one (its months planned by
 * CurMonthPlanner, each loaded by CurMonthLoader through CurAthena's AWS I/O).
 */
@Injectable()
export class CurSyncService {
  private readonly logger = new Logger('CurSync');

  constructor(
    private readonly runs: SyncRunRepository,
    private readonly connections: AwsAccessService,
    private readonly io: CurAthena,
    private readonly planner: CurMonthPlanner,
    private readonly loader: CurMonthLoader,
  ) {}

  /**
   * Queues a sync. At most one queued/running run per tenant (a partial unique index): a second request gets
   * 409 with the active run's id. A nightly run carries a schedule key, so replicas enqueue it once.
   * A backfill or history run lists its months once it has read which months the CUR holds (when it starts).
   */
  async enqueue(
    tenantId: string,
    trigger: SyncRun['trigger'],
    plan: SyncPlan,
    scheduleKey: string | null = null,
  ): Promise<{ run_id: string; created: boolean }> {
    await this.connections.requireActive(tenantId);
    const mode = 'mode' in plan ? plan.mode : 'months';
    const list = 'months' in plan ? lastMonths(plan.months).reverse() : [];
    const inserted = await this.runs.insertQueued(tenantId, trigger, mode, list, scheduleKey);
    if (inserted) {
      this.logger.log({
        msg: 'sync queued',
        tenant_id: tenantId,
        run_id: inserted,
        trigger,
        mode,
        months: list,
      });
      return { run_id: inserted, created: true };
    }
    const active = await this.runs.active(tenantId);
    if (active) {
      if (scheduleKey) return { run_id: active.id, created: false };
      throw syncAlreadyActive(active.id);
    }
    const same = scheduleKey ? await this.runs.bySchedule(scheduleKey) : null;
    if (same) return { run_id: same.id, created: false };
    throw syncNotQueued();
  }

  async list(tenantId: string, page: number, pageSize: number): Promise<SyncRunPage> {
    const [rows, total] = await this.runs.page(tenantId, page, pageSize);
    return { items: rows.map(toSyncRunDto), total, page, page_size: pageSize };
  }

  async get(tenantId: string, runId: string): Promise<SyncRunDto> {
    const run = await this.runs.byTenant(tenantId, runId);
    if (!run) throw notFound('Sync run');
    return toSyncRunDto(run);
  }

  async latest(tenantId: string): Promise<SyncRunDto | null> {
    const run = await this.runs.latest(tenantId);
    return run ? toSyncRunDto(run) : null;
  }

  hasSucceeded(tenantId: string): Promise<boolean> {
    return this.runs.hasSucceeded(tenantId);
  }

  /**
   * Runs one claimed sync: AssumeRole (refreshed before expiry), one Athena query per month, results streamed
   * from the CSV Athena wrote (paged only for managed-results workgroups), each month replaced atomically.
   * `owned()` is false once the run was taken away from this worker (then nothing more is written); `worker` (its
   * `locked_by`) makes each month's load check that inside its own transaction too.
   * Runs in the scope of the run's tenant (the worker calls it inside withTenant()).
   */
  async execute(runId: string, owned: () => Promise<boolean>, worker?: string): Promise<void> {
    const run = await this.runs.claimed(runId);
    const tenantId = run.tenant.id;
    const access = await this.access(tenantId);
    const catalog = await this.io.catalog(access);
    const { months, restated } = await this.planner.plan(run, access, catalog);
    const partitions = catalog.map((p) => p.values);
    const stats = [...(run.month_stats ?? [])];
    const pass: SyncPass = {
      run,
      tenantId,
      access,
      catalog,
      partitions,
      restated,
      stats,
      total: months.length,
      owned,
      worker,
    };
    await this.loadMonths(pass, months);
  }

  /** Where and as whom the run reads the CUR: the tenant's active connection and the run's credentials. */
  private async access(tenantId: string): Promise<CurAccess> {
    const conn = await this.connections.activeConnection(tenantId);
    if (!conn?.athena) throw syncNotConnected();
    // Refreshed before expiry; AccessDenied (the role is gone or no longer trusts us) fails the run for good and has
    // marked the connection broken. Throttling and 5xx were retried by the SDK already.
    const roleCredentials = this.connections.credentials(conn, 'cur-sync');
    const credentials = () =>
      roleCredentials().catch((e: unknown) => {
        if (!(e instanceof AssumeRoleFailed)) throw e;
        throw assumeRoleFailed(e);
      });
    return { region: conn.role.region, credentials, athena: conn.athena };
  }

  /** The planned months not loaded by an earlier attempt, in order; the dashboard's data advances month by month. */
  private async loadMonths(pass: SyncPass, months: string[]): Promise<void> {
    const done = new Set(pass.stats.map((st) => st.month)); // loaded by an earlier attempt of this run: not again
    let maxDate: string | null = null;
    for (const month of months) {
      if (done.has(month)) continue;
      const loaded = await this.loader.load(pass, month);
      if (loaded === 'lost') return;
      if (!loaded.last) continue;
      if (!maxDate || loaded.last > maxDate) maxDate = loaded.last;
      await this.connections.advanceDataThrough(pass.tenantId, loaded.last); // the dashboard fills month by month
    }
    if (maxDate) await this.connections.advanceDataThrough(pass.tenantId, maxDate);
  }
}
