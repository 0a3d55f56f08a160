import { Component, computed, input } from '@angular/core';
import { MatIconModule } from '@angular/material/icon';
import { VerifyFailure, stepTitle } from './connection-api';

/** Why a verification failed: the step, the message, AWS's own error text verbatim and what to try. */
@Component({
  selector: 'app-verify-failure',
  imports: [MatIconModule],
  template: `
    @let f = failure();
    <div class="box" role="alert" data-testid="connect-error">
      <p class="headline">
        <mat-icon aria-hidden="true">error</mat-icon>
        <span>
          @if (title()) {
            <strong data-testid="connect-error-step">Failed at: {{ title() }}</strong>
            <br />
          }
          <span data-testid="connect-error-message">{{ f.message }}</span>
        </span>
      </p>
      @if (f.aws_error) {
        <p class="label">AWS said:</p>
        <pre class="aws" data-testid="connect-error-aws">{{ f.aws_error }}</pre>
      }
      @if (f.hints.length) {
        <p class="label">What to check:</p>
        <ul class="hints" data-testid="connect-error-hints">
          @for (hint of f.hints; track $index) {
            <li>{{ hint }}</li>
          }
        </ul>
      }
      @if (at()) {
        <p class="label">{{ at() }}</p>
      }
    </div>
  `,
  styles: `
    .box {
      border: 1px solid var(--mat-sys-error);
      border-radius: 12px;
      padding: 12px 16px;
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    .headline {
      display: flex;
      gap: 8px;
      align-items: flex-start;
      margin: 0 0 8px;
    }
    .label {
      margin: 8px 0 4px;
      font: var(--mat-sys-label-large);
    }
    .aws {
      margin: 0;
      padding: 8px 12px;
      font-family: 'Roboto Mono', ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 13px;
      white-space: pre-wrap;
      word-break: break-word;
      background: var(--mat-sys-surface);
      color: var(--mat-sys-on-surface);
      border-radius: 8px;
    }
    .hints {
      margin: 0;
      padding-left: 20px;
    }
  `,
})
export class VerifyFailureBox {
  readonly failure = input.required<VerifyFailure>();
  /** Optional "when" line, e.g. for a stored last error. */
  readonly at = input<string | null>(null);

  protected readonly title = computed(() => stepTitle(this.failure().step));
}
