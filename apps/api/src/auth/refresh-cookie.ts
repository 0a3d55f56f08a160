import type { TokenResponse } from '@cost-optimizer/dto';
import type { AppConfig } from '../config/config';

/**
 * The refresh token as a cookie, for the console: httpOnly (page scripts cannot read it, so an injected script cannot
 * take the session away), SameSite=Strict (never sent by another site, so no cross-site request can use it), sent
 * only to /api/auth (refresh and logout), Secure when the public URL is https. API clients keep using the body.
 */
export const REFRESH_COOKIE = 'co_refresh';
const PATH = '/api/auth';

function attributes(config: AppConfig, maxAgeSeconds: number): string {
  const secure = config.publicUrl.startsWith('https://') ? '; Secure' : '';
  return `Path=${PATH}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/** Set-Cookie for a token answer; lives as long as the token may (its own lifetime, within the session's). */
export function refreshCookie(tokens: TokenResponse, config: AppConfig): string {
  const maxAge = Math.min(config.jwt.refreshTtlDays, config.jwt.refreshSessionMaxDays) * 86_400;
  return `${REFRESH_COOKIE}=${tokens.refresh_token}; ${attributes(config, maxAge)}`;
}

export function clearRefreshCookie(config: AppConfig): string {
  return `${REFRESH_COOKIE}=; ${attributes(config, 0)}`;
}

/** The refresh token of a Cookie header, or null. */
export function readRefreshCookie(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === REFRESH_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{20,}$/.test(value) ? value : null;
    }
  }
  return null;
}
