import { Injectable, inject } from '@angular/core';
import {
  MeResponseSchema,
  SignupCheckEmailSchema,
  TokenResponseSchema,
  type LoginRequest,
  type SignupRequest,
} from '@cost-optimizer/dto';
import { ApiClient } from '../http/api-client';

const SignupAnswerSchema = TokenResponseSchema.or(SignupCheckEmailSchema);

/**
 * The auth endpoints. The refresh token travels in the API's httpOnly cookie (same origin), never
 * through this code; refresh and logout fail silently (the caller decides what happens).
 */
@Injectable({ providedIn: 'root' })
export class AuthApi {
  private readonly api = inject(ApiClient);

  login(body: LoginRequest) {
    return this.api.post('/api/auth/login', body, TokenResponseSchema);
  }

  /** Tokens for a new account, or "check your email" (nothing starts). */
  signup(body: SignupRequest) {
    return this.api.post('/api/auth/signup', body, SignupAnswerSchema);
  }

  /** The link of a verification email: creates the account (tokens); errors are the caller's to show. */
  verifyEmail(token: string) {
    return this.api.post('/api/auth/verify-email', { token }, TokenResponseSchema, { silent: true });
  }

  refresh() {
    return this.api.post('/api/auth/refresh', {}, TokenResponseSchema, { silent: true });
  }

  logout() {
    return this.api.send('POST', '/api/auth/logout', {}, { silent: true });
  }

  me() {
    return this.api.get('/api/auth/me', MeResponseSchema);
  }
}
