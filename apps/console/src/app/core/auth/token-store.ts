import { Injectable, computed, signal } from '@angular/core';
import { TokenResponse } from '@cost-optimizer/dto';

export const ACCESS_TOKEN_KEY = 'access_token';
/** Not a secret: only says a session (the API's httpOnly refresh cookie) may exist, for the guards. */
export const SIGNED_IN_KEY = 'signed_in';
/** Where earlier versions kept the refresh token; removed on start. */
const LEGACY_REFRESH_TOKEN_KEY = 'refresh_token';

/**
 * The access token (short-lived), kept in localStorage and mirrored in a signal. The refresh token is never stored
 * here: the API keeps it in an httpOnly, SameSite=Strict cookie that page scripts cannot read.
 */
@Injectable({ providedIn: 'root' })
export class TokenStore {
  private readonly access = signal<string | null>(localStorage.getItem(ACCESS_TOKEN_KEY));
  private readonly marker = signal<boolean>(localStorage.getItem(SIGNED_IN_KEY) === '1');

  readonly accessToken = this.access.asReadonly();
  readonly signedIn = computed(() => this.access() !== null || this.marker());

  constructor() {
    localStorage.removeItem(LEGACY_REFRESH_TOKEN_KEY);
  }

  save(tokens: TokenResponse): void {
    localStorage.setItem(ACCESS_TOKEN_KEY, tokens.access_token);
    localStorage.setItem(SIGNED_IN_KEY, '1');
    this.access.set(tokens.access_token);
    this.marker.set(true);
  }

  clear(): void {
    localStorage.removeItem(ACCESS_TOKEN_KEY);
    localStorage.removeItem(SIGNED_IN_KEY);
    this.access.set(null);
    this.marker.set(false);
  }
}
