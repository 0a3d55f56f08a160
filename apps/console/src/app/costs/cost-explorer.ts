import { Component, computed, effect, inject, signal, untracked, viewChild } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginator, MatPaginatorModule } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSort, MatSortModule } from '@angular/material/sort';
import { MatTableDataSource, MatTableModule } from '@angular/material/table';
import { CostsQuery, CostsQuerySchema, GroupBy, GroupBySchema, Measure } from '@cost-optimizer/dto';
import { FieldIssue, describeError, fieldIssues } from '../core/http/api-error';
import { CostsApi } from './costs-api';
import { Chart } from '../shared/chart';
import { groupTotals, stackByGroup, stackedBarOption } from '../shared/chart-options';
import { applyFieldIssues, firstError } from '../shared/form-errors';
import { MEASURES, MEASURE_LABELS, formatMoney } from '../shared/format';
import { GROUP_BY_LABELS, RANGE_PRESETS, RangePreset, TODAY, presetRange, toCsv } from './costs-query';

interface GroupRow {
  group: string;
  total: number;
  share: number;
}

/** Cost Explorer: costs for a range grouped by a dimension, as stacked bars, a table and CSV. */
@Component({
  selector: 'app-cost-explorer',
  imports: [
    Chart,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatSelectModule,
    MatSortModule,
    MatTableModule,
    ReactiveFormsModule,
  ],
  templateUrl: './cost-explorer.html',
  styleUrl: './cost-explorer.scss',
})
export class CostExplorer {
  private readonly today = inject(TODAY);
  protected readonly presets = RANGE_PRESETS;
  protected readonly groupBys: readonly GroupBy[] = GroupBySchema.options;
  protected readonly groupByLabels = GROUP_BY_LABELS;
  protected readonly measures = MEASURES;
  protected readonly measureLabels = MEASURE_LABELS;
  protected readonly money = formatMoney;
  protected readonly firstError = firstError;
  protected readonly columns = ['group', 'total', 'share'];

  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly form = this.fb.group({
    preset: this.fb.control<RangePreset>('last_30'),
    ...presetRange('last_30', this.today()),
    group_by: this.fb.control<GroupBy>('service'),
    measure: this.fb.control<Measure | null>(null),
    granularity: this.fb.control<'daily' | 'monthly'>('daily'),
  });

  /** The query last applied; the tenant's default measure until one is picked. */
  protected readonly query = signal<CostsQuery | null>(null);
  // Errors are explained on the page (field issues under the fields), not in a snackbar.
  protected readonly costs = inject(CostsApi).costs(this.query);
  protected readonly result = computed(() => (this.costs.hasValue() ? this.costs.value() : null));

  /** Issues found here (the contract's rules) or by the server (400 details). */
  protected readonly localIssues = signal<FieldIssue[]>([]);
  protected readonly serverIssues = computed(() => fieldIssues(this.costs.error()));
  protected readonly issues = computed(() => [...this.localIssues(), ...this.serverIssues()]);
  protected readonly otherError = computed(() => {
    const err = this.costs.error();
    return err && this.serverIssues().length === 0 ? describeError(err) : null;
  });

  protected readonly rows = computed<GroupRow[]>(() => {
    const r = this.result();
    if (!r) return [];
    const sum = r.total;
    return groupTotals(r.items).map((g) => ({
      group: g.group,
      total: Math.round(g.total * 100) / 100,
      share: sum === 0 ? 0 : (g.total / sum) * 100,
    }));
  });
  protected readonly chartOption = computed(() => {
    const r = this.result();
    if (!r) return {};
    const { dates, series } = stackByGroup(r.items, 10);
    const labels = r.granularity === 'monthly' ? dates.map((d) => d.slice(0, 7)) : dates;
    return stackedBarOption(labels, series, r.currency);
  });

  protected readonly dataSource = new MatTableDataSource<GroupRow>([]);
  private readonly sort = viewChild(MatSort);
  private readonly paginator = viewChild(MatPaginator);

  constructor() {
    const { preset, from, to } = this.form.controls;
    preset.valueChanges.pipe(takeUntilDestroyed()).subscribe((value) => {
      if (value === 'custom') return;
      this.form.patchValue(presetRange(value, this.today()), { emitEvent: false });
    });
    for (const control of [from, to]) {
      control.valueChanges
        .pipe(takeUntilDestroyed())
        .subscribe(() => preset.setValue('custom', { emitEvent: false }));
    }

    effect(() => {
      this.dataSource.data = this.rows();
      this.dataSource.sort = this.sort() ?? null;
      this.dataSource.paginator = this.paginator() ?? null;
    });
    // The answer names the measure used: the tenant's default, until one is picked here.
    effect(() => {
      const measure = this.result()?.measure;
      untracked(() => {
        if (measure && this.form.controls.measure.value === null) {
          this.form.controls.measure.setValue(measure, { emitEvent: false });
        }
      });
    });
    // A 400's field issues go under the fields they are about.
    effect(() => {
      const issues = this.serverIssues();
      untracked(() => applyFieldIssues(this.form, issues));
    });

    this.apply();
  }

  protected apply(): void {
    const { from, to, group_by, measure, granularity } = this.form.getRawValue();
    for (const control of [this.form.controls.from, this.form.controls.to]) {
      control.setErrors(null);
    }
    const parsed = CostsQuerySchema.safeParse({
      from,
      to,
      group_by,
      granularity,
      ...(measure ? { measure } : {}),
    });
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
      this.localIssues.set(issues);
      applyFieldIssues(this.form, issues);
      return;
    }
    this.localIssues.set([]);
    this.query.set(parsed.data);
  }

  protected exportCsv(): void {
    const r = this.result();
    if (!r) return;
    const blob = new Blob([toCsv(r.items)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `costs_${r.from}_${r.to}_${r.group_by}_${r.granularity}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
