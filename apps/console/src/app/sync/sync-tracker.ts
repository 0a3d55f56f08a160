import { HttpErrorResponse } from '@angular/common/http';
import { Injectable, InjectionToken, OnDestroy, computed, inject, signal } from '@angular/core';
import type { SyncRun } from '@cost-optimizer/dto';
import { Subject, Subscription, catchError, exhaustMap, of, takeWhile, timer } from 'rxjs';
import { apiError, describeError } from '../core/http/api-error';
import { SyncApi } from './sync-api';

/** How often a running sync is polled. */
export const SYNC_POLL_MS = new InjectionToken<number>('SYNC_POLL_MS', { factory: () => 1000 });

/** Polls that may fail in a row (network blips) before the page gives up following a run. */
const MAX_POLL_FAILURES = 5;

export const isFinished = (run: SyncRun): boolean => run.status === 'succeeded' || run.status === 'failed';

/** The run id a 409 names: the sync that is already queued or running. */
export function runningRunId(err: unknown): string | null {
  const details = apiError(err)?.details;
  if (typeof details !== 'object' || details === null) return null;
  const id = (details as Record<string, unknown>)['run_id'];
  return typeof id === 'string' ? id : null;
}

/** What a failed "Sync now" means for the person who clicked it. */
export function explainSyncError(err: unknown): string {
  switch (apiError(err)?.code) {
    case 'NOT_CONNECTED':
      return 'Connect an AWS account first: there is no Cost and Usage Report to read yet.';
    case 'FORBIDDEN':
      return 'Only owners and admins can start a sync.';
    default:
      return describeError(err);
  }
}

/**
 * One page's "Sync now": POST /api/cur/sync (or, on a 409, the run already going), then polls the run
 * until it succeeds or fails and announces that on `finished`. Provide it in the page component.
 */
@Injectable()
export class SyncTracker implements OnDestroy {
  private readonly api = inject(SyncApi);
  private readonly pollMs = inject(SYNC_POLL_MS);
  private polling: Subscription | null = null;
  private starting$: Subscription | null = null;

  readonly run = signal<SyncRun | null>(null);
  readonly starting = signal(false);
  readonly error = signal<string | null>(null);
  private readonly following = signal(false);
  /** True from the click until the run has finished. */
  readonly active = computed(() => {
    const run = this.run();
    return this.starting() || (this.following() && run !== null && !isFinished(run));
  });
  readonly finished = new Subject<SyncRun>();

  /** Starts a sync of the last `months` (default: the server's), or `'history'`: load the history not loaded yet. */
  start(months?: number | 'history'): void {
    if (this.active()) return;
    this.error.set(null);
    this.starting.set(true);
    const body = months === 'history' ? { history: true } : months === undefined ? {} : { months };
    this.starting$ = this.api.start(body).subscribe({
      next: ({ run_id }) => this.follow(run_id),
      error: (err: unknown) => {
        const running = err instanceof HttpErrorResponse && err.status === 409 ? runningRunId(err) : null;
        if (running) {
          this.follow(running);
          return;
        }
        this.starting.set(false);
        this.error.set(explainSyncError(err));
      },
    });
  }

  /** Follows a run (e.g. one the nightly job or a connection started) until it finishes. */
  follow(runId: string, known?: SyncRun): void {
    this.stopPolling();
    this.error.set(null);
    this.starting.set(false);
    this.run.set(known ?? this.placeholder(runId));
    this.following.set(true);
    let failures = 0;
    this.polling = timer(0, this.pollMs)
      .pipe(
        exhaustMap(() =>
          this.api.run(runId).pipe(
            catchError((err: unknown) => {
              failures += 1;
              if (failures >= MAX_POLL_FAILURES) {
                this.error.set(`Lost track of the sync: ${describeError(err)}`);
                this.stopPolling();
              }
              return of(null);
            }),
          ),
        ),
        takeWhile((run) => run === null || !isFinished(run), true),
      )
      .subscribe((run) => {
        if (!run) return;
        failures = 0;
        this.run.set(run);
        if (isFinished(run)) {
          this.polling = null;
          this.following.set(false);
          this.finished.next(run);
        }
      });
  }

  ngOnDestroy(): void {
    this.starting$?.unsubscribe();
    this.stopPolling();
    this.finished.complete();
  }

  private stopPolling(): void {
    this.polling?.unsubscribe();
    this.polling = null;
    this.following.set(false);
  }

  private placeholder(id: string): SyncRun {
    return {
      id,
      status: 'queued',
      trigger: 'manual',
      mode: 'months',
      months: [],
      progress: { phase: 'queued', months_done: 0, months_total: 0, current_month: null },
      month_stats: [],
      rows_loaded: 0,
      bytes_scanned: 0,
      estimated_cost_usd: 0,
      athena_ms: 0,
      load_ms: 0,
      attempt: 1,
      error: null,
      created_at: new Date().toISOString(),
      started_at: null,
      finished_at: null,
    };
  }
}
