import { Component, computed, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatChipsModule } from '@angular/material/chips';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import type { AnomalyFeedbackBody, AnomalyFeedbackValue, AnomalyRootCause } from '@cost-optimizer/dto';
import { Session } from '../core/auth/session';
import { AnomaliesApi } from './anomalies-api';
import { Chart } from '../shared/chart';
import { formatDay, formatMoney } from '../shared/format';
import { formatMetric, sparklineOption } from '../metrics/metric-charts';
import {
  CHANGE_KIND_ICONS,
  CHANGE_KIND_LABELS,
  DIMENSION_LABELS,
  FEEDBACK_LABELS,
  ROOT_CAUSE_LABELS,
  SEVERITY_LABELS,
  STATUS_LABELS,
  anomalyChartOption,
  formatDays,
  formatImpactPct,
  ruleLabel,
  suppressionNote,
} from './anomaly-labels';
import { LoadError } from '../shared/load-error';

/** One anomaly: the series with its band, the figures, the root causes and feedback. */
@Component({
  selector: 'app-anomaly-detail',
  imports: [
    LoadError,
    Chart,
    FormsModule,
    MatButtonModule,
    MatCardModule,
    MatChipsModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    MatTableModule,
    RouterLink,
  ],
  templateUrl: './anomaly-detail.html',
  styleUrl: './anomaly-detail.scss',
})
export class AnomalyDetail {
  /** The route's `:id`. */
  readonly id = input.required<string>();

  private readonly api = inject(AnomaliesApi);
  protected readonly canManage = inject(Session).canManage;
  protected readonly money = formatMoney;
  protected readonly pct = formatImpactPct;
  protected readonly day = formatDay;
  protected readonly days = formatDays;
  protected readonly rule = ruleLabel;
  protected readonly severities = SEVERITY_LABELS;
  protected readonly statuses = STATUS_LABELS;
  protected readonly feedbacks = FEEDBACK_LABELS;
  protected readonly dimensions = DIMENSION_LABELS;
  protected readonly kinds = CHANGE_KIND_LABELS;
  protected readonly kindIcons = CHANGE_KIND_ICONS;
  protected readonly causeDimensions = ROOT_CAUSE_LABELS;
  protected readonly causeColumns = ['dimension', 'key', 'usd', 'pct'];
  protected readonly metricValue = formatMetric;
  protected readonly spark = sparklineOption;

  protected readonly detail = this.api.anomaly(this.id);
  protected readonly anomaly = computed(() => (this.detail.hasValue() ? this.detail.value() : undefined));
  protected readonly chartOption = computed(() => {
    const a = this.anomaly();
    return a ? anomalyChartOption(a) : {};
  });
  protected readonly suppression = computed(() => {
    const a = this.anomaly();
    return a ? suppressionNote(a) : null;
  });

  protected readonly note = signal('');
  protected readonly sending = signal<AnomalyFeedbackValue | null>(null);

  protected asCause(c: AnomalyRootCause): AnomalyRootCause {
    return c;
  }

  protected sendFeedback(feedback: AnomalyFeedbackValue): void {
    const a = this.anomaly();
    if (!a) return;
    const note = this.note().trim();
    const body: AnomalyFeedbackBody = note ? { feedback, note } : { feedback };
    this.sending.set(feedback);
    this.api.feedback(a.id, body).subscribe({
      next: (updated) => {
        this.sending.set(null);
        this.note.set('');
        this.detail.set({ ...a, ...updated });
      },
      error: () => this.sending.set(null),
    });
  }
}
