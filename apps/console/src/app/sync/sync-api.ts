import { Injectable, inject } from '@angular/core';
import {
  SyncRunCreatedSchema,
  SyncRunPageSchema,
  SyncRunSchema,
  type SyncRequest,
} from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { ApiClient } from '../core/http/api-client';

/** CUR sync runs: start one, follow one, list them. Starting and following explain their own errors. */
@Injectable({ providedIn: 'root' })
export class SyncApi {
  private readonly api = inject(ApiClient);

  start(body: SyncRequest) {
    return this.api.post('/api/cur/sync', body, SyncRunCreatedSchema, { silent: true });
  }

  run(id: string) {
    return this.api.get(`/api/cur/sync-runs/${encodeURIComponent(id)}`, SyncRunSchema, { silent: true });
  }

  runs(page: () => { page: number; page_size: number }) {
    return apiResource(() => ({ url: '/api/cur/sync-runs', params: page() }), SyncRunPageSchema);
  }
}
