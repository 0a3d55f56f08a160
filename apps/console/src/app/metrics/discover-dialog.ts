import { Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { CreateMetricWatch, DiscoveredMetric, MetricDiscoverPage } from '@cost-optimizer/dto';
import { MetricsApi } from './metrics-api';

/** Discovery picker: ListMetrics through the tenant's role (namespace, region, search), page by page; Add watches. */
@Component({
  selector: 'app-discover-dialog',
  imports: [
    MatButtonModule,
    MatDialogModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    ReactiveFormsModule,
  ],
  template: `
    <h2 mat-dialog-title>Discover metrics</h2>
    <mat-dialog-content>
      <form [formGroup]="form" (ngSubmit)="find()" class="filters">
        <mat-form-field appearance="outline">
          <mat-label>Namespace</mat-label>
          <input
            matInput
            formControlName="namespace"
            placeholder="AWS/EC2"
            data-testid="discover-namespace"
          />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Region</mat-label>
          <input
            matInput
            formControlName="region"
            placeholder="Connection region"
            data-testid="discover-region"
          />
        </mat-form-field>
        <mat-form-field appearance="outline">
          <mat-label>Search</mat-label>
          <input
            matInput
            formControlName="search"
            placeholder="Name or resource"
            data-testid="discover-search"
          />
        </mat-form-field>
        <button mat-flat-button type="submit" [disabled]="loading()" data-testid="discover-find">Find</button>
      </form>
      @if (loading()) {
        <mat-progress-bar mode="indeterminate" />
      }
      @if (page(); as p) {
        @if (p.items.length === 0) {
          <p class="empty" data-testid="discover-empty">Nothing on this page matches.</p>
        }
        <ul class="results" data-testid="discover-results">
          @for (m of p.items; track $index) {
            <li data-testid="discover-item">
              <span class="name">
                <b>{{ m.metric_name }}</b> · {{ m.namespace }}
                <span class="dims">{{ dims(m) }}</span>
              </span>
              @if (m.watched || added().has(key(m))) {
                <span class="watched" data-testid="discover-watched">Watched</span>
              } @else {
                <button
                  mat-stroked-button
                  type="button"
                  (click)="add(m, p.region)"
                  data-testid="discover-add"
                >
                  Add
                </button>
              }
            </li>
          }
        </ul>
        @if (p.next_token) {
          <button mat-button type="button" (click)="find(p.next_token)" data-testid="discover-next">
            Next page <mat-icon iconPositionEnd>chevron_right</mat-icon>
          </button>
        }
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" (click)="close()" data-testid="discover-close">Done</button>
    </mat-dialog-actions>
  `,
  styles: `
    .filters {
      display: flex;
      gap: 8px;
      flex-wrap: wrap;
      align-items: baseline;
    }
    .results {
      list-style: none;
      padding: 0;
      margin: 0;
    }
    .results li {
      display: flex;
      justify-content: space-between;
      align-items: center;
      gap: 8px;
      padding: 6px 0;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .dims {
      display: block;
      font-size: 12px;
      color: var(--mat-sys-on-surface-variant);
    }
    .watched {
      font-size: 12px;
      color: var(--mat-sys-primary);
    }
  `,
})
export class DiscoverDialog {
  private readonly api = inject(MetricsApi);
  private readonly ref = inject(MatDialogRef<DiscoverDialog, boolean>);
  protected readonly form = inject(NonNullableFormBuilder).group({ namespace: '', region: '', search: '' });
  protected readonly page = signal<MetricDiscoverPage | null>(null);
  protected readonly loading = signal(false);
  protected readonly added = signal(new Set<string>());

  protected dims(m: DiscoveredMetric): string {
    return m.dimensions.map((d) => `${d.name}=${d.value}`).join(', ');
  }

  protected key(m: DiscoveredMetric): string {
    return `${m.namespace}|${m.metric_name}|${this.dims(m)}`;
  }

  protected find(nextToken?: string): void {
    const f = this.form.getRawValue();
    const params: Record<string, string> = {};
    if (f.namespace.trim()) params['namespace'] = f.namespace.trim();
    if (f.region.trim()) params['region'] = f.region.trim();
    if (f.search.trim()) params['search'] = f.search.trim();
    if (nextToken) params['next_token'] = nextToken;
    this.loading.set(true);
    this.api.discover(params).subscribe({
      next: (p) => {
        this.loading.set(false);
        this.page.set(p);
      },
      error: () => this.loading.set(false),
    });
  }

  protected add(m: DiscoveredMetric, region: string): void {
    const body: CreateMetricWatch = {
      namespace: m.namespace,
      metric_name: m.metric_name,
      dimensions: m.dimensions,
      stat: 'Average',
      period: 300,
      region,
    };
    this.api.create(body).subscribe(() => {
      this.added.update((s) => new Set([...s, this.key(m)]));
    });
  }

  protected close(): void {
    this.ref.close(this.added().size > 0);
  }
}
