import { ConfigError, loadConfig } from './config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db' };

describe('loadConfig', () => {
  it('applies defaults for a minimal development environment', () => {
    const c = loadConfig(base);
    expect(c.port).toBe(9000);
    expect(c.jwt.accessTtlSeconds).toBe(900);
    expect(c.admin).toBeNull();
    expect(c.publicUrl).toBe('http://localhost:9000');
  });

  it('names every bad variable in one message', () => {
    let err: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'abc', JWT_ACCESS_TTL_SECONDS: '3600' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(msg).toContain("PORT: must be an integer between 0 and 65535 (got 'abc')");
    expect(msg).toContain('JWT_ACCESS_TTL_SECONDS: must be an integer between 60 and 900');
  });

  it('requires DATABASE_URL', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL: is required/);
  });

  it('refuses production defaults and says which', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET: must be set[\s\S]*ENCRYPTION_KEY: must be set[\s\S]*ADMIN_PASSWORD: must be set in production/,
    );
    const ok = loadConfig({
      ...base,
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      ENCRYPTION_KEY: 'y'.repeat(40),
      ADMIN_EMAIL: 'root@example.com',
      ADMIN_PASSWORD: 'a-long-admin-password',
    });
    expect(ok.env).toBe('production');
  });

  it('hides secret values in messages', () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: 'short-secret' })).toThrow(
      /JWT_SECRET: .*\(got '\*\*\*'\)/,
    );
  });

  it('reads the alert settings: SMTP as a URL or in parts, allow-listed hosts, previous encryption keys', () => {
    const none = loadConfig(base).alerts;
    expect(none).toMatchObject({
      smtp: null,
      emailFrom: null,
      allowHosts: [],
      allowHttp: true,
      maxAttempts: 6,
    });
    const url = loadConfig({
      ...base,
      NODE_ENV: 'test',
      SMTP_URL: 'smtp://u:p@mail.example.com:587',
      ALERT_WEBHOOK_ALLOW_HOSTS: ' Hooks.Internal , [::1],127.0.0.1',
      ENCRYPTION_KEY_PREVIOUS: `${'a'.repeat(32)}, ${'b'.repeat(32)}`,
    });
    expect(url.alerts).toMatchObject({
      smtp: 'smtp://u:p@mail.example.com:587',
      allowHosts: ['hooks.internal', '::1', '127.0.0.1'],
      allowHttp: false,
    });
    expect(url.encryptionKeyPrevious).toEqual(['a'.repeat(32), 'b'.repeat(32)]);
    const parts = loadConfig({
      ...base,
      SMTP_HOST: 'mail',
      SMTP_SECURE: 'true',
      SMTP_USER: 'u',
      SMTP_PASSWORD: 'p',
    });
    expect(parts.alerts.smtp).toEqual({
      host: 'mail',
      port: 465,
      secure: true,
      auth: { user: 'u', pass: 'p' },
    });
    // An SMTP URL carries a password: never echoed.
    expect(() => loadConfig({ ...base, SMTP_URL: 'http://u:hunter2@mail' })).toThrow(
      /SMTP_URL: .*\(got '\*\*\*'\)/,
    );
  });

  it('verifies sign-up emails when the platform sends email (auto), always (on: needs email) or never (off)', () => {
    const mail = { SMTP_URL: 'smtp://127.0.0.1:2525', ALERT_EMAIL_FROM: 'noreply@example.com' };
    expect(loadConfig(base).signupEmailVerification).toBe(false);
    expect(loadConfig({ ...base, SMTP_URL: mail.SMTP_URL }).signupEmailVerification).toBe(false);
    expect(loadConfig({ ...base, ...mail }).signupEmailVerification).toBe(true);
    expect(loadConfig({ ...base, ...mail, SIGNUP_EMAIL_VERIFICATION: 'on' }).signupEmailVerification).toBe(
      true,
    );
    expect(loadConfig({ ...base, ...mail, SIGNUP_EMAIL_VERIFICATION: 'off' }).signupEmailVerification).toBe(
      false,
    );
    expect(() => loadConfig({ ...base, SIGNUP_EMAIL_VERIFICATION: 'on' })).toThrow(
      /SIGNUP_EMAIL_VERIFICATION: on needs email/,
    );
    expect(() => loadConfig({ ...base, SIGNUP_EMAIL_VERIFICATION: 'yes' })).toThrow(
      /SIGNUP_EMAIL_VERIFICATION: must be 'auto', 'on' or 'off'/,
    );
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadConfig({ ...base, ADMIN_EMAIL: 'root@example.com' })).toThrow(/set both or neither/);
  });

  it('trusts no proxy by default; TRUSTED_PROXIES takes a hop count or addresses/CIDRs and refuses anything else', () => {
    expect(loadConfig(base).trustedProxies).toBe(false);
    expect(loadConfig({ ...base, TRUSTED_PROXIES: '1' }).trustedProxies).toBe(1);
    expect(
      loadConfig({ ...base, TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7,fd00::/8' }).trustedProxies,
    ).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    for (const bad of ['true', '0', '11', '10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.1/8/8'])
      expect(() => loadConfig({ ...base, TRUSTED_PROXIES: bad })).toThrow(
        /TRUSTED_PROXIES: must be a hop count/,
      );
  });
});
