import { NgTemplateOutlet } from '@angular/common';
import { Component, effect, inject, input, output, signal, untracked } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, ValidatorFn } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatExpansionModule } from '@angular/material/expansion';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Connection, ConnectAwsInput, ConnectAwsSchema } from '@cost-optimizer/dto';
import { FieldIssue } from '../core/http/api-error';
import { applyFieldIssues, firstError, required, zodValidator } from '../shared/form-errors';

type FieldKey = keyof ConnectAwsInput;

interface Field {
  key: FieldKey;
  label: string;
  testId: string;
  hint: string;
  placeholder: string;
}

/** The form's fields in order, with where each value comes from. */
const MAIN_FIELDS: readonly Field[] = [
  {
    key: 'aws_role_arn',
    label: 'Role ARN',
    testId: 'connect-role-arn',
    hint: 'Stack output RoleArn (CloudFormation > your stack > Outputs)',
    placeholder: 'arn:aws:iam::123456789012:role/CostOptimizerAccess',
  },
  {
    key: 'region',
    label: 'Region',
    testId: 'connect-region',
    hint: 'Stack output Region: where your Athena workgroup and the CUR table (Glue catalog) live',
    placeholder: 'us-east-1',
  },
  {
    key: 'athena_db',
    label: 'Athena database',
    testId: 'connect-athena-db',
    hint: 'Stack output AthenaDatabase, or the database the CUR Athena integration created (Athena > Data sources)',
    placeholder: 'cost_optimizer_cur_db',
  },
  {
    key: 'athena_table',
    label: 'CUR table',
    testId: 'connect-athena-table',
    hint: 'The CUR table in that database, usually named after your report (Athena > Tables)',
    placeholder: 'cost_optimizer_cur_table',
  },
];

const ADVANCED_FIELDS: readonly Field[] = [
  {
    key: 'athena_workgroup',
    label: 'Athena workgroup',
    testId: 'connect-workgroup',
    hint: 'Stack output AthenaWorkgroup (Athena > Workgroups); default primary',
    placeholder: 'primary',
  },
  {
    key: 'athena_results_bucket',
    label: 'Query results bucket',
    testId: 'connect-results-bucket',
    hint: 'Stack output AthenaResultsBucket. Leave empty if the workgroup sets its own output location or uses managed results',
    placeholder: 'my-athena-results',
  },
  {
    key: 'athena_results_prefix',
    label: 'Query results prefix',
    testId: 'connect-results-prefix',
    hint: 'Stack output AthenaResultsPrefix: where in that bucket Athena writes results; default athena-results/',
    placeholder: 'athena-results/',
  },
  {
    key: 'cur_bucket',
    label: 'CUR bucket',
    testId: 'connect-cur-bucket',
    hint: 'The S3 bucket your Cost and Usage Report is delivered to (Billing > Data Exports), without s3://',
    placeholder: 'my-cur-bucket',
  },
  {
    key: 'cur_prefix',
    label: 'CUR prefix',
    testId: 'connect-cur-prefix',
    hint: "The report's S3 path prefix in that bucket",
    placeholder: 'cur/report/',
  },
];

const LABELS = Object.fromEntries(
  [...MAIN_FIELDS, ...ADVANCED_FIELDS, { key: 'external_id', label: 'External ID' }].map((f) => [
    f.key,
    f.label,
  ]),
) as Record<FieldKey, string>;

const REQUIRED: readonly FieldKey[] = ['aws_role_arn', 'external_id', 'region', 'athena_db', 'athena_table'];
const ADVANCED = new Set<FieldKey>(ADVANCED_FIELDS.map((f) => f.key));
const DEFAULTS = { athena_workgroup: 'primary', athena_results_prefix: 'athena-results/' };

const rules = (key: FieldKey): ValidatorFn[] => {
  const rule = zodValidator(ConnectAwsSchema.shape[key]);
  return REQUIRED.includes(key) ? [required, rule] : [rule];
};

