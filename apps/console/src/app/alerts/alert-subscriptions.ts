import { Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import type { AlertSubscription, AlertSubscriptionWithSecret } from '@cost-optimizer/dto';
import { Session } from '../core/auth/session';
import { apiError, describeError } from '../core/http/api-error';
import { Confirm } from '../shared/confirm-dialog';
import { relativeTime } from '../shared/format';
import {
  CHANNEL_LABELS,
  DELIVERY_STATUS_LABELS,
  FREQUENCY_LABELS,
  formatTarget,
  formatThresholds,
} from './alert-labels';
import { AlertsApi } from './alerts-api';
import { AlertSecretDialog, AlertSecretDialogData } from './alert-secret-dialog';
import { AlertSubscriptionDialog, AlertSubscriptionDialogData } from './alert-subscription-dialog';
import { LoadError } from '../shared/load-error';

export const ALERT_PAGE_SIZE = 100;

/** What a failed test alert means, in one line. */
export function explainTestFailure(err: unknown): string {
  const body = apiError(err);
  if (
    body?.code === 'ALERT_DELIVERY_FAILED' ||
    body?.code === 'EMAIL_NOT_CONFIGURED' ||
    body?.code === 'RECIPIENTS_UNCONFIRMED' ||
    body?.code === 'RATE_LIMITED'
  )
    return `Test failed: ${body.message}`;
  return `Test failed: ${describeError(err)}`;
}

/** The Settings card for alert subscriptions: list, create/edit, delete, send a test, rotate a webhook secret. */
@Component({
  selector: 'app-alert-subscriptions',
  imports: [
    LoadError,
    MatButtonModule,
    MatIconModule,
    MatProgressBarModule,
    MatTableModule,
    MatTooltipModule,
  ],
  templateUrl: './alert-subscriptions.html',
  styleUrl: './alert-subscriptions.scss',
})
export class AlertSubscriptions {
  private readonly api = inject(AlertsApi);
  private readonly confirm = inject(Confirm);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  protected readonly canManage = inject(Session).canManage;
  protected readonly channels = CHANNEL_LABELS;
  protected readonly frequencies = FREQUENCY_LABELS;
  protected readonly statuses = DELIVERY_STATUS_LABELS;
  protected readonly thresholds = formatThresholds;
  protected readonly target = formatTarget;
  protected readonly ago = relativeTime;
  protected readonly columns = computed(() => [
    'name',
    'channel',
    'target',
    'thresholds',
    'frequency',
    'monitors',
    'last',
    ...(this.canManage() ? ['actions'] : []),
  ]);

  protected readonly subscriptions = this.api.subscriptions(() => ({ page: 1, page_size: ALERT_PAGE_SIZE }));
  protected readonly items = computed(() =>
    this.subscriptions.hasValue() ? this.subscriptions.value().items : [],
  );
  /** Ids with a request in flight (test, delete, rotate). */
  protected readonly busy = signal<ReadonlySet<string>>(new Set());

  protected asSubscription(s: AlertSubscription): AlertSubscription {
    return s;
  }

  /** Which episodes a subscription covers: cost monitors, then metric watches. */
  protected monitorsText(s: AlertSubscription): string {
    const n = s.monitor_ids.length;
    const cost = n === 0 ? 'All monitors' : `${n} monitor${n === 1 ? '' : 's'}`;
    const w = s.metric_watch_ids.length;
    const metric = !s.include_metric_anomalies
      ? 'no metrics'
      : w === 0
        ? 'all metrics'
        : `${w} metric watch${w === 1 ? '' : 'es'}`;
    return `${cost} · ${metric}`;
  }

  protected openCreate(): void {
    this.openEditor({});
  }

  protected openEdit(subscription: AlertSubscription): void {
    this.openEditor({ subscription });
  }

  private openEditor(data: AlertSubscriptionDialogData): void {
    this.dialog
      .open<AlertSubscriptionDialog, AlertSubscriptionDialogData, AlertSubscriptionWithSecret>(
        AlertSubscriptionDialog,
        { data, autoFocus: 'first-tabbable' },
      )
      .afterClosed()
      .subscribe((saved) => {
        if (!saved) return;
        this.snackBar.open(
          `Alert subscription “${saved.name}” ${data.subscription ? 'saved' : 'created'}`,
          undefined,
          { duration: 3000 },
        );
        this.subscriptions.reload();
        if (saved.signing_secret) this.showSecret(saved.name, saved.signing_secret);
      });
  }

  private showSecret(name: string, secret: string): void {
    this.dialog.open<AlertSecretDialog, AlertSecretDialogData>(AlertSecretDialog, {
      data: { name, secret },
      disableClose: true,
    });
  }

  protected sendTest(s: AlertSubscription): void {
    this.setBusy(s.id, true);
    this.api.test(s.id).subscribe({
      next: (r) => {
        this.setBusy(s.id, false);
        const again = r.confirmations_sent
          ? `; confirmation emailed again to ${r.confirmations_sent} unconfirmed recipient${r.confirmations_sent === 1 ? '' : 's'}`
          : '';
        this.snackBar.open(`Test alert sent to “${s.name}” (${r.detail})${again}`, 'OK', {
          duration: 5000,
        });
        this.subscriptions.reload();
      },
      error: (err: unknown) => {
        this.setBusy(s.id, false);
        this.snackBar.open(explainTestFailure(err), 'Dismiss', { duration: 10000 });
        this.subscriptions.reload();
      },
    });
  }

  protected confirmDelete(s: AlertSubscription): void {
    this.confirm
      .then(
        {
          title: 'Delete alert subscription?',
          message: `“${s.name}” stops alerting and its delivery history is deleted.`,
          confirm: 'Delete',
        },
        () => {
          this.setBusy(s.id, true);
          return this.api.remove(s.id);
        },
      )
      .subscribe({
        next: () => {
          this.setBusy(s.id, false);
          this.snackBar.open(`Alert subscription “${s.name}” deleted`, undefined, { duration: 3000 });
          this.subscriptions.reload();
        },
        error: () => this.setBusy(s.id, false),
      });
  }

  protected confirmRotate(s: AlertSubscription): void {
    this.confirm
      .then(
        {
          title: 'Rotate the signing secret?',
          message: `“${s.name}” gets a new signing secret at once; the receiver must switch to it, the old one stops verifying.`,
          confirm: 'Rotate',
        },
        () => {
          this.setBusy(s.id, true);
          return this.api.rotateSecret(s.id);
        },
      )
      .subscribe({
        next: (r) => {
          this.setBusy(s.id, false);
          if (r.signing_secret) this.showSecret(r.name, r.signing_secret);
        },
        error: () => this.setBusy(s.id, false),
      });
  }

  private setBusy(id: string, on: boolean): void {
    this.busy.update((set) => {
      const next = new Set(set);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }
}
