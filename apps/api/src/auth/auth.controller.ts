import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import {
  LoginRequestSchema,
  MeResponseSchema,
  RefreshRequestSchema,
  SignupRequestSchema,
  TokenResponseSchema,
  type LoginRequest,
  type RefreshRequest,
  type SignupRequest,
} from '@cost-optimizer/dto';
import { ApiContract } from '../common/api-contract';
import { CurrentUser, Public, type AuthUser } from '../common/auth-user';
import { ZodPipe } from '../common/zod.pipe';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('signup')
  @ApiContract({
    summary: 'Create an account and its company (tenant); you become its owner',
    body: SignupRequestSchema,
    response: TokenResponseSchema,
    status: 201,
    errors: {
      400: 'VALIDATION_FAILED',
      409: 'CONFLICT: the email is already registered',
      429: 'RATE_LIMITED',
    },
    public: true,
  })
  signup(@Body(new ZodPipe(SignupRequestSchema)) body: SignupRequest, @Req() req: FastifyRequest) {
    return this.auth.signup(body, req.ip);
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
  login(@Body(new ZodPipe(LoginRequestSchema)) body: LoginRequest, @Req() req: FastifyRequest) {
    return this.auth.login(body, req.ip);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiContract({
    summary: 'Exchange a refresh token for new tokens (rotation)',
    description: 'Each refresh token works once. Presenting a used one revokes every token of that login.',
    body: RefreshRequestSchema,
    response: TokenResponseSchema,
    errors: { 400: 'VALIDATION_FAILED', 401: 'REFRESH_TOKEN_INVALID or REFRESH_TOKEN_REUSED' },
    public: true,
  })
  refresh(@Body(new ZodPipe(RefreshRequestSchema)) body: RefreshRequest) {
    return this.auth.refresh(body.refresh_token);
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiContract({
    summary: 'Log out: revokes the refresh token and every token rotated from it',
    body: RefreshRequestSchema,
    status: 204,
    errors: [400],
    public: true,
  })
  async logout(@Body(new ZodPipe(RefreshRequestSchema)) body: RefreshRequest): Promise<void> {
    await this.auth.logout(body.refresh_token);
  }

  @Get('me')
  @ApiContract({
    summary: 'Who am I: user, current tenant, role and memberships',
    response: MeResponseSchema,
  })
  me(@CurrentUser() user: AuthUser) {
    return this.auth.me(user);
  }
}
