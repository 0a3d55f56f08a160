import { Injectable, inject } from '@angular/core';
import { DashboardSchema, type Measure } from '@cost-optimizer/dto';
import { ApiClient, type QueryParams } from '../core/http/api-client';

/** The dashboard's figures, in the picked measure (null: the tenant's default). */
@Injectable({ providedIn: 'root' })
export class DashboardApi {
  private readonly api = inject(ApiClient);

  dashboard(measure: () => Measure | null) {
    return this.api.resource(() => {
      const m = measure();
      const params: QueryParams = m ? { measure: m } : {};
      return { url: '/api/dashboard', params };
    }, DashboardSchema);
  }
}
