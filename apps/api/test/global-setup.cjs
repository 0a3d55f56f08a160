// Migrates a template database once; every test file clones it (CREATE DATABASE ... TEMPLATE) and starts the
// real API on it. Uses DATABASE_URL when set (CI: the machine's PostgreSQL), the embedded PostgreSQL otherwise.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');

const root = join(__dirname, '..', '..', '..');

module.exports = async function globalSetup() {
  const dist = process.env.CO_API_DIST ?? join(root, 'apps/api/dist');
  const main = join(dist, 'main.js');
  if (!existsSync(main))
    throw new Error('apps/api/dist/main.js is missing: run `npm run build` first (npm test does)');
  if (!process.env.DATABASE_URL) {
    const { startEmbeddedPostgres } = await import(join(root, 'scripts/lib/embedded-pg.mjs'));
    const pg = await startEmbeddedPostgres({
      dir: join(root, '.data/test-pg'),
      port: 54339,
      database: 'postgres_tests',
    });
    globalThis.__EMBEDDED_PG__ = pg;
    process.env.DATABASE_URL = pg.url;
  }
  const admin = new URL(process.env.DATABASE_URL);
  const template = `co_tpl_${process.pid}_${Date.now().toString(36)}`;
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`create database "${template}"`);
  await client.end();
  const templateUrl = new URL(admin.toString());
  templateUrl.pathname = `/${template}`;
  execFileSync(process.execPath, [join(dist, 'cli.js'), 'migrate'], {
    env: { ...process.env, DATABASE_URL: templateUrl.toString(), LOG_LEVEL: 'error' },
    stdio: 'pipe',
  });
  process.env.CO_TEST_ADMIN_URL = admin.toString();
  process.env.CO_TEST_TEMPLATE_DB = template;
};
