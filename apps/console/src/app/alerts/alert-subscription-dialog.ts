import { Component, computed, inject, signal } from '@angular/core';
import {
  AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import type {
  AlertChannel,
  AlertFrequency,
  AlertSubscription,
  AlertSubscriptionWithSecret,
} from '@cost-optimizer/dto';
import { z } from 'zod';
import { describeError, errorCode, fieldIssues } from '../core/http/api-error';
import { AnomaliesApi } from '../anomalies/anomalies-api';
import { MetricsApi } from '../metrics/metrics-api';
import { AlertsApi } from './alerts-api';
import { applyFieldIssues, firstError, required } from '../shared/form-errors';
import { CHANNEL_LABELS, DROPS_HINT, FREQUENCY_LABELS, splitEmails } from './alert-labels';

export interface AlertSubscriptionDialogData {
  /** The subscription to edit; none to create one. */
  subscription?: AlertSubscription;
}

const email = z.email();
const httpUrl = z.url({ protocol: /^https?$/ });

/** 1 to 20 valid emails (email channel only). */
function recipientsValidator(control: AbstractControl): ValidationErrors | null {
  const value = String(control.value ?? '');
  const list = splitEmails(value);
  if (list.length === 0) return null; // the form-level rule says it is required
  const bad = list.find((e) => !email.safeParse(e).success);
  if (bad) return { contract: `${bad} is not a valid email address` };
  if (list.length > 20) return { contract: 'At most 20 recipients' };
  return null;
}

function urlValidator(control: AbstractControl): ValidationErrors | null {
  const value = String(control.value ?? '').trim();
  if (!value) return null;
  return httpUrl.safeParse(value).success ? null : { contract: 'Must be an https URL' };
}

/** Create or edit an alert subscription; saves it itself and closes with the server's answer. */
@Component({
  selector: 'app-alert-subscription-dialog',
  imports: [
    MatButtonModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatSlideToggleModule,
    ReactiveFormsModule,
  ],
  templateUrl: './alert-subscription-dialog.html',
  styles: `
    form {
      display: grid;
      gap: 4px;
      min-width: min(520px, 80vw);
    }
    .pair {
      display: grid;
      grid-template-columns: 1fr 1fr 1fr;
      gap: 8px;
    }
    .hint {
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
      margin: 0 0 8px;
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class AlertSubscriptionDialog {
  private readonly api = inject(AlertsApi);
  private readonly ref =
    inject<MatDialogRef<AlertSubscriptionDialog, AlertSubscriptionWithSecret>>(MatDialogRef);
  protected readonly data = inject<AlertSubscriptionDialogData>(MAT_DIALOG_DATA);
  protected readonly editing = this.data.subscription;
  protected readonly channels: readonly AlertChannel[] = ['email', 'slack', 'webhook'];
  protected readonly channelLabels = CHANNEL_LABELS;
  protected readonly frequencies: readonly AlertFrequency[] = ['immediate', 'daily', 'weekly'];
  protected readonly frequencyLabels = FREQUENCY_LABELS;
  protected readonly monitors = inject(AnomaliesApi).monitors();
  protected readonly monitorItems = computed(() =>
    this.monitors.hasValue() ? this.monitors.value().items : [],
  );
  /** The watch picker offers the newest 100 watches (the list's page limit); ids already chosen stay listed. */
  protected readonly watches = inject(MetricsApi).watches(() => ({ page: 1, page_size: 100 }));
  protected readonly watchItems = computed(() => {
    const items = this.watches.hasValue() ? this.watches.value().items : [];
    const known = new Set(items.map((w) => w.id));
    const missing = (this.editing?.metric_watch_ids ?? []).filter((id) => !known.has(id));
    return [
      ...items.map((w) => ({ id: w.id, label: `${w.label} · ${w.region}` })),
      ...missing.map((id) => ({ id, label: `Watch ${id.slice(0, 8)} (not on the first page)` })),
    ];
  });
  protected readonly saving = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly firstError = firstError;
  protected readonly dropsHint = DROPS_HINT;

  protected readonly form = inject(NonNullableFormBuilder).group(
    {
      name: [this.editing?.name ?? '', [required, Validators.maxLength(120)]],
      channel: [this.editing?.channel ?? 'email'],
      recipients: [this.editing?.recipients.join(', ') ?? '', recipientsValidator],
      url: ['', [urlValidator, Validators.maxLength(2000)]],
      min_impact_usd: [
        this.editing ? this.editing.min_impact_usd : (100 as number | null),
        Validators.min(0.01),
      ],
      min_impact_pct: [this.editing?.min_impact_pct ?? (null as number | null), Validators.min(0.01)],
      threshold_mode: [this.editing?.threshold_mode ?? 'or'],
      frequency: [this.editing?.frequency ?? 'immediate'],
      monitor_ids: [this.editing?.monitor_ids ?? ([] as string[])],
      include_metric_anomalies: [this.editing?.include_metric_anomalies ?? true],
      metric_watch_ids: [this.editing?.metric_watch_ids ?? ([] as string[])],
      include_drops: [this.editing?.include_drops ?? false],
      enabled: [this.editing?.enabled ?? true],
    },
    { validators: (g) => this.formRules(g) },
  );

  constructor() {
    if (this.editing) this.form.controls.channel.disable();
  }

  /** What the thresholds mean for metric anomalies (their deviation is not in dollars). */
  protected metricThresholdHint(): string {
    const pct = this.form.controls.min_impact_pct.value;
    if (pct !== null && (pct as unknown) !== '')
      return `Metric anomalies alert when they deviate by at least ${pct} % from the expected value (up or down); the $ threshold does not apply to them.`;
    return 'With only a $ threshold, metric anomalies of medium or high severity alert (metric deviations are not in dollars). Set a % threshold to choose the deviation yourself.';
  }

  protected channel(): AlertChannel {
    return this.form.controls.channel.value;
  }

  /** Errors of the whole form: a threshold, and the channel's target. */
  private formRules(g: AbstractControl): ValidationErrors | null {
    const v = g.value as Record<string, unknown>;
    const text = (x: unknown) => (typeof x === 'string' ? x : '');
    const errors: ValidationErrors = {};
    const blank = (x: unknown) => x === null || x === undefined || x === '';
    if (blank(v['min_impact_usd']) && blank(v['min_impact_pct'])) errors['threshold'] = true;
    const channel = (g.get('channel')?.value as AlertChannel | undefined) ?? 'email';
    if (channel === 'email' && splitEmails(text(v['recipients'])).length === 0) errors['recipients'] = true;
    if (channel !== 'email' && !this.editing && !text(v['url']).trim()) errors['url'] = true;
    return Object.keys(errors).length ? errors : null;
  }

  protected save(): void {
    this.form.markAllAsTouched();
    if (this.form.invalid) return;
    const v = this.form.getRawValue();
    const num = (x: number | null) => (x === null || (x as unknown) === '' ? null : Number(x));
    const common = {
      name: v.name.trim(),
      min_impact_usd: num(v.min_impact_usd),
      min_impact_pct: num(v.min_impact_pct),
      threshold_mode: v.threshold_mode,
      frequency: v.frequency,
      monitor_ids: v.monitor_ids,
      include_metric_anomalies: v.include_metric_anomalies,
      metric_watch_ids: v.metric_watch_ids,
      include_drops: v.include_drops,
      enabled: v.enabled,
    };
    const url = v.url.trim();
    const recipients = splitEmails(v.recipients);
    this.saving.set(true);
    this.error.set(null);
    const request = this.editing
      ? this.api.update(this.editing.id, {
          ...common,
          ...(this.editing.channel === 'email' ? { recipients } : url ? { url } : {}),
        })
      : this.api.create(
          v.channel === 'email'
            ? { channel: 'email', recipients, ...common }
            : { channel: v.channel, url, ...common },
        );
    request.subscribe({
      next: (saved) => {
        this.saving.set(false);
        this.ref.close({ signing_secret: null, ...saved });
      },
      error: (err: unknown) => {
        this.saving.set(false);
        const unmatched = applyFieldIssues(this.form, fieldIssues(err));
        if (errorCode(err) === 'VALIDATION_FAILED' && unmatched.length === 0) return;
        this.error.set(
          unmatched.length ? unmatched.map((i) => `${i.field}: ${i.message}`).join('; ') : describeError(err),
        );
      },
    });
  }
}
