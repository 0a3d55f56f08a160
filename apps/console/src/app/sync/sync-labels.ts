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

export const SYNC_MODE_LABELS: Record<SyncRun['mode'], string> = {
  months: '',
  backfill: 'history backfill',
  history: 'loading history',
};

/** Share of the run's months done, in %, or null while the total is unknown. */
export function syncPercent(run: SyncRun): number | null {
  const { months_done, months_total } = run.progress;
  if (months_total <= 0) return null;
  return Math.min(100, Math.round((months_done / months_total) * 100));
}

/** True while a run loads history (the first sync's backfill, or "Load history"). */
export const isBackfill = (run: SyncRun): boolean =>
  (run.mode === 'backfill' || run.mode === 'history') &&
  (run.status === 'queued' || run.status === 'running');

/** 'YYYY-MM' as `Sep 2026`. */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-US', {
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** Bytes in decimal units, as Athena bills them: `850 B`, `12.4 MB`, `1.2 GB`, `3.1 TB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** An estimated Athena cost in USD: `$0.006`, `$1.25`, `<$0.0001`. */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd < 0.0001) return '<$0.0001';
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toPrecision(1))}`;
}

/** `1.2 GB scanned (~$0.006)`: what Athena scanned for a run, and what that costs the customer. */
export function scannedLabel(run: SyncRun): string {
  return `${formatBytes(run.bytes_scanned)} scanned (~${formatUsd(run.estimated_cost_usd)})`;
}

/**
 * The run's month line: `month 3 of 13 (Sep 2026)` while a month is being loaded, `13 / 13 months` otherwise;
 * null before the months are known.
 */
export function monthsLabel(run: SyncRun): string | null {
  const { months_done, months_total, current_month } = run.progress;
  if (months_total <= 0) return null;
  const active = run.status === 'running' || run.status === 'queued';
  if (active && current_month && months_done < months_total)
    return `month ${months_done + 1} of ${months_total} (${formatMonth(current_month)})`;
  return `${months_done} / ${months_total} months`;
}