/** Step 2: where the role and the CUR are. Rules come from the contract's `ConnectAwsSchema`. */
@Component({
  selector: 'app-connect-form',
  imports: [
    MatButtonModule,
    MatExpansionModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatTooltipModule,
    NgTemplateOutlet,
    ReactiveFormsModule,
  ],
  templateUrl: './connect-form.html',
  styleUrl: './connect-form.scss',
})
export class ConnectForm {
  readonly connection = input.required<Connection>();
  readonly canEdit = input(false);
  readonly busy = input(false);
  /** Per-field issues of a 400 to put on the fields. */
  readonly issues = input<readonly FieldIssue[]>([]);
  readonly save = output<ConnectAwsInput>();

  protected readonly mainFields = MAIN_FIELDS;
  protected readonly advancedFields = ADVANCED_FIELDS;
  protected readonly firstError = firstError;
  protected readonly form = inject(NonNullableFormBuilder).group({
    aws_role_arn: ['', rules('aws_role_arn')],
    external_id: ['', rules('external_id')],
    region: ['', rules('region')],
    athena_db: ['', rules('athena_db')],
    athena_table: ['', rules('athena_table')],
    athena_workgroup: [DEFAULTS.athena_workgroup, rules('athena_workgroup')],
    athena_results_bucket: ['', rules('athena_results_bucket')],
    athena_results_prefix: [DEFAULTS.athena_results_prefix, rules('athena_results_prefix')],
    cur_bucket: ['', rules('cur_bucket')],
    cur_prefix: ['', rules('cur_prefix')],
  });

  /** The labels of the fields to fix, after a Save with invalid fields. */
  protected readonly invalidFields = signal<string[]>([]);
  protected readonly advancedOpen = signal(false);
  /** The External ID is prefilled and locked until the person chooses to edit it. */
  protected readonly externalIdLocked = signal(true);
  private prefilled = false;

  constructor() {
    effect(() => {
      const connection = this.connection();
      untracked(() => this.prefill(connection));
    });
    effect(() => {
      const issues = this.issues();
      untracked(() => {
        if (issues.length === 0) return;
        applyFieldIssues(this.form, issues);
        if (issues.some((i) => i.field === 'external_id')) this.externalIdLocked.set(false);
        this.showInvalid();
      });
    });
  }

  protected control(key: FieldKey) {
    return this.form.controls[key];
  }

  protected submit(): void {
    if (!this.canEdit() || this.busy()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.showInvalid();
      return;
    }
    this.invalidFields.set([]);
    const v = this.form.getRawValue();
    const body: ConnectAwsInput = {
      aws_role_arn: v.aws_role_arn.trim(),
      external_id: v.external_id.trim(),
      region: v.region.trim(),
      athena_db: v.athena_db.trim(),
      athena_table: v.athena_table.trim(),
    };
    for (const key of ADVANCED) {
      const value = v[key].trim();
      if (value) body[key] = value;
    }
    this.save.emit(body);
  }

  private showInvalid(): void {
    const invalid = (Object.keys(this.form.controls) as FieldKey[]).filter(
      (key) => this.form.controls[key].invalid,
    );
    this.invalidFields.set(invalid.map((key) => LABELS[key]));
    if (invalid.some((key) => ADVANCED.has(key))) this.advancedOpen.set(true);
  }

  private prefill(connection: Connection): void {
    if (this.prefilled) return;
    this.prefilled = true;
    const s = connection.settings;
    this.form.reset({
      external_id: connection.external_id,
      aws_role_arn: s?.aws_role_arn ?? '',
      region: s?.region ?? '',
      athena_db: s?.athena_db ?? '',
      athena_table: s?.athena_table ?? '',
      athena_workgroup: s?.athena_workgroup ?? DEFAULTS.athena_workgroup,
      athena_results_bucket: s?.athena_results_bucket ?? '',
      athena_results_prefix: s?.athena_results_prefix ?? DEFAULTS.athena_results_prefix,
      cur_bucket: s?.cur_bucket ?? '',
      cur_prefix: s?.cur_prefix ?? '',
    });
    // Show the advanced settings when something in them differs from the defaults.
    const v = this.form.getRawValue();
    if (
      v.athena_results_bucket ||
      v.cur_bucket ||
      v.cur_prefix ||
      v.athena_workgroup !== DEFAULTS.athena_workgroup ||
      v.athena_results_prefix !== DEFAULTS.athena_results_prefix
    ) {
      this.advancedOpen.set(true);
    }
  }
}
