import { Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';

/** A friendly placeholder for a page whose feature is still being built: what it will show. */
@Component({
  selector: 'app-coming-soon',
  imports: [MatCardModule, MatIconModule],
  template: `
    <mat-card appearance="outlined" class="card" data-testid="coming-soon">
      <mat-card-header>
        <mat-icon mat-card-avatar class="avatar">{{ icon() }}</mat-icon>
        <mat-card-title>{{ heading() }}</mat-card-title>
        <mat-card-subtitle>Coming soon</mat-card-subtitle>
      </mat-card-header>
      <mat-card-content>
        <p>{{ summary() }}</p>
        @if (points().length) {
          <ul>
            @for (point of points(); track point) {
              <li>{{ point }}</li>
            }
          </ul>
        }
        <ng-content />
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    @use '../../styles/cards';
    .card {
      max-width: 720px;
    }
    p,
    li {
      font: var(--mat-sys-body-large);
    }
  `,
})
export class ComingSoon {
  readonly icon = input.required<string>();
  readonly heading = input.required<string>();
  readonly summary = input.required<string>();
  readonly points = input<readonly string[]>([]);
}
