import { Clipboard } from '@angular/cdk/clipboard';
import { Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';

export interface AlertSecretDialogData {
  name: string;
  secret: string;
}

/** Shows a webhook's signing secret once, with a copy button: the server never returns it again. */
@Component({
  selector: 'app-alert-secret-dialog',
  imports: [MatButtonModule, MatDialogModule, MatIconModule],
  template: `
    <h2 mat-dialog-title>Signing secret of “{{ data.name }}”</h2>
    <mat-dialog-content>
      <p>
        Copy it now and store it with your webhook receiver: it is shown only this once. Use it to verify the
        <code>X-CostOptimizer-Signature</code> header (HMAC-SHA256 of <code>timestamp.body</code>).
      </p>
      <div class="secret">
        <code data-testid="alert-secret-value">{{ data.secret }}</code>
        <button
          mat-icon-button
          type="button"
          data-testid="alert-secret-copy"
          aria-label="Copy the secret"
          (click)="copy()"
        >
          <mat-icon>{{ copied() ? 'check' : 'content_copy' }}</mat-icon>
        </button>
      </div>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-flat-button type="button" [mat-dialog-close]="true" data-testid="alert-secret-done">
        I have stored it
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .secret {
      display: flex;
      align-items: center;
      gap: 8px;
      padding: 8px 12px;
      border-radius: 8px;
      background: var(--mat-sys-surface-container-high);
      code {
        word-break: break-all;
      }
    }
  `,
})
export class AlertSecretDialog {
  protected readonly data = inject<AlertSecretDialogData>(MAT_DIALOG_DATA);
  private readonly clipboard = inject(Clipboard);
  protected readonly copied = signal(false);

  protected copy(): void {
    this.copied.set(this.clipboard.copy(this.data.secret));
  }
}
