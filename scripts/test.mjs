#!/usr/bin/env node
// `npm test`: lint, format check, typecheck, build, then every jest project (unit, API integration against a real
// PostgreSQL, console components, browser journeys in Chromium). Uses DATABASE_URL when set, else an embedded PostgreSQL.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from './lib/embedded-pg.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const extra = process.argv.slice(2);

function step(title, cmd, args, env = process.env) {
  const t0 = Date.now();
  process.stdout.write(`\n=== ${title}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stdout.write(`\n=== ${title} FAILED after ${s} s\n`);
    return false;
  }
  process.stdout.write(`=== ${title} ok (${s} s)\n`);
  return true;
}

let pg;
// Build first: the workspaces' type declarations (libs/*/dist) are what lint and typecheck resolve against.
let ok =
  step('build', 'npm', ['run', '--silent', 'build']) &&
  step('lint', 'npx', ['eslint', '.']) &&
  step('format', 'npx', ['prettier', '--check', '.']) &&
  step('typecheck', 'npm', ['run', '--silent', 'typecheck']);

if (ok) {
  const env = { ...process.env };
  if (!env.DATABASE_URL) {
    pg = await startEmbeddedPostgres({
      dir: join(root, '.data/test-pg'),
      port: 54339,
      database: 'postgres_tests',
    });
    env.DATABASE_URL = pg.url;
    process.stdout.write(`(no DATABASE_URL: using the embedded PostgreSQL at ${pg.url})\n`);
  }
  const out = mkdtempSync(join(tmpdir(), 'co-jest-'));
  const report = join(out, 'report.json');
  ok = step('tests', 'npx', ['jest', '--ci', '--json', `--outputFile=${report}`, ...extra], env);
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    process.stdout.write(`\nTests: ${r.numPassedTests} passed, ${r.numFailedTests} failed\n`);
    if (r.numTotalTests === 0) ok = false;
  } catch {
    process.stdout.write('\nTests: 0 passed, 1 failed\n(jest wrote no report)\n');
    ok = false;
  }
  rmSync(out, { recursive: true, force: true });
  if (pg) await pg.stop();
}
process.exit(ok ? 0 : 1);
