import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createTransport, type Transporter } from 'nodemailer';
import type { AlertDeliveryError } from '@cost-optimizer/dto';
import { checkUrl, refuseUnlessPublic, UnsafeUrlError, type OutboundPolicy } from './ssrf';

/** How alerts leave the process: HTTPS POST (Slack, webhooks) and SMTP. No Nest here. */

export class DeliveryFailure extends Error {
  constructor(
    readonly step: AlertDeliveryError['step'],
    message: string,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }

  toJSON(): AlertDeliveryError {
    return { step: this.step, message: this.message };
  }
}

export interface SendResult {
  /** The receiver's answer, e.g. "HTTP 200" or the SMTP reply. */
  detail: string;
}

/** The address to connect to: resolved once, checked, then used for the connection itself (no DNS rebinding). */
export async function resolveChecked(
  rawUrl: string,
  policy: OutboundPolicy,
): Promise<{ url: URL; host: string; address: string; literal: boolean }> {
  let checked;
  try {
    checked = checkUrl(rawUrl, policy);
  } catch (e) {
    if (e instanceof UnsafeUrlError) throw new DeliveryFailure(e.step, e.message);
    throw e;
  }
  const { url, host, allowed, literal } = checked;
  if (literal) return { url, host, address: host, literal };
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (e) {
    throw new DeliveryFailure(
      'dns',
      `${host} does not resolve (${(e as { code?: string }).code ?? String(e)})`,
    );
  }
  if (addresses.length === 0) throw new DeliveryFailure('dns', `${host} has no address`);
  if (!allowed) {
    try {
      // Every address must be public: a name that also resolves to a private address is refused.
      for (const a of addresses) refuseUnlessPublic(host, a.address);
    } catch (e) {
      if (e instanceof UnsafeUrlError) throw new DeliveryFailure(e.step, e.message);
      throw e;
    }
  }
  return { url, host, address: addresses[0]!.address, literal };
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/;

/**
 * POSTs a JSON body to a checked address; 2xx is success. Redirects are never followed (3xx is a failure), the
 * answer is reported by its status code only (never its body, reason phrase or Location), and the whole exchange
 * has a deadline.
 */
export async function postJson(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
  timeoutMs: number,
): Promise<SendResult> {
  const { url, host, address, literal } = await resolveChecked(rawUrl, policy);
  const isHttps = url.protocol === 'https:';
  const request = isHttps ? httpsRequest : httpRequest;
  const port = url.port ? Number(url.port) : isHttps ? 443 : 80;
  return new Promise<SendResult>((resolve, reject) => {
    const req = request(
      {
        host: address,
        port,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        // TLS: verify the certificate against the name, not the address we connect to.
        ...(isHttps && !literal ? { servername: host } : {}),
        headers: {
          host: url.host,
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'CostOptimizer-Alerts/1',
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res: IncomingMessage) => {
        // Nothing the receiver sends is read back or shown: not its body, its reason phrase or its Location (a
        // test alert must not turn the product into a proxy that fetches a URL and shows the answer). Only the
        // status code is reported; the body is drained and dropped.
        res.resume();
        res.on('end', () => {
          clearTimeout(deadline);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve({ detail: `HTTP ${status}` });
          if (status >= 300 && status < 400)
            return reject(
              new DeliveryFailure(
                'http',
                `${url.host} answered HTTP ${status} (a redirect); redirects are not followed`,
              ),
            );
          reject(new DeliveryFailure('http', `${url.host} answered HTTP ${status}`));
        });
        res.on('error', (e) => reject(new DeliveryFailure('connect', `${url.host}: ${e.message}`)));
      },
    );
    const deadline = setTimeout(
      () => req.destroy(new DeliveryFailure('connect', `${url.host} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('timeout', () =>
      req.destroy(new DeliveryFailure('connect', `${url.host} did not answer within ${timeoutMs} ms`)),
    );
    req.on('error', (e: Error & { code?: string }) => {
      clearTimeout(deadline);
      if (e instanceof DeliveryFailure) return reject(e);
      const code = e.code ?? '';
      reject(
        new DeliveryFailure(
          TLS_CODES.test(code) ? 'tls' : 'connect',
          `${url.host}: ${code && !e.message.includes(code) ? `${code} ` : ''}${e.message}`,
        ),
      );
    });
    req.end(body);
  });
}

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the subscription's signing secret. */
export function signatureOf(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type SmtpOptions =
  string | { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };

export class Mailer {
  private transport: Transporter | null = null;

  constructor(
    private readonly smtp: SmtpOptions | null,
    private readonly from: string | null,
    private readonly timeoutMs: number,
  ) {}

  /** What is missing for email, or null when email can be sent. */
  missing(): string | null {
    if (!this.smtp && !this.from)
      return 'SMTP_URL (or SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD) and ALERT_EMAIL_FROM';
    if (!this.smtp) return 'SMTP_URL (or SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD)';
    if (!this.from) return 'ALERT_EMAIL_FROM';
    return null;
  }

  async send(to: string[], subject: string, text: string, html: string): Promise<SendResult> {
    const missing = this.missing();
    if (missing) throw new DeliveryFailure('config', `Email is not configured: set ${missing}`);
    const timeouts = {
      connectionTimeout: this.timeoutMs,
      greetingTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    };
    // SMTP_URL goes through nodemailer's own URL parser (smtp://user:pass@host:port, smtps://...).
    this.transport ??= createTransport(
      typeof this.smtp === 'string' ? { url: this.smtp, ...timeouts } : { ...this.smtp!, ...timeouts },
    );
    try {
      const info = (await this.transport.sendMail({ from: this.from!, to, subject, text, html })) as {
        response?: string;
        rejected?: unknown[];
      };
      if (info.rejected && info.rejected.length > 0)
        throw new DeliveryFailure('smtp', `SMTP refused recipients: ${info.rejected.map(String).join(', ')}`);
      return { detail: info.response ?? 'accepted' };
    } catch (e) {
      if (e instanceof DeliveryFailure) throw e;
      const err = e as Error & { code?: string; response?: string; responseCode?: number };
      const what =
        err.code === 'ECONNECTION' || err.code === 'ETIMEDOUT' || err.code === 'ESOCKET'
          ? 'SMTP server unreachable'
          : 'SMTP refused';
      throw new DeliveryFailure('smtp', `${what}: ${err.response ?? err.message}`);
    }
  }

  close(): void {
    this.transport?.close();
  }
}
