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
  type LoginRequest,
  type RefreshRequest,
  type SignupRequest,
  type TokenResponse,
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
      'A new email answers 201 with tokens (signed in). An email that already has an account answers 202 {"status": "check_email"} and creates nothing; the address gets a note (when the platform sends email). The answer never carries the existing account, but 201 vs 202 still tells a caller whether the email was new: closing that needs email verification before sign-in (docs/security.md).',
    body: SignupRequestSchema,
    response: TokenResponseSchema,
    status: 201,
    alsoResponds: [
      {
        status: 202,
        description: 'The email already has an account: nothing was created (check your email)',
        schema: SignupCheckEmailSchema,
      },
    ],
    errors: {
      400: 'VALIDATION_FAILED',
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
