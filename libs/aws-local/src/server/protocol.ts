/** Wire-protocol helpers: errors and replies in the shape each AWS protocol uses (TOOLCHAIN.md). */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Service = 'sts' | 'athena' | 'glue' | 's3' | 'cloudwatch';

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly fault: 'Sender' | 'Receiver' = 'Sender',
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type Json = Record<string, unknown>;

export function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function str(o: Json, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}
export function num(o: Json, k: string): number | undefined {
  const v = o[k];
  return typeof v === 'number'
    ? v
    : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v))
      ? Number(v)
      : undefined;
}
export function obj(o: Json, k: string): Json | undefined {
  const v = o[k];
  return isJson(v) ? v : undefined;
}
export function arr(o: Json, k: string): unknown[] {
  const v = o[k];
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function xmlEscape(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

export function requestId(): string {
  return randomUUID();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/x-amz-json-1.1',
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId(),
  });
  res.end(text);
}

export function sendXml(
  res: ServerResponse,
  status: number,
  xml: string,
  headers: Record<string, string> = {},
) {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(text),
    'x-amz-request-id': requestId().replace(/-/g, '').slice(0, 16).toUpperCase(),
    ...headers,
  });
  res.end(text);
}

/** Renders an AwsError the way the service's protocol does. */
export function sendError(res: ServerResponse, service: Service, err: AwsError, method: string) {
  switch (service) {
    case 'sts':
      return sendXml(
        res,
        err.status,
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${err.fault}</Type><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
      );
    case 'athena':
    case 'glue':
      res.setHeader('x-amzn-errortype', err.code);
      return sendJson(res, err.status, { __type: err.code, Message: err.message, ...err.extra });
    case 'cloudwatch':
      res.setHeader('x-amzn-query-error', `${err.code};${err.fault}`);
      return sendJson(
        res,
        err.status,
        { __type: `com.amazonaws.cloudwatch#${err.code}`, message: err.message, ...err.extra },
        'application/x-amz-json-1.0',
      );
    case 's3':
      if (method === 'HEAD') {
        res.writeHead(err.status, { 'x-amz-request-id': requestId() });
        res.end();
        return;
      }
      return sendXml(
        res,
        err.status,
        `<Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>${Object.entries(
          err.extra,
        )
          .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
          .join('')}<RequestId>${requestId()}</RequestId></Error>`,
      );
  }
}

export async function readBody(req: IncomingMessage, limit = 512 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit)
      throw new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The access key id of a SigV4 request (header or presigned query). Signatures are not verified. */
export function credentialScope(
  req: IncomingMessage,
  url: URL,
): { accessKeyId: string; region: string; service: string } | null {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  if (m) return { accessKeyId: m[1] ?? '', region: m[3] ?? '', service: m[4] ?? '' };
  const q = url.searchParams.get('X-Amz-Credential');
  if (q) {
    const [accessKeyId = '', , region = '', service = ''] = q.split('/');
    return { accessKeyId, region, service };
  }
  return null;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
