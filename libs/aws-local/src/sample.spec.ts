import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig } from './config';
import { javaDouble } from './athena/engine';
import { translate } from './athena/dialect';
import { generateCurSample, LINE_ITEM_TYPES } from './sample/generate';

describe('generateCurSample', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aws-local-sample-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is deterministic per seed, covers every line-item type, and writes a loadable root', async () => {
    const opts = {
      format: 'cur2' as const,
      days: 12,
      rowsPerDay: 60,
      accounts: 4,
      seed: 11,
      endDate: '2026-07-05',
    };
    const a = await generateCurSample({ ...opts, out: join(dir, 'a') });
    const b = await generateCurSample({ ...opts, out: join(dir, 'b') });
    expect(b.expected).toEqual(a.expected);
    expect(b.labels).toEqual(a.labels);
    expect(a.externalId).toMatch(/^co-[a-z0-9]{24}$/);
    expect(Object.keys(a.expected.by_line_item_type).sort()).toEqual([...LINE_ITEM_TYPES].sort());
    expect(Object.keys(a.expected.daily)).toHaveLength(12);
    expect(a.expected.end_date).toBe('2026-07-05');
    expect(Object.keys(a.expected.by_account)).toHaveLength(4);
    expect(a.files.some((f) => f.includes('billing_period=2026-07'))).toBe(true);
    expect(a.labels.length).toBeGreaterThanOrEqual(3);
    for (const l of a.labels) {
      expect(l.start_date >= a.expected.start_date && l.end_date <= a.expected.end_date).toBe(true);
      expect(l.extra_unblended).toBeGreaterThan(0);
    }
    const c = await generateCurSample({ ...opts, seed: 12, out: join(dir, 'c') });
    expect(c.expected.totals.unblended).not.toBe(a.expected.totals.unblended);
    const config = loadConfigFile(join(dir, 'a', 'aws-local.json'));
    expect(config.accounts[0]!.roles[0]).toMatchObject({
      name: 'CostOptimizerAccess',
      external_id: a.externalId,
    });
    expect(config.accounts[0]!.workgroups.map((w) => [w.name, w.managed_results])).toEqual([
      ['primary', false],
      ['managed', true],
    ]);
    const onDisk = JSON.parse(readFileSync(join(dir, 'a', 'expected.json'), 'utf8')) as unknown;
    expect(onDisk).toEqual(a.expected);
  });

  it('defaults the end date to yesterday (UTC) and accepts an explicit External ID', async () => {
    const r = await generateCurSample({
      out: join(dir, 'd'),
      format: 'legacy',
      days: 2,
      rowsPerDay: 20,
      externalId: 'fixed-id-1',
    });
    expect(r.expected.end_date).toBe(new Date(Date.now() - 86400000).toISOString().slice(0, 10));
    expect(r.externalId).toBe('fixed-id-1');
    expect(r.files.some((f) => /year=\d{4}[/\\]month=\d{1,2}[/\\]/.test(f) && !/month=0/.test(f))).toBe(true);
  });
});

describe('aws-local.json validation', () => {
  const good = {
    accounts: [
      {
        account_id: '123456789012',
        roles: [{ name: 'R', external_id: null }],
        databases: [{ name: 'db', tables: [{ name: 't', location: 's3://bucket-a/p/' }] }],
      },
    ],
  };

  it('accepts the documented format with defaults', () => {
    const c = parseConfig(good);
    expect(c.region).toBe('us-east-1');
    expect(c.accounts[0]!.roles[0]!.trusted).toEqual(['*']);
  });

  it.each([
    [
      { accounts: [{ ...good.accounts[0], account_id: '123' }] },
      'accounts[0].account_id: must be a 12-digit AWS account id',
    ],
    [{ ...good, regoin: 'x' }, '(root): unknown key(s) "regoin"'],
    [
      {
        accounts: [
          { ...good.accounts[0], databases: [{ name: 'db', tables: [{ name: 't', location: 'http://x' }] }] },
        ],
      },
      'accounts[0].databases[0].tables[0].location: must be an s3://bucket/prefix/ URL',
    ],
    [{ accounts: [{ ...good.accounts[0], roles: [{ name: 'R' }] }] }, 'accounts[0].roles[0].external_id'],
    [{ accounts: [] }, 'accounts: needs at least one account'],
    [
      {
        accounts: [
          {
            ...good.accounts[0],
            metrics: [
              {
                namespace: 'AWS/EC2',
                metric_name: 'CPUUtilization',
                synthetic: {
                  base: 30,
                  events: [{ start: '2026-11-30T10:00:00Z', end: '2026-11-30T09:00:00Z', add: 50 }],
                },
              },
            ],
          },
        ],
      },
      'accounts[0].metrics[0].synthetic.events[0]: start must be before end',
    ],
  ])('rejects a bad file naming the problem (%#)', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('names the file when it is not JSON', () => {
    const d = mkdtempSync(join(tmpdir(), 'aws-local-cfg-'));
    writeFileSync(join(d, 'aws-local.json'), '{ nope');
    expect(() => loadConfigFile(join(d, 'aws-local.json'))).toThrow(/aws-local\.json is not valid JSON/);
    rmSync(d, { recursive: true });
  });
});

describe('Athena dialect', () => {
  it('prints doubles the way Athena (Java) does', () => {
    expect([12, 0.5, 1.5e7, 1e-4, -2.25, 0].map(javaDouble)).toEqual([
      '12.0',
      '0.5',
      '1.5E7',
      '1.0E-4',
      '-2.25',
      '0.0',
    ]);
  });

  it('translates Trino functions and format patterns, leaving strings and identifiers alone', () => {
    expect(
      translate(
        `SELECT date_format(x, '%Y-%m-%d %H:%i:%s'), element_at(m, 'k'), "date_add" FROM t WHERE s = 'date_format(' ;`,
      ).sql,
    ).toBe(
      `SELECT strftime(x, '%Y-%m-%d %H:%M:%S'), athena_element_at(m, 'k'), "date_add" FROM t WHERE s = 'date_format('`,
    );
    expect(translate(`select format_datetime(ts, 'yyyy-MM-dd HH:mm')`).sql).toBe(
      `select strftime(ts, '%Y-%m-%d %H:%M')`,
    );
    expect(translate('DROP TABLE x').statement).toBe('OTHER');
  });
});
