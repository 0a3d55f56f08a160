import { Component, effect, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { SignupRequest, SignupRequestSchema } from '@cost-optimizer/dto';
import { Auth } from '../core/auth/auth';
import { fieldIssues } from '../core/http/api-error';
import { applyFieldIssues, firstError, required, zodValidator } from '../shared/form-errors';

const fields = SignupRequestSchema.shape;

@Component({
  selector: 'app-signup',
  imports: [
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    ReactiveFormsModule,
    RouterLink,
  ],
  templateUrl: './signup.html',
  styleUrl: './auth-page.scss',
})
export class Signup {
  private readonly auth = inject(Auth);
  private readonly router = inject(Router);

  /** From an invitation email's link (/signup?invitation_token=…&email=…): join the inviting company. */
  readonly invitation_token = input<string>();
  readonly email = input<string>();

  protected readonly busy = signal(false);
  /**
   * The API's `check_email` answer: every sign-up when it verifies emails (a link was sent, or a note when the email
   * has an account), or an email that has an account when it does not. The page says the same in both cases.
   */
  protected readonly checkEmail = signal<{ message: string; email: string } | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [required, zodValidator(fields.email)]],
    password: ['', [required, zodValidator(fields.password)]],
    name: ['', zodValidator(fields.name)],
    tenant_name: ['', zodValidator(fields.tenant_name)],
  });
  protected readonly firstError = firstError;

  constructor() {
    effect(() => {
      const email = this.email();
      if (email && !this.form.controls.email.value) this.form.controls.email.setValue(email);
    });
  }

  protected submit(): void {
    if (this.form.invalid || this.busy()) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    const { email, password, name, tenant_name } = this.form.getRawValue();
    const body: SignupRequest = { email: email.trim().toLowerCase(), password };
    if (name.trim()) body.name = name.trim();
    const invitation = this.invitation_token();
    if (invitation) body.invitation_token = invitation;
    else if (tenant_name.trim()) body.tenant_name = tenant_name.trim();
    this.auth.signup(body).subscribe({
      next: (r) => {
        if ('access_token' in r) return void this.router.navigateByUrl('/dashboard');
        this.busy.set(false);
        this.checkEmail.set({ message: r.message, email: body.email });
      },
      error: (err: unknown) => {
        applyFieldIssues(this.form, fieldIssues(err));
        this.busy.set(false);
      },
    });
  }
}
