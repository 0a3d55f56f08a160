import { Injectable, inject } from '@angular/core';
import {
  InvitationListSchema,
  InvitationSchema,
  MemberListSchema,
  MemberSchema,
  MyInvitationListSchema,
  type AddMemberRequest,
  type Role,
} from '@cost-optimizer/dto';
import { apiResource } from '../core/http/api-resource';
import { ApiClient } from '../core/http/api-client';

const MEMBERS = '/api/tenants/current/members';
const SENT = '/api/tenants/current/invitations';

/** The current company's members, the invitations it sent, and the ones the signed-in user received. */
@Injectable({ providedIn: 'root' })
export class MembersApi {
  private readonly api = inject(ApiClient);

  members() {
    return apiResource(() => MEMBERS, MemberListSchema);
  }

  /** Adding a member sends an invitation: they join when they accept it. */
  invite(request: AddMemberRequest) {
    return this.api.post(MEMBERS, request, InvitationSchema);
  }

  changeRole(userId: string, role: Role) {
    return this.api.patch(`${MEMBERS}/${encodeURIComponent(userId)}`, { role }, MemberSchema);
  }

  remove(userId: string) {
    return this.api.send('DELETE', `${MEMBERS}/${encodeURIComponent(userId)}`);
  }

  /** `enabled` false: the list is not loaded (only owners and admins see sent invitations). */
  sentInvitations(enabled: () => boolean) {
    return apiResource(() => (enabled() ? SENT : undefined), InvitationListSchema);
  }

  revokeInvitation(id: string) {
    return this.api.send('DELETE', `${SENT}/${encodeURIComponent(id)}`);
  }

  myInvitations() {
    return apiResource(() => '/api/invitations', MyInvitationListSchema);
  }

  /** `silent`: errors are the caller's to show (the invitation link's page words them itself). */
  acceptInvitation(id: string, silent = false) {
    return this.api.post(`/api/invitations/${encodeURIComponent(id)}/accept`, {}, MemberSchema, { silent });
  }
}
