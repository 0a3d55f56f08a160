import { Component, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { AlertRecipientConfirmed } from '@cost-optimizer/dto';
import { apiError, describeError } from '../core/http/api-error';
import { AlertsApi } from './alerts-api';

/**
 * The page of a recipient's confirmation link (/confirm-alerts?token=…): nothing is confirmed until the recipient
 * presses Confirm (mail scanners that open links do not confirm). Works signed in or not.
 */
@Component({
  selector: 'app-confirm-alerts',
  imports: [MatButtonModule, MatCardModule, MatProgressBarModule],
  template: `
    <div class="auth-page">
      <mat-card class="auth-card" appearance="outlined">
        @if (busy()) {
          <mat-progress-bar mode="indeterminate" aria-label="Confirming" />
        }
        <mat-card-header>
          <mat-card-title><h1>Cost anomaly alerts</h1></mat-card-title>
        </mat-card-header>
        <mat-card-content>
          @if (done(); as d) {
            <p data-testid="confirm-alerts-done">
              Confirmed: {{ d.email }} now receives the cost anomaly alerts of {{ d.tenant_name }}.
            </p>
          } @else if (error()) {
            <p class="error" data-testid="confirm-alerts-error">{{ error() }}</p>
          } @else if (!token()) {
            <p class="error" data-testid="confirm-alerts-error">
              This link has no token: open the link of the email.
            </p>
          } @else {
            <p>
              A company asked to send its cost anomaly alerts to your address. Nothing is sent until you
              confirm.
            </p>
          }
        </mat-card-content>
        @if (token() && !done() && !error()) {
          <mat-card-actions>
            <button
              mat-flat-button
              type="button"
              data-testid="confirm-alerts"
              [disabled]="busy()"
              (click)="confirm()"
            >
              Confirm that I want these alerts
            </button>
          </mat-card-actions>
        }
      </mat-card>
    </div>
  `,
  styleUrl: '../auth/auth-page.scss',
})
export class ConfirmAlerts {
  private readonly api = inject(AlertsApi);

  /** From the query string of the link. */
  readonly token = input<string>();

  protected readonly busy = signal(false);
  protected readonly done = signal<AlertRecipientConfirmed | null>(null);
  protected readonly error = signal<string | null>(null);

  protected confirm(): void {
    const token = this.token();
    if (!token || this.busy()) return;
    this.busy.set(true);
    this.api.confirmRecipient(token).subscribe({
      next: (r) => {
        this.busy.set(false);
        this.done.set(r);
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.error.set(apiError(err)?.message ?? describeError(err));
      },
    });
  }
}
