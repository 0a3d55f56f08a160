import { addressClass, checkUrl, maskUrl, parseIpv6, UnsafeUrlError, type OutboundPolicy } from './ssrf';

const strict: OutboundPolicy = { allowHttp: false, allowHosts: [] };

describe('addressClass', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['52.94.236.248', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['192.0.2.10', 'documentation'],
  ])('IPv4 %s is %s', (ip, cls) => expect(addressClass(ip)).toBe(cls));

  it.each([
    ['2606:4700:4700::1111', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['fec0::1', 'private'],
    ['2001:db8::1', 'documentation'],
    // IPv4 inside IPv6 is judged as the IPv4 it reaches.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['::ffff:0:127.0.0.1', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:0808:0808::1', 'public'],
    ['2001::1', 'reserved'],
  ])('IPv6 %s is %s', (ip, cls) => expect(addressClass(ip)).toBe(cls));

  it('parses the compressed and dotted forms into eight hextets', () => {
    expect(parseIpv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIpv6('1::8')).toEqual([1, 0, 0, 0, 0, 0, 0, 8]);
    expect(parseIpv6('not-an-ip')).toBeNull();
  });
});

describe('checkUrl', () => {
  const refused = (url: string, policy = strict) => {
    try {
      checkUrl(url, policy);
    } catch (e) {
      if (e instanceof UnsafeUrlError) return e.message;
      throw e;
    }
    return null;
  };

  it('accepts a public https URL and leaves named hosts to the send-time DNS check', () => {
    const c = checkUrl('https://hooks.slack.com/services/T/B/X', strict);
    expect(c).toMatchObject({ host: 'hooks.slack.com', literal: false, allowed: false });
    expect(checkUrl('https://8.8.8.8/hook', strict).literal).toBe(true);
  });

  it('refuses other schemes, plain http and credentials', () => {
    expect(refused('ftp://example.com/x')).toMatch(/ftp is not allowed/);
    expect(refused('file:///etc/passwd')).toMatch(/file is not allowed/);
    expect(refused('http://example.com/hook')).toMatch(/https/);
    expect(refused('https://user:pw@example.com/hook')).toMatch(/credentials/);
    expect(refused('not a url')).toMatch(/absolute https URL/);
    // development allows http, but still not to a private address
    expect(refused('http://example.com/hook', { allowHttp: true, allowHosts: [] })).toBeNull();
    expect(refused('http://10.0.0.1/hook', { allowHttp: true, allowHosts: [] })).toMatch(/private/);
  });

  it('refuses private, loopback, link-local and IPv4-mapped literals in every spelling', () => {
    for (const u of [
      'https://127.0.0.1/x',
      'https://10.20.30.40/x',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[::ffff:a9fe:a9fe]/x',
      'https://[fd00::1]/x',
      'https://0x7f.0.0.1/x', // WHATWG URL normalizes hex/decimal forms to 127.0.0.1
      'https://2130706433/x',
      'https://0/x',
      'https://100.64.1.1/x',
    ])
      expect({ u, refused: !!refused(u) }).toEqual({ u, refused: true });
  });

  it('lets allow-listed hosts through over http, on any address', () => {
    const policy: OutboundPolicy = {
      allowHttp: false,
      allowHosts: ['127.0.0.1'],
      allowPorts: [[8080, 8080]],
    };
    expect(checkUrl('http://127.0.0.1:8080/hook', policy)).toMatchObject({ allowed: true });
    // the allow-list names hosts: another spelling of the same address is not in it
    expect(refused('http://localhost:8080/hook', policy)).toMatch(/https/);
    expect(refused('https://[::1]:8080/hook', policy)).toMatch(/loopback/);
  });

  it('allows only the listed ports (default 443 and 80), for allow-listed hosts too', () => {
    expect(refused('https://example.com/hook')).toBeNull();
    expect(refused('https://example.com:443/hook')).toBeNull();
    expect(refused('https://example.com:80/hook')).toBeNull();
    for (const u of [
      'https://example.com:25/hook',
      'https://example.com:6379/hook',
      'https://8.8.8.8:5432/hook',
      'https://example.com:8443/hook',
    ])
      expect({ u, why: refused(u) }).toEqual({ u, why: expect.stringMatching(/^Port \d+ is not allowed/) });
    const internal: OutboundPolicy = {
      allowHttp: false,
      allowHosts: ['hooks.internal'],
      allowPorts: [
        [443, 443],
        [8000, 8999],
      ],
    };
    expect(refused('http://hooks.internal:8080/x', internal)).toBeNull();
    expect(refused('http://hooks.internal/x', internal)).toMatch(
      /Port 80 is not allowed: alerts go to ports 443, 8000-8999/,
    );
    expect(refused('http://hooks.internal:6379/x', internal)).toMatch(/Port 6379/);
  });

  it('masks a stored URL down to scheme and host', () => {
    expect(maskUrl('https://hooks.slack.com/services/T/B/SECRET')).toBe('https://hooks.slack.com/…');
    expect(maskUrl('http://127.0.0.1:4000/hook?token=x')).toBe('http://127.0.0.1:4000/…');
  });
});
