import { Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import type { NamedCost } from '@cost-optimizer/dto';
import { changeClass, formatChange, formatMoney } from '../shared/format';

/** A card of the biggest cost items (services, accounts or regions) with their change. */
@Component({
  selector: 'app-top-list',
  imports: [MatCardModule, MatIconModule],
  template: `
    <mat-card appearance="outlined" class="card">
      <mat-card-header>
        <mat-icon mat-card-avatar aria-hidden="true">{{ icon() }}</mat-icon>
        <mat-card-title>{{ heading() }}</mat-card-title>
        <mat-card-subtitle>Month to date · change vs last month</mat-card-subtitle>
      </mat-card-header>
      <mat-card-content>
        @if (items().length === 0) {
          <p class="empty">Nothing yet.</p>
        } @else {
          <ol class="list">
            @for (item of items(); track item.name) {
              <li class="row">
                <span class="name" [title]="item.name">{{ item.name }}</span>
                <span class="cost">{{ money(item.cost, currency()) }}</span>
                <span class="change" [class]="'change ' + changeClass(item.change_pct)">
                  {{ change(item.change_pct) }}
                </span>
              </li>
            }
          </ol>
        }
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    .card {
      height: 100%;
    }
    .list {
      list-style: none;
      margin: 8px 0 0;
      padding: 0;
    }
    .row {
      display: grid;
      grid-template-columns: 1fr auto 64px;
      gap: 12px;
      padding: 6px 0;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .name {
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .cost,
    .change {
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
    .empty {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class TopList {
  readonly heading = input.required<string>();
  readonly icon = input.required<string>();
  readonly items = input.required<readonly NamedCost[]>();
  readonly currency = input('USD');

  protected readonly money = formatMoney;
  protected readonly change = formatChange;
  protected readonly changeClass = changeClass;
}
