import { Component, inject, signal } from '@angular/core';
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

  protected readonly busy = signal(false);
  /** The API's answer for an email that has an account already (it never says so): check your email. */
  protected readonly checkEmail = signal<string | null>(null);
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [required, zodValidator(fields.email)]],
    password: ['', [required, zodValidator(fields.password)]],
    name: ['', zodValidator(fields.name)],
    tenant_name: ['', zodValidator(fields.tenant_name)],
  });
  protected readonly firstError = firstError;

  protected submit(): void {
    if (this.form.invalid || this.busy()) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    const { email, password, name, tenant_name } = this.form.getRawValue();
    const body: SignupRequest = { email: email.trim().toLowerCase(), password };
    if (name.trim()) body.name = name.trim();
    if (tenant_name.trim()) body.tenant_name = tenant_name.trim();
    this.auth.signup(body).subscribe({
      next: (r) => {
        if ('access_token' in r) return void this.router.navigateByUrl('/dashboard');
        this.busy.set(false);
        this.checkEmail.set(r.message);
      },
      error: (err: unknown) => {
        applyFieldIssues(this.form, fieldIssues(err));
        this.busy.set(false);
      },
    });
  }
}
