import { Injectable, inject } from '@angular/core';
import { CostsResponseSchema, type CostsQuery } from '@cost-optimizer/dto';
import { ApiClient } from '../core/http/api-client';
import { costsParams } from './costs-query';

/** The cost explorer's query. Its errors are explained on the page (field issues under the fields). */
@Injectable({ providedIn: 'root' })
export class CostsApi {
  private readonly api = inject(ApiClient);

  /** `undefined` from `query`: nothing applied yet. */
  costs(query: () => CostsQuery | null) {
    return this.api.resource(() => {
      const q = query();
      return q ? { url: '/api/costs', params: costsParams(q), silent: true } : undefined;
    }, CostsResponseSchema);
  }
}
