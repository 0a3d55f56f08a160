import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * The committed OpenAPI document (which platform.spec.ts checks against what the API serves) passes Spectral's
 * `spectral:oas` ruleset with no error and no warning: references resolve, examples match their schemas, every
 * operation is described and tagged with a declared tag.
 */
describe('OpenAPI lint', () => {
  it('apps/api/openapi.json has 0 errors and 0 warnings under spectral:oas', () => {
    let out: string;
    try {
      out = execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/@stoplight/spectral-cli/dist/index.js'),
          'lint',
          '--ruleset',
          join(ROOT, '.spectral.yaml'),
          '--format',
          'json',
          '--quiet',
          '--fail-severity',
          'hint',
          join(ROOT, 'apps/api/openapi.json'),
        ],
        { cwd: ROOT, stdio: 'pipe' },
      ).toString();
    } catch (e) {
      out = String((e as { stdout?: Buffer }).stdout ?? e);
    }
    const problems = (JSON.parse(out || '[]') as { code: string; message: string; path: string[] }[]).map(
      (p) => `${p.code}: ${p.message} at ${p.path.join('.')}`,
    );
    expect(problems).toEqual([]);
  }, 60_000);
});
