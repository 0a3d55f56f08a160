import { Component, input, output } from '@angular/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import type { Measure } from '@cost-optimizer/dto';
import { MEASURES, MEASURE_HINTS, MEASURE_LABELS } from '../shared/format';

/** The tenant's default cost measure: a select for owners and admins, text for viewers. */
@Component({
  selector: 'app-measure-setting',
  imports: [MatFormFieldModule, MatSelectModule],
  template: `
    @if (canEdit()) {
      <mat-form-field class="field">
        <mat-label>Default cost measure</mat-label>
        <mat-select
          data-testid="settings-default-measure"
          [value]="measure()"
          [disabled]="saving()"
          (selectionChange)="measureChange.emit($event.value)"
        >
          @for (m of measures; track m) {
            <mat-option [value]="m">{{ labels[m] }}</mat-option>
          }
        </mat-select>
        <mat-hint>{{ hints[measure()] }}. Used by the dashboard and the anomaly monitors.</mat-hint>
      </mat-form-field>
    } @else {
      <p>
        Default cost measure:
        <strong data-testid="settings-default-measure">{{ labels[measure()] }}</strong>
        ({{ hints[measure()] }})
      </p>
    }
  `,
  styles: `
    .field {
      width: 100%;
      max-width: 480px;
      margin-top: 16px;
    }
  `,
})
export class MeasureSetting {
  readonly measure = input.required<Measure>();
  readonly canEdit = input(false);
  readonly saving = input(false);
  readonly measureChange = output<Measure>();

  protected readonly measures = MEASURES;
  protected readonly labels = MEASURE_LABELS;
  protected readonly hints = MEASURE_HINTS;
}
