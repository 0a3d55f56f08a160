// Module boundaries (apps/api/module-boundaries.cjs): no module's SQL names a table another module owns, and no
// folder imports another module's internals. Both checks are shown to bite on a deliberately bad fixture.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Linter } from 'eslint';
import * as ts from 'typescript';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const boundaries = require('../module-boundaries.cjs') as {
  modules: Record<string, { public: string[]; tables: string[] }>;
  importExceptions: { file: string; why: string }[];
  sqlExceptions: { file: string; tables: string[]; why: string }[];
  importPatterns: (folder: string | null) => { regex: string; message: string }[];
};

const ROOT = join(__dirname, '..', '..', '..');
const SRC = join(__dirname, '..', 'src');

/** Every TypeScript file below `dir`, as paths relative to apps/api/src. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'migrations' ? [] : sourceFiles(path);
    return d.name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

/** The text of every string and template literal of a source (template holes read as a space). */
function literals(source: string): string[] {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
    else if (ts.isTemplateExpression(node))
      out.push([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' '));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

const OWNER = new Map(
  Object.entries(boundaries.modules).flatMap(([m, d]) => d.tables.map((t) => [t, m] as const)),
);

/** The tables of other modules that the SQL in a file of `module` names (after FROM, JOIN, INTO, UPDATE, TABLE). */
function foreignTables(module: string, source: string): string[] {
  const found = new Set<string>();
  for (const text of literals(source))
    for (const m of text.matchAll(
      /\b(?:from|join|into|update|table|truncate)\s+(?:only\s+)?(?:public\.)?"?([a-z_][a-z0-9_]*)"?/gi,
    )) {
      const name = m[1]!.toLowerCase();
      const owner = OWNER.get(name);
      if (owner && owner !== module) found.add(name);
    }
  return [...found].sort();
}

function moduleOf(file: string): string | null {
  const top = file.split('/')[0]!;
  return file.includes('/') && top in boundaries.modules ? top : null;
}

describe('module boundaries', () => {
  it('every table the migrations create has one owning module', () => {
    const dir = join(SRC, 'database', 'migrations');
    const created = new Set<string>();
    for (const f of readdirSync(dir))
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(
        /create table (?:if not exists )?(?:public\.)?\\?"?([a-z_][a-z0-9_]*)\b(?!\.)/gi,
      ))
        created.add(m[1]!.toLowerCase());
    const owned = (t: string) => OWNER.has(t) || [...OWNER.keys()].some((o) => t.startsWith(`${o}_`));
    expect([...created].filter((t) => !owned(t))).toEqual([]);
    expect(created.size).toBeGreaterThan(20);
  });

  it("no module's SQL names a table another module owns (beyond the listed exceptions, each still needed)", () => {
    const refs: Record<string, string[]> = {};
    for (const file of sourceFiles()) {
      const module = moduleOf(file);
      if (!module || file.endsWith('.spec.ts')) continue;
      const tables = foreignTables(module, readFileSync(join(SRC, file), 'utf8'));
      if (tables.length) refs[file] = tables;
    }
    const allowed = Object.fromEntries(boundaries.sqlExceptions.map((e) => [e.file, [...e.tables].sort()]));
    expect(refs).toEqual(allowed);
  });

  it('the SQL scan bites: aws_connection named outside aws-connection is found, a module’s own table is not', () => {
    const bad = 'const q = `select role_arn from aws_connection c join "tenant" t on t.id = c.tenant_id`;';
    expect(foreignTables('cur', bad)).toEqual(['aws_connection', 'tenant']);
    expect(foreignTables('aws-connection', bad)).toEqual(['tenant']);
    expect(foreignTables('metrics', "q('update metric_point set v = 1')")).toEqual([]);
    expect(foreignTables('metrics', "q('delete from anomaly_series_state where x')")).toEqual([
      'anomaly_series_state',
    ]);
  });

  describe('imports', () => {
    const linter = new Linter({ configType: 'flat' });
    const lint = (filename: string, code: string) =>
      linter
        .verify(
          code,
          [
            {
              files: ['**/*.ts'],
              rules: {
                'no-restricted-imports': [
                  'error',
                  { patterns: boundaries.importPatterns(moduleOf(filename)) },
                ],
              },
            },
          ],
          { filename },
        )
        .map((m) => m.message);

    it("refuses another module's internals and accepts its public entry", () => {
      const bad = lint(
        'cur/fixture.ts',
        "import { AwsConnectionSchema } from '../aws-connection/aws-connection.entity';\nexport const x = AwsConnectionSchema;",
      );
      expect(bad).toHaveLength(1);
      expect(bad[0]).toContain('Import the aws-connection module only through its public files');
      expect(
        lint(
          'cur/fixture.ts',
          "import { AwsAccessService } from '../aws-connection';\nexport const x = AwsAccessService;",
        ),
      ).toEqual([]);
      expect(
        lint('common/fixture.ts', "import { x } from '../metrics/metric-point-store';\nexport const y = x;"),
      ).toHaveLength(1);
      expect(
        lint('aws-connection/fixture.ts', "import { x } from './verify-steps';\nexport const y = x;"),
      ).toEqual([]);
    });

    it('eslint.config.mjs applies these rules to every folder of apps/api/src', () => {
      const printed = (file: string) => {
        const r = spawnSync('npx', ['eslint', '--print-config', file], { cwd: ROOT, encoding: 'utf8' });
        expect(r.status).toBe(0);
        const rule = (JSON.parse(r.stdout) as { rules: Record<string, unknown[]> }).rules[
          'no-restricted-imports'
        ];
        return rule![1] as { patterns: { regex?: string }[] };
      };
      for (const [file, folder] of [
        ['apps/api/src/cur/cur-sync.service.ts', 'cur'],
        ['apps/api/src/common/guards.ts', null],
        ['apps/api/src/app.module.ts', null],
      ] as const) {
        const regexes = printed(file).patterns.flatMap((p) => (p.regex ? [p.regex] : []));
        expect(regexes).toEqual(boundaries.importPatterns(folder).map((p) => p.regex));
      }
      expect(boundaries.importExceptions.map((e) => e.file)).toEqual(['database/entities.ts']);
    });
  });
});
