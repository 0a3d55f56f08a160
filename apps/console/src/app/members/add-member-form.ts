import { Component, effect, inject, input, output } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { AddMemberRequest, AddMemberRequestSchema, Role } from '@cost-optimizer/dto';
import { firstError, required, zodValidator } from '../shared/form-errors';
import { ROLES, ROLE_LABELS } from './roles';

/** Invites someone to the tenant by email, with a role; they join when they accept. */
@Component({
  selector: 'app-add-member-form',
  imports: [MatButtonModule, MatFormFieldModule, MatInputModule, MatSelectModule, ReactiveFormsModule],
  template: `
    <form class="row" [formGroup]="form" (ngSubmit)="submit()" novalidate>
      <mat-form-field appearance="outline" class="email">
        <mat-label>Email of the person to invite</mat-label>
        <input matInput type="email" formControlName="email" data-testid="settings-member-email" />
        <mat-hint>They accept signed in with this email (signing up first if they have no account)</mat-hint>
        @if (form.controls.email.invalid) {
          <mat-error>{{ firstError(form.controls.email, 'Email') }}</mat-error>
        }
      </mat-form-field>
      <mat-form-field appearance="outline" class="role">
        <mat-label>Role</mat-label>
        <mat-select formControlName="role" data-testid="settings-member-role">
          @for (role of roles; track role) {
            <mat-option [value]="role">{{ labels[role] }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <button mat-flat-button type="submit" data-testid="settings-member-add" [disabled]="busy()">
        Invite
      </button>
    </form>
  `,
  styles: `
    .row {
      display: flex;
      align-items: baseline;
      gap: 12px;
      flex-wrap: wrap;
    }
    .email {
      flex: 1 1 280px;
    }
    .role {
      width: 160px;
    }
  `,
})
export class AddMemberForm {
  /** Changes each time a member was added: the form then starts over. */
  readonly added = input(0);
  readonly busy = input(false);
  readonly add = output<AddMemberRequest>();

  protected readonly roles = ROLES;
  protected readonly labels = ROLE_LABELS;
  protected readonly firstError = firstError;
  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [required, zodValidator(AddMemberRequestSchema.shape.email)]],
    role: ['viewer' as Role, required],
  });

  constructor() {
    effect(() => {
      if (this.added() > 0) this.form.reset();
    });
  }

  protected submit(): void {
    if (this.form.invalid || this.busy()) {
      this.form.markAllAsTouched();
      return;
    }
    const { email, role } = this.form.getRawValue();
    this.add.emit({ email: email.trim().toLowerCase(), role });
  }
}
