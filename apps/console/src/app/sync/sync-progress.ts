import { Component, computed, input } from '@angular/core';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { SyncRun } from '@cost-optimizer/dto';
import {
  SYNC_MODE_LABELS,
  SYNC_STATUS_ICONS,
  SYNC_STATUS_LABELS,
  monthsLabel,
  scannedLabel,
  syncPercent,
} from './sync-labels';

/**
 * Live status of one CUR sync: status, phase, the month being loaded ("month 3 of 13 (Sep 2026)"), what Athena
 * scanned and its estimated cost, and a progress bar; the error once failed.
 */
@Component({
  selector: 'app-sync-progress',
  imports: [MatIconModule, MatProgressBarModule],
  template: `
    @let r = run();
    <div
      class="sync"
      [class]="'sync sync-' + r.status"
      data-testid="sync-status"
      [attr.data-status]="r.status"
    >
      <p class="line" role="status">
        <mat-icon aria-hidden="true">{{ icons[r.status] }}</mat-icon>
        <strong>Sync {{ labels[r.status].toLowerCase() }}</strong>
        @if (modes[r.mode]; as mode) {
          <span class="mode" data-testid="sync-mode">{{ mode }}</span>
        }
        @if (r.status === 'running' || r.status === 'queued') {
          <span class="phase">{{ r.progress.phase }}</span>
        }
        @if (months(); as m) {
          <span class="months" data-testid="sync-months">{{ m }}</span>
        }
        @if (r.bytes_scanned > 0 || r.status === 'running') {
          <span class="scanned" data-testid="sync-scanned">· {{ scanned() }}</span>
        }
        @if (r.status === 'succeeded' || r.rows_loaded > 0) {
          <span class="phase">· {{ r.rows_loaded.toLocaleString('en-US') }} rows loaded</span>
        }
      </p>
      @if (r.status === 'queued' || r.status === 'running') {
        @if (percent(); as p) {
          <mat-progress-bar mode="determinate" [value]="p" aria-label="Sync progress" />
        } @else {
          <mat-progress-bar mode="indeterminate" aria-label="Sync progress" />
        }
      }
      @if (r.status === 'failed' && r.error; as e) {
        <p class="error" role="alert">{{ e.message }}</p>
        @if (e.aws_error) {
          <pre class="aws">{{ e.aws_error }}</pre>
        }
      }
    </div>
  `,
  styles: `
    .sync {
      display: grid;
      gap: 8px;
    }
    .line {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
      margin: 0;
    }
    .phase,
    .mode,
    .scanned,
    .months {
      color: var(--mat-sys-on-surface-variant);
    }
    .sync-succeeded mat-icon {
      color: #137333;
    }
    .sync-failed mat-icon,
    .error {
      color: var(--mat-sys-error);
    }
    .error {
      margin: 0;
    }
    .aws {
      margin: 0;
      white-space: pre-wrap;
      font: var(--mat-sys-body-small);
      font-family: 'Roboto Mono', ui-monospace, monospace;
    }
  `,
})
export class SyncProgress {
  readonly run = input.required<SyncRun>();
  protected readonly labels = SYNC_STATUS_LABELS;
  protected readonly icons = SYNC_STATUS_ICONS;
  protected readonly modes = SYNC_MODE_LABELS;
  protected readonly percent = computed(() => syncPercent(this.run()));
  protected readonly months = computed(() => monthsLabel(this.run()));
  protected readonly scanned = computed(() => scannedLabel(this.run()));
}
