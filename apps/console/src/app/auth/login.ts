import { Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { LoginRequestSchema } from '@cost-optimizer/dto';
import { Auth } from '../core/auth/auth';
import { fieldIssues } from '../core/http/api-error';
import { applyFieldIssues, firstError, required, zodValidator } from '../shared/form-errors';

/** Internal paths only, so a crafted link cannot send the user elsewhere after login. */
export function safeReturnUrl(url: string | undefined): string {
  return url?.startsWith('/') && !url.startsWith('//') ? url : '/dashboard';
}

@Component({
  selector: 'app-login',
  imports: [
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './login.html',
  styleUrl: './auth-page.scss',
})
export class Login {
  private readonly auth = inject(Auth);
  private readonly router = inject(Router);

  /** From the query string, set by the guard that sent the user here. */
  readonly returnUrl = input<string>();

  protected readonly busy = signal(false);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [required, zodValidator(LoginRequestSchema.shape.email)]],
    password: ['', required],
  });
  protected readonly firstError = firstError;

  protected submit(): void {
    if (this.form.invalid || this.busy()) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    const { email, password } = this.form.getRawValue();
    this.auth.login({ email: email.trim().toLowerCase(), password }).subscribe({
      next: () => void this.router.navigateByUrl(safeReturnUrl(this.returnUrl())),
      error: (err: unknown) => {
        // The interceptor has announced the error; put field issues where they belong.
        applyFieldIssues(this.form, fieldIssues(err));
        this.busy.set(false);
      },
    });
  }
}
