import { Component, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Session } from '../core/auth/session';
import { SyncApi } from './sync-api';
import { SyncHistory } from './sync-history';
import { SyncProgress } from './sync-progress';
import { SyncTracker } from './sync-tracker';
import { LoadError } from '../shared/load-error';

/** Settings section: sync now, load history, the running sync and the past runs. */
@Component({
  selector: 'app-sync-settings',
  imports: [LoadError, MatButtonModule, MatIconModule, MatProgressBarModule, SyncHistory, SyncProgress],
  providers: [SyncTracker],
  template: `
    @if (canManage()) {
      <div class="actions">
        <button
          mat-flat-button
          type="button"
          data-testid="sync-now"
          [disabled]="sync.active()"
          (click)="startSync()"
        >
          <mat-icon>sync</mat-icon>
          Sync now
        </button>
        <button
          mat-stroked-button
          type="button"
          data-testid="load-history"
          title="Load the months of the last 13 that your Cost and Usage Report holds and that are not loaded yet (e.g. after enabling backfill in AWS)"
          [disabled]="sync.active()"
          (click)="loadHistory()"
        >
          <mat-icon>history</mat-icon>
          Load history
        </button>
      </div>
    }
    @if (sync.run(); as run) {
      <app-sync-progress class="progress" [run]="run" />
    }
    @if (sync.error(); as message) {
      <p class="error" role="alert" data-testid="sync-error">
        <mat-icon>error</mat-icon>
        <span>{{ message }}</span>
      </p>
    }
    @if (syncRuns.hasValue()) {
      @if (syncRuns.value().total === 0) {
        <p class="empty-state" data-testid="sync-runs-empty">
          No sync yet: the first one starts when AWS is connected.
        </p>
      } @else {
        <app-sync-history [page]="syncRuns.value()" (pageChange)="changeSyncPage($event)" />
      }
    } @else if (syncRuns.isLoading()) {
      <mat-progress-bar mode="indeterminate" aria-label="Loading sync runs" />
    } @else if (syncRuns.error()) {
      <app-load-error what="The sync history" (retry)="syncRuns.reload()" />
    }
  `,
  styleUrl: '../settings/settings-section.scss',
})
export class SyncSettings {
  protected readonly canManage = inject(Session).canManage;
  protected readonly sync = inject(SyncTracker);
  private readonly syncPage = signal({ page: 1, page_size: 10 });
  protected readonly syncRuns = inject(SyncApi).runs(this.syncPage);

  constructor() {
    this.sync.finished.pipe(takeUntilDestroyed()).subscribe(() => this.syncRuns.reload());
  }

  protected changeSyncPage(event: PageEvent): void {
    this.syncPage.set({ page: event.pageIndex + 1, page_size: event.pageSize });
  }

  protected startSync(): void {
    this.sync.start();
  }

  protected loadHistory(): void {
    this.sync.start('history');
  }
}
