import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  LoginRequestSchema,
  MeResponseSchema,
  RefreshRequestSchema,
  SignupCheckEmailSchema,
  SignupRequestSchema,
  TokenResponseSchema,
  VerifyEmailRequestSchema,
  type LoginRequest,
  type RefreshRequest,
  type SignupRequest,
  type TokenResponse,
  type VerifyEmailRequest,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { CurrentUser, Public, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AuthService } from './auth.service';
import { REFRESH_COOKIE, clearRefreshCookie, readRefreshCookie, refreshCookie } from './refresh-cookie';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The token answer, with the refresh token also set as the httpOnly cookie the console relies on. */
  private withCookie(reply: FastifyReply, tokens: TokenResponse): TokenResponse {
    void reply.header('set-cookie', refreshCookie(tokens, this.config));
    return tokens;
  }

  @Public()
  @Post('signup')
  @ApiContract({
    summary: 'Create an account and its company (tenant); you become its owner',
    description:
      'When the platform sends email (SMTP and ALERT_EMAIL_FROM set) and SIGNUP_EMAIL_VERIFICATION is auto (the default) or on, every sign-up answers the same 202 {"status": "check_email"}: a new email gets a link to verify it (POST /api/auth/verify-email creates the account, signed in; the link works once, for 24 hours, and a newer sign-up with the same email replaces it), an email that already has an account gets a note, and nothing in the answer or its timing says which. With verification off (no email, or SIGNUP_EMAIL_VERIFICATION=off), a new email answers 201 with tokens (signed in) and a taken one 202 check_email creating nothing: 201 vs 202 then tells whether the email was new (bounded by SIGNUP_MAX_PER_IP; docs/security.md). With `invitation_token` (the link of an invitation email) and the invited email, the account is created at once (201), as a member of the inviting tenant with the invited role.',
    body: SignupRequestSchema,
    response: TokenResponseSchema,
    status: 201,
    alsoResponds: [
      {
        status: 202,
        description:
          'Check your email: verification on (every sign-up), or verification off and the email already has an account (nothing was created)',
        schema: SignupCheckEmailSchema,
      },
    ],
    errors: {
      400: 'VALIDATION_FAILED, INVITATION_TOKEN_INVALID',
      409: 'EMAIL_TAKEN (only with invitation_token: the invited email already has an account; log in and accept)',
      422: 'INVITATION_EMAIL_MISMATCH',
      429: 'RATE_LIMITED',
    },
    public: true,
  })
  async signup(
    @Body(new ZodPipe(SignupRequestSchema)) body: SignupRequest,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.auth.signup(body, req.ip);
    if ('status' in result) {
      void reply.status(202);
      return result;
    }
    return this.withCookie(reply, result);
  }

  @Public()
  @Post('verify-email')
  @ApiContract({
    summary: 'Verify the email of a sign-up: creates the account and its tenant, signed in',
    description:
      'The token of the link in the verification email (`/verify-email?token=…`). It works once and for 24 hours; the account (user, tenant, owner membership) exists only from here on. Limited per address like login (LOGIN_MAX_ATTEMPTS_PER_IP per RATE_LIMIT_WINDOW_SECONDS).',
    body: VerifyEmailRequestSchema,
    response: TokenResponseSchema,
    status: 201,
    errors: {
      400: 'VALIDATION_FAILED, VERIFICATION_TOKEN_INVALID (unknown, used or expired)',
      409: 'EMAIL_TAKEN: an account with this email was created since the sign-up',
      429: 'RATE_LIMITED (Retry-After header)',
    },
    public: true,
  })
  async verifyEmail(
    @Body(new ZodPipe(VerifyEmailRequestSchema)) body: VerifyEmailRequest,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.withCookie(reply, await this.auth.verifyEmail(body.token, req.ip));
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiContract({
    summary: 'Log in with email and password',
    description:
      'Unknown email and wrong password give the same answer. Limited per address and per account.',
    body: LoginRequestSchema,
    response: TokenResponseSchema,
    errors: {
      400: 'VALIDATION_FAILED',
      401: 'INVALID_CREDENTIALS',
      429: 'RATE_LIMITED (Retry-After header)',
    },
    public: true,
  })
  async login(
    @Body(new ZodPipe(LoginRequestSchema)) body: LoginRequest,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.withCookie(reply, await this.auth.login(body, req.ip));
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiContract({
    summary: 'Exchange a refresh token for new tokens (rotation)',
    description: `Each refresh token works once. Presenting a used one revokes every token of that login. The token comes from the body or, when the body has none, from the httpOnly \`${REFRESH_COOKIE}\` cookie (SameSite=Strict, path /api/auth) that login, sign-up and refresh set; the answer sets the rotated one.`,
    body: RefreshRequestSchema,
    response: TokenResponseSchema,
    errors: {
      400: 'VALIDATION_FAILED',
      401: 'REFRESH_TOKEN_INVALID (also: no token in the body or the cookie) or REFRESH_TOKEN_REUSED',
    },
    public: true,
  })
  async refresh(
    @Body(new ZodPipe(RefreshRequestSchema)) body: RefreshRequest,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const token = body.refresh_token ?? readRefreshCookie(req.headers.cookie);
    return this.withCookie(reply, await this.auth.refresh(token ?? ''));
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiContract({
    summary:
      "Log out: ends the login session (the refresh token, every token rotated from it, and the session's access tokens)",
    description: `The token comes from the body or, when the body has none, from the \`${REFRESH_COOKIE}\` cookie; the cookie is cleared. The session's access tokens are refused by this API replica from the next request and by the others within about 3 s (the caller cache's bound, docs/security.md).`,
    body: RefreshRequestSchema,
    status: 204,
    errors: [400],
    public: true,
  })
  async logout(
    @Body(new ZodPipe(RefreshRequestSchema)) body: RefreshRequest,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const token = body.refresh_token ?? readRefreshCookie(req.headers.cookie);
    void reply.header('set-cookie', clearRefreshCookie(this.config));
    if (token) await this.auth.logout(token);
  }

  @Get('me')
  @ApiContract({
    summary: 'Who am I: user, current tenant, role and memberships',
    description:
      'The signed-in user, the tenant this access token works in and the role there, whether the user is a global owner, and every membership (log in with another tenant_id to work in another tenant).',
    response: MeResponseSchema,
  })
  me(@CurrentUser() user: AuthUser) {
    return this.auth.me(user);
  }
}
