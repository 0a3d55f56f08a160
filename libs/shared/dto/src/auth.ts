import { z } from 'zod';

export const RoleSchema = z
  .enum(['owner', 'admin', 'viewer'])
  .meta({ id: 'Role', description: 'owner and admin may change things; viewer reads only' });
export type Role = z.infer<typeof RoleSchema>;

const email = z
  .email({ message: 'Must be a valid email address' })
  .max(254)
  .transform((e) => e.trim().toLowerCase())
  .meta({ example: 'ada@example.com' });
const password = z
  .string()
  .min(10, { message: 'Must be at least 10 characters' })
  .max(200, { message: 'Must be at most 200 characters' })
  .meta({ example: 'correct-horse-battery' });

export const SignupRequestSchema = z
  .object({
    email,
    password,
    name: z.string().trim().min(1).max(120).optional().meta({ example: 'Ada Lovelace' }),
    tenant_name: z.string().trim().min(1).max(120).optional().meta({
      description: "The company's name; defaults to the email's domain",
      example: 'Analytical Engines Ltd',
    }),
    invitation_token: z.string().min(20).max(200).optional().meta({
      description:
        "The token of an invitation link (`/invitation?token=…`, emailed to the invitee). The email must be the invited one: the account is created at once (the invitation proves the address, no separate verification), joins the inviting tenant with the invitation's role instead of creating a tenant, and the invitation is used up",
      example: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f.q3Xv9KpL2mN8rT4wY7zA1bC5dE0fG6hJ2kLmN3oPq4R',
    }),
  })
  .meta({ id: 'SignupRequest' });
export type SignupRequest = z.infer<typeof SignupRequestSchema>;

export const LoginRequestSchema = z
  .object({
    email,
    password: z.string().min(1).max(200).meta({ example: 'correct-horse-battery' }),
    tenant_id: z
      .uuid()
      .optional()
      .meta({ description: 'Which of your tenants to enter; defaults to the oldest membership' }),
  })
  .meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof LoginRequestSchema>;

export const RefreshRequestSchema = z
  .object({
    refresh_token: z.string().min(20).max(200).optional().meta({
      description:
        'The refresh token; may be left out when the browser sends the httpOnly co_refresh cookie set by login, sign-up and refresh',
      example: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f.q3Xv9KpL2mN8rT4wY7zA1bC5dE0fG6hJ2kLmN3oPq4R',
    }),
  })
  .meta({ id: 'RefreshRequest' });
export type RefreshRequest = z.infer<typeof RefreshRequestSchema>;

export const TokenResponseSchema = z
  .object({
    access_token: z
      .string()
      .meta({ description: 'JWT, send as Authorization: Bearer <token>', example: 'eyJhbGciOi...' }),
    refresh_token: z.string().meta({
      description: 'Single use: each refresh returns a new one; reusing an old one revokes the session',
    }),
    token_type: z.literal('Bearer'),
    expires_in: z
      .number()
      .int()
      .meta({ description: 'Seconds until the access token expires', example: 900 }),
  })
  .meta({ id: 'TokenResponse' });
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

export const MembershipSummarySchema = z
  .object({
    tenant_id: z.uuid(),
    tenant_name: z.string().meta({ example: 'Analytical Engines Ltd' }),
    role: RoleSchema,
  })
  .meta({ id: 'MembershipSummary' });

export const MeResponseSchema = z
  .object({
    user: z.object({
      id: z.uuid(),
      email: z.string().meta({ example: 'ada@example.com' }),
      name: z.string().nullable().meta({ example: 'Ada Lovelace' }),
    }),
    tenant: z.object({ id: z.uuid(), name: z.string().meta({ example: 'Analytical Engines Ltd' }) }),
    role: RoleSchema,
    is_global_owner: z.boolean().meta({ description: 'Platform administrator (sees every tenant)' }),
    memberships: z.array(MembershipSummarySchema),
  })
  .meta({ id: 'MeResponse' });
export type MeResponse = z.infer<typeof MeResponseSchema>;

/**
 * Sign-up answered without signing in. With email verification on (SIGNUP_EMAIL_VERIFICATION), every sign-up answers
 * this: a new email gets a verification link, an email that has an account gets a note; the answers are identical.
 * With verification off, only an email that already has an account answers this (and creates nothing).
 */
export const SignupCheckEmailSchema = z
  .object({
    status: z.literal('check_email'),
    message: z.string().meta({ example: 'Check your email to continue.' }),
  })
  .meta({ id: 'SignupCheckEmail' });
export type SignupCheckEmail = z.infer<typeof SignupCheckEmailSchema>;

export const VerifyEmailRequestSchema = z
  .object({
    token: z.string().min(20).max(200).meta({
      description: 'The token of the verification link (`/verify-email?token=…`) of the sign-up email',
      example: 'q3Xv9KpL2mN8rT4wY7zA1bC5dE0fG6hJ2kLmN3oPq4R',
    }),
  })
  .meta({ id: 'VerifyEmailRequest' });
export type VerifyEmailRequest = z.infer<typeof VerifyEmailRequestSchema>;
