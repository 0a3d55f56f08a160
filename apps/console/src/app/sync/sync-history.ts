import { DatePipe } from '@angular/common';
import { Component, input, output, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatChipsModule } from '@angular/material/chips';
import { MatIconModule } from '@angular/material/icon';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatTableModule } from '@angular/material/table';
import type { SyncRun, SyncRunPage } from '@cost-optimizer/dto';
import { formatDuration } from '../shared/format';
import {
  SYNC_STATUS_LABELS,
  SYNC_TRIGGER_LABELS,
  formatBytes,
  formatMonth,
  formatUsd,
} from '../sync/sync-labels';

/** One page of CUR sync runs; a failed run expands to Athena's error text. */
@Component({
  selector: 'app-sync-history',
  imports: [DatePipe, MatButtonModule, MatChipsModule, MatIconModule, MatPaginatorModule, MatTableModule],
  template: `
    @let p = page();
    <table mat-table [dataSource]="p.items" multiTemplateDataRows data-testid="sync-runs-table">
      <ng-container matColumnDef="started">
        <th mat-header-cell *matHeaderCellDef>Started</th>
        <td mat-cell *matCellDef="let run">{{ run.started_at ?? run.created_at | date: 'medium' }}</td>
      </ng-container>
      <ng-container matColumnDef="trigger">
        <th mat-header-cell *matHeaderCellDef>Trigger</th>
        <td mat-cell *matCellDef="let run">
          {{ triggers[asRun(run).trigger] }}
          @if (asRun(run).mode !== 'months') {
            <span class="mode"
              >· {{ asRun(run).mode === 'backfill' ? 'history backfill' : 'load history' }}</span
            >
          }
        </td>
      </ng-container>
      <ng-container matColumnDef="months">
        <th mat-header-cell *matHeaderCellDef>Months</th>
        <td mat-cell *matCellDef="let run" [attr.title]="asRun(run).months.join(', ')">
          {{ monthsText(asRun(run)) }}
        </td>
      </ng-container>
      <ng-container matColumnDef="status">
        <th mat-header-cell *matHeaderCellDef>Status</th>
        <td mat-cell *matCellDef="let run">
          <mat-chip-set>
            <mat-chip [class]="'chip-' + asRun(run).status" disableRipple>{{
              statuses[asRun(run).status]
            }}</mat-chip>
          </mat-chip-set>
        </td>
      </ng-container>
      <ng-container matColumnDef="rows">
        <th mat-header-cell *matHeaderCellDef class="num">Rows</th>
        <td mat-cell *matCellDef="let run" class="num">
          {{ asRun(run).rows_loaded.toLocaleString('en-US') }}
        </td>
      </ng-container>
      <ng-container matColumnDef="scanned">
        <th mat-header-cell *matHeaderCellDef class="num">Scanned</th>
        <td mat-cell *matCellDef="let run" class="num" data-testid="sync-run-scanned">
          {{ bytes(asRun(run).bytes_scanned) }}
          <span class="usd">~{{ usd(asRun(run).estimated_cost_usd) }}</span>
        </td>
      </ng-container>
      <ng-container matColumnDef="athena">
        <th mat-header-cell *matHeaderCellDef class="num">Athena</th>
        <td mat-cell *matCellDef="let run" class="num">{{ duration(asRun(run).athena_ms) }}</td>
      </ng-container>
      <ng-container matColumnDef="load">
        <th mat-header-cell *matHeaderCellDef class="num">Load</th>
        <td mat-cell *matCellDef="let run" class="num">{{ duration(asRun(run).load_ms) }}</td>
      </ng-container>
      <ng-container matColumnDef="error">
        <th mat-header-cell *matHeaderCellDef>Error</th>
        <td mat-cell *matCellDef="let run">
          @if (asRun(run).error; as e) {
            <button
              mat-button
              type="button"
              class="error-toggle"
              [attr.aria-expanded]="expanded() === run.id"
              (click)="toggle(asRun(run))"
            >
              <mat-icon>{{ expanded() === run.id ? 'expand_less' : 'expand_more' }}</mat-icon>
              {{ e.message }}
            </button>
          }
        </td>
      </ng-container>
      <ng-container matColumnDef="detail">
        <td mat-cell *matCellDef="let run" [attr.colspan]="columns.length">
          <div class="detail" data-testid="sync-run-error">
            <strong>{{ asRun(run).error?.code }}</strong>: {{ asRun(run).error?.message }}
            @if (asRun(run).error?.aws_error; as aws) {
              <pre>{{ aws }}</pre>
            }
          </div>
        </td>
      </ng-container>

      <tr mat-header-row *matHeaderRowDef="columns"></tr>
      <tr
        mat-row
        *matRowDef="let run; columns: columns"
        data-testid="sync-run-row"
        [attr.data-status]="run.status"
      ></tr>
      <tr
        mat-row
        *matRowDef="let run; columns: ['detail']; when: hasError"
        class="detail-row"
        [class.collapsed]="expanded() !== run.id"
      ></tr>
    </table>
    <mat-paginator
      [length]="p.total"
      [pageIndex]="p.page - 1"
      [pageSize]="p.page_size"
      [pageSizeOptions]="[10, 25, 50]"
      aria-label="Pages of sync runs"
      (page)="pageChange.emit($event)"
    />
  `,
  styles: `
    table {
      width: 100%;
    }
    .num {
      text-align: right;
    }
    .usd,
    .mode {
      display: block;
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
    .mode {
      display: inline;
    }
    .chip-succeeded {
      --mat-chip-label-text-color: #137333;
    }
    .chip-failed {
      --mat-chip-label-text-color: var(--mat-sys-error);
    }
    .error-toggle {
      color: var(--mat-sys-error);
      max-width: 260px;
    }
    .detail-row.collapsed {
      display: none;
    }
    .detail pre {
      white-space: pre-wrap;
      font-family: 'Roboto Mono', ui-monospace, monospace;
    }
  `,
})
export class SyncHistory {
  readonly page = input.required<SyncRunPage>();
  readonly pageChange = output<PageEvent>();

  protected readonly columns = [
    'started',
    'trigger',
    'months',
    'status',
    'rows',
    'scanned',
    'athena',
    'load',
    'error',
  ];
  protected readonly statuses = SYNC_STATUS_LABELS;
  protected readonly triggers = SYNC_TRIGGER_LABELS;
  protected readonly bytes = formatBytes;
  protected readonly usd = formatUsd;
  protected readonly duration = formatDuration;
  protected readonly expanded = signal<string | null>(null);
  protected readonly hasError = (_: number, run: SyncRun): boolean => run.error !== null;
  protected readonly asRun = (run: SyncRun): SyncRun => run;

  /** A few months in full; a long backfill as its range: `Dec 2025 – Dec 2026 (13 months)`. */
  protected monthsText(run: SyncRun): string {
    if (run.months.length <= 3) return [...run.months].sort().join(', ');
    const sorted = [...run.months].sort();
    return `${formatMonth(sorted[0]!)} – ${formatMonth(sorted.at(-1)!)} (${sorted.length} months)`;
  }

  protected toggle(run: SyncRun): void {
    this.expanded.update((id) => (id === run.id ? null : run.id));
  }
}
