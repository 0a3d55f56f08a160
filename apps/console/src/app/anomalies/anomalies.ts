import { Component, computed, inject, linkedSignal, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatChipsModule } from '@angular/material/chips';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import type { Anomaly } from '@cost-optimizer/dto';
import { map } from 'rxjs';
import { Session } from '../core/auth/session';
import { AnomaliesApi } from './anomalies-api';
import { formatDay, formatMoney } from '../shared/format';
import {
  CHANGE_KIND_ICONS,
  CHANGE_KIND_LABELS,
  CHANGE_KINDS,
  DIMENSION_LABELS,
  FEEDBACK_LABELS,
  SEVERITY_LABELS,
  STATUS_LABELS,
  formatDays,
  formatImpactPct,
} from './anomaly-labels';
import { LoadError } from '../shared/load-error';

export const ANOMALY_PAGE_SIZE = 20;

/** The anomaly list: filters, sort, pages, and "Detect now" for owners and admins. */
@Component({
  selector: 'app-anomalies',
  imports: [
    LoadError,
    MatButtonModule,
    MatCardModule,
    MatCheckboxModule,
    MatChipsModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatSelectModule,
    MatTableModule,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './anomalies.html',
  styleUrl: './anomalies.scss',
})
export class Anomalies {
  private readonly api = inject(AnomaliesApi);
  private readonly snackBar = inject(MatSnackBar);
  protected readonly canManage = inject(Session).canManage;
  protected readonly money = formatMoney;
  protected readonly pct = formatImpactPct;
  protected readonly days = formatDays;
  protected readonly severities = SEVERITY_LABELS;
  protected readonly statuses = STATUS_LABELS;
  protected readonly feedbacks = FEEDBACK_LABELS;
  protected readonly dimensions = DIMENSION_LABELS;
  protected readonly kinds = CHANGE_KIND_LABELS;
  protected readonly kindIcons = CHANGE_KIND_ICONS;
  protected readonly kindOptions = CHANGE_KINDS;
  protected readonly columns = ['impact', 'kind', 'value', 'dates', 'severity', 'status', 'feedback'];

  protected readonly form = inject(NonNullableFormBuilder).group({
    status: '',
    change_kind: '',
    monitor: '',
    from: '',
    to: '',
    sort: 'start',
    held: false,
  });
  private readonly filters = toSignal(this.form.valueChanges.pipe(map(() => this.form.getRawValue())), {
    initialValue: this.form.getRawValue(),
  });
  protected readonly filtered = computed(() => {
    const f = this.filters();
    return !!(f.status || f.change_kind || f.monitor || f.from || f.to || f.held);
  });
  /** Back to the first page whenever a filter changes. */
  private readonly page = linkedSignal<unknown, { page: number; page_size: number }>({
    source: this.filters,
    computation: (_, previous) => ({ page: 1, page_size: previous?.value.page_size ?? ANOMALY_PAGE_SIZE }),
  });

  protected readonly monitors = this.api.monitors();
  protected readonly monitorItems = computed(() =>
    this.monitors.hasValue() ? this.monitors.value().items : [],
  );

  protected readonly anomalies = this.api.anomalies(() => {
    const f = this.filters();
    const params: Record<string, string | number> = { sort: f.sort, ...this.page() };
    if (f.status) params['status'] = f.status;
    if (f.change_kind) params['change_kind'] = f.change_kind;
    if (f.monitor) params['monitor'] = f.monitor;
    if (f.from) params['from'] = f.from;
    if (f.to) params['to'] = f.to;
    if (f.held) params['include_suppressed'] = 'true';
    return params;
  });
  protected readonly detecting = signal(false);

  protected asAnomaly(a: Anomaly): Anomaly {
    return a;
  }

  protected dimensionLabel(a: Anomaly): string {
    return a.dimension ? this.dimensions[a.dimension] : 'CloudWatch metric';
  }

  protected changePage(event: PageEvent): void {
    this.page.set({ page: event.pageIndex + 1, page_size: event.pageSize });
  }

  protected detect(): void {
    this.detecting.set(true);
    this.api.detect().subscribe({
      next: (r) => {
        this.detecting.set(false);
        const through = r.judged_through
          ? `Judged through ${formatDay(r.judged_through)}`
          : 'No settled days yet';
        this.snackBar.open(`${through} · ${r.anomalies_open} open`, undefined, { duration: 4000 });
        this.anomalies.reload();
      },
      error: () => this.detecting.set(false),
    });
  }
}
