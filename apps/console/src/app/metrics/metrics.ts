import { Component, computed, inject, linkedSignal, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import type { MetricWatch } from '@cost-optimizer/dto';
import { debounceTime, map } from 'rxjs';
import { Session } from '../core/auth/session';
import { Chart } from '../shared/chart';
import { Confirm } from '../shared/confirm-dialog';
import { formatMoney } from '../shared/format';
import { DiscoverDialog } from './discover-dialog';
import { formatMetric, sparklineOption } from './metric-charts';
import { MetricsApi } from './metrics-api';
import { PresetsDialog } from './presets-dialog';

export const METRICS_PAGE_SIZE = 20;

/** Metric watches: sparkline and last value of each, collection stats, discovery and presets, delete. */
@Component({
  selector: 'app-metrics',
  imports: [
    Chart,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatTableModule,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './metrics.html',
  styleUrl: './metrics.scss',
})
export class Metrics {
  private readonly api = inject(MetricsApi);
  private readonly confirm = inject(Confirm);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  protected readonly canManage = inject(Session).canManage;
  protected readonly value = formatMetric;
  protected readonly spark = sparklineOption;
  protected readonly columns = ['label', 'where', 'spark', 'last', 'anomalies', 'actions'];

  protected readonly search = new FormControl('', { nonNullable: true });
  private readonly term = toSignal(
    this.search.valueChanges.pipe(
      debounceTime(250),
      map((s) => s.trim()),
    ),
    {
      initialValue: '',
    },
  );
  private readonly page = linkedSignal<string, { page: number; page_size: number }>({
    source: this.term,
    computation: (_, previous) => ({ page: 1, page_size: previous?.value.page_size ?? METRICS_PAGE_SIZE }),
  });
  protected readonly watches = this.api.watches(() => {
    const term = this.term();
    return term ? { ...this.page(), search: term } : this.page();
  });
  protected readonly items = computed(() => (this.watches.hasValue() ? this.watches.value().items : []));
  protected readonly collection = this.api.collection();
  protected readonly stats = computed(() =>
    this.collection.hasValue() ? this.collection.value() : undefined,
  );
  protected readonly collecting = signal(false);

  protected asWatch(w: MetricWatch): MetricWatch {
    return w;
  }

  protected money(v: number): string {
    return v > 0 && v < 0.01 ? `$${v.toFixed(5)}` : formatMoney(v);
  }

  protected changePage(e: PageEvent): void {
    this.page.set({ page: e.pageIndex + 1, page_size: e.pageSize });
  }

  private refresh(): void {
    this.watches.reload();
    this.collection.reload();
  }

  protected openDiscover(): void {
    this.dialog
      .open(DiscoverDialog, { width: '760px', maxWidth: '95vw' })
      .afterClosed()
      .subscribe((added: unknown) => {
        if (added) this.refresh();
      });
  }

  protected openPresets(): void {
    this.dialog
      .open(PresetsDialog, { width: '560px', maxWidth: '95vw' })
      .afterClosed()
      .subscribe((added: unknown) => {
        if (added) this.refresh();
      });
  }

  protected remove(w: MetricWatch): void {
    this.confirm
      .then(
        {
          title: 'Stop watching this metric?',
          message: `${w.label}: its stored points and metric anomalies are deleted.`,
          confirm: 'Delete',
        },
        () => this.api.remove(w.id),
      )
      .subscribe(() => {
        this.snackBar.open('Metric removed', undefined, { duration: 3000 });
        this.refresh();
      });
  }

  protected collect(): void {
    this.collecting.set(true);
    this.api.collect().subscribe({
      next: (r) => {
        this.collecting.set(false);
        this.snackBar.open(
          `${r.points_stored} new points · ${r.calls} calls · ${r.anomalies} anomalies`,
          undefined,
          { duration: 4000 },
        );
        this.refresh();
      },
      error: () => this.collecting.set(false),
    });
  }
}
