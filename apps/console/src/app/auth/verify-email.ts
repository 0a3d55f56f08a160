import { Component, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { Auth } from '../core/auth/auth';
import { apiError, describeError } from '../core/http/api-error';

/**
 * The page of a sign-up's verification link (/verify-email?token=…): the account is created, and the user signed in,
 * when they press the button (mail scanners that open links create nothing). The link works once, for 24 hours.
 */
@Component({
  selector: 'app-verify-email',
  imports: [MatButtonModule, MatCardModule, MatProgressBarModule, RouterLink],
  template: `
    <div class="auth-page">
      <mat-card class="auth-card" appearance="outlined">
        @if (busy()) {
          <mat-progress-bar mode="indeterminate" aria-label="Creating your account" />
        }
        <mat-card-header>
          <mat-card-title><h1>Verify your email</h1></mat-card-title>
        </mat-card-header>
        <mat-card-content>
          @if (error(); as e) {
            <p class="error" role="alert" data-testid="verify-email-error">{{ e }}</p>
          } @else if (!token()) {
            <p class="error" role="alert" data-testid="verify-email-error">
              This link has no token: open the link of the email.
            </p>
          } @else {
            <p>Your email address is confirmed by this link. Create the account to sign in.</p>
          }
        </mat-card-content>
        <mat-card-actions>
          @if (token() && !error()) {
            <button
              mat-flat-button
              type="button"
              data-testid="verify-email-submit"
              [disabled]="busy()"
              (click)="verify()"
            >
              Create my account
            </button>
          } @else {
            <a mat-button routerLink="/signup" data-testid="goto-signup">Sign up again</a>
            <a mat-button routerLink="/login" data-testid="goto-login">Log in</a>
          }
        </mat-card-actions>
      </mat-card>
    </div>
  `,
  styleUrl: './auth-page.scss',
})
export class VerifyEmail {
  private readonly auth = inject(Auth);
  private readonly router = inject(Router);

  /** From the query string of the link. */
  readonly token = input<string>();

  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected verify(): void {
    const token = this.token();
    if (!token || this.busy()) return;
    this.busy.set(true);
    this.auth.verifyEmail(token).subscribe({
      next: () => void this.router.navigateByUrl('/dashboard'),
      error: (err: unknown) => {
        this.busy.set(false);
        this.error.set(apiError(err)?.message ?? describeError(err));
      },
    });
  }
}
