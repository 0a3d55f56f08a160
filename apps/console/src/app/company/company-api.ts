import { Injectable, inject } from '@angular/core';
import { TenantSchema, type UpdateTenantRequest } from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { ApiClient } from '../core/http/api-client';

/** The signed-in user's current company (tenant): its name and default measure. */
@Injectable({ providedIn: 'root' })
export class CompanyApi {
  private readonly api = inject(ApiClient);

  tenant() {
    return apiResource(() => '/api/tenants/current', TenantSchema);
  }

  update(body: UpdateTenantRequest) {
    return this.api.patch('/api/tenants/current', body, TenantSchema);
  }
}
