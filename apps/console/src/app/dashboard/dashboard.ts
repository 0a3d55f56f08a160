import { Component, computed, effect, inject, linkedSignal, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { RouterLink } from '@angular/router';
import type { Dashboard as DashboardData, Measure } from '@cost-optimizer/dto';
import { ConnectionApi, PENDING_DATA_NOTE } from '../connect-aws/connection-api';
import { Session } from '../core/auth/session';
import { Chart } from '../shared/chart';
import { stackedBarOption } from '../shared/chart-options';
import {
  MEASURES,
  MEASURE_HINTS,
  MEASURE_LABELS,
  changeClass,
  formatChange,
  formatDay,
  formatMoney,
  percentChange,
  relativeTime,
} from '../shared/format';
import { SYNC_STATUS_LABELS, isBackfill, monthsLabel } from '../sync/sync-labels';
import { SyncProgress } from '../sync/sync-progress';
import { SyncTracker, isFinished } from '../sync/sync-tracker';
import { DashboardApi } from './dashboard-api';
import { TopList } from './top-list';

/** The dashboard: month-to-date figures, 90 days by service, top lists, freshness and "Sync now". */
@Component({
  selector: 'app-dashboard',
  imports: [
    Chart,
    MatButtonModule,
    MatButtonToggleModule,
    MatCardModule,
    MatIconModule,
    MatProgressBarModule,
    MatTooltipModule,
    RouterLink,
    SyncProgress,
    TopList,
  ],
  providers: [SyncTracker],
  templateUrl: './dashboard.html',
  styleUrl: './dashboard.scss',
})
export class Dashboard {
  protected readonly sync = inject(SyncTracker);
  protected readonly canManage = inject(Session).canManage;
  protected readonly pendingNote = PENDING_DATA_NOTE;
  protected readonly measures = MEASURES;
  protected readonly measureLabels = MEASURE_LABELS;
  protected readonly measureHints = MEASURE_HINTS;
  protected readonly statusLabels = SYNC_STATUS_LABELS;
  protected readonly money = formatMoney;
  protected readonly change = formatChange;
  protected readonly changeClass = changeClass;

  /** The measure picked here; null: the tenant's default (the API's answer says which). */
  private readonly measure = signal<Measure | null>(null);

  private readonly connection = inject(ConnectionApi).connection();
  protected readonly connectionStatus = computed(() =>
    this.connection.hasValue() ? this.connection.value().status : null,
  );

  protected readonly dashboard = inject(DashboardApi).dashboard(this.measure);
  /** The latest answer, kept on screen while another measure loads. */
  protected readonly data = linkedSignal<DashboardData | undefined, DashboardData | undefined>({
    source: () => (this.dashboard.hasValue() ? this.dashboard.value() : undefined),
    computation: (value, previous) => value ?? previous?.value,
  });
  protected readonly selectedMeasure = computed(() => this.measure() ?? this.data()?.measure ?? null);
  protected readonly notConnected = computed(
    () => this.connectionStatus() === 'not_connected' || this.data()?.connected === false,
  );

  protected readonly changePct = computed(() => {
    const d = this.data();
    return d ? percentChange(d.month_to_date, d.previous_month_same_period) : null;
  });
  protected readonly hasCosts = computed(() => {
    const d = this.data();
    return !!d && (d.data_through !== null || d.daily.some((day) => day.cost !== 0));
  });
  /** The run loading history (the first sync's backfill, or "Load history"), while it runs. */
  protected readonly historyRun = computed(() => {
    const run = this.sync.run() ?? this.data()?.last_sync ?? null;
    return run && isBackfill(run) ? run : null;
  });
  protected readonly historyMonths = computed(() => {
    const run = this.historyRun();
    return run ? monthsLabel(run) : null;
  });
  /** The first loaded day when it falls inside the 90-day chart: the chart starts there (earlier days are not loaded). */
  protected readonly chartFrom = computed(() => {
    const d = this.data();
    const first = d?.daily_by_service.dates[0];
    return d?.data_from && first && d.data_from > first ? d.data_from : null;
  });
  protected readonly chartOption = computed(() => {
    const d = this.data();
    if (!d) return {};
    // Days before the loaded history are left out, never drawn as zero-cost days.
    const from = this.chartFrom();
    const start = from ? Math.max(0, d.daily_by_service.dates.indexOf(from)) : 0;
    const series = d.daily_by_service.series.map((s) => ({ name: s.name, values: s.costs.slice(start) }));
    return stackedBarOption(d.daily_by_service.dates.slice(start), series, d.currency);
  });
  protected readonly day = formatDay;
  protected readonly freshness = computed(() => {
    const d = this.data();
    if (!d) return '';
    const through = d.data_through ? `Data through ${formatDay(d.data_through)}` : 'No data yet';
    const run = d.last_sync;
    if (!run) return `${through} · no sync yet`;
    const at = run.finished_at ?? run.started_at ?? run.created_at;
    return `${through} · last sync ${relativeTime(at)}, ${SYNC_STATUS_LABELS[run.status].toLowerCase()}`;
  });

  constructor() {
    this.sync.finished.pipe(takeUntilDestroyed()).subscribe(() => {
      this.dashboard.reload();
      this.connection.reload();
    });
    // While history loads (newest month first), the dashboard fills in as each month lands.
    let monthsSeen = -1;
    effect(() => {
      const run = this.historyRun();
      const done = run?.progress.months_done ?? -1;
      if (!run || done === monthsSeen) return;
      const first = monthsSeen === -1;
      monthsSeen = done;
      if (!first && done > 0) untracked(() => this.dashboard.reload());
    });
    // A sync someone else started (the nightly job, a new connection) is followed live too.
    effect(() => {
      const run = this.data()?.last_sync;
      if (!run || isFinished(run)) return;
      untracked(() => {
        if (!this.sync.active() && this.sync.run()?.id !== run.id) this.sync.follow(run.id, run);
      });
    });
  }

  protected selectMeasure(measure: Measure): void {
    this.measure.set(measure);
  }
}
