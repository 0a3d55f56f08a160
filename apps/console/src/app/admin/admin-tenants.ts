import { DatePipe } from '@angular/common';
import { Component, computed, inject, linkedSignal, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { RouterLink } from '@angular/router';
import { AdminTenant } from '@cost-optimizer/dto';
import { debounceTime, distinctUntilChanged, map } from 'rxjs';
import { AdminApi } from './admin-api';

export const SEARCH_DEBOUNCE_MS = 300;

/** Admin page container: every tenant, searched and paged on the server. */
@Component({
  selector: 'app-admin-tenants',
  imports: [
    DatePipe,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatTableModule,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './admin-tenants.html',
  styleUrl: './admin.scss',
})
export class AdminTenants {
  protected readonly search = new FormControl('', { nonNullable: true });
  protected readonly query = toSignal(
    this.search.valueChanges.pipe(
      debounceTime(SEARCH_DEBOUNCE_MS),
      map((q) => q.trim()),
      distinctUntilChanged(),
    ),
    { initialValue: '' },
  );
  protected readonly pageSize = signal(20);
  /** 0-based, as mat-paginator counts; back to the first page whenever the search changes. */
  protected readonly pageIndex = linkedSignal({ source: this.query, computation: () => 0 });

  protected readonly page = inject(AdminApi).tenants(() => ({
    page: this.pageIndex() + 1,
    page_size: this.pageSize(),
    ...(this.query() ? { q: this.query() } : {}),
  }));
  protected readonly items = computed<readonly AdminTenant[]>(() =>
    this.page.hasValue() ? this.page.value().items : [],
  );
  protected readonly total = computed(() => (this.page.hasValue() ? this.page.value().total : 0));
  protected readonly columns = ['name', 'owners', 'members', 'created'];

  protected changePage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.pageIndex.set(event.pageIndex);
  }
}
