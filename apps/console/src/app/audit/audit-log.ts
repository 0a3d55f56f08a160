import { DatePipe, JsonPipe } from '@angular/common';
import { Component, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatPaginatorModule, PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { AUDIT_ACTIONS, AuditEvent } from '@cost-optimizer/dto';
import { AuditApi } from './audit-api';
import { LoadError } from '../shared/load-error';

/** Readable names of the audit actions. */
export const AUDIT_ACTION_LABELS: Record<(typeof AUDIT_ACTIONS)[number], string> = {
  'aws.connected': 'AWS connected',
  'aws.reconfigured': 'AWS reconfigured',
  'aws.verified': 'AWS verified',
  'aws.verification_failed': 'AWS verification failed',
  'aws.disconnected': 'AWS disconnected',
  'member.added': 'Member added',
  'member.role_changed': 'Role changed',
  'member.removed': 'Member removed',
  'tenant.renamed': 'Company renamed',
  'tenant.default_measure_changed': 'Default measure changed',
  'user.disabled': 'Account disabled',
  'user.enabled': 'Account enabled',
  'anomaly_monitor.created': 'Monitor created',
  'anomaly_monitor.updated': 'Monitor changed',
  'anomaly_monitor.deleted': 'Monitor deleted',
  'alert_subscription.created': 'Alert subscription created',
  'alert_subscription.updated': 'Alert subscription changed',
  'alert_subscription.deleted': 'Alert subscription deleted',
  'alert_subscription.secret_rotated': 'Webhook secret rotated',
  'platform.access': 'Platform administrator access',
};

/**
 * The audit log: who changed what, newest first, one page at a time, optionally one action only. Reads the
 * caller's tenant (owners), or any tenant through the admin route when `tenantId` is given (global owners).
 */
@Component({
  selector: 'app-audit-log',
  imports: [
    LoadError,
    DatePipe,
    JsonPipe,
    MatButtonModule,
    MatFormFieldModule,
    MatPaginatorModule,
    MatProgressBarModule,
    MatSelectModule,
    MatTableModule,
  ],
  templateUrl: './audit-log.html',
})
export class AuditLog {
  /** Admin view: this tenant's log through /api/admin/tenants/:id/audit-events. */
  readonly tenantId = input<string | null>(null);

  protected readonly actions = AUDIT_ACTIONS;
  protected readonly labels: Record<string, string> = AUDIT_ACTION_LABELS;
  protected readonly columns = ['at', 'actor', 'action', 'target', 'details'];
  protected readonly action = signal<string>('');
  private readonly page = signal({ page: 1, page_size: 20 });

  protected readonly events = inject(AuditApi).events(this.tenantId, () => ({
    ...this.page(),
    ...(this.action() ? { action: this.action() } : {}),
  }));

  protected filter(action: string): void {
    this.action.set(action);
    this.page.update((p) => ({ ...p, page: 1 }));
  }

  protected changePage(event: PageEvent): void {
    this.page.set({ page: event.pageIndex + 1, page_size: event.pageSize });
  }

  protected asEvent(e: AuditEvent): AuditEvent {
    return e;
  }

  protected target(e: AuditEvent): string {
    if (!e.target) return '';
    const email = typeof e.details['email'] === 'string' ? e.details['email'] : null;
    return email ?? `${e.target.type}${e.target.id ? ` ${e.target.id}` : ''}`;
  }
}
