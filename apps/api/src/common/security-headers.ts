import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/** The SHA-256 CSP sources of the inline scripts (`<script>` without src) of an HTML page. */
export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    hashes.add(`'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  }
  return [...hashes].sort();
}

/**
 * The Content-Security-Policy of every answer (console, API, Swagger UI):
 * - scripts only from this origin, plus the inline scripts the built console ships, each by its hash (Angular's
 *   critical-CSS inlining adds one that switches the stylesheet from media=print to all); no eval;
 * - styles from this origin and inline: Angular adds component styles as <style> elements at run time and Swagger
 *   UI carries inline styles (style injection cannot run script; script-src is the wall against XSS);
 * - images and fonts from this origin and data: URLs (Swagger UI's icons);
 * - XHR/fetch only to this origin; no plugins, no <base> elsewhere, forms post here only, never framed.
 */
export function contentSecurityPolicy(indexHtml: string | null): string {
  return [
    "default-src 'self'",
    `script-src ${["'self'", ...(indexHtml ? inlineScriptHashes(indexHtml) : [])].join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Security headers on every answer, errors and 404s included: the CSP above, no MIME sniffing, no Referer leaving
 * the site (console URLs carry ids), no framing (clickjacking; X-Frame-Options for old browsers), a window of its own,
 * and HSTS when the public URL is https.
 */
export function registerSecurityHeaders(
  fastify: FastifyInstance,
  opts: { indexHtml: string | null; publicUrl: string },
): void {
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(opts.indexHtml),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    ...(opts.publicUrl.startsWith('https://')
      ? { 'strict-transport-security': 'max-age=15552000; includeSubDomains' }
      : {}),
  };
  const entries = Object.entries(headers);
  fastify.addHook('onSend', (_req, reply, payload, done) => {
    for (const [name, value] of entries) void reply.header(name, value);
    done(null, payload);
  });
}
