#!/usr/bin/env node
// `npm run bench [-- NAME ...] [-- --scale S]`: runs the benchmarks in bench/ (all by default) with tsx, after a build.
// Each prints its figures as ratios to a baseline measured in the same run. Uses DATABASE_URL or the local server.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const names = args.filter((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
const flags = args.filter((a) => !names.includes(a));
const all = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
const chosen = names.length ? names : all;
for (const n of chosen) {
  if (!all.includes(n)) {
    process.stderr.write(`No bench named ${n}; have: ${all.join(', ')}\n`);
    process.exit(2);
  }
}
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
let failed = false;
for (const n of chosen) {
  process.stdout.write(`\n### bench/${n}.ts ${flags.join(' ')}\n`);
  const r = spawnSync(
    'npx',
    ['tsx', '--tsconfig', 'bench/tsconfig.json', join('bench', `${n}.ts`), ...flags],
    { cwd: root, stdio: 'inherit' },
  );
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
