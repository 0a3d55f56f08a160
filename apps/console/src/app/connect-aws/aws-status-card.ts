import { DatePipe } from '@angular/common';
import { Component, computed, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { Connection } from '@cost-optimizer/dto';
import {
  FORMAT_LABELS,
  PENDING_DATA_NOTE,
  STATUS_ICONS,
  STATUS_LABELS,
  VerifyFailure,
  accountOf,
  stepRows,
  stepTitle,
} from '../connect-aws/connection-api';
import { VerifyFailureBox } from '../connect-aws/verify-failure';
import { VerifySteps } from '../connect-aws/verify-steps';

/** The AWS connection in Settings: its status, and re-verify / disconnect for owners and admins. */
@Component({
  selector: 'app-aws-status-card',
  imports: [
    DatePipe,
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    RouterLink,
    VerifyFailureBox,
    VerifySteps,
  ],
  template: `
    @let c = connection();
    <p
      class="status"
      [class]="'status status-' + c.status"
      data-testid="settings-aws-status"
      [attr.data-status]="c.status"
    >
      <mat-icon aria-hidden="true">{{ icons[c.status] }}</mat-icon>
      <span>{{ labels[c.status] }}</span>
    </p>

    @switch (c.status) {
      @case ('not_connected') {
        <p>Cost Optimizer cannot see your costs until you connect an AWS account.</p>
        <a mat-flat-button routerLink="/connect-aws" data-testid="settings-aws-connect">Connect AWS</a>
      }
      @case ('error') {
        @if (c.last_error; as e) {
          <p class="problem" data-testid="settings-aws-problem">
            <strong>Failed at: {{ stepTitle(e.step) }}</strong>
            <br />
            {{ e.message }}
          </p>
        }
        <a mat-button routerLink="/connect-aws" data-testid="settings-aws-fix">Review the settings</a>
      }
      @default {
        @if (c.status === 'pending_data') {
          <p class="note">{{ pendingNote }}</p>
        }
        <dl class="facts">
          @if (account()) {
            <dt>Account</dt>
            <dd data-testid="settings-aws-account">{{ account() }}</dd>
          }
          @if (c.settings; as s) {
            <dt>Role</dt>
            <dd class="mono">{{ s.aws_role_arn }}</dd>
            <dt>Region</dt>
            <dd>{{ s.region }}</dd>
            <dt>Table</dt>
            <dd class="mono">{{ s.athena_db }}.{{ s.athena_table }}</dd>
          }
          <dt>Format</dt>
          <dd>{{ c.cur_format ? formats[c.cur_format] : 'unknown yet' }}</dd>
          <dt>Data through</dt>
          <dd>{{ c.data_through ? (c.data_through | date: 'mediumDate') : 'no data yet' }}</dd>
          <dt>Last verified</dt>
          <dd>{{ c.last_verified_at ? (c.last_verified_at | date: 'medium') : 'never' }}</dd>
        </dl>
      }
    }

    @if (canManage() && c.status !== 'not_connected') {
      <div class="actions">
        <button
          mat-stroked-button
          type="button"
          [disabled]="busy()"
          (click)="reverify.emit()"
          data-testid="settings-aws-reverify"
        >
          <mat-icon>refresh</mat-icon>
          Re-verify
        </button>
        <button
          mat-stroked-button
          type="button"
          class="danger"
          [disabled]="busy()"
          (click)="disconnect.emit()"
          data-testid="settings-aws-disconnect"
        >
          <mat-icon>link_off</mat-icon>
          Disconnect
        </button>
      </div>
    }

    @if (busy()) {
      <mat-progress-bar mode="indeterminate" aria-label="Working on the AWS connection" />
    }
    @if (verified(); as v) {
      <div class="result" data-testid="settings-aws-verified">
        <p><mat-icon aria-hidden="true">check_circle</mat-icon> Verified: every check passed.</p>
        <app-verify-steps [rows]="rows(v.steps)" />
      </div>
    }
    @if (failure(); as f) {
      <div class="result">
        <app-verify-steps [rows]="rows(f.steps, f)" />
        <app-verify-failure [failure]="f" />
      </div>
    }
    @if (error(); as message) {
      <p class="error" role="alert" data-testid="settings-aws-error">
        <mat-icon aria-hidden="true">error</mat-icon>
        <span>{{ message }}</span>
      </p>
    }
  `,
  styles: `
    .status {
      display: flex;
      align-items: center;
      gap: 8px;
      font: var(--mat-sys-title-medium);
      margin-top: 0;
    }
    .status-connected mat-icon {
      color: var(--mat-sys-primary);
    }
    .status-error mat-icon,
    .problem strong {
      color: var(--mat-sys-error);
    }
    .facts {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 4px 16px;
    }
    dt {
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .mono {
      font-family: 'Roboto Mono', ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    }
    .note {
      color: var(--mat-sys-on-surface-variant);
    }
    .actions {
      display: flex;
      gap: 12px;
      margin: 16px 0;
    }
    .danger {
      color: var(--mat-sys-error);
    }
    .result {
      display: grid;
      gap: 12px;
      margin-top: 16px;
    }
    .result p {
      display: flex;
      align-items: center;
      gap: 8px;
      margin: 0;
    }
    .error {
      display: flex;
      align-items: center;
      gap: 8px;
      color: var(--mat-sys-error);
    }
  `,
})
export class AwsStatusCard {
  readonly connection = input.required<Connection>();
  readonly canManage = input(false);
  readonly busy = input(false);
  /** The result of a re-verification that passed. */
  readonly verified = input<Connection | null>(null);
  /** The result of a re-verification that failed. */
  readonly failure = input<VerifyFailure | null>(null);
  readonly error = input<string | null>(null);
  readonly reverify = output();
  readonly disconnect = output();

  protected readonly labels = STATUS_LABELS;
  protected readonly icons = STATUS_ICONS;
  protected readonly formats = FORMAT_LABELS;
  protected readonly pendingNote = PENDING_DATA_NOTE;
  protected readonly stepTitle = stepTitle;
  protected readonly account = computed(() => accountOf(this.connection().settings?.aws_role_arn));

  protected rows(steps: Connection['steps'], failure?: VerifyFailure) {
    return stepRows(steps, { failedStep: failure?.step ?? null });
  }
}
