import { z } from 'zod';
import { RoleSchema } from './auth';
import { PageQuerySchema, pageOf } from './common';
import { MeasureSchema } from './costs';

export const TenantSchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ example: 'Analytical Engines Ltd' }),
    created_at: z.iso.datetime().meta({ example: '2026-11-24T10:00:00.000Z' }),
    default_measure: MeasureSchema.meta({
      description: 'The cost measure the dashboard and anomaly monitors use by default',
    }),
  })
  .meta({ id: 'Tenant' });
export type Tenant = z.infer<typeof TenantSchema>;

export const UpdateTenantRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional().meta({ example: 'Analytical Engines Ltd' }),
    default_measure: MeasureSchema.optional(),
  })
  .refine((b) => b.name !== undefined || b.default_measure !== undefined, {
    message: 'Give name and/or default_measure',
    path: ['name'],
  })
  .meta({ id: 'UpdateTenantRequest' });
export type UpdateTenantRequest = z.infer<typeof UpdateTenantRequestSchema>;

export const MemberSchema = z
  .object({
    user_id: z.uuid(),
    email: z.string().meta({ example: 'grace@example.com' }),
    name: z.string().nullable().meta({ example: 'Grace Hopper' }),
    role: RoleSchema,
    joined_at: z.iso.datetime(),
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof MemberSchema>;

export const MemberListSchema = z.object({ items: z.array(MemberSchema) }).meta({ id: 'MemberList' });
export type MemberList = z.infer<typeof MemberListSchema>;

export const AddMemberRequestSchema = z
  .object({
    email: z
      .email({ message: 'Must be a valid email address' })
      .transform((e) => e.trim().toLowerCase())
      .meta({
        description:
          'Whom to invite. They become a member when they accept, signed in with this email (signing up first if they have no account); the answer is the same whether or not an account uses it',
        example: 'grace@example.com',
      }),
    role: RoleSchema,
  })
  .meta({ id: 'AddMemberRequest' });
export type AddMemberRequest = z.infer<typeof AddMemberRequestSchema>;

export const InvitationSchema = z
  .object({
    id: z.uuid(),
    email: z.string().meta({ example: 'grace@example.com' }),
    role: RoleSchema,
    invited_at: z.iso.datetime(),
    expires_at: z.iso.datetime().meta({ description: '14 days after the (last) invitation' }),
  })
  .meta({ id: 'Invitation' });
export type Invitation = z.infer<typeof InvitationSchema>;

export const InvitationListSchema = z
  .object({ items: z.array(InvitationSchema) })
  .meta({ id: 'InvitationList' });
export type InvitationList = z.infer<typeof InvitationListSchema>;

export const MyInvitationSchema = z
  .object({
    id: z.uuid(),
    tenant: z.object({ id: z.uuid(), name: z.string().meta({ example: 'Analytical Engines Ltd' }) }),
    role: RoleSchema,
    invited_at: z.iso.datetime(),
    expires_at: z.iso.datetime(),
  })
  .meta({ id: 'MyInvitation' });
export type MyInvitation = z.infer<typeof MyInvitationSchema>;

export const MyInvitationListSchema = z
  .object({ items: z.array(MyInvitationSchema) })
  .meta({ id: 'MyInvitationList' });
export type MyInvitationList = z.infer<typeof MyInvitationListSchema>;

export const UpdateMemberRequestSchema = z.object({ role: RoleSchema }).meta({ id: 'UpdateMemberRequest' });
export type UpdateMemberRequest = z.infer<typeof UpdateMemberRequestSchema>;

export const AdminTenantSchema = z
  .object({
    id: z.uuid(),
    name: z.string().meta({ example: 'Analytical Engines Ltd' }),
    created_at: z.iso.datetime(),
    member_count: z.number().int().meta({ example: 3 }),
    owner_emails: z.array(z.string()).meta({ example: ['ada@example.com'] }),
  })
  .meta({ id: 'AdminTenant' });
export type AdminTenant = z.infer<typeof AdminTenantSchema>;

export const AdminTenantListQuerySchema = PageQuerySchema.extend({
  q: z
    .string()
    .trim()
    .max(120)
    .optional()
    .meta({ description: 'Case-insensitive search in tenant names and member emails', example: 'engines' }),
});
export type AdminTenantListQuery = z.infer<typeof AdminTenantListQuerySchema>;

export const AdminTenantPageSchema = pageOf(AdminTenantSchema, 'AdminTenantPage');
export type AdminTenantPage = z.infer<typeof AdminTenantPageSchema>;

export const AdminTenantDetailSchema = AdminTenantSchema.extend({
  members: z.array(MemberSchema),
}).meta({ id: 'AdminTenantDetail' });
export type AdminTenantDetail = z.infer<typeof AdminTenantDetailSchema>;

export const AdminUserSchema = z
  .object({
    id: z.uuid(),
    email: z.string().meta({ example: 'grace@example.com' }),
    disabled_at: z.iso.datetime().nullable().meta({
      description: 'When a platform administrator disabled the account (null: active)',
    }),
  })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof AdminUserSchema>;
