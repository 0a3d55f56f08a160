import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { all, dockerfile, dockerfileText, stage } from './dockerfile-model';
import { read, ROOT } from './helpers';

// Every optional rule of dockerfile-utils raised to an error.
const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const problems = (text: string) =>
  validate(text, STRICT).map(
    (d) => `line ${d.range.start.line + 1}: ${typeof d.message === 'string' ? d.message : d.message.value}`,
  );

describe('docker/Dockerfile', () => {
  it('validates with dockerfile-utils, every rule strict', () => {
    expect(problems(dockerfileText())).toEqual([]);
  });

  it('is checked by a validator that does catch mistakes', () => {
    const broken = dockerfileText()
      .replace('HEALTHCHECK --interval', 'HEALTHCHECK --intervl')
      .replace('WORKDIR /app', 'WORKDIR app')
      .replace('COPY --from=build', 'COPY --frm=build');
    expect(problems(broken)).toEqual([
      expect.stringContaining('WORKDIR paths should be absolute'),
      expect.stringContaining('Unknown flag: frm'),
      expect.stringContaining('Unknown flag: intervl'),
    ]);
  });

  it('builds every stage on Node 24 slim', () => {
    const { args, stages } = dockerfile();
    const names = new Set<string>();
    for (const s of stages) {
      const from = s.from.replace(/^\$\{(\w+)\}$/, (_, a: string) => args[a] ?? '');
      if (!names.has(from)) expect(from).toMatch(/^node:24(\.\d+)*-(bookworm-|trixie-)?slim$/);
      names.add(s.name);
    }
    expect([...names]).toEqual(['base', 'build', 'demo-aws', 'runtime']);
  });

  it('builds with the lockfile, then keeps only production dependencies', () => {
    const runs = all(stage('build'), 'RUN').join('\n');
    // `npm ci` fails on registries missing foreign-platform optional packages; install honours the lockfile too.
    expect(runs).toMatch(/npm install\b/);
    expect(runs).toMatch(/npm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev\b/);
    expect(all(stage('build'), 'COPY')).toContain('package.json package-lock.json ./');
  });

  it('copies the manifest of every workspace before installing', () => {
    const copies = all(stage('build'), 'COPY');
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    for (const ws of workspaces) expect(copies).toContain(`${ws}/package.json ${ws}/`);
  });

  it('runs the API as the unprivileged node user in production mode, with a health check and SIGTERM', () => {
    const runtime = dockerfile().stages.at(-1)!;
    expect(runtime.name).toBe('runtime'); // the default target of `docker build`
    const keywords = runtime.instructions.map((i) => i.keyword);
    expect(all(runtime, 'USER')).toEqual(['node']);
    expect(keywords.indexOf('USER')).toBeLessThan(keywords.indexOf('CMD'));
    expect(all(runtime, 'RUN')).toEqual([]); // nothing installed or built here: only the build's output
    expect(all(runtime, 'COPY').every((c) => c.startsWith('--from=build '))).toBe(true);
    const env = all(runtime, 'ENV').join(' ');
    expect(env).toMatch(/NODE_ENV=production/);
    expect(env).toMatch(/PORT=9000/);
    expect(all(runtime, 'EXPOSE')).toEqual(['9000']);
    expect(all(runtime, 'STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(all(runtime, 'HEALTHCHECK')[0]).toContain('/api/health');
    expect(JSON.parse(all(runtime, 'CMD')[0]!)).toEqual(['node', 'apps/api/dist/main.js']);
  });

  it('runs the demo endpoint as node, on the port its script listens on', () => {
    const demo = stage('demo-aws');
    expect(all(demo, 'USER')).toEqual(['node']);
    expect(all(demo, 'EXPOSE')).toEqual(['4566']);
    const script = read('docker/demo-aws.sh');
    expect(script).toContain('--port 4566 --host 0.0.0.0');
    expect(all(demo, 'HEALTHCHECK')[0]).toContain('127.0.0.1:4566/_aws-local/health');
    // The built CLIs it runs exist after `npm run build` (no tsx in the image).
    for (const cli of script.match(/libs\/[\w/-]+\.js/g) ?? [])
      expect(existsSync(join(ROOT, cli))).toBe(true);
    expect(script.match(/libs\/[\w/-]+\.js/g)).toHaveLength(2);
  });

  it('copies from the build context only files that exist and that .dockerignore lets through', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const isIgnored = (path: string) =>
      ignored.some((p) => {
        const re = new RegExp(
          `^${p
            .replace(/[.+^$()|[\]\\]/g, '\\$&')
            .replace(/\*\*\//g, '\0')
            .replace(/\*/g, '[^/]*')
            .replace(/\0/g, '(?:.*/)?')}(?:/.*)?$`,
        );
        return re.test(path);
      });
    const sources = dockerfile()
      .stages.flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.includes('--from='))
      .flatMap((c) =>
        c
          .replace(/--\S+\s+/g, '')
          .split(/\s+/)
          .slice(0, -1),
      )
      .filter((p) => p !== '.');
    expect(sources.length).toBeGreaterThan(5);
    for (const p of sources) {
      expect([p, existsSync(join(ROOT, p))]).toEqual([p, true]);
      expect([p, isIgnored(p)]).toEqual([p, false]);
    }
    // Secrets, local data and build output never reach the builder; the sources do.
    for (const p of [
      '.env',
      'docker/.env',
      '.data/pg/PG_VERSION',
      'node_modules/pg',
      'apps/api/dist/main.js',
      '.git',
    ])
      expect([p, isIgnored(p)]).toEqual([p, true]);
    for (const p of ['apps/api/src/main.ts', 'angular.json', 'tsconfig.json', 'cfn/connect-aws-billing.yml'])
      expect([p, isIgnored(p)]).toEqual([p, false]);
  });
});

