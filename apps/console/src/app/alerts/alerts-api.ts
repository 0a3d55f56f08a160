import { Injectable, inject } from '@angular/core';
import {
  AlertRecipientConfirmedSchema,
  AlertSubscriptionPageSchema,
  AlertSubscriptionSchema,
  AlertSubscriptionWithSecretSchema,
  AlertTestResultSchema,
  type CreateAlertSubscriptionInput,
  type UpdateAlertSubscription,
} from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { ApiClient } from '../core/http/api-client';

const BASE = '/api/alert-subscriptions';
const at = (id: string) => `${BASE}/${encodeURIComponent(id)}`;

/** Alert subscriptions and the recipients' confirmation link. */
@Injectable({ providedIn: 'root' })
export class AlertsApi {
  private readonly api = inject(ApiClient);

  subscriptions(page: () => { page: number; page_size: number }) {
    return apiResource(() => ({ url: BASE, params: page() }), AlertSubscriptionPageSchema);
  }

  /** The dialog explains its errors (field issues under the fields). */
  create(body: CreateAlertSubscriptionInput) {
    return this.api.post(BASE, body, AlertSubscriptionWithSecretSchema, { silent: true });
  }

  update(id: string, body: UpdateAlertSubscription) {
    return this.api.patch(at(id), body, AlertSubscriptionSchema, { silent: true });
  }

  /** Failures are explained by the caller (explainTestFailure). */
  test(id: string) {
    return this.api.post(`${at(id)}/test`, null, AlertTestResultSchema, { silent: true });
  }

  rotateSecret(id: string) {
    return this.api.post(`${at(id)}/rotate-secret`, null, AlertSubscriptionWithSecretSchema);
  }

  remove(id: string) {
    return this.api.send('DELETE', at(id));
  }

  /** The link of a recipient's confirmation email (no session); the page explains failures. */
  confirmRecipient(token: string) {
    return this.api.post('/api/alert-recipients/confirm', { token }, AlertRecipientConfirmedSchema, {
      silent: true,
    });
  }
}
