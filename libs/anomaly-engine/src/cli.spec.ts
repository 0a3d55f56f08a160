import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';
import { dailySeries, normal, seeded } from './series.fixture';

const repoRoot = join(__dirname, '..', '..', '..');

function costCsv(spikeAt: number, days = 100): string {
  const points = dailySeries({ days, multiply: (i) => (i === spikeAt ? 3 : 1) });
  return (
    ['timestamp,value', ...points.map((p) => `${String(p.date)},${String(p.value)}`)].join('\r\n') + '\r\n'
  );
}

function metricCsv(n: number): string {
  const r = seeded(3);
  const lines = ['timestamp,value'];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2025, 2, 1) + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(`${t},${i === 700 ? '' : (50 + normal(r) + (i === 800 ? 20 : 0)).toFixed(3)}`);
  }
  return lines.join('\n');
}

function parseOut(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

describe('anomaly CLI', () => {
  let dir: string;
  const quiet = (): void => undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'anomaly-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('scores a cost file: one output row per input row, same order, the contract header', () => {
    writeFileSync(join(dir, 'in.csv'), costCsv(70));
    const code = runCli(
      ['score', '--kind', 'cost', '--input', join(dir, 'in.csv'), '--output', join(dir, 'out.csv')],
      quiet,
      quiet,
    );
    expect(code).toBe(0);
    const out = parseOut(readFileSync(join(dir, 'out.csv'), 'utf8'));
    expect(out[0]).toEqual(['timestamp', 'value', 'anomaly_score', 'is_anomaly', 'kind']);
    expect(out).toHaveLength(101);
    const input = parseOut(costCsv(70).replace(/\r/g, ''));
    out.slice(1).forEach((row, i) => {
      expect(row.slice(0, 2)).toEqual(input[i + 1]);
      const score = Number(row[2]);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    });
    expect(out.slice(1).flatMap((row, i) => (row[3] === '1' ? [i] : []))).toEqual([70]);
  });

  it('is causal on files: the outputs for a prefix of the input are a prefix of the outputs', () => {
    const full = metricCsv(1000);
    const prefix = full.split('\n').slice(0, 751).join('\n');
    writeFileSync(join(dir, 'full.csv'), full);
    writeFileSync(join(dir, 'prefix.csv'), prefix);
    for (const name of ['full', 'prefix']) {
      const args = [
        'score',
        '--kind',
        'metric',
        '--input',
        join(dir, `${name}.csv`),
        '--output',
        join(dir, `${name}.out`),
      ];
      expect(runCli(args, quiet, quiet)).toBe(0);
    }
    const a = readFileSync(join(dir, 'full.out'), 'utf8').split('\n');
    const b = readFileSync(join(dir, 'prefix.out'), 'utf8').split('\n');
    expect(a.slice(0, 751)).toEqual(b.slice(0, 751));
    expect(a[701]).toMatch(/,,0,0,$/); // a blank value scores 0
    expect(a[801]).toMatch(/,1,[a-z_]+$/);
  });

  it('scores every *.csv below a directory, keeping relative paths, deterministically', () => {
    mkdirSync(join(dir, 'in', 'team-a'), { recursive: true });
    writeFileSync(join(dir, 'in', 'x.csv'), costCsv(50));
    writeFileSync(join(dir, 'in', 'team-a', 'y.csv'), costCsv(60));
    writeFileSync(join(dir, 'in', 'notes.txt'), 'not a series');
    const args = [
      'score',
      '--kind',
      'cost',
      '--input-dir',
      join(dir, 'in'),
      '--output-dir',
      join(dir, 'out'),
    ];
    expect(runCli(args, quiet, quiet)).toBe(0);
    const first = readFileSync(join(dir, 'out', 'team-a', 'y.csv'), 'utf8');
    expect(readFileSync(join(dir, 'out', 'x.csv'), 'utf8')).toContain(
      'timestamp,value,anomaly_score,is_anomaly',
    );
    expect(runCli(args, quiet, quiet)).toBe(0);
    expect(readFileSync(join(dir, 'out', 'team-a', 'y.csv'), 'utf8')).toBe(first);
  });

  it('accepts --direction and --threshold overrides (the defaults stay the production decision)', () => {
    const points = dailySeries({ days: 100, multiply: (i) => (i === 70 ? 3 : i === 80 ? 0.1 : 1) });
    writeFileSync(
      join(dir, 'in.csv'),
      ['timestamp,value', ...points.map((p) => `${String(p.date)},${String(p.value)}`)].join('\n'),
    );
    const flagged = (extra: string[]): number[] => {
      const args = [
        'score',
        '--kind',
        'cost',
        '--input',
        join(dir, 'in.csv'),
        '--output',
        join(dir, 'o.csv'),
        ...extra,
      ];
      expect(runCli(args, quiet, quiet)).toBe(0);
      return parseOut(readFileSync(join(dir, 'o.csv'), 'utf8'))
        .slice(1)
        .flatMap((row, i) => (row[3] === '1' ? [i] : []));
    };
    expect(flagged([])).toEqual([70]);
    expect(flagged(['--direction', 'both'])).toEqual([70, 80]);
    expect(flagged(['--direction=down'])).toEqual([80]);
    // A fall that lasts is a drop by default (on its 2nd day), named in the kind column; --drops no turns it off.
    const fall = dailySeries({ days: 100, multiply: (i) => (i >= 80 ? 0 : 1) });
    writeFileSync(
      join(dir, 'in.csv'),
      ['timestamp,value', ...fall.map((p) => `${String(p.date)},${String(p.value)}`)].join('\n'),
    );
    expect(flagged([])[0]).toBe(81);
    const rows = parseOut(readFileSync(join(dir, 'o.csv'), 'utf8'));
    expect(rows[82]).toEqual([expect.any(String), '0', expect.any(String), '1', 'drop']);
    expect(flagged(['--drops', 'no'])).toEqual([]);
    expect(
      runCli(['score', '--kind', 'metric', '--input', 'a', '--output', 'b', '--drops', 'no'], quiet, quiet),
    ).toBe(2);
    expect(
      runCli(['score', '--kind', 'cost', '--input', 'a', '--output', 'b', '--threshold', '2'], quiet, quiet),
    ).toBe(2);
  });

  it('fails with a clear message and a non-zero exit on bad input or usage', () => {
    writeFileSync(join(dir, 'bad.csv'), 'timestamp,value\n2025-01-01,12\n2025-01-02,twelve\n');
    const errors: string[] = [];
    const code = runCli(
      ['score', '--kind', 'cost', '--input', join(dir, 'bad.csv'), '--output', join(dir, 'o.csv')],
      quiet,
      (s) => errors.push(s),
    );
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain('bad.csv:3: invalid value "twelve"');
    expect(
      runCli(['score', '--kind', 'logs', '--input', 'a', '--output', 'b'], quiet, (s) => errors.push(s)),
    ).toBe(2);
    expect(errors.at(-1)).toContain('--kind must be "cost" or "metric"');
    expect(runCli(['score', '--kind', 'cost', '--input', 'a'], quiet, quiet)).toBe(2);
    expect(
      runCli(['score', '--kind', 'cost', '--input', join(dir, 'missing.csv'), '--output', 'b'], quiet, quiet),
    ).toBe(1);
  });

  it('runs as the npm script entry point (tsx) and exits non-zero on bad input', () => {
    writeFileSync(join(dir, 'in.csv'), costCsv(40, 60));
    const tsx = join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const cli = join(repoRoot, 'libs', 'anomaly-engine', 'src', 'cli.ts');
    execFileSync(process.execPath, [
      tsx,
      cli,
      'score',
      '--kind',
      'cost',
      '--input',
      join(dir, 'in.csv'),
      '--output',
      join(dir, 'out.csv'),
    ]);
    const rows = parseOut(readFileSync(join(dir, 'out.csv'), 'utf8'));
    expect(rows).toHaveLength(61);
    expect(rows[41]![3]).toBe('1');
    const bad = spawnSync(process.execPath, [tsx, cli, 'score', '--kind', 'cost'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage:');
  });
});
