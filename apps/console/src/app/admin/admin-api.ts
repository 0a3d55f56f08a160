import { Injectable, inject } from '@angular/core';
import { AdminTenantDetailSchema, AdminTenantPageSchema } from '@cost-optimizer/dto';
import { ApiClient } from '../core/http/api-client';

export interface AdminTenantQuery {
  page: number;
  page_size: number;
  q?: string;
}

/** The global owner's view of every tenant. */
@Injectable({ providedIn: 'root' })
export class AdminApi {
  private readonly api = inject(ApiClient);

  tenants(query: () => AdminTenantQuery) {
    return this.api.resource(() => ({ url: '/api/admin/tenants', params: { ...query() } }), AdminTenantPageSchema);
  }

  tenant(id: () => string) {
    return this.api.resource(() => `/api/admin/tenants/${encodeURIComponent(id())}`, AdminTenantDetailSchema);
  }
}
