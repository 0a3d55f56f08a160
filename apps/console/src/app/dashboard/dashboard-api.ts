import { Injectable } from '@angular/core';
import { DashboardSchema, type Measure } from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import type { QueryParams } from '../core/http/api-client';

/** The dashboard's figures, in the picked measure (null: the tenant's default). */
@Injectable({ providedIn: 'root' })
export class DashboardApi {
  dashboard(measure: () => Measure | null) {
    return apiResource(() => {
      const m = measure();
      const params: QueryParams = m ? { measure: m } : {};
      return { url: '/api/dashboard', params };
    }, DashboardSchema);
  }
}
