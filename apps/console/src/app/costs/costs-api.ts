import { Injectable } from '@angular/core';
import { CostsResponseSchema, type CostsQuery } from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { costsParams } from './costs-query';

/** The cost explorer's query. Its errors are explained on the page (field issues under the fields). */
@Injectable({ providedIn: 'root' })
export class CostsApi {
  /** `undefined` from `query`: nothing applied yet. */
  costs(query: () => CostsQuery | null) {
    return apiResource(() => {
      const q = query();
      return q ? { url: '/api/costs', params: costsParams(q), silent: true } : undefined;
    }, CostsResponseSchema);
  }
}
