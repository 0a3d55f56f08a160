import { createHash } from 'node:crypto';
import { testApp, type TestApp } from './harness';

/** The directives of a Content-Security-Policy header, by name. */
function directives(csp: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name, values);
  }
  return out;
}

describe('security headers', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await testApp();
  });
  afterAll(() => api.close());

  it('sends nosniff, no-referrer and frame-ancestors none on the console, the API, Swagger UI and errors', async () => {
    for (const path of ['/', '/settings', '/api/health', '/api/docs', '/api/no-such-route', '/api/auth/me']) {
      const res = await fetch(api.url + path);
      const csp = directives(res.headers.get('content-security-policy'));
      expect({
        path,
        nosniff: res.headers.get('x-content-type-options'),
        referrer: res.headers.get('referrer-policy'),
        frame: res.headers.get('x-frame-options'),
        frameAncestors: csp.get('frame-ancestors'),
        objectSrc: csp.get('object-src'),
        baseUri: csp.get('base-uri'),
      }).toEqual({
        path,
        nosniff: 'nosniff',
        referrer: 'no-referrer',
        frame: 'DENY',
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
      });
    }
  });

  it('allows only the console’s own scripts: files from this origin and the inline ones it ships, by hash', async () => {
    const res = await fetch(api.url + '/');
    const html = await res.text();
    const scripts = directives(res.headers.get('content-security-policy')).get('script-src') ?? [];
    expect(scripts).toContain("'self'");
    expect(scripts.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|\*|data:|https?:/);
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    const hashes = inline.map((code) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`);
    expect(scripts.filter((s) => s.startsWith("'sha256-")).sort()).toEqual([...new Set(hashes)].sort());
    const connect = directives(res.headers.get('content-security-policy')).get('connect-src');
    expect(connect).toEqual(["'self'"]);
  });
});
