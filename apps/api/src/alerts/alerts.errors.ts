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
