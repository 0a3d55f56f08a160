import { Component, computed, inject, input, output, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { Member, MyInvitation } from '@cost-optimizer/dto';
import { MembersApi } from './members-api';
import { describeError } from '../core/http/api-error';
import { ROLE_LABELS } from './roles';

/**
 * Invitations: those the company sent that nobody accepted yet (owners/admins, who may revoke them), and those
 * addressed to the signed-in person by other companies (accept to join). Nobody joins without accepting.
 */
@Component({
  selector: 'app-invitations',
  imports: [MatButtonModule],
  template: `
    @if (canManage() && sentItems().length > 0) {
      <h3>Invited, not joined yet</h3>
      <ul class="list" data-testid="invitations-sent">
        @for (i of sentItems(); track i.id) {
          <li>
            <span>{{ i.email }} · {{ labels[i.role] }} · until {{ day(i.expires_at) }}</span>
            <button
              mat-button
              type="button"
              data-testid="invitation-revoke"
              [disabled]="busy()"
              (click)="revoke(i.id, i.email)"
            >
              Revoke
            </button>
          </li>
        }
      </ul>
    }
    @if (mineItems().length > 0) {
      <h3>Invitations for you</h3>
      <ul class="list" data-testid="invitations-mine">
        @for (i of mineItems(); track i.id) {
          <li>
            <span>{{ i.tenant.name }} invites you as {{ labels[i.role] }}</span>
            <button
              mat-flat-button
              type="button"
              data-testid="invitation-accept"
              [disabled]="busy()"
              (click)="accept(i)"
            >
              Accept
            </button>
          </li>
        }
      </ul>
    }
  `,
  styles: `
    .list {
      list-style: none;
      padding: 0;
      margin: 8px 0 16px;
    }
    .list li {
      display: flex;
      align-items: center;
      justify-content: space-between;
      gap: 12px;
    }
    h3 {
      font: var(--mat-sys-title-small);
      margin: 16px 0 0;
    }
  `,
})
export class Invitations {
  private readonly api = inject(MembersApi);
  private readonly snackBar = inject(MatSnackBar);

  readonly canManage = input(false);
  /** Changes each time the company invited someone: the sent list reloads. */
  readonly invited = input(0);
  readonly joined = output<Member>();

  protected readonly labels = ROLE_LABELS;
  protected readonly busy = signal(false);
  protected readonly sent = this.api.sentInvitations(() => {
    this.invited();
    return this.canManage();
  });
  protected readonly mine = this.api.myInvitations();
  protected readonly sentItems = computed(() => (this.sent.hasValue() ? this.sent.value().items : []));
  protected readonly mineItems = computed(() => (this.mine.hasValue() ? this.mine.value().items : []));

  protected day(iso: string): string {
    return iso.slice(0, 10);
  }

  protected revoke(id: string, email: string): void {
    this.busy.set(true);
    this.api.revokeInvitation(id).subscribe({
      next: () => {
        this.busy.set(false);
        this.sent.reload();
        this.snackBar.open(`Invitation of ${email} revoked`, undefined, { duration: 3000 });
      },
      error: () => this.busy.set(false),
    });
  }

  protected accept(i: MyInvitation): void {
    this.busy.set(true);
    this.api.acceptInvitation(i.id).subscribe({
      next: (m) => {
        this.busy.set(false);
        this.mine.reload();
        this.joined.emit(m);
        this.snackBar.open(`You are now a member of ${i.tenant.name} (${this.labels[m.role]})`, undefined, {
          duration: 5000,
        });
      },
      error: (err: unknown) => {
        this.busy.set(false);
        this.mine.reload();
        this.snackBar.open(describeError(err), 'Dismiss', { duration: 8000 });
      },
    });
  }
}
