import { MAIN, run } from './helpers';

/**
 * Production mode refuses to start on default or missing secrets and names each offending variable. The
 * configuration is validated before anything else, so no database is needed: DATABASE_URL points at a closed port.
 */
const NO_DB = 'postgres://cost_optimizer@127.0.0.1:1/cost_optimizer';
const GOOD = {
  NODE_ENV: 'production',
  DATABASE_URL: NO_DB,
  JWT_SECRET: 'a-production-jwt-secret-of-more-than-32-chars',
  ENCRYPTION_KEY: 'a-production-encryption-key-of-32-or-more-chars',
  ADMIN_EMAIL: 'admin@example.com',
  ADMIN_PASSWORD: 'twelve-chars-or-more',
};
// The development defaults in apps/api/src/config/config.ts, given explicitly.
const DEV_JWT_SECRET = 'dev-only-jwt-secret-do-not-use-in-production-0000';
const DEV_ENCRYPTION_KEY = 'dev-only-encryption-key-do-not-use-in-production';

const start = (env: Record<string, string>) => run(process.execPath, [MAIN], env);

describe('production mode', () => {
  it('refuses missing JWT_SECRET, ENCRYPTION_KEY and admin password, naming each in one message', async () => {
    const out = await start({ NODE_ENV: 'production', DATABASE_URL: NO_DB });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('Invalid configuration');
    expect(out.stderr).toMatch(/JWT_SECRET: must be set to your own random value in production/);
    expect(out.stderr).toMatch(/ENCRYPTION_KEY: must be set to your own random value in production/);
    expect(out.stderr).toMatch(/ADMIN_PASSWORD: must be set in production/);
  });

  it('refuses the development default values given explicitly', async () => {
    const out = await start({ ...GOOD, JWT_SECRET: DEV_JWT_SECRET, ENCRYPTION_KEY: DEV_ENCRYPTION_KEY });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/JWT_SECRET: must be set to your own random value/);
    expect(out.stderr).toMatch(/ENCRYPTION_KEY: must be set to your own random value/);
  });

  it('refuses short secrets without echoing them', async () => {
    const out = await start({ ...GOOD, JWT_SECRET: 'short-jwt-secret', ENCRYPTION_KEY: 'short-key-value' });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/JWT_SECRET: must be at least 32 characters/);
    expect(out.stderr).toMatch(/ENCRYPTION_KEY: must be at least 32 characters/);
    expect(out.stderr).not.toContain('short-jwt-secret');
    expect(out.stderr).not.toContain('short-key-value');
  });

  it('refuses an administrator password shorter than 12 characters, and half an administrator', async () => {
    const short = await start({ ...GOOD, ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: 'elevenchars' });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/ADMIN_PASSWORD: must be at least 12 characters in production/);
    expect(short.stderr).not.toContain('elevenchars');

    const { ADMIN_PASSWORD: _omitted, ...withoutPassword } = GOOD;
    const half = await start({ ...withoutPassword, ADMIN_EMAIL: 'admin@example.com' });
    expect(half.code).toBe(1);
    expect(half.stderr).toMatch(/ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither/);
  });

  it('refuses a missing DATABASE_URL', async () => {
    const { DATABASE_URL: _unset, ...env } = GOOD;
    const out = await start(env);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/DATABASE_URL: .*not set/);
  });

  it('accepts real secrets: it gets past the configuration and only then fails on the absent database', async () => {
    const out = await start({
      ...GOOD,
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'twelve-chars-or-more',
    });
    expect(out.code).toBe(1);
    expect(out.stderr).not.toContain('Invalid configuration');
    expect(out.stderr).toContain('Failed to start');
  });

  it('lets development run on the defaults (the refusals are production-only)', async () => {
    const out = await start({ NODE_ENV: 'development', DATABASE_URL: NO_DB });
    expect(out.stderr).not.toContain('Invalid configuration');
    expect(out.stderr).toContain('Failed to start');
  });
});
