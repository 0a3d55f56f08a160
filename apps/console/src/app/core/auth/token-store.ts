import { Injectable, computed, signal } from '@angular/core';
import { TokenResponse } from '@cost-optimizer/dto';

export const ACCESS_TOKEN_KEY = 'access_token';
export const REFRESH_TOKEN_KEY = 'refresh_token';

/** The session's tokens, kept in localStorage and mirrored in signals. */
@Injectable({ providedIn: 'root' })
export class TokenStore {
  private readonly access = signal<string | null>(localStorage.getItem(ACCESS_TOKEN_KEY));
  private readonly refresh = signal<string | null>(localStorage.getItem(REFRESH_TOKEN_KEY));

  readonly accessToken = this.access.asReadonly();
  readonly refreshToken = this.refresh.asReadonly();
  readonly signedIn = computed(() => this.access() !== null || this.refresh() !== null);

  save(tokens: TokenResponse): void {
    localStorage.setItem(ACCESS_TOKEN_KEY, tokens.access_token);
    localStorage.setItem(REFRESH_TOKEN_KEY, tokens.refresh_token);
    this.access.set(tokens.access_token);
    this.refresh.set(tokens.refresh_token);
  }

  clear(): void {
    localStorage.removeItem(ACCESS_TOKEN_KEY);
    localStorage.removeItem(REFRESH_TOKEN_KEY);
    this.access.set(null);
    this.refresh.set(null);
  }
}
