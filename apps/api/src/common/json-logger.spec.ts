import { redact, redactUrl, requestSerializer } from './json-logger';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhIiwidGlkIjoiYiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';

describe('log redaction', () => {
  it('redacts secret query values and JWTs in URLs, keeping the rest for debugging', () => {
    expect(redactUrl(`/api/costs?from=2026-01-01&access_token=${JWT}&group_by=service`)).toBe(
      '/api/costs?from=2026-01-01&access_token=[redacted]&group_by=service',
    );
    expect(redactUrl('/api/x?refresh_token=abc.def&password=hunter2&External_Id=co-1&q=ok')).toBe(
      '/api/x?refresh_token=[redacted]&password=[redacted]&External_Id=[redacted]&q=ok',
    );
    expect(redactUrl(`/api/x?next=${JWT}`)).toBe('/api/x?next=[redacted]');
    expect(redactUrl(`/api/share/${JWT}`)).toBe('/api/share/[redacted]');
    expect(redactUrl('/api/health')).toBe('/api/health');
  });

  it('redacts secret-looking keys and JWT-shaped strings anywhere in a log object', () => {
    expect(
      redact({
        msg: `bad token ${JWT} seen`,
        correlation_id: 'c-1',
        user: { email: 'ada@example.com', password: 'x', refresh_token: 'y', nested: [{ apiKey: 'z' }] },
        authorization: 'Bearer abc',
      }),
    ).toEqual({
      msg: 'bad token [redacted] seen',
      correlation_id: 'c-1',
      user: {
        email: 'ada@example.com',
        password: '[redacted]',
        refresh_token: '[redacted]',
        nested: [{ apiKey: '[redacted]' }],
      },
      authorization: '[redacted]',
    });
  });

  it('serializes requests without headers or body', () => {
    const req = {
      method: 'POST',
      url: '/api/auth/login?token=secret',
      host: 'localhost',
      ip: '127.0.0.1',
      headers: { authorization: `Bearer ${JWT}` },
      body: { password: 'hunter2' },
    };
    expect(requestSerializer(req)).toEqual({
      method: 'POST',
      url: '/api/auth/login?token=[redacted]',
      host: 'localhost',
      remoteAddress: '127.0.0.1',
      remotePort: undefined,
    });
  });
});
