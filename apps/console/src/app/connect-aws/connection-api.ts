import { InjectionToken, Injectable, inject } from '@angular/core';
import {
  ConnectionSchema,
  VerifyFailureDetailsSchema,
  type ConnectAwsInput,
  type ConnectionError,
  type ConnectionStatus,
  type CurFormat,
  type VerifyStep,
  type VerifyStepName,
} from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { ApiClient } from '../core/http/api-client';
import { apiError, describeError, errorCode } from '../core/http/api-error';

/** The connection endpoints of the signed-in tenant, or of any tenant for a global owner (admin). */
export interface ConnectionUrls {
  connection: string;
  connect: string;
  verify: string;
}

export function connectionUrls(tenantId?: string | null): ConnectionUrls {
  if (!tenantId) {
    return {
      connection: '/api/tenants/connection',
      connect: '/api/tenants/connect',
      verify: '/api/tenants/connection/verify',
    };
  }
  const base = `/api/admin/tenants/${encodeURIComponent(tenantId)}`;
  return {
    connection: `${base}/connection`,
    connect: `${base}/connect`,
    verify: `${base}/connection/verify`,
  };
}

/**
 * The AWS connection of the signed-in tenant (`tenantId` absent) or, for a global owner, of any tenant.
 * Connecting, verifying, polling and disconnecting explain their errors on the page (silent).
 */
@Injectable({ providedIn: 'root' })
export class ConnectionApi {
  private readonly api = inject(ApiClient);

  connection(tenantId: () => string | null | undefined = () => null) {
    return apiResource(() => connectionUrls(tenantId()).connection, ConnectionSchema);
  }

  /** One look at the connection while a verification runs (its `in_progress` steps). */
  poll(tenantId?: string | null) {
    return this.api.get(connectionUrls(tenantId).connection, ConnectionSchema, { silent: true });
  }

  connect(body: ConnectAwsInput, tenantId?: string | null) {
    return this.api.post(connectionUrls(tenantId).connect, body, ConnectionSchema, { silent: true });
  }

  verify(tenantId?: string | null) {
    return this.api.post(connectionUrls(tenantId).verify, null, ConnectionSchema, { silent: true });
  }

  disconnect(tenantId?: string | null) {
    return this.api.send('DELETE', connectionUrls(tenantId).connection, null, { silent: true });
  }
}

/** The five verification steps, in the order the API runs them. */
export const VERIFY_STEPS: readonly { step: VerifyStepName; title: string }[] = [
  { step: 'assume_role', title: 'Assume the role with your External ID' },
  { step: 'external_id_enforced', title: 'Check the role refuses callers without the External ID' },
  { step: 'workgroup', title: 'Find the Athena workgroup' },
  { step: 'table', title: 'Find the CUR table and read its columns' },
  { step: 'data', title: 'Query the latest CUR data' },
];

export type StepRowStatus = 'ok' | 'failed' | 'warning' | 'running' | 'pending';

export interface StepRow {
  step: VerifyStepName;
  title: string;
  status: StepRowStatus;
  /** What the API said about the step (skipped steps say why). */
  message: string;
  skipped: boolean;
  duration_ms: number | null;
}

function row(step: VerifyStepName, title: string, done: VerifyStep | undefined): StepRow {
  if (!done) return { step, title, status: 'pending', message: '', skipped: false, duration_ms: null };
  if (done.status === 'skipped') {
    return {
      step,
      title: done.title || title,
      status: 'pending',
      message: done.message,
      skipped: true,
      duration_ms: null,
    };
  }
  return {
    step,
    title: done.title || title,
    status: done.status,
    message: done.message,
    skipped: false,
    duration_ms: done.duration_ms,
  };
}

/**
 * The five rows of a verification: the finished steps with their result, then (while `running`) the
 * next one running and the rest pending. `failedStep` marks a step red even when the API listed it
 * differently (e.g. a failure before any step finished).
 */
export function stepRows(
  finished: readonly VerifyStep[],
  opts: { running?: boolean; failedStep?: VerifyStepName | null } = {},
): StepRow[] {
  let nextMarked = false;
  return VERIFY_STEPS.map(({ step, title }) => {
    const r = row(
      step,
      title,
      finished.find((s) => s.step === step),
    );
    if (opts.failedStep === step) return { ...r, status: 'failed', skipped: false };
    if (opts.running && r.status === 'pending' && !r.skipped && !nextMarked) {
      nextMarked = true;
      return { ...r, status: 'running' };
    }
    return r;
  });
}

/** A failed verification as the page shows it: which step, what happened, AWS's words, what to try. */
export interface VerifyFailure {
  code: string;
  message: string;
  step: VerifyStepName | null;
  hints: string[];
  aws_error: string | null;
  steps: VerifyStep[];
}

/** The 422 of connect/verify (`details`: VerifyFailureDetails in the contract), or null for any other error. */
export function verifyFailure(err: unknown): VerifyFailure | null {
  const body = apiError(err);
  const details = VerifyFailureDetailsSchema.safeParse(body?.details);
  if (!body || !details.success) return null;
  return { code: body.code, message: body.message, ...details.data };
}

/** The connection's stored last error, shaped like a fresh failure. */
export function failureFromLastError(error: ConnectionError, steps: VerifyStep[]): VerifyFailure {
  return { ...error, steps };
}

/** Any other failure of connect/verify, in words (no step to point at). */
export function explainConnectError(err: unknown): string {
  switch (errorCode(err) ?? '') {
    case 'FORBIDDEN':
      return 'Only owners and admins can change the AWS connection.';
    case 'NOT_CONNECTED':
      return 'Nothing is saved yet: fill in the form and save to connect.';
    default:
      return describeError(err);
  }
}

export function stepTitle(step: VerifyStepName | null): string {
  return VERIFY_STEPS.find((s) => s.step === step)?.title ?? '';
}

/** The AWS account id inside a role ARN (arn:aws:iam::<account>:role/...). */
export function accountOf(roleArn: string | null | undefined): string | null {
  return /^arn:aws[\w-]*:iam::(\d{12}):/.exec(roleArn ?? '')?.[1] ?? null;
}

/** How often the page asks for progress while a verification runs. */
export const CONNECT_POLL_MS = new InjectionToken<number>('CONNECT_POLL_MS', { factory: () => 500 });

/** How long the success message stays on the page before going on to the dashboard. */
export const CONNECT_SUCCESS_REDIRECT_MS = new InjectionToken<number>('CONNECT_SUCCESS_REDIRECT_MS', {
  factory: () => 1500,
});

export const STATUS_LABELS: Record<ConnectionStatus, string> = {
  not_connected: 'Not connected',
  verifying: 'Verifying…',
  connected: 'AWS Connected',
  pending_data: 'AWS Connected, waiting for the first cost data',
  error: 'Connection problem',
};

export const STATUS_ICONS: Record<ConnectionStatus, string> = {
  not_connected: 'cloud_queue',
  verifying: 'cloud_sync',
  connected: 'cloud_done',
  pending_data: 'hourglass_top',
  error: 'cloud_off',
};

export const FORMAT_LABELS: Record<CurFormat, string> = {
  legacy: 'Legacy CUR',
  cur2: 'CUR 2.0',
  focus: 'FOCUS',
};

export const PENDING_DATA_NOTE =
  'Your Cost and Usage Report has no data yet: the first report takes 24-48 hours to arrive. The connection is saved and we start analysing as soon as data lands.';
