import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a valid access token says: who (`sub`), in which tenant (`tid`), in which login session (`sid`: the refresh
 * token family, so a logout ends the session's access tokens too), until when (`exp`, seconds).
 */
export interface VerifiedAccess {
  sub: string;
  tid: string;
  sid: string;
  iat: number;
  exp: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verifies an `Authorization: Bearer` access token: HS256 signed with `secret` (no other algorithm), `typ` access,
 * not expired (nor before `nbf`), user, tenant and session ids that are UUIDs. Null when any of it fails.
 */
export function verifyAccessToken(
  authorization: string | undefined,
  secret: string,
  nowS = Date.now() / 1000,
): VerifiedAccess | null {
  if (!authorization?.startsWith('Bearer ')) return null;
  const parts = authorization.slice(7).trim().split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: unknown };
    if (header.alg !== 'HS256') return null;
    const expected = createHmac('sha256', secret).update(`${h}.${p}`).digest();
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const c = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    if (c.typ !== 'access' || typeof c.sub !== 'string' || typeof c.tid !== 'string') return null;
    if (typeof c.sid !== 'string' || !UUID.test(c.sub) || !UUID.test(c.tid) || !UUID.test(c.sid)) return null;
    if (typeof c.exp !== 'number' || c.exp <= nowS) return null;
    if (c.nbf !== undefined && (typeof c.nbf !== 'number' || c.nbf > nowS)) return null;
    return { sub: c.sub, tid: c.tid, sid: c.sid, iat: typeof c.iat === 'number' ? c.iat : 0, exp: c.exp };
  } catch {
    return null;
  }
}

const verified = new WeakMap<object, VerifiedAccess | null>();

/** How many verified tokens a replica remembers (about 3 MB at most). */
const VERIFIED_TOKENS_MAX = 10_000;

/**
 * Tokens this replica has verified, by their exact text (signature included), with the secret that verified them.
 * The signature check and the parsing are done once per token, not per request: the same text under the same secret
 * verifies the same way every time. What depends on the time (`exp`, `nbf`) is checked again on every use. Only
 * valid tokens are kept, the oldest dropped first.
 */
const verifiedTokens = new Map<string, { secret: string; access: VerifiedAccess; nbf: number }>();

/** verifyAccessToken() through the replica's memory of tokens it has verified already. */
export function verifyAccessTokenCached(
  authorization: string | undefined,
  secret: string,
  nowS = Date.now() / 1000,
): VerifiedAccess | null {
  if (!authorization) return null;
  const known = verifiedTokens.get(authorization);
  if (known && known.secret === secret)
    return known.access.exp > nowS && known.nbf <= nowS ? known.access : null;
  const access = verifyAccessToken(authorization, secret, nowS);
  if (!access) return null;
  if (verifiedTokens.size >= VERIFIED_TOKENS_MAX) verifiedTokens.delete(verifiedTokens.keys().next().value!);
  verifiedTokens.set(authorization, { secret, access, nbf: nbfOf(authorization) });
  return access;
}

/** The `nbf` claim of a token that verified (0 when it has none). */
function nbfOf(authorization: string): number {
  const c = JSON.parse(Buffer.from(authorization.slice(7).trim().split('.')[1]!, 'base64url').toString()) as {
    nbf?: number;
  };
  return typeof c.nbf === 'number' ? c.nbf : 0;
}

/**
 * The verified access token of a request, checked once however many times it is asked for (the request limits'
 * hook asks first, to pick the tenant's bucket; the JWT guard then finds the answer), and its signature once per
 * replica (verifyAccessTokenCached()).
 */
export function accessOf(
  req: { headers: { authorization?: string | undefined } },
  secret: string,
): VerifiedAccess | null {
  if (verified.has(req)) return verified.get(req) ?? null;
  const v = verifyAccessTokenCached(req.headers.authorization, secret);
  verified.set(req, v);
  return v;
}
