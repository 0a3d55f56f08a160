import { DatePipe } from '@angular/common';
import { Component, inject, input } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { AuditLog } from '../audit/audit-log';
import { MemberTable } from '../members/member-table';
import { AdminApi } from './admin-api';

/** Admin: one tenant and its members (read-only). */
@Component({
  selector: 'app-admin-tenant-detail',
  imports: [
    AuditLog,
    DatePipe,
    MatButtonModule,
    MatCardModule,
    MatIconModule,
    MatProgressBarModule,
    MemberTable,
    RouterLink,
  ],
  template: `
    <section class="page">
      <a mat-button routerLink="/admin" class="back" data-testid="admin-back">
        <mat-icon>arrow_back</mat-icon>
        All tenants
      </a>
      @if (tenant.isLoading()) {
        <mat-progress-bar mode="indeterminate" aria-label="Loading tenant" />
      } @else if (tenant.hasValue()) {
        @let t = tenant.value();
        <h1 class="page-title" data-testid="admin-tenant-name">{{ t.name }}</h1>
        <dl class="facts">
          <dt>Id</dt>
          <dd>{{ t.id }}</dd>
          <dt>Created</dt>
          <dd>{{ t.created_at | date: 'medium' }}</dd>
          <dt>Owners</dt>
          <dd>{{ t.owner_emails.join(', ') || 'none' }}</dd>
          <dt>Members</dt>
          <dd>{{ t.member_count }}</dd>
        </dl>
        <p>
          <a
            mat-stroked-button
            [routerLink]="['/admin/tenants', t.id, 'connect-aws']"
            data-testid="admin-connect-aws"
          >
            <mat-icon>cloud_sync</mat-icon>
            Connect AWS for this tenant
          </a>
        </p>
        <mat-card appearance="outlined">
          <mat-card-header><mat-card-title>Members</mat-card-title></mat-card-header>
          <mat-card-content>
            @if (t.members.length === 0) {
              <p class="empty-state">This tenant has no members.</p>
            } @else {
              <app-member-table [members]="t.members" />
            }
          </mat-card-content>
        </mat-card>
        <mat-card appearance="outlined" class="audit" data-testid="admin-audit-log">
          <mat-card-header><mat-card-title>Audit log</mat-card-title></mat-card-header>
          <mat-card-content>
            <app-audit-log [tenantId]="t.id" />
          </mat-card-content>
        </mat-card>
      } @else if (tenant.error()) {
        <p class="error" role="alert">This tenant could not be loaded.</p>
      }
    </section>
  `,
  styleUrl: './admin.scss',
})
export class AdminTenantDetail {
  /** The route's :id (router input binding). */
  readonly id = input.required<string>();

  protected readonly tenant = inject(AdminApi).tenant(this.id);
}
