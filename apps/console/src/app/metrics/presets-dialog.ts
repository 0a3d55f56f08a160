import { Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { AddMetricPresets, AddMetricPresetsResult, MetricPresetId } from '@cost-optimizer/dto';
import { MetricsApi } from './metrics-api';

/** Presets that matter for cost: each adds one watch per resource ListMetrics finds. */
@Component({
  selector: 'app-presets-dialog',
  imports: [
    FormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
  ],
  template: `
    <h2 mat-dialog-title>Add presets</h2>
    <mat-dialog-content>
      @if (presets.hasValue()) {
        <ul class="presets">
          @for (p of presets.value().items; track p.id) {
            <li>
              <mat-checkbox
                [checked]="chosen().has(p.id)"
                (change)="toggle(p.id)"
                [attr.data-testid]="'preset-' + p.id"
              >
                <b>{{ p.name }}</b>
                <span class="desc">{{ p.namespace }} {{ p.metric_name }} — {{ p.description }}</span>
              </mat-checkbox>
            </li>
          }
        </ul>
      }
      <mat-form-field appearance="outline">
        <mat-label>Region</mat-label>
        <input matInput [(ngModel)]="region" placeholder="Connection region" data-testid="presets-region" />
      </mat-form-field>
      @if (busy()) {
        <mat-progress-bar mode="indeterminate" />
      }
      @if (result(); as r) {
        <p data-testid="presets-result">
          Added {{ r.created.length }} · already watched {{ r.already_watched }}
          @if (r.skipped_over_limit) {
            · {{ r.skipped_over_limit }} over the limit
          }
        </p>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" (click)="ref.close(!!result())" data-testid="presets-close">
        Close
      </button>
      <button
        mat-flat-button
        type="button"
        [disabled]="busy() || chosen().size === 0"
        (click)="add()"
        data-testid="presets-add"
      >
        Add
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .presets {
      list-style: none;
      padding: 0;
    }
    .desc {
      display: block;
      font-size: 12px;
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class PresetsDialog {
  private readonly api = inject(MetricsApi);
  protected readonly ref = inject(MatDialogRef<PresetsDialog, boolean>);
  protected readonly presets = this.api.presets();
  protected readonly chosen = signal(new Set<MetricPresetId>());
  protected readonly busy = signal(false);
  protected readonly result = signal<AddMetricPresetsResult | null>(null);
  protected region = '';

  protected toggle(id: MetricPresetId): void {
    this.chosen.update((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  protected add(): void {
    const body: AddMetricPresets = { presets: [...this.chosen()] };
    if (this.region.trim()) body.region = this.region.trim();
    this.busy.set(true);
    this.api.addPresets(body).subscribe({
      next: (r) => {
        this.busy.set(false);
        this.result.set(r);
      },
      error: () => this.busy.set(false),
    });
  }
}
