import { HttpClient, httpResource } from '@angular/common/http';
import { Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatDialog } from '@angular/material/dialog';
import { MatExpansionModule } from '@angular/material/expansion';
import { MatIconModule } from '@angular/material/icon';
import { PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import {
  AddMemberRequest,
  Invitation,
  Connection,
  Measure,
  Member,
  MemberList,
  SyncRunPage,
  Tenant,
} from '@cost-optimizer/dto';
import { filter, switchMap } from 'rxjs';
import { AnomalyMonitors } from '../anomalies/anomaly-monitors';
import { Session } from '../core/auth/session';
import { describeError, errorCode } from '../core/http/api-error';
import {
  VerifyFailure,
  connectionUrls,
  explainConnectError,
  silent,
  verifyFailure,
} from '../connect-aws/connection-api';
import { ConfirmDialog, ConfirmDialogData } from '../shared/confirm-dialog';
import { MEASURE_LABELS } from '../shared/format';
import { SyncProgress } from '../sync/sync-progress';
import { SyncTracker } from '../sync/sync-tracker';
import { AddMemberForm } from './add-member-form';
import { Invitations } from './invitations';
import { AlertSubscriptions } from './alert-subscriptions';
import { AuditLog } from './audit-log';
import { AwsStatusCard } from './aws-status-card';
import { MeasureSetting } from './measure-setting';
import { MemberTable, RoleChange } from './member-table';
import { SyncHistory } from './sync-history';
import { TenantNameForm } from './tenant-name-form';

/** What a member-management error means for the person looking at the page. */
export function explainMemberError(err: unknown): string {
  switch (errorCode(err) ?? '') {
    case 'CONFLICT':
      return 'This person is already a member.';
    case 'LAST_OWNER':
      return 'Every company needs at least one owner: make someone else an owner first.';
    case 'FORBIDDEN':
      return 'Only owners and admins can manage members.';
    default:
      return describeError(err);
  }
}

/** Settings page container: loads the tenant and its members and performs every change. */
@Component({
  selector: 'app-settings',
  imports: [
    AddMemberForm,
    Invitations,
    AlertSubscriptions,
    AnomalyMonitors,
    AuditLog,
    AwsStatusCard,
    MatButtonModule,
    MatCardModule,
    MatExpansionModule,
    MatIconModule,
    MatProgressBarModule,
    MeasureSetting,
    MemberTable,
    SyncHistory,
    SyncProgress,
    TenantNameForm,
  ],
  providers: [SyncTracker],
  templateUrl: './settings.html',
  styleUrl: './settings.scss',
})
export class Settings {
  private readonly http = inject(HttpClient);
  private readonly session = inject(Session);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly tenant = httpResource<Tenant>(() => '/api/tenants/current');
  protected readonly members = httpResource<MemberList>(() => '/api/tenants/current/members');
  protected readonly memberItems = computed(() =>
    this.members.hasValue() ? this.members.value().items : [],
  );

  protected readonly canManage = this.session.canManage;
  protected readonly isOwner = computed(() => this.session.role() === 'owner');
  protected readonly currentUserId = computed(() => this.session.me()?.user.id);
  protected readonly savingName = signal(false);
  protected readonly memberBusy = signal(false);
  protected readonly memberError = signal<string | null>(null);
  protected readonly added = signal(0);

  private readonly awsUrls = connectionUrls();
  protected readonly connection = httpResource<Connection>(() => this.awsUrls.connection);
  protected readonly awsBusy = signal(false);
  protected readonly awsVerified = signal<Connection | null>(null);
  protected readonly awsFailure = signal<VerifyFailure | null>(null);
  protected readonly awsError = signal<string | null>(null);

  protected readonly savingMeasure = signal(false);
  protected readonly sync = inject(SyncTracker);
  private readonly syncPage = signal({ page: 1, page_size: 10 });
  protected readonly syncRuns = httpResource<SyncRunPage>(() => ({
    url: '/api/cur/sync-runs',
    params: this.syncPage(),
  }));

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

  protected changeMeasure(measure: Measure): void {
    this.savingMeasure.set(true);
    this.http.patch<Tenant>('/api/tenants/current', { default_measure: measure }).subscribe({
      next: (tenant) => {
        this.tenant.set(tenant);
        this.savingMeasure.set(false);
        this.snackBar.open(`Default measure: ${MEASURE_LABELS[tenant.default_measure]}`, undefined, {
          duration: 3000,
        });
      },
      error: () => {
        this.savingMeasure.set(false);
        this.tenant.reload();
      },
    });
  }

  protected rename(name: string): void {
    this.savingName.set(true);
    this.http.patch<Tenant>('/api/tenants/current', { name }).subscribe({
      next: (tenant) => {
        this.tenant.set(tenant);
        this.session.renameTenant(tenant.name);
        this.savingName.set(false);
        this.snackBar.open('Company name saved', undefined, { duration: 3000 });
      },
      error: () => this.savingName.set(false),
    });
  }

  protected addMember(request: AddMemberRequest): void {
    this.startMemberChange();
    this.http.post<Invitation>('/api/tenants/current/members', request).subscribe({
      next: (invitation) => {
        this.added.update((n) => n + 1);
        this.finishMemberChange(
          `Invitation sent to ${invitation.email} (${invitation.role}): they join when they accept it`,
        );
      },
      error: (err: unknown) => this.failMemberChange(err),
    });
  }

  protected changeRole({ member, role }: RoleChange): void {
    this.startMemberChange();
    this.http.patch<Member>(`/api/tenants/current/members/${member.user_id}`, { role }).subscribe({
      next: (updated) => this.finishMemberChange(`${updated.email} is now ${updated.role}`),
      error: (err: unknown) => this.failMemberChange(err),
    });
  }

  protected confirmRemove(member: Member): void {
    const data: ConfirmDialogData = {
      title: 'Remove member?',
      message: `${member.name ?? member.email} will lose access to this company's costs and anomalies.`,
      confirm: 'Remove',
    };
    this.dialog
      .open<ConfirmDialog, ConfirmDialogData, boolean>(ConfirmDialog, { data })
      .afterClosed()
      .pipe(
        filter((confirmed) => confirmed === true),
        switchMap(() => {
          this.startMemberChange();
          return this.http.delete<void>(`/api/tenants/current/members/${member.user_id}`);
        }),
      )
      .subscribe({
        next: () => this.finishMemberChange(`${member.email} removed`),
        error: (err: unknown) => this.failMemberChange(err),
      });
  }

  protected reverifyAws(): void {
    this.startAwsChange();
    this.http.post<Connection>(this.awsUrls.verify, null, silent()).subscribe({
      next: (connection) => {
        this.awsBusy.set(false);
        this.connection.set(connection);
        this.awsVerified.set(connection);
        this.snackBar.open('AWS connection verified', undefined, { duration: 3000 });
      },
      error: (err: unknown) => {
        this.awsBusy.set(false);
        const failure = verifyFailure(err);
        if (failure) this.awsFailure.set(failure);
        else this.awsError.set(explainConnectError(err));
        this.connection.reload();
      },
    });
  }

  protected confirmDisconnect(): void {
    const data: ConfirmDialogData = {
      title: 'Disconnect AWS?',
      message:
        'Cost Optimizer stops reading your Cost and Usage Report. The cost history and anomalies found so far are kept; you can connect again at any time.',
      confirm: 'Disconnect',
    };
    this.dialog
      .open<ConfirmDialog, ConfirmDialogData, boolean>(ConfirmDialog, { data })
      .afterClosed()
      .pipe(
        filter((confirmed) => confirmed === true),
        switchMap(() => {
          this.startAwsChange();
          return this.http.delete<void>(this.awsUrls.connection, silent());
        }),
      )
      .subscribe({
        next: () => {
          this.awsBusy.set(false);
          this.snackBar.open('AWS disconnected', undefined, { duration: 3000 });
          this.connection.reload();
        },
        error: (err: unknown) => {
          this.awsBusy.set(false);
          this.awsError.set(explainConnectError(err));
        },
      });
  }

  private startAwsChange(): void {
    this.awsBusy.set(true);
    this.awsVerified.set(null);
    this.awsFailure.set(null);
    this.awsError.set(null);
  }

  private startMemberChange(): void {
    this.memberBusy.set(true);
    this.memberError.set(null);
  }

  private finishMemberChange(message: string): void {
    this.memberBusy.set(false);
    this.members.reload();
    this.snackBar.open(message, undefined, { duration: 3000 });
  }

  private failMemberChange(err: unknown): void {
    this.memberBusy.set(false);
    this.memberError.set(explainMemberError(err));
    // Show the server's truth again (e.g. a role select the server refused to change).
    this.members.reload();
  }
}
