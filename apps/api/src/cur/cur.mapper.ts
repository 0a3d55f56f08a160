import type { SyncRun as SyncRunDto } from '@cost-optimizer/dto';
import type { SyncRun } from './sync-run.entity';

/** Athena's price per byte scanned: $5 per TB. */
export const ATHENA_USD_PER_BYTE = 5 / 1e12;

/** Entity -> response: a sync run with its figures and the estimated Athena cost of the bytes it scanned. */
export function toSyncRunDto(r: SyncRun): SyncRunDto {
  return {
    id: r.id,
    status: r.status,
    trigger: r.trigger,
    mode: r.mode,
    months: r.months,
    progress: { ...r.progress, current_month: r.progress.current_month ?? null },
    month_stats: r.month_stats ?? [],
    rows_loaded: r.rows_loaded,
    bytes_scanned: Number(r.bytes_scanned),
    estimated_cost_usd: Number((Number(r.bytes_scanned) * ATHENA_USD_PER_BYTE).toPrecision(6)),
    athena_ms: r.athena_ms,
    load_ms: r.load_ms,
    attempt: r.attempt,
    error: r.error ?? null,
    created_at: r.created_at.toISOString(),
    started_at: r.started_at ? r.started_at.toISOString() : null,
    finished_at: r.finished_at ? r.finished_at.toISOString() : null,
  };
}
