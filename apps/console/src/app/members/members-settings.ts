import { Component, computed, inject, signal } from '@angular/core';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { AddMemberRequest, Member } from '@cost-optimizer/dto';
import { Session } from '../core/auth/session';
import { describeError, errorCode } from '../core/http/api-error';
import { Confirm } from '../shared/confirm-dialog';
import { AddMemberForm } from './add-member-form';
import { Invitations } from './invitations';
import { MemberTable, RoleChange } from './member-table';
import { MembersApi } from './members-api';
import { LoadError } from '../shared/load-error';

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

/** Settings section: the members, inviting someone, roles, removal, and invitations. */
@Component({
  selector: 'app-members-settings',
  imports: [LoadError, AddMemberForm, Invitations, MatIconModule, MatProgressBarModule, MemberTable],
  template: `
    @if (canManage()) {
      <app-add-member-form [added]="added()" [busy]="memberBusy()" (add)="addMember($event)" />
    }
    <app-invitations [canManage]="canManage()" [invited]="added()" (joined)="members.reload()" />
    @if (memberError(); as message) {
      <p class="error" role="alert" data-testid="member-error">
        <mat-icon>error</mat-icon>
        <span>{{ message }}</span>
      </p>
    }
    @if (members.isLoading()) {
      <mat-progress-bar mode="indeterminate" aria-label="Loading members" />
    }
    @if (members.hasValue()) {
      @if (memberItems().length === 0) {
        <p class="empty-state" data-testid="members-empty">No members yet.</p>
      } @else {
        <app-member-table
          [members]="memberItems()"
          [canManage]="canManage()"
          [currentUserId]="currentUserId()"
          [busy]="memberBusy()"
          (roleChange)="changeRole($event)"
          (remove)="confirmRemove($event)"
        />
      }
    } @else if (members.error()) {
      <app-load-error what="The members" (retry)="members.reload()" />
    }
  `,
  styleUrl: '../settings/settings-section.scss',
})
export class MembersSettings {
  private readonly api = inject(MembersApi);
  private readonly session = inject(Session);
  private readonly confirm = inject(Confirm);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly members = this.api.members();
  protected readonly memberItems = computed(() =>
    this.members.hasValue() ? this.members.value().items : [],
  );
  protected readonly canManage = this.session.canManage;
  protected readonly currentUserId = computed(() => this.session.me()?.user.id);
  protected readonly memberBusy = signal(false);
  protected readonly memberError = signal<string | null>(null);
  protected readonly added = signal(0);

  protected addMember(request: AddMemberRequest): void {
    this.startMemberChange();
    this.api.invite(request).subscribe({
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
    this.api.changeRole(member.user_id, role).subscribe({
      next: (updated) => this.finishMemberChange(`${updated.email} is now ${updated.role}`),
      error: (err: unknown) => this.failMemberChange(err),
    });
  }

  protected confirmRemove(member: Member): void {
    this.confirm
      .then(
        {
          title: 'Remove member?',
          message: `${member.name ?? member.email} will lose access to this company's costs and anomalies.`,
          confirm: 'Remove',
        },
        () => {
          this.startMemberChange();
          return this.api.remove(member.user_id);
        },
      )
      .subscribe({
        next: () => this.finishMemberChange(`${member.email} removed`),
        error: (err: unknown) => this.failMemberChange(err),
      });
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
