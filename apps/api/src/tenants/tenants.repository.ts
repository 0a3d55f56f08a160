import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { MembershipSchema, TenantSchema, type Membership, type Tenant } from './tenant.entity';

/** Named queries; every tenant-owned read is scoped by the tenant id passed in. */
@Injectable()
export class TenantsRepository {
  findTenant(em: EntityManager, tenantId: string): Promise<Tenant | null> {
    return em.findOne(TenantSchema, { id: tenantId });
  }

  members(em: EntityManager, tenantId: string): Promise<Membership[]> {
    return em.find(
      MembershipSchema,
      { tenant: tenantId },
      { populate: ['user'], orderBy: { created_at: 'asc' } },
    );
  }

  member(em: EntityManager, tenantId: string, userId: string): Promise<Membership | null> {
    return em.findOne(MembershipSchema, { tenant: tenantId, user: userId }, { populate: ['user'] });
  }

  countOwners(em: EntityManager, tenantId: string): Promise<number> {
    return em.count(MembershipSchema, { tenant: tenantId, role: 'owner' });
  }

  /** Global-owner listing: name or member email contains q (case-insensitive). */
  async search(em: EntityManager, q: string | undefined, offset: number, limit: number) {
    const like = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const where = like
      ? `where t.name ilike ? or exists (select 1 from membership m join app_user u on u.id = m.user_id where m.tenant_id = t.id and u.email ilike ?)`
      : '';
    const params = like ? [like, like] : [];
    const counted = await em.execute<{ total: number }[]>(
      `select count(*)::int as total from tenant t ${where}`,
      params,
    );
    const total = counted[0]?.total ?? 0;
    const rows: {
      id: string;
      name: string;
      created_at: Date;
      member_count: number;
      owner_emails: string[] | null;
    }[] = await em.execute(
      `select t.id, t.name, t.created_at,
                (select count(*)::int from membership m where m.tenant_id = t.id) as member_count,
                (select array_agg(u.email order by u.email) from membership m join app_user u on u.id = m.user_id
                  where m.tenant_id = t.id and m.role = 'owner') as owner_emails
           from tenant t ${where}
          order by t.created_at desc, t.id
          limit ? offset ?`,
      [...params, limit, offset],
    );
    return { total, rows };
  }
}
