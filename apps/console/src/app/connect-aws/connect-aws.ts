import { DatePipe } from '@angular/common';
import { Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatIconModule } from '@angular/material/icon';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router, RouterLink } from '@angular/router';
import { Connection, ConnectAwsInput, VerifyStep } from '@cost-optimizer/dto';
import { EMPTY, Subject, catchError, exhaustMap, finalize, interval, takeUntil, timer } from 'rxjs';
import { Session } from '../core/auth/session';
import { FieldIssue, fieldIssues } from '../core/http/api-error';
import { AwsSetup } from './aws-setup';
import { ConnectForm } from './connect-form';
import {
  CONNECT_POLL_MS,
  CONNECT_SUCCESS_REDIRECT_MS,
  FORMAT_LABELS,
  PENDING_DATA_NOTE,
  STATUS_ICONS,
  STATUS_LABELS,
  StepRow,
  VerifyFailure,
  ConnectionApi,
  explainConnectError,
  failureFromLastError,
  stepRows,
  verifyFailure,
} from './connection-api';
import { VerifyFailureBox } from './verify-failure';
import { VerifySteps } from './verify-steps';

export const SUCCESS_MESSAGE = 'AWS connection saved successfully!';

/**
 * Connect AWS page container: loads the connection, saves the form while showing the verification
 * live (polling the connection's `in_progress`), then goes on to the dashboard or shows what failed.
 * With an `id` (route /admin/tenants/:id/connect-aws) a global owner does the same for that tenant.
 */
@Component({
  selector: 'app-connect-aws',
  imports: [
    AwsSetup,
    ConnectForm,
    DatePipe,
    MatButtonModule,
    MatCardModule,
    MatIconModule,
    MatProgressBarModule,
    RouterLink,
    VerifyFailureBox,
    VerifySteps,
  ],
  templateUrl: './connect-aws.html',
  styleUrl: './connect-aws.scss',
})
export class ConnectAws {
  /** The tenant's id on the admin route (router input binding); absent for one's own tenant. */
  readonly id = input<string>();

  private readonly api = inject(ConnectionApi);
  private readonly router = inject(Router);
  private readonly snackBar = inject(MatSnackBar);
  private readonly session = inject(Session);
  private readonly destroyRef = inject(DestroyRef);
  private readonly pollMs = inject(CONNECT_POLL_MS);
  private readonly redirectMs = inject(CONNECT_SUCCESS_REDIRECT_MS);

  protected readonly connection = this.api.connection(this.id);

  protected readonly canManage = computed(() =>
    this.id() ? this.session.isGlobalOwner() : this.session.canManage(),
  );
  protected readonly doneUrl = computed(() => {
    const id = this.id();
    return id ? `/admin/tenants/${id}` : '/dashboard';
  });

  protected readonly verifying = signal(false);
  /** Steps finished so far, from the polled `in_progress`. */
  protected readonly progress = signal<VerifyStep[]>([]);
  protected readonly saved = signal<Connection | null>(null);
  protected readonly failure = signal<VerifyFailure | null>(null);
  protected readonly otherError = signal<string | null>(null);
  protected readonly issues = signal<FieldIssue[]>([]);
  protected readonly statusLabels = STATUS_LABELS;
  protected readonly statusIcons = STATUS_ICONS;
  protected readonly formatLabels = FORMAT_LABELS;
  protected readonly pendingNote = PENDING_DATA_NOTE;
  protected readonly successMessage = SUCCESS_MESSAGE;

  /** A verification failed earlier (stored on the connection) and nothing newer is on screen. */
  protected readonly storedFailure = computed<VerifyFailure | null>(() => {
    if (this.verifying() || this.failure() || this.saved() || !this.connection.hasValue()) return null;
    const c = this.connection.value();
    return c.status === 'error' && c.last_error ? failureFromLastError(c.last_error, c.steps) : null;
  });
  protected readonly shownFailure = computed(() => this.failure() ?? this.storedFailure());

  protected readonly rows = computed<StepRow[] | null>(() => {
    if (this.verifying()) return stepRows(this.progress(), { running: true });
    const failure = this.shownFailure();
    if (failure) return stepRows(failure.steps, { failedStep: failure.step });
    const saved = this.saved();
    if (saved) return stepRows(saved.steps);
    if (this.connection.hasValue() && this.connection.value().steps.length > 0) {
      return stepRows(this.connection.value().steps);
    }
    return null;
  });

  protected copied({ what, ok }: { what: string; ok: boolean }): void {
    const message = ok ? `${what} copied` : `Could not copy the ${what}: select it and copy it by hand`;
    this.snackBar.open(message, undefined, { duration: 2500 });
  }

  protected save(body: ConnectAwsInput): void {
    if (this.verifying()) return;
    const tenantId = this.id();
    this.verifying.set(true);
    this.progress.set([]);
    this.saved.set(null);
    this.failure.set(null);
    this.otherError.set(null);
    this.issues.set([]);

    const done = new Subject<void>();
    interval(this.pollMs)
      .pipe(
        exhaustMap(() => this.api.poll(tenantId).pipe(catchError(() => EMPTY))),
        takeUntil(done),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((c) => {
        if (c.in_progress) this.progress.set(c.in_progress);
      });

    this.api
      .connect(body, tenantId)
      .pipe(
        finalize(() => {
          done.next();
          done.complete();
          this.verifying.set(false);
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe({
        next: (connection) => this.succeeded(connection),
        error: (err: unknown) => this.failed(err),
      });
  }

  private succeeded(connection: Connection): void {
    this.connection.set(connection);
    this.saved.set(connection);
    const pending = connection.status === 'pending_data';
    this.snackBar.open(
      pending ? `${SUCCESS_MESSAGE} No cost data yet: the first report takes 24-48 h.` : SUCCESS_MESSAGE,
      'OK',
      { duration: 8000 },
    );
    timer(this.redirectMs)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe(() => void this.router.navigateByUrl(this.doneUrl()));
  }

  private failed(err: unknown): void {
    const failure = verifyFailure(err);
    if (failure) {
      this.failure.set(failure);
      return;
    }
    const issues = fieldIssues(err);
    if (issues.length) {
      this.issues.set(issues);
      this.otherError.set('Some fields were refused: see the messages under them.');
      return;
    }
    this.otherError.set(explainConnectError(err));
  }
}
