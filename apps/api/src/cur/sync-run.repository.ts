import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { SyncRunSchema, type MonthStat, type SyncProgress, type SyncRun } from './sync-run.entity';

/**
 * Named queries of `sync_run` for the sync's use cases: queueing, reading runs, and the figures and progress a
 * running sync writes on its run. The queue's own statements (claim, heartbeat, re-queue, finish) are in
 * sync-run.queue.ts. Each call runs in the caller's scope (the request's tenant, or the run's).
 */
@Injectable()
export class SyncRunRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * A queued run, unless the tenant has an active one (a partial unique index) or the schedule key was used:
   * its id, or null when nothing was inserted.
   */
  async insertQueued(
    tenantId: string,
    trigger: SyncRun['trigger'],
    mode: SyncRun['mode'],
    months: string[],
    scheduleKey: string | null,
  ): Promise<string | null> {
    const inserted: { id: string }[] = await this.em.fork().execute(
      `insert into sync_run (id, tenant_id, status, trigger, mode, months, month_stats, schedule_key, progress,
                             rows_loaded, bytes_scanned, athena_ms, load_ms, attempt, created_at)
       values (gen_random_uuid(), ?, 'queued', ?, ?, ?, '[]', ?, ?, 0, 0, 0, 0, 1, now())
       on conflict do nothing returning id`,
      [
        tenantId,
        trigger,
        mode,
        JSON.stringify(months),
        scheduleKey,
        JSON.stringify({ phase: 'queued', months_done: 0, months_total: months.length, current_month: null }),
      ],
    );
    return inserted[0]?.id ?? null;
  }

  /** The tenant's queued or running run. */
  active(tenantId: string): Promise<SyncRun | null> {
    return this.em
      .fork()
      .findOne(SyncRunSchema, { tenant: tenantId, status: { $in: ['queued', 'running'] } });
  }

  bySchedule(scheduleKey: string): Promise<SyncRun | null> {
    return this.em.fork().findOne(SyncRunSchema, { schedule_key: scheduleKey });
  }

  /** One page of the tenant's runs, newest first, and how many there are. */
  page(tenantId: string, page: number, pageSize: number): Promise<[SyncRun[], number]> {
    return this.em
      .fork()
      .findAndCount(
        SyncRunSchema,
        { tenant: tenantId },
        { orderBy: { created_at: 'desc', id: 'desc' }, limit: pageSize, offset: (page - 1) * pageSize },
      );
  }

  byTenant(tenantId: string, runId: string): Promise<SyncRun | null> {
    return this.em.fork().findOne(SyncRunSchema, { id: runId, tenant: tenantId });
  }

  latest(tenantId: string): Promise<SyncRun | null> {
    return this.em.fork().findOne(SyncRunSchema, { tenant: tenantId }, { orderBy: { created_at: 'desc' } });
  }

  async hasSucceeded(tenantId: string): Promise<boolean> {
    return (await this.em.fork().count(SyncRunSchema, { tenant: tenantId, status: 'succeeded' })) > 0;
  }

  /** A claimed run (in its tenant's scope). */
  claimed(runId: string): Promise<SyncRun> {
    return this.em.fork().findOneOrFail(SyncRunSchema, { id: runId });
  }

  /** The run's progress, with a heartbeat. */
  async progress(runId: string, p: SyncProgress): Promise<void> {
    await this.em
      .fork()
      .execute('update sync_run set progress = ?, heartbeat_at = now() where id = ?', [
        JSON.stringify(p),
        runId,
      ]);
  }

  /** The months a run planned, stored on it (a retry keeps them), with its progress. */
  async planned(runId: string, months: string[], p: SyncProgress): Promise<void> {
    await this.em
      .fork()
      .execute(`update sync_run set months = ?, progress = ?, heartbeat_at = now() where id = ?`, [
        JSON.stringify(months),
        JSON.stringify(p),
        runId,
      ]);
  }

  /** Adds what a query outside the months (the planning query) cost in Athena. */
  async addAthena(runId: string, bytesScanned: number, athenaMs: number): Promise<void> {
    await this.em
      .fork()
      .execute(
        'update sync_run set bytes_scanned = bytes_scanned + ?, athena_ms = athena_ms + ? where id = ?',
        [bytesScanned, athenaMs, runId],
      );
  }

  /** Records a finished month on the run (its figures, the progress) in one statement. */
  async monthDone(runId: string, stat: MonthStat, p: SyncProgress): Promise<void> {
    await this.em.fork().execute(
      `update sync_run set rows_loaded = rows_loaded + ?, bytes_scanned = bytes_scanned + ?, athena_ms = athena_ms + ?,
              load_ms = load_ms + ?, month_stats = month_stats || ?::jsonb, progress = ?, heartbeat_at = now()
        where id = ?`,
      [
        stat.rows,
        stat.bytes_scanned,
        stat.athena_ms,
        stat.load_ms,
        JSON.stringify([stat]),
        JSON.stringify(p),
        runId,
      ],
    );
  }
}
