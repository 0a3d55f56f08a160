/** S3 (restXml, path-style): GetObject (streamed, ranges), HeadObject, ListObjectsV2, PutObject, HeadBucket. */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, relative, sep } from 'node:path';
import { AwsError, readBody, requestId, sendXml, xmlEscape } from './protocol';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface S3Request {
  bucket: string;
  key: string;
}

export function parseS3Path(url: URL): S3Request {
  const parts = url.pathname.split('/').slice(1);
  const bucket = decodeURIComponent(parts[0] ?? '');
  const key = parts.slice(1).map(decodeURIComponent).join('/');
  return { bucket, key };
}

function contentType(key: string): string {
  if (key.endsWith('.csv')) return 'text/csv';
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.txt') || key.endsWith('.metadata')) return 'text/plain';
  return 'application/octet-stream';
}

function etag(path: string, size: number, mtimeMs: number): string {
  return `"${createHash('md5').update(`${path}:${size}:${mtimeMs}`).digest('hex')}"`;
}

/** Decodes an aws-chunked body (`<hex>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>`). */
export function decodeAwsChunked(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let i = 0;
  while (i < body.length) {
    const eol = body.indexOf('\r\n', i);
    if (eol < 0) break;
    const size = parseInt(body.subarray(i, eol).toString('latin1').split(';')[0] ?? '0', 16);
    if (!size) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    i = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

export class S3Service {
  constructor(private readonly root: string) {}

  private bucketDir(bucket: string): string {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, 'Sender', {
        BucketName: bucket,
      });
    const dir = join(this.root, 's3', bucket);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, 'Sender', {
        BucketName: bucket,
      });
    return dir;
  }

  private objectPath(bucket: string, key: string): string {
    const dir = this.bucketDir(bucket);
    if (!key || key.split('/').some((s) => s === '..' || s === '.'))
      throw new AwsError('InvalidArgument', 'Invalid object key', 400);
    return join(dir, ...key.split('/'));
  }

  bucketExists(bucket: string): boolean {
    try {
      this.bucketDir(bucket);
      return true;
    } catch {
      return false;
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { bucket, key } = parseS3Path(url);
    const method = req.method ?? 'GET';
    if (!bucket) throw new AwsError('NotImplemented', 'ListBuckets is not supported by aws-local', 501);
    if (!key) {
      if (method === 'HEAD') {
        this.bucketDir(bucket);
        res.writeHead(200, { 'x-amz-bucket-region': 'us-east-1', 'x-amz-request-id': requestId() });
        res.end();
        return;
      }
      if (method === 'GET' && url.searchParams.has('location')) {
        this.bucketDir(bucket);
        return sendXml(res, 200, `<LocationConstraint xmlns="${NS}"></LocationConstraint>`);
      }
      if (method === 'GET') return this.list(res, bucket, url.searchParams);
      throw new AwsError('NotImplemented', `${method} on a bucket is not supported by aws-local`, 501);
    }
    switch (method) {
      case 'GET':
      case 'HEAD':
        return this.get(req, res, bucket, key, method === 'HEAD');
      case 'PUT': {
        const path = this.objectPath(bucket, key);
        let body = await readBody(req);
        const sha = String(req.headers['x-amz-content-sha256'] ?? '');
        if (
          sha.startsWith('STREAMING-') ||
          String(req.headers['content-encoding'] ?? '').includes('aws-chunked')
        )
          body = decodeAwsChunked(body);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(`${path}.aws-local-tmp`, body);
        renameSync(`${path}.aws-local-tmp`, path);
        res.writeHead(200, {
          etag: `"${createHash('md5').update(body).digest('hex')}"`,
          'x-amz-request-id': requestId(),
        });
        res.end();
        return;
      }
      case 'DELETE': {
        const path = this.objectPath(bucket, key);
        if (existsSync(path)) unlinkSync(path);
        res.writeHead(204, { 'x-amz-request-id': requestId() });
        res.end();
        return;
      }
      default:
        throw new AwsError('NotImplemented', `${method} is not supported by aws-local`, 501);
    }
  }

  private get(req: IncomingMessage, res: ServerResponse, bucket: string, key: string, head: boolean) {
    const path = this.objectPath(bucket, key);
    if (!existsSync(path) || !statSync(path).isFile()) {
      if (head) throw new AwsError('NotFound', 'Not Found', 404);
      throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, 'Sender', { Key: key });
    }
    const st = statSync(path);
    const headers: Record<string, string | number> = {
      'content-type': contentType(key),
      'last-modified': st.mtime.toUTCString(),
      etag: etag(path, st.size, st.mtimeMs),
      'accept-ranges': 'bytes',
      'x-amz-request-id': requestId(),
    };
    const range = req.headers.range;
    let start = 0;
    let end = st.size - 1;
    let status = 200;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      if (!m || (m[1] === '' && m[2] === ''))
        throw new AwsError('InvalidRange', 'The requested range is not satisfiable', 416);
      if (m[1] === '') start = Math.max(0, st.size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== '') end = Math.min(end, Number(m[2]));
      }
      if (start >= st.size || start > end)
        throw new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, 'Sender', {
          RangeRequested: range,
          ActualObjectSize: st.size,
        });
      status = 206;
      headers['content-range'] = `bytes ${start}-${end}/${st.size}`;
    }
    headers['content-length'] = st.size === 0 ? 0 : end - start + 1;
    res.writeHead(status, headers);
    if (head || st.size === 0) {
      res.end();
      return;
    }
    createReadStream(path, { start, end }).pipe(res);
  }

  private list(res: ServerResponse, bucket: string, q: URLSearchParams) {
    const dir = this.bucketDir(bucket);
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
    const token = q.get('continuation-token');
    const startAfter = token ? Buffer.from(token, 'base64').toString() : (q.get('start-after') ?? '');
    const urlEncode = q.get('encoding-type') === 'url';
    const enc = (s: string) => xmlEscape(urlEncode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    const all: { key: string; size: number; mtime: Date; path: string; mtimeMs: number }[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (!e.endsWith('.aws-local-tmp'))
          all.push({
            key: relative(dir, p).split(sep).join('/'),
            size: st.size,
            mtime: st.mtime,
            path: p,
            mtimeMs: st.mtimeMs,
          });
      }
    };
    walk(dir);
    all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let count = 0;
    let truncated = false;
    let lastKey = '';
    for (const o of all) {
      if (!o.key.startsWith(prefix) || o.key <= startAfter) continue;
      if (delimiter) {
        const rest = o.key.slice(prefix.length);
        const i = rest.indexOf(delimiter);
        if (i >= 0) {
          const cp = prefix + rest.slice(0, i + delimiter.length);
          if (prefixes.has(cp)) continue;
          if (count >= maxKeys) {
            truncated = true;
            break;
          }
          prefixes.add(cp);
          count++;
          lastKey = cp + '\uffff';
          continue;
        }
      }
      if (count >= maxKeys) {
        truncated = true;
        break;
      }
      const entry = `<Contents><Key>${enc(o.key)}</Key><LastModified>${o.mtime.toISOString()}</LastModified><ETag>${xmlEscape(etag(o.path, o.size, o.mtimeMs))}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      contents.push(entry);
      count++;
      lastKey = o.key;
    }
    const next = truncated
      ? `<NextContinuationToken>${Buffer.from(lastKey).toString('base64')}</NextContinuationToken>`
      : '';
    sendXml(
      res,
      200,
      `<ListBucketResult xmlns="${NS}"><Name>${xmlEscape(bucket)}</Name><Prefix>${enc(prefix)}</Prefix>${delimiter ? `<Delimiter>${enc(delimiter)}</Delimiter>` : ''}<MaxKeys>${maxKeys}</MaxKeys><KeyCount>${count}</KeyCount><IsTruncated>${truncated}</IsTruncated>${token ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : ''}${next}${urlEncode ? '<EncodingType>url</EncodingType>' : ''}${contents.join('')}${[...prefixes].map((p) => `<CommonPrefixes><Prefix>${enc(p)}</Prefix></CommonPrefixes>`).join('')}</ListBucketResult>`,
    );
  }
}
