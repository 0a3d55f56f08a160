import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../src/config/config';
import { testApp, type TestApp } from './harness';

const ROOT = join(__dirname, '..', '..', '..');

describe('platform', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await testApp();
  });
  afterAll(() => api.close());

  it('reports health with the database checked', async () => {
    const res = await api.get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'ok' });
  });

  it('keeps a correlation id given by the caller', async () => {
    const res = await api.request('GET', '/api/auth/me', undefined, undefined, {
      'x-correlation-id': 'trace-abc-12345',
    });
    expect(res.headers.get('x-correlation-id')).toBe('trace-abc-12345');
    expect(res.body.correlation_id).toBe('trace-abc-12345');
  });

  it('answers an unknown API route with a JSON 404', async () => {
    const res = await api.get('/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });

  it('serves Swagger UI and the document, which matches the committed openapi.json', async () => {
    const ui = await api.get('/api/docs');
    expect(ui.status).toBe(200);
    expect(String(ui.body)).toContain('swagger');
    const doc = await api.get('/api/docs-json');
    expect(doc.status).toBe(200);
    const committed = JSON.parse(readFileSync(join(ROOT, 'apps/api/openapi.json'), 'utf8'));
    // If this fails after an intended API change: npm run openapi -w apps/api, and commit the file.
    expect(doc.body).toEqual(committed);
    expect(doc.body.components.schemas.SignupRequest.properties.email.example).toBe('ada@example.com');
  });

  it('has migrations that match the entities (no schema drift)', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'apps/api/dist/cli.js'), 'schema-diff'], {
      env: { ...process.env, DATABASE_URL: api.databaseUrl, LOG_LEVEL: 'error' },
    }).toString();
    expect(out.trim()).toBe('');
  });

  it('documents every configuration variable in .env.example', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(CONFIG_VARIABLES.filter((v) => !documented.has(v))).toEqual([]);
    // and every variable read anywhere in the API or the start scripts, and the AWS SDK's own that we rely on
    const read = new Set(['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    const sources = (dir: string, ext: RegExp): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
          ? sources(join(dir, e.name), ext)
          : ext.test(e.name) && !e.name.includes('.spec.')
            ? [join(dir, e.name)]
            : [],
      );
    for (const file of [
      ...sources(join(ROOT, 'apps/api/src'), /\.ts$/),
      ...sources(join(ROOT, 'scripts'), /\.mjs$/),
    ])
      for (const m of readFileSync(file, 'utf8').matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]{2,})\b/g))
        read.add(m[1]!);
    expect([...read].filter((v) => !documented.has(v)).sort()).toEqual([]);
  });

  const consoleBuilt = existsSync(join(ROOT, 'apps/console/dist/browser/index.html'));
  it('serves the console at / and its deep links', async () => {
    expect(consoleBuilt).toBe(true);
    const home = await api.get('/');
    expect(home.status).toBe(200);
    expect(String(home.body)).toContain('<app-root');
    const deep = await api.get('/settings');
    expect(deep.status).toBe(200);
    expect(String(deep.body)).toContain('<app-root');
  });
});
