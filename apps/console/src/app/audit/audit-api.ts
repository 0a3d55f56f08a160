import { Injectable } from '@angular/core';
import { AuditEventPageSchema } from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import type { QueryParams } from '../core/http/api-client';

/** The audit log: the current company's, or (global owner) any tenant's. */
@Injectable({ providedIn: 'root' })
export class AuditApi {
  events(tenantId: () => string | null, params: () => QueryParams) {
    return apiResource(() => {
      const id = tenantId();
      const url = id ? `/api/admin/tenants/${encodeURIComponent(id)}/audit-events` : '/api/audit-events';
      return { url, params: params() };
    }, AuditEventPageSchema);
  }
}
