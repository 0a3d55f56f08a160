import { Component, computed, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import type { Member } from '@cost-optimizer/dto';
import { MembersApi } from '../members/members-api';
import { TokenStore } from '../core/auth/token-store';
import { apiError, describeError } from '../core/http/api-error';

/**
 * The page of an invitation email's link (/invitation?token=<invitation id>.<secret>&email=…). Signed in (with the
 * invited email): accept it. Signed out: log in (and come back here), or sign up with the invited email, which the
 * token lets skip the separate email verification.
 */
@Component({
  selector: 'app-invitation',
  imports: [MatButtonModule, MatCardModule, MatProgressBarModule, RouterLink],
  template: `
    <div class="auth-page">
      <mat-card class="auth-card" appearance="outlined">
        @if (busy()) {
          <mat-progress-bar mode="indeterminate" aria-label="Accepting the invitation" />
        }
        <mat-card-header>
          <mat-card-title><h1>Invitation</h1></mat-card-title>
        </mat-card-header>
        <mat-card-content>
          @if (!invitationId()) {
            <p class="error" role="alert" data-testid="invitation-error">
              This link has no valid token: open the link of the email.
            </p>
          } @else if (accepted(); as m) {
            <p role="status" data-testid="invitation-accepted">
              You joined as {{ m.role }}. Switch to the company from the menu (or log in again to enter it).
            </p>
          } @else if (error(); as e) {
            <p class="error" role="alert" data-testid="invitation-error">{{ e }}</p>
          } @else if (signedIn()) {
            <p>
              You were invited to join a company on Cost Optimizer. Accept with the account the invitation was
              sent to{{ email() ? ' (' + email() + ')' : '' }}.
            </p>
          } @else {
            <p>
              You were invited to join a company on Cost Optimizer{{ email() ? ' as ' + email() : '' }}. Log
              in to accept, or create an account with that email.
            </p>
          }
        </mat-card-content>
        @if (invitationId() && !accepted()) {
          <mat-card-actions>
            @if (signedIn()) {
              <button
                mat-flat-button
                type="button"
                data-testid="invitation-accept"
                [disabled]="busy()"
                (click)="accept()"
              >
                Accept the invitation
              </button>
            } @else {
              <a
                mat-flat-button
                routerLink="/signup"
                [queryParams]="{ invitation_token: token(), email: email() }"
                data-testid="invitation-signup"
                >Sign up</a
              >
              <a
                mat-button
                routerLink="/login"
                [queryParams]="{ returnUrl: returnUrl() }"
                data-testid="invitation-login"
                >Log in</a
              >
            }
          </mat-card-actions>
        } @else if (accepted()) {
          <mat-card-actions>
            <a mat-flat-button routerLink="/dashboard" data-testid="goto-dashboard">Open the console</a>
          </mat-card-actions>
        }
      </mat-card>
    </div>
  `,
  styleUrl: './auth-page.scss',
})
export class Invitation {
  private readonly members = inject(MembersApi);
  private readonly router = inject(Router);
  protected readonly signedIn = inject(TokenStore).signedIn;

  /** From the query string of the link. */
  readonly token = input<string>();
  readonly email = input<string>();

  protected readonly invitationId = computed(() => {
    const id = this.token()?.split('.')[0] ?? '';
    return /^[0-9a-f-]{36}$/.test(id) ? id : null;
  });
  protected readonly returnUrl = computed(() => this.router.url);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly accepted = signal<Member | null>(null);

  protected accept(): void {
    const id = this.invitationId();
    if (!id || this.busy()) return;
    this.busy.set(true);
    this.members.acceptInvitation(id, true).subscribe({
      next: (m) => {
        this.busy.set(false);
        this.accepted.set(m);
      },
      error: (err: unknown) => {
        this.busy.set(false);
        const e = apiError(err);
        this.error.set(
          e?.code === 'NOT_FOUND'
            ? 'This invitation is not addressed to the account you are signed in with, or it was used, revoked or has expired.'
            : (e?.message ?? describeError(err)),
        );
      },
    });
  }
}
