import { Component, computed, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import type { MetricWatch } from '@cost-optimizer/dto';
import { Chart } from '../shared/chart';
import { formatMetric, metricChartOption } from './metric-charts';
import { MetricsApi } from './metrics-api';

export const RANGES = [
  { id: '6h', label: '6 h', ms: 6 * 3_600_000 },
  { id: '24h', label: '24 h', ms: 86_400_000 },
  { id: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: '30 days', ms: 30 * 86_400_000 },
] as const;
export type RangeId = (typeof RANGES)[number]['id'];

/** One watch: its points over a chosen range with the anomaly episodes marked. */
@Component({
  selector: 'app-metric-detail',
  imports: [
    Chart,
    MatButtonModule,
    MatButtonToggleModule,
    MatCardModule,
    MatIconModule,
    MatProgressBarModule,
    RouterLink,
  ],
  templateUrl: './metric-detail.html',
  styleUrl: './metrics.scss',
})
export class MetricDetail {
  /** The route's `:id`. */
  readonly id = input.required<string>();
  protected readonly ranges = RANGES;
  protected readonly range = signal<RangeId>('24h');
  protected readonly value = formatMetric;

  private readonly api = inject(MetricsApi);
  protected readonly watch = this.api.watch(this.id);
  protected readonly points = this.api.points(this.id, () => {
    const ms = RANGES.find((r) => r.id === this.range())?.ms ?? 86_400_000;
    const to = new Date();
    return { from: new Date(to.getTime() - ms).toISOString(), to: to.toISOString() };
  });
  protected readonly w = computed(() => (this.watch.hasValue() ? this.watch.value() : undefined));
  protected readonly data = computed(() => (this.points.hasValue() ? this.points.value() : undefined));
  protected readonly option = computed(() => {
    const d = this.data();
    const w = this.w();
    return d ? metricChartOption(d.points, d.anomalies, w?.label ?? 'Value') : {};
  });

  protected dims(w: MetricWatch): string {
    return w.dimensions.map((d) => `${d.name}=${d.value}`).join(', ') || 'no dimensions';
  }

  protected setRange(id: RangeId): void {
    this.range.set(id);
  }
}
