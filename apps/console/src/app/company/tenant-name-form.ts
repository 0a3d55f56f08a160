import { Component, effect, input, output } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { UpdateTenantRequestSchema } from '@cost-optimizer/dto';
import { firstError, required, zodValidator } from '../shared/form-errors';

/** The tenant's name: editable for owners and admins, read-only for viewers. */
@Component({
  selector: 'app-tenant-name-form',
  imports: [MatButtonModule, MatFormFieldModule, MatInputModule, ReactiveFormsModule],
  template: `
    <form class="row" [formGroup]="form" (ngSubmit)="submit()" novalidate>
      <mat-form-field appearance="outline" class="field">
        <mat-label>Company name</mat-label>
        <input matInput formControlName="name" [readonly]="!canEdit()" data-testid="settings-tenant-name" />
        @if (!canEdit()) {
          <mat-hint>Only owners and admins can rename the company</mat-hint>
        }
        @if (control.invalid) {
          <mat-error>{{ firstError(control, 'Name') }}</mat-error>
        }
      </mat-form-field>
      @if (canEdit()) {
        <button
          mat-flat-button
          type="submit"
          data-testid="settings-tenant-save"
          [disabled]="saving() || control.invalid || control.value.trim() === name()"
        >
          Save
        </button>
      }
    </form>
  `,
  styles: `
    .row {
      display: flex;
      align-items: baseline;
      gap: 12px;
      flex-wrap: wrap;
    }
    .field {
      flex: 1 1 320px;
      max-width: 480px;
    }
  `,
})
export class TenantNameForm {
  readonly name = input.required<string>();
  readonly canEdit = input(false);
  readonly saving = input(false);
  readonly save = output<string>();

  protected readonly control = new FormControl('', {
    nonNullable: true,
    validators: [required, zodValidator(UpdateTenantRequestSchema.shape.name)],
  });
  protected readonly form = new FormGroup({ name: this.control });
  protected readonly firstError = firstError;

  constructor() {
    effect(() => this.control.setValue(this.name()));
  }

  protected submit(): void {
    if (!this.canEdit() || this.control.invalid) return;
    const name = this.control.value.trim();
    if (name !== this.name()) this.save.emit(name);
  }
}
