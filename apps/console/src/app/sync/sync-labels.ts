import type { SyncRun, SyncRunStatus } from '@cost-optimizer/dto';

export const SYNC_STATUS_LABELS: Record<SyncRunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

export const SYNC_STATUS_ICONS: Record<SyncRunStatus, string> = {
  queued: 'schedule',
  running: 'sync',
  succeeded: 'check_circle',
  failed: 'error',
};

export const SYNC_TRIGGER_LABELS: Record<SyncRun['trigger'], string> = {
  manual: 'Manual',
  nightly: 'Nightly',
  connect: 'On connect',
};

/** Share of the run's months done, in %, or null while the total is unknown. */
export function syncPercent(run: SyncRun): number | null {
  const { months_done, months_total } = run.progress;
  if (months_total <= 0) return null;
  return Math.min(100, Math.round((months_done / months_total) * 100));
}
