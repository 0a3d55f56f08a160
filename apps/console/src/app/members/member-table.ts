import { DatePipe } from '@angular/common';
import { Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatSelectChange, MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Member, Role } from '@cost-optimizer/dto';
import { ROLES, ROLE_LABELS } from './roles';

export interface RoleChange {
  member: Member;
  role: Role;
}

/** The tenant's members; owners and admins may change roles and remove people. */
@Component({
  selector: 'app-member-table',
  imports: [DatePipe, MatButtonModule, MatIconModule, MatSelectModule, MatTableModule, MatTooltipModule],
  templateUrl: './member-table.html',
  styles: `
    table {
      width: 100%;
    }
    .role-select {
      width: 130px;
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
  `,
})
export class MemberTable {
  readonly members = input.required<readonly Member[]>();
  readonly canManage = input(false);
  readonly currentUserId = input<string>();
  readonly busy = input(false);
  readonly roleChange = output<RoleChange>();
  readonly remove = output<Member>();

  protected readonly roles = ROLES;
  protected readonly labels = ROLE_LABELS;
  protected readonly columns = ['person', 'role', 'joined', 'actions'];

  protected label(role: Role): string {
    return ROLE_LABELS[role];
  }

  /** The select shows the server's truth: it goes back to the current role until the change is saved. */
  protected changeRole(member: Member, change: MatSelectChange<Role>): void {
    const role = change.value;
    change.source.value = member.role;
    if (role !== member.role) this.roleChange.emit({ member, role });
  }
}
