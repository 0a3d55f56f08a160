import { createHash } from 'node:crypto';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** What a billing month's CUR files look like: a hash of their S3 keys, ETags and sizes, and how many there are. */
export interface MonthSource {
  fingerprint: string;
  objects: number;
}

/** `s3://bucket/prefix/` -> bucket and prefix (with a trailing slash); null for anything else. */
export function parseS3Location(location: string): { bucket: string; prefix: string } | null {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(location.trim());
  if (!m) return null;
  const prefix = m[2] ?? '';
  return { bucket: m[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/**
 * Lists the objects under the month's partition locations (s3:ListBucket, which the CUR policy grants) and hashes
 * them. AWS rewrites a month's files when it restates the month (refunds, credits, late fees): their ETags and sizes
 * change, so the hash does. Null when a location is not an S3 URL.
 */
export async function monthSource(s3: S3Client, locations: string[]): Promise<MonthSource | null> {
  const lines: string[] = [];
  for (const location of [...new Set(locations)].sort()) {
    const loc = parseS3Location(location);
    if (!loc) return null;
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: loc.prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) lines.push(`${loc.bucket}\t${o.Key}\t${o.ETag}\t${o.Size}`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  lines.sort();
  return {
    fingerprint: createHash('sha256').update(lines.join('\n')).digest('hex'),
    objects: lines.length,
  };
}
