import { Component, input } from '@angular/core';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { StepRow } from './connection-api';

/** The five verification steps: done, running (spinner), pending, or the failing one in red. */
@Component({
  selector: 'app-verify-steps',
  imports: [MatIconModule, MatProgressSpinnerModule],
  template: `
    <ol class="steps" aria-label="Verification steps">
      @for (row of rows(); track row.step) {
        <li
          class="step"
          [class]="'step status-' + row.status"
          [attr.data-testid]="'connect-step-' + row.step"
          [attr.data-status]="row.status"
          [attr.aria-current]="row.status === 'running' ? 'step' : null"
        >
          <span class="icon">
            @switch (row.status) {
              @case ('ok') {
                <mat-icon aria-hidden="true">check_circle</mat-icon>
              }
              @case ('warning') {
                <mat-icon aria-hidden="true">warning</mat-icon>
              }
              @case ('failed') {
                <mat-icon aria-hidden="true">cancel</mat-icon>
              }
              @case ('running') {
                <mat-progress-spinner mode="indeterminate" diameter="20" aria-label="Running" />
              }
              @default {
                <mat-icon aria-hidden="true">radio_button_unchecked</mat-icon>
              }
            }
          </span>
          <span class="text">
            <span class="title">{{ row.title }}</span>
            <span class="state">{{ label(row) }}</span>
            @if (row.message) {
              <span class="message">{{ row.message }}</span>
            }
          </span>
        </li>
      }
    </ol>
  `,
  styles: `
    .steps {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 12px;
    }
    .step {
      display: flex;
      gap: 12px;
      align-items: flex-start;
    }
    .icon {
      width: 24px;
      height: 24px;
      display: flex;
      align-items: center;
      justify-content: center;
      flex: none;
      color: var(--mat-sys-outline);
    }
    .text {
      display: grid;
      gap: 2px;
    }
    .title {
      font: var(--mat-sys-body-large);
    }
    .state,
    .message {
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
    .status-ok .icon {
      color: var(--mat-sys-primary);
    }
    .status-warning .icon {
      color: var(--mat-sys-tertiary);
    }
    .status-failed .icon,
    .status-failed .title,
    .status-failed .state {
      color: var(--mat-sys-error);
    }
    .status-pending .title {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class VerifySteps {
  readonly rows = input.required<readonly StepRow[]>();

  protected label(row: StepRow): string {
    const took = row.duration_ms === null ? '' : ` (${(row.duration_ms / 1000).toFixed(1)} s)`;
    switch (row.status) {
      case 'ok':
        return `Done${took}`;
      case 'warning':
        return `Done with a warning${took}`;
      case 'failed':
        return `Failed${took}`;
      case 'running':
        return 'Running…';
      case 'pending':
        return row.skipped ? 'Skipped' : 'Pending';
    }
  }
}
