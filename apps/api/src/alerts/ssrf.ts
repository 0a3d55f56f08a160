import { isIP } from 'node:net';

/**
 * Outbound-URL safety (SSRF) for Slack and webhook alert targets. Pure: no DNS here; the sender resolves the
 * host, checks every address with `addressClass` and connects to the address it checked.
 */

export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation';

type V4Range = [base: number, bits: number, cls: AddressClass];

const v4 = (s: string): number => {
  const p = s.split('.').map(Number);
  return (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0;
};

const V4_RANGES: V4Range[] = [
  [v4('0.0.0.0'), 8, 'unspecified'], // "this network"
  [v4('10.0.0.0'), 8, 'private'],
  [v4('100.64.0.0'), 10, 'cgnat'],
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('169.254.0.0'), 16, 'link-local'], // cloud metadata (169.254.169.254) lives here
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [v4('192.0.2.0'), 24, 'documentation'],
  [v4('192.88.99.0'), 24, 'reserved'], // 6to4 relay anycast
  [v4('192.168.0.0'), 16, 'private'],
  [v4('198.18.0.0'), 15, 'reserved'], // benchmarking
  [v4('198.51.100.0'), 24, 'documentation'],
  [v4('203.0.113.0'), 24, 'documentation'],
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('255.255.255.255'), 32, 'broadcast'],
  [v4('240.0.0.0'), 4, 'reserved'],
];

function classifyV4(n: number): AddressClass {
  for (const [base, bits, cls] of V4_RANGES) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === base) return cls;
  }
  return 'public';
}

/** The 8 hextets of an IPv6 address (embedded dotted IPv4 and `::` handled); null when it is not one. */
export function parseIpv6(input: string): number[] | null {
  let s = input.toLowerCase();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const n = v4(last);
    tail = [n >>> 16, n & 0xffff];
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = s.includes('::') ? (s.split('::') as [string, string]) : [s, null];
  const left = head ? head.split(':').map((h) => parseInt(h, 16)) : [];
  const right = rest === null ? [] : rest ? rest.split(':').map((h) => parseInt(h, 16)) : [];
  const groups =
    rest === null ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (groups.length !== 8) return null;
  if (tail.length) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  return groups;
}

function classifyV6(g: number[]): AddressClass {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h6 = 0, h7 = 0] = g;
  const embedded = ((h6 << 16) >>> 0) + h7;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && h7 === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible ::a.b.c.d: judged as the IPv4.
  if (zeroTo(5) && f === 0xffff) return classifyV4(embedded);
  if (zeroTo(4) && e === 0xffff && f === 0) return classifyV4(embedded);
  if (zeroTo(6)) return classifyV4(embedded);
  // NAT64 64:ff9b::a.b.c.d and 64:ff9b:1::/48 reach IPv4 through a translator.
  if (a === 0x64 && b === 0xff9b && (c === 0 || c === 1) && d === 0 && e === 0 && f === 0)
    return classifyV4(embedded);
  // 6to4 2002:AABB:CCDD::/48 carries an IPv4 address.
  if (a === 0x2002) return classifyV4(((b << 16) >>> 0) + c);
  if ((a & 0xfe00) === 0xfc00) return 'unique-local';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((a & 0xff00) === 0xff00) return 'multicast';
  if (a === 0x2001 && b === 0x0db8) return 'documentation';
  if (a === 0x2001 && b === 0) return 'reserved'; // Teredo: the IPv4 inside is obfuscated
  if (a === 0x0100 && b === 0 && c === 0 && d === 0) return 'reserved'; // discard-only
  if ((a & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast 2000::/3
  return 'public';
}

/** What kind of address an IP literal is; throws for something that is not an IP. */
export function addressClass(ip: string): AddressClass {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIP(bare) === 4) return classifyV4(v4(bare));
  const g = parseIpv6(bare);
  if (!g) throw new Error(`not an IP address: ${ip}`);
  return classifyV6(g);
}

export const isPublicAddress = (ip: string): boolean => addressClass(ip) === 'public';

export interface OutboundPolicy {
  /** NODE_ENV=development: plain http is allowed (addresses are still checked). */
  allowHttp: boolean;
  /** ALERT_WEBHOOK_ALLOW_HOSTS: hosts (names or IPs, lower case) allowed over http and on any address. */
  allowHosts: readonly string[];
  /**
   * ALERT_WEBHOOK_PORTS: the ports a URL may name (inclusive ranges), for every host, allow-listed ones too; unset
   * means 443 and 80 (a URL without a port uses its scheme's).
   */
  allowPorts?: readonly (readonly [number, number])[];
}

export const DEFAULT_ALERT_PORTS: readonly (readonly [number, number])[] = [
  [443, 443],
  [80, 80],
];

export interface CheckedUrl {
  url: URL;
  /** URL host without brackets, lower case. */
  host: string;
  /** In the allow-list: any address is fine. */
  allowed: boolean;
  /** The host is an IP literal (no DNS). */
  literal: boolean;
}

export class UnsafeUrlError extends Error {
  constructor(
    readonly step: 'url' | 'dns' | 'address',
    message: string,
  ) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

/** Syntax and scheme check, and the address check when the host is an IP literal. */
export function checkUrl(raw: string, policy: OutboundPolicy): CheckedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError('url', 'Must be an absolute https URL');
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const allowed = policy.allowHosts.includes(host);
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UnsafeUrlError('url', `Must be an https URL (${url.protocol.replace(':', '')} is not allowed)`);
  if (url.protocol === 'http:' && !policy.allowHttp && !allowed)
    throw new UnsafeUrlError(
      'url',
      'Must be an https URL (http is allowed only for hosts in ALERT_WEBHOOK_ALLOW_HOSTS)',
    );
  if (url.username || url.password) throw new UnsafeUrlError('url', 'Must not contain credentials');
  if (!host) throw new UnsafeUrlError('url', 'Must have a host');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const ports = policy.allowPorts ?? DEFAULT_ALERT_PORTS;
  if (!ports.some(([lo, hi]) => port >= lo && port <= hi))
    throw new UnsafeUrlError(
      'url',
      `Port ${port} is not allowed: alerts go to ports ${ports.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(', ')} (ALERT_WEBHOOK_PORTS)`,
    );
  const literal = isIP(host) !== 0;
  if (literal && !allowed) refuseUnlessPublic(host, host);
  return { url, host, allowed, literal };
}

/** Throws when a resolved address of `host` is not public. */
export function refuseUnlessPublic(host: string, address: string): void {
  const cls = addressClass(address);
  if (cls !== 'public')
    throw new UnsafeUrlError(
      'address',
      host === address
        ? `The address ${address} is ${cls}: alerts only go to public addresses`
        : `${host} resolves to ${address} (${cls}): alerts only go to public addresses`,
    );
}

/** Scheme + host (port included) + "/…": what responses show of a stored URL. */
export function maskUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '…';
  }
}
