import { Component, computed, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import type { AnomalyMonitor, CreateAnomalyMonitor, MonitorDimension } from '@cost-optimizer/dto';
import { Session } from '../core/auth/session';
import { Confirm } from '../shared/confirm-dialog';
import { AnomaliesApi } from './anomalies-api';
import { required } from '../shared/form-errors';
import { formatMoney } from '../shared/format';
import {
  CREATABLE_DIMENSIONS,
  DIMENSION_LABELS,
  SEVERITY_LABELS,
  formatDays,
  formatImpactPct,
} from './anomaly-labels';
import { LoadError } from '../shared/load-error';

export const BACKTEST_DAYS = 90;

/** Comma- or line-separated values, trimmed, without blanks. */
const splitValues = (text: string): string[] =>
  text
    .split(/[,\n]/)
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

/** The Settings card for anomaly monitors: list, enable/disable, create, delete, backtest. */
@Component({
  selector: 'app-anomaly-monitors',
  imports: [
    LoadError,
    MatButtonModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    MatSlideToggleModule,
    MatTableModule,
    ReactiveFormsModule,
  ],
  templateUrl: './anomaly-monitors.html',
  styleUrl: './anomaly-monitors.scss',
})
export class AnomalyMonitors {
  private readonly api = inject(AnomaliesApi);
  private readonly confirm = inject(Confirm);
  private readonly snackBar = inject(MatSnackBar);
  protected readonly canManage = inject(Session).canManage;
  protected readonly dimensions = DIMENSION_LABELS;
  protected readonly creatable: readonly MonitorDimension[] = [...CREATABLE_DIMENSIONS, 'custom'];
  protected readonly severities = SEVERITY_LABELS;
  protected readonly money = formatMoney;
  protected readonly pct = formatImpactPct;
  protected readonly days = formatDays;
  protected readonly backtestDays = BACKTEST_DAYS;
  protected readonly columns = computed(() =>
    this.canManage() ? ['name', 'dimension', 'enabled', 'actions'] : ['name', 'dimension', 'enabled'],
  );

  protected readonly monitors = this.api.monitors();
  protected readonly items = computed(() => (this.monitors.hasValue() ? this.monitors.value().items : []));
  protected readonly busy = signal(false);

  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [required, Validators.maxLength(120)]],
    dimension: ['service' as MonitorDimension, required],
    services: '',
  });

  protected readonly backtestMonitor = signal('');
  /** The monitor the backtest ran for, with a counter so running it again reloads. */
  private readonly backtestRun = signal<{ monitor: string; n: number } | null>(null);
  protected readonly backtest = this.api.backtest(() => {
    const run = this.backtestRun();
    return run ? { monitor: run.monitor, days: BACKTEST_DAYS } : undefined;
  });

  /** A custom monitor needs the rows it keeps. */
  protected customWithoutFilter(): boolean {
    const { dimension, services } = this.form.getRawValue();
    return dimension === 'custom' && splitValues(services).length === 0;
  }

  protected asMonitor(m: AnomalyMonitor): AnomalyMonitor {
    return m;
  }

  protected toggle(monitor: AnomalyMonitor, enabled: boolean): void {
    this.busy.set(true);
    this.api.setMonitorEnabled(monitor.id, enabled).subscribe({
      next: (updated) => {
        this.busy.set(false);
        this.monitors.update((list) =>
          list ? { items: list.items.map((m) => (m.id === updated.id ? updated : m)) } : list,
        );
      },
      error: () => {
        this.busy.set(false);
        this.monitors.reload();
      },
    });
  }

  protected create(): void {
    if (this.form.invalid || this.customWithoutFilter()) return;
    const { name, dimension, services } = this.form.getRawValue();
    const values = splitValues(services);
    const body: CreateAnomalyMonitor = {
      name: name.trim(),
      dimension,
      filter: values.length > 0 ? { services: values } : {},
    };
    this.busy.set(true);
    this.api.createMonitor(body).subscribe({
      next: (created) => {
        this.busy.set(false);
        this.form.reset();
        this.snackBar.open(`Monitor “${created.name}” created`, undefined, { duration: 3000 });
        this.monitors.reload();
      },
      error: () => this.busy.set(false),
    });
  }

  protected confirmDelete(monitor: AnomalyMonitor): void {
    this.confirm
      .then(
        {
          title: 'Delete monitor?',
          message: `“${monitor.name}” and the anomalies it found will be deleted.`,
          confirm: 'Delete',
        },
        () => {
          this.busy.set(true);
          return this.api.deleteMonitor(monitor.id);
        },
      )
      .subscribe({
        next: () => {
          this.busy.set(false);
          this.snackBar.open(`Monitor “${monitor.name}” deleted`, undefined, { duration: 3000 });
          if (this.backtestMonitor() === monitor.id) this.backtestMonitor.set('');
          this.monitors.reload();
        },
        error: () => this.busy.set(false),
      });
  }

  protected runBacktest(): void {
    const monitor = this.backtestMonitor();
    if (!monitor) return;
    this.backtestRun.update((run) => ({ monitor, n: (run?.n ?? 0) + 1 }));
  }
}
