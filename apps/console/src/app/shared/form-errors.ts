import { AbstractControl, FormGroup, ValidationErrors, ValidatorFn, Validators } from '@angular/forms';
import { z } from 'zod';
import { FieldIssue } from '../core/http/api-error';

/** A validator from a field's schema in the API contract: the rule is written once, in libs/shared/dto. */
export function zodValidator(schema: z.ZodType): ValidatorFn {
  return (control: AbstractControl): ValidationErrors | null => {
    const value: unknown = control.value;
    if (value === '' || value === null || value === undefined) return null; // `required` speaks for empty fields
    const result = schema.safeParse(value);
    return result.success ? null : { contract: result.error.issues[0]?.message ?? 'Invalid value' };
  };
}

/** Puts a 400's per-field issues on the matching controls; returns the issues that matched no control. */
export function applyFieldIssues(form: FormGroup, issues: readonly FieldIssue[]): FieldIssue[] {
  const unmatched: FieldIssue[] = [];
  for (const issue of issues) {
    const control = form.get(issue.field);
    if (control) {
      control.setErrors({ ...control.errors, server: issue.message });
      control.markAsTouched();
    } else {
      unmatched.push(issue);
    }
  }
  return unmatched;
}

/** The first message to show under a field. */
export function firstError(control: AbstractControl, label: string): string {
  const errors = control.errors;
  if (!errors) return '';
  if (errors['required']) return `${label} is required`;
  if (typeof errors['server'] === 'string') return errors['server'];
  if (typeof errors['contract'] === 'string') return errors['contract'];
  if (errors['maxlength']) return `${label} is too long`;
  return `${label} is invalid`;
}

/** `Validators.required` as a plain function (the static method trips `unbound-method`). */
export const required: ValidatorFn = (control) => Validators.required(control);
