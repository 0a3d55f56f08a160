import { createHmac, randomUUID } from 'node:crypto';
import { verifyAccessToken, verifyAccessTokenCached } from './jwt.strategy';

const SECRET = 'unit-test-secret-0123456789abcdef';
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function sign(claims: Record<string, unknown>, secret = SECRET, alg = 'HS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `Bearer ${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const now = 1_900_000_000;
const claims = () => ({
  typ: 'access',
  sub: randomUUID(),
  tid: randomUUID(),
  sid: randomUUID(),
  iat: now - 10,
  exp: now + 900,
});

describe('verifyAccessTokenCached (a replica remembers the tokens it verified)', () => {
  it('answers as verifyAccessToken does, the first time and from memory', () => {
    const token = sign(claims());
    const first = verifyAccessTokenCached(token, SECRET, now);
    expect(first).toEqual(verifyAccessToken(token, SECRET, now));
    expect(first).not.toBeNull();
    expect(verifyAccessTokenCached(token, SECRET, now + 1)).toEqual(first);
  });

  it('checks the expiry again on every use: a remembered token stops working when it expires', () => {
    const token = sign(claims());
    expect(verifyAccessTokenCached(token, SECRET, now)).not.toBeNull();
    expect(verifyAccessTokenCached(token, SECRET, now + 900)).toBeNull();
    expect(verifyAccessTokenCached(token, SECRET, now + 901)).toBeNull();
  });

  it('never accepts a token because a similar one was remembered: another signature, secret or algorithm', () => {
    const c = claims();
    const token = sign(c);
    expect(verifyAccessTokenCached(token, SECRET, now)).not.toBeNull();
    const forged = `${token.slice(0, -4)}AAAA`;
    expect(verifyAccessTokenCached(forged, SECRET, now)).toBeNull();
    // the same text under another secret is verified again, and fails
    expect(verifyAccessTokenCached(token, 'another-secret-0123456789abcdefgh', now)).toBeNull();
    expect(verifyAccessTokenCached(sign(c, SECRET, 'HS512'), SECRET, now)).toBeNull();
    expect(verifyAccessTokenCached(sign({ ...c, typ: 'refresh' }), SECRET, now)).toBeNull();
    expect(verifyAccessTokenCached(undefined, SECRET, now)).toBeNull();
  });

  it('does not remember a token before its nbf, and honours nbf once remembered', () => {
    const token = sign({ ...claims(), nbf: now + 60 });
    expect(verifyAccessTokenCached(token, SECRET, now)).toBeNull();
    expect(verifyAccessTokenCached(token, SECRET, now + 61)).not.toBeNull();
    expect(verifyAccessTokenCached(token, SECRET, now)).toBeNull();
  });
});