/** Bare package names a directory of built JavaScript loads (require / import()). */
function loadedPackages(dir: string, found = new Set<string>()): Set<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) loadedPackages(path, found);
    else if (entry.endsWith('.js')) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/(?:require|import)\(\s*["']([^"'.][^"']*)["']\s*\)/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
        found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
  }
  return found;
}

describe('the production image runtime', () => {
  const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  const builtDirs = workspaces.map((ws) => join(ROOT, ws, 'dist')).filter((d) => existsSync(d));

  it('has the built API, console and CloudFormation template the image copies', () => {
    for (const p of ['apps/api/dist/main.js', 'apps/api/dist/cli.js', 'cfn/connect-aws-billing.yml'])
      expect([p, existsSync(join(ROOT, p))]).toEqual([p, true]);
    expect(existsSync(join(ROOT, 'apps/console/dist/browser/index.html'))).toBe(true);
  });

  it('keeps every package the built code loads after `npm prune --omit=dev`', () => {
    const loaded = new Set<string>();
    for (const dir of builtDirs) loadedPackages(dir, loaded);
    expect(loaded).toContain('@nestjs/core');
    // What a production install keeps: the dependency tree without devDependencies.
    // (npm ls exits non-zero on unrelated tree warnings; its listing is what counts.)
    const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const kept = new Set(ls.stdout.split('\n').map((p) => p.replace(`${ROOT}/node_modules/`, '')));
    expect(kept).toContain('pg');
    expect(kept).not.toContain('typescript-eslint');
    const names = Object.fromEntries(
      workspaces.map((ws) => [(JSON.parse(read(`${ws}/package.json`)) as { name: string }).name, ws]),
    );
    const missing = [...loaded].filter((pkg) => !(pkg in names) && !kept.has(pkg));
    // A package listed here sits in devDependencies (or nowhere) but is loaded at runtime: move it to dependencies.
    expect(missing).toEqual([]);
  });
});
