import { ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatProgressBarHarness } from '@angular/material/progress-bar/testing';
import type { SyncRun } from '@cost-optimizer/dto';
import { syncRun } from '../../testing/cost-fixtures';
import { formatBytes, formatUsd, monthsLabel } from './sync-labels';
import { SyncProgress } from './sync-progress';

describe('SyncProgress', () => {
  let fixture: ComponentFixture<SyncProgress>;

  async function show(run: SyncRun) {
    if (!fixture) fixture = TestBed.createComponent(SyncProgress);
    fixture.componentRef.setInput('run', run);
    await fixture.whenStable();
  }
  const text = (id: string) =>
    (fixture.nativeElement as HTMLElement)
      .querySelector(`[data-testid=${id}]`)
      ?.textContent?.replace(/\s+/g, ' ')
      .trim() ?? null;
  const bar = () => TestbedHarnessEnvironment.loader(fixture).getHarnessOrNull(MatProgressBarHarness);

  const backfill = (overrides: Partial<SyncRun>) =>
    syncRun({
      status: 'running',
      trigger: 'connect',
      mode: 'backfill',
      months: ['2026-12', '2026-11', '2026-10', '2026-09', '2026-08'],
      month_stats: [],
      rows_loaded: 0,
      bytes_scanned: 0,
      estimated_cost_usd: 0,
      finished_at: null,
      ...overrides,
    });

  beforeEach(() => {
    fixture = undefined as unknown as ComponentFixture<SyncProgress>;
  });

  it('shows the month being loaded, the bytes scanned with their cost, and a progress bar while backfilling', async () => {
    await show(
      backfill({
        progress: { phase: 'querying 2026-09', months_done: 2, months_total: 13, current_month: '2026-09' },
        rows_loaded: 9120,
        bytes_scanned: 1_200_000_000,
        estimated_cost_usd: 0.006,
      }),
    );
    expect(text('sync-months')).toBe('month 3 of 13 (Sep 2026)');
    expect(text('sync-scanned')).toBe('· 1.2 GB scanned (~$0.006)');
    expect(text('sync-mode')).toBe('history backfill');
    const progress = await bar();
    expect(progress).not.toBeNull();
    expect(await progress!.getMode()).toBe('determinate');
    expect(await progress!.getValue()).toBe(15); // 2 of 13 months done

    // The next month: the figures move on.
    await show(
      backfill({
        progress: { phase: 'loading 2026-08', months_done: 3, months_total: 13, current_month: '2026-08' },
        bytes_scanned: 1_680_000_000,
        estimated_cost_usd: 0.0084,
      }),
    );
    expect(text('sync-months')).toBe('month 4 of 13 (Aug 2026)');
    expect(text('sync-scanned')).toBe('· 1.7 GB scanned (~$0.008)');
    expect(await (await bar())!.getValue()).toBe(23);
  });

  it('before the months are known: an indeterminate bar and no month line', async () => {
    await show(
      backfill({
        status: 'queued',
        months: [],
        progress: { phase: 'queued', months_done: 0, months_total: 0, current_month: null },
      }),
    );
    expect(text('sync-months')).toBeNull();
    expect(await (await bar())!.getMode()).toBe('indeterminate');
  });

  it('once done: months loaded, bytes scanned and rows, no bar', async () => {
    await show(
      backfill({
        status: 'succeeded',
        progress: { phase: 'done', months_done: 13, months_total: 13, current_month: null },
        rows_loaded: 48211,
        bytes_scanned: 73_400_320,
        estimated_cost_usd: 0.000367,
        finished_at: '2026-12-03T09:10:00.000Z',
      }),
    );
    expect(text('sync-months')).toBe('13 / 13 months');
    expect(text('sync-scanned')).toBe('· 73.4 MB scanned (~$0.0004)');
    expect(await bar()).toBeNull();
  });

  it('formats bytes, costs and month lines', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(3_100_000_000_000)).toBe('3.1 TB');
    expect(formatUsd(0)).toBe('$0');
    expect(formatUsd(0.00000001)).toBe('<$0.0001');
    expect(formatUsd(15.5)).toBe('$15.50');
    const run = backfill({ progress: { phase: 'x', months_done: 0, months_total: 0, current_month: null } });
    expect(monthsLabel(run)).toBeNull();
  });
});
