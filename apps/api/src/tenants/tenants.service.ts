import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type {
  AddMemberRequest,
  AdminUser,
  AdminTenantDetail,
  AdminTenantListQuery,
  AdminTenantPage,
  Member,
  MemberList,
  Role,
  Tenant,
  UpdateTenantRequest,
} from '@cost-optimizer/dto';
import type { AuthUser } from '../common/auth-user';
import { AppError, forbidden, notFound } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { MembershipSchema, UserSchema } from './tenant.entity';
import { toAdminTenantDto, toMemberDto, toTenantDto } from './tenants.mapper';
import { TenantsRepository } from './tenants.repository';

@Injectable()
export class TenantsService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: TenantsRepository,
    private readonly audit: AuditService,
  ) {}

  async current(tenantId: string): Promise<Tenant> {
    const t = await this.repo.findTenant(this.em.fork(), tenantId);
    if (!t) throw notFound('Tenant');
    return toTenantDto(t);
  }

  async update(tenantId: string, body: UpdateTenantRequest): Promise<Tenant> {
    const em = this.em.fork();
    const t = await this.repo.findTenant(em, tenantId);
    if (!t) throw notFound('Tenant');
    if (body.name !== undefined && body.name !== t.name) {
      await this.audit.record(
        {
          tenantId,
          action: 'tenant.renamed',
          target: { type: 'tenant', id: tenantId },
          details: { from: t.name, to: body.name },
        },
        em,
      );
      t.name = body.name;
    }
    if (body.default_measure !== undefined && body.default_measure !== t.default_measure) {
      await this.audit.record(
        {
          tenantId,
          action: 'tenant.default_measure_changed',
          target: { type: 'tenant', id: tenantId },
          details: { from: t.default_measure, to: body.default_measure },
        },
        em,
      );
      t.default_measure = body.default_measure;
    }
    await em.flush();
    return toTenantDto(t);
  }

  async members(tenantId: string): Promise<MemberList> {
    return { items: (await this.repo.members(this.em.fork(), tenantId)).map(toMemberDto) };
  }

  async addMember(actor: AuthUser, body: AddMemberRequest): Promise<Member> {
    if (body.role === 'owner' && actor.role !== 'owner')
      throw forbidden('Only owners can make someone an owner');
    const em = this.em.fork();
    return em.transactional(async (tx) => {
      const user = await tx.findOne(UserSchema, { email: body.email });
      if (!user) {
        throw new AppError(
          422,
          'USER_NOT_FOUND',
          `No account uses ${body.email}: ask them to sign up first, then add them`,
          [{ field: 'email', message: 'No account with this email' }],
        );
      }
      if (await this.repo.member(tx, actor.tenantId, user.id)) {
        throw new AppError(409, 'CONFLICT', `${body.email} is already a member`, [
          { field: 'email', message: 'Already a member' },
        ]);
      }
      const m = tx.create(MembershipSchema, { tenant: actor.tenantId, user, role: body.role });
      await this.audit.record(
        {
          tenantId: actor.tenantId,
          action: 'member.added',
          target: { type: 'user', id: user.id },
          details: { email: user.email, role: body.role },
        },
        tx,
      );
      await tx.flush();
      return toMemberDto(m);
    });
  }

  async changeRole(actor: AuthUser, userId: string, role: Role): Promise<Member> {
    const em = this.em.fork();
    return em.transactional(async (tx) => {
      const m = await this.repo.member(tx, actor.tenantId, userId);
      if (!m) throw notFound('Member');
      if ((role === 'owner' || m.role === 'owner') && actor.role !== 'owner')
        throw forbidden('Only owners can grant or take the owner role');
      if (m.role === 'owner' && role !== 'owner') await this.keepAnOwner(tx, actor.tenantId);
      if (m.role !== role) {
        await this.audit.record(
          {
            tenantId: actor.tenantId,
            action: 'member.role_changed',
            target: { type: 'user', id: userId },
            details: { email: m.user.email, from: m.role, to: role },
          },
          tx,
        );
      }
      m.role = role;
      await tx.flush();
      return toMemberDto(m);
    });
  }

  async removeMember(actor: AuthUser, userId: string): Promise<void> {
    const em = this.em.fork();
    await em.transactional(async (tx) => {
      const m = await this.repo.member(tx, actor.tenantId, userId);
      if (!m) throw notFound('Member');
      if (m.role === 'owner' && actor.role !== 'owner') throw forbidden('Only owners can remove an owner');
      if (m.role === 'owner') await this.keepAnOwner(tx, actor.tenantId);
      await this.audit.record(
        {
          tenantId: actor.tenantId,
          action: 'member.removed',
          target: { type: 'user', id: userId },
          details: { email: m.user.email, role: m.role },
        },
        tx,
      );
      tx.remove(m);
      await tx.flush();
    });
  }

  async adminList(q: AdminTenantListQuery): Promise<AdminTenantPage> {
    const { total, rows } = await this.repo.search(
      this.em.fork(),
      q.q || undefined,
      (q.page - 1) * q.page_size,
      q.page_size,
    );
    return {
      items: rows.map((r) =>
        toAdminTenantDto(
          { id: r.id, name: r.name, created_at: new Date(r.created_at) },
          r.member_count,
          r.owner_emails ?? [],
        ),
      ),
      total,
      page: q.page,
      page_size: q.page_size,
    };
  }

  async adminDetail(tenantId: string): Promise<AdminTenantDetail> {
    const em = this.em.fork();
    const t = await this.repo.findTenant(em, tenantId);
    if (!t) throw notFound('Tenant');
    const members = await this.repo.members(em, tenantId);
    return {
      ...toAdminTenantDto(
        t,
        members.length,
        members
          .filter((m) => m.role === 'owner')
          .map((m) => m.user.email)
          .sort(),
      ),
      members: members.map(toMemberDto),
    };
  }

  /**
   * A global owner disables (or re-enables) an account. Disabling revokes every refresh token at once; access
   * tokens stop working at the next request (each request re-reads the user). The event goes to the audit log
   * of every tenant the user belongs to.
   */
  async setUserDisabled(actor: AuthUser, userId: string, disabled: boolean): Promise<AdminUser> {
    if (disabled && actor.userId === userId)
      throw new AppError(422, 'CANNOT_DISABLE_SELF', 'You cannot disable your own account');
    const em = this.em.fork();
    return em.transactional(async (tx) => {
      const user = await tx.findOne(UserSchema, { id: userId });
      if (!user) throw notFound('User');
      const changed = disabled ? !user.disabled_at : !!user.disabled_at;
      user.disabled_at = disabled ? (user.disabled_at ?? new Date()) : null;
      if (disabled) {
        await tx
          .getConnection()
          .execute(
            'update refresh_token set revoked_at = now() where user_id = ? and revoked_at is null',
            [userId],
            'run',
            tx.getTransactionContext(),
          );
      }
      if (changed) {
        const memberships = await tx.find(MembershipSchema, { user: userId });
        for (const m of memberships) {
          await this.audit.record(
            {
              tenantId: m.tenant.id,
              action: disabled ? 'user.disabled' : 'user.enabled',
              target: { type: 'user', id: userId },
              details: { email: user.email },
            },
            tx,
          );
        }
      }
      await tx.flush();
      return {
        id: user.id,
        email: user.email,
        disabled_at: user.disabled_at ? user.disabled_at.toISOString() : null,
      };
    });
  }

  /** Locks the tenant's owner rows so two concurrent demotions cannot both pass. */
  private async keepAnOwner(tx: EntityManager, tenantId: string): Promise<void> {
    const owners: unknown[] = await tx
      .getConnection()
      .execute(
        `select id from membership where tenant_id = ? and role = 'owner' for update`,
        [tenantId],
        'all',
        tx.getTransactionContext(),
      );
    if (owners.length <= 1) {
      throw new AppError(
        422,
        'LAST_OWNER',
        'A tenant needs at least one owner: make someone else owner first',
      );
    }
  }
}
