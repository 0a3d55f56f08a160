import { Injectable } from '@angular/core';
import { AdminTenantDetailSchema, AdminTenantPageSchema } from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';

export interface AdminTenantQuery {
  page: number;
  page_size: number;
  q?: string;
}

/** The global owner's view of every tenant. */
@Injectable({ providedIn: 'root' })
export class AdminApi {
  tenants(query: () => AdminTenantQuery) {
    return apiResource(() => ({ url: '/api/admin/tenants', params: { ...query() } }), AdminTenantPageSchema);
  }

  tenant(id: () => string) {
    return apiResource(() => `/api/admin/tenants/${encodeURIComponent(id())}`, AdminTenantDetailSchema);
  }
}
