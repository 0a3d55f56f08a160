import { AppError } from '../common/errors';
import type { DeliveryFailure } from './alert-transport';

export const invalidField = (field: string, message: string) =>
  new AppError(400, 'VALIDATION_FAILED', `Invalid body: ${field}`, [{ field, message }]);

export const emailNotConfigured = (missing: string) =>
  new AppError(
    422,
    'EMAIL_NOT_CONFIGURED',
    `Email alerts need an SMTP server: the platform operator must set ${missing}`,
    { missing },
  );

export const noSigningSecret = () =>
  new AppError(422, 'NO_SIGNING_SECRET', 'Only webhook subscriptions have a signing secret');

/** A test send failed: 502 naming the failing step (email not configured is the operator's: 422). */
export const deliveryFailed = (f: DeliveryFailure, deliveryId: string) =>
  f.step === 'config'
    ? new AppError(422, 'EMAIL_NOT_CONFIGURED', f.message, { step: f.step, delivery_id: deliveryId })
    : new AppError(502, 'ALERT_DELIVERY_FAILED', `Test alert failed at step "${f.step}": ${f.message}`, {
        step: f.step,
        error: f.message,
        delivery_id: deliveryId,
      });

/** A per-tenant limit of on-demand sends (ALERT_TEST_PER_HOUR, ALERT_CONFIRMATIONS_PER_DAY). */
export const quotaExceeded = (what: string, max: number, window: string, retryAfter: number) =>
  new AppError(
    429,
    'RATE_LIMITED',
    `At most ${max} ${what} per ${window} for your company; try again in ${retryAfter} s`,
    { retry_after_s: retryAfter },
    { 'retry-after': String(retryAfter) },
  );

/** A test of an email subscription none of whose recipients confirmed yet. */
export const recipientsUnconfirmed = (confirmationsSent: number) =>
  new AppError(
    422,
    'RECIPIENTS_UNCONFIRMED',
    `No recipient has confirmed these alerts yet: alerts go only to addresses that followed the link in their confirmation email (sent again to ${confirmationsSent})`,
    { confirmations_sent: confirmationsSent },
  );

export const confirmationNotFound = () =>
  new AppError(
    404,
    'NOT_FOUND',
    'This confirmation link is unknown, used or expired: ask for a new one (a test alert of the subscription sends it again)',
  );
