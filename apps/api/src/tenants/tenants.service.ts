import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import type {
  AddMemberRequest,
  AdminUser,
  AdminTenantDetail,
  AdminTenantListQuery,
  AdminTenantPage,
  Invitation,
  InvitationList,
  Member,
  MemberList,
  MyInvitationList,
  Role,
  Tenant,
  UpdateTenantRequest,
} from '@cost-optimizer/dto';
import type { AuthUser } from '../common/auth-user';
import { AppError, forbidden, notFound } from '../common/errors';
import { AuditService } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { platformEm } from '../database/db-scope';
import { InvitationSchema } from './invitation.entity';
import { InvitationMail } from './invitation-mail';
import { MembershipSchema, UserSchema } from './tenant.entity';
import { toAdminTenantDto, toInvitationDto, toMemberDto, toTenantDto } from './tenants.mapper';

/** An invitation can be accepted for this long after it was (last) sent. */
const INVITATION_TTL_MS = 14 * 24 * 3600 * 1000;
import { TenantsRepository } from './tenants.repository';

@Injectable()
export class TenantsService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: TenantsRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.mail = new InvitationMail(config);
  }

  private readonly mail: InvitationMail;

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

  /**
   * Invites someone (owner/admin): nobody becomes a member without accepting. The answer is the same whether or not
   * an account uses the email (no enumeration); only an existing member of this tenant answers 409, which the
   * member list shows anyway. Inviting again renews the invitation with the new role and a new link (the old one
   * stops working). When the platform sends email, the invitee gets the link in the background.
   */
  async addMember(actor: AuthUser, body: AddMemberRequest): Promise<Invitation> {
    if (body.role === 'owner' && actor.role !== 'owner')
      throw forbidden('Only owners can make someone an owner');
    const em = this.em.fork();
    const secret = randomBytes(32).toString('base64url');
    const tokenHash = createHash('sha256').update(secret).digest('hex');
    const { inv, tenantName } = await em.transactional(async (tx) => {
      if (await tx.count(MembershipSchema, { tenant: actor.tenantId, user: { email: body.email } })) {
        throw new AppError(409, 'CONFLICT', `${body.email} is already a member`, [
          { field: 'email', message: 'Already a member' },
        ]);
      }
      const expires = new Date(Date.now() + INVITATION_TTL_MS);
      let inv = await tx.findOne(InvitationSchema, { tenant: actor.tenantId, email: body.email });
      if (inv) {
        inv.role = body.role;
        inv.invited_by = actor.userId;
        inv.created_at = new Date();
        inv.expires_at = expires;
        inv.token_hash = tokenHash;
      } else {
        inv = tx.create(InvitationSchema, {
          tenant: actor.tenantId,
          email: body.email,
          role: body.role,
          invited_by: actor.userId,
          expires_at: expires,
          token_hash: tokenHash,
        });
      }
      await this.audit.record(
        {
          tenantId: actor.tenantId,
          action: 'member.invited',
          target: { type: 'invitation', id: inv.id },
          details: { email: body.email, role: body.role },
        },
        tx,
      );
      await tx.flush();
      const tenant = await this.repo.findTenant(tx, actor.tenantId);
      return { inv, tenantName: tenant?.name ?? 'a company' };
    });
    void this.mail.send({
      email: inv.email,
      tenantName,
      role: inv.role,
      inviter: actor.email,
      token: `${inv.id}.${secret}`,
      expiresAt: inv.expires_at,
    });
    return toInvitationDto(inv);
  }

  /** Pending invitations of the tenant (owner/admin). */
  async invitations(tenantId: string): Promise<InvitationList> {
    const rows = await this.em
      .fork()
      .find(
        InvitationSchema,
        { tenant: tenantId, expires_at: { $gt: new Date() } },
        { orderBy: { created_at: 'desc', id: 'asc' } },
      );
    return { items: rows.map(toInvitationDto) };
  }

  async revokeInvitation(actor: AuthUser, id: string): Promise<void> {
    const em = this.em.fork();
    const inv = await em.findOne(InvitationSchema, { id, tenant: actor.tenantId });
    if (!inv) throw notFound('Invitation');
    if (inv.role === 'owner' && actor.role !== 'owner')
      throw forbidden('Only owners can revoke an owner invitation');
    em.remove(inv);
    await this.audit.record(
      {
        tenantId: actor.tenantId,
        action: 'member.invitation_revoked',
        target: { type: 'invitation', id },
        details: { email: inv.email, role: inv.role },
      },
      em,
    );
    await em.flush();
  }

  /**
   * The invitations addressed to the caller's email, in every tenant: looked up in the platform scope by the
   * caller's own (verified by sign-in) email only.
   */
  async myInvitations(caller: AuthUser): Promise<MyInvitationList> {
    const rows = await platformEm(this.em).find(
      InvitationSchema,
      { email: caller.email, expires_at: { $gt: new Date() } },
      { populate: ['tenant'], orderBy: { created_at: 'desc', id: 'asc' } },
    );
    return {
      items: rows.map((i) => ({
        id: i.id,
        tenant: { id: i.tenant.id, name: i.tenant.name },
        role: i.role,
        invited_at: i.created_at.toISOString(),
        expires_at: i.expires_at.toISOString(),
      })),
    };
  }

  /** Accepts an invitation addressed to the caller: the caller becomes a member of its tenant with its role. */
  async acceptInvitation(caller: AuthUser, id: string): Promise<Member> {
    const em = platformEm(this.em);
    return em.transactional(async (tx) => {
      const inv = await tx.findOne(
        InvitationSchema,
        { id, email: caller.email, expires_at: { $gt: new Date() } },
        { populate: ['tenant'], lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!inv) throw notFound('Invitation');
      const tenantId = inv.tenant.id;
      let m = await this.repo.member(tx, tenantId, caller.userId);
      if (!m) {
        const user = await tx.findOneOrFail(UserSchema, { id: caller.userId });
        m = tx.create(MembershipSchema, { tenant: tenantId, user, role: inv.role });
        await this.audit.record(
          {
            tenantId,
            action: 'member.added',
            target: { type: 'user', id: caller.userId },
            details: { email: caller.email, role: inv.role, invitation: inv.id },
          },
          tx,
        );
      }
      tx.remove(inv);
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
