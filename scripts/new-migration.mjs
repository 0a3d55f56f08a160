#!/usr/bin/env node
// Writes a migration with the SQL the entities need beyond the committed migrations.
// Usage: DATABASE_URL=postgres://.../scratch node scripts/new-migration.mjs <name>   (after npm run build)
// The database is dropped and re-created: point it at a scratch database.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
if (!name || !/^[a-z][a-z0-9_]*$/.test(name) || !process.env.DATABASE_URL) {
  process.stderr.write(
    'Usage: DATABASE_URL=<scratch database URL> node scripts/new-migration.mjs <snake_case_name>\n',
  );
  process.exit(2);
}
const url = new URL(process.env.DATABASE_URL);
const db = url.pathname.slice(1);
const admin = new URL(url);
admin.pathname = '/postgres';
const client = new pg.Client({ connectionString: admin.toString() });
await client.connect();
await client.query(`drop database if exists "${db}" with (force)`);
await client.query(`create database "${db}"`);
await client.end();

const cli = join(root, 'apps/api/dist/cli.js');
const env = { ...process.env, LOG_LEVEL: 'error' };
execFileSync(process.execPath, [cli, 'migrate'], { env });
const sql = execFileSync(process.execPath, [cli, 'schema-diff'], { env }).toString().trim();
if (!sql) {
  process.stdout.write('No schema changes: nothing to write.\n');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const cls = `Migration${stamp}${name.replace(/(^|_)([a-z])/g, (_, __, c) => c.toUpperCase())}`;
const file = `Migration${stamp}_${name}`;
const statements = sql
  .split(/;\s*\n/)
  .map((s) => s.trim().replace(/;$/, ''))
  .filter(Boolean);
const body = statements.map((s) => `    this.addSql(${JSON.stringify(s)});`).join('\n');
const dir = join(root, 'apps/api/src/database/migrations');
writeFileSync(
  join(dir, `${file}.ts`),
  `import { Migration } from '@mikro-orm/migrations';\n\nexport class ${cls} extends Migration {\n  override up(): void {\n${body}\n  }\n}\n`,
);
const indexFile = join(dir, 'index.ts');
let index = readFileSync(indexFile, 'utf8');
index = `import { ${cls} } from './${file}';\n${index}`;
index = index.replace(/\n\];/, `\n  { name: '${file}', class: ${cls} },\n];`);
writeFileSync(indexFile, index);
process.stdout.write(
  `Wrote apps/api/src/database/migrations/${file}.ts (${statements.length} statements); run npm run format.\n`,
);
