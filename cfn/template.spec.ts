import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { yamlParse } from 'yaml-cfn';
import { quickCreateUrl } from '../apps/api/src/aws-connection/aws-connection.mapper';
import { loadConfig } from '../apps/api/src/config/config';

type Json = any;
const template: Json = yamlParse(readFileSync(join(__dirname, 'connect-aws-billing.yml'), 'utf8'));
const db = loadAwsServiceSpecSync();
const PSEUDO = new Set([
  'AWS::Region',
  'AWS::AccountId',
  'AWS::Partition',
  'AWS::StackName',
  'AWS::NoValue',
  'AWS::URLSuffix',
]);

/** Every intrinsic function call anywhere in a value. */
function walk(v: Json, visit: (key: string, arg: Json) => void): void {
  if (Array.isArray(v)) v.forEach((x) => walk(x, visit));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'Ref' || k.startsWith('Fn::') || k === 'Condition') visit(k, x);
      walk(x, visit);
    }
  }
}

function statements(): Json[] {
  const out: Json[] = [];
  const role = template.Resources.CostOptimizerRole.Properties;
  for (const p of role.Policies) {
    for (const s of p.PolicyDocument.Statement) {
      if (s['Fn::If']) out.push(s['Fn::If'][1]);
      else out.push(s);
    }
  }
  return out;
}

describe('cfn/connect-aws-billing.yml', () => {
  it('uses only real resource types, properties and attributes, with every required property', () => {
    for (const [logicalId, res] of Object.entries<Json>(template.Resources)) {
      const spec = db.lookup('resource', 'cloudFormationType', 'equals', res.Type).only();
      const props = res.Properties ?? {};
      for (const name of Object.keys(props))
        expect([logicalId, name, name in spec.properties]).toEqual([logicalId, name, true]);
      for (const [name, p] of Object.entries<Json>(spec.properties)) {
        if (p.required) expect([logicalId, name, name in props]).toEqual([logicalId, name, true]);
      }
    }
    walk(template, (fn, arg) => {
      if (fn === 'Fn::GetAtt') {
        const [target, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        const res = template.Resources[target];
        expect(res).toBeDefined();
        const spec = db.lookup('resource', 'cloudFormationType', 'equals', res.Type).only();
        expect(Object.keys(spec.attributes)).toContain(attr);
      }
      if (fn === 'Ref') {
        const known = arg in (template.Parameters ?? {}) || arg in template.Resources || PSEUDO.has(arg);
        expect([arg, known]).toEqual([arg, true]);
      }
      if (fn === 'Fn::If' || fn === 'Condition') {
        const name = fn === 'Fn::If' ? arg[0] : arg;
        if (typeof name === 'string') expect(Object.keys(template.Conditions)).toContain(name);
      }
      if (fn === 'Fn::Sub') {
        for (const m of String(Array.isArray(arg) ? arg[0] : arg).matchAll(/\$\{([^}!]+)\}/g)) {
          const ref = m[1]!;
          expect([ref, ref in template.Parameters || PSEUDO.has(ref) || ref in template.Resources]).toEqual([
            ref,
            true,
          ]);
        }
      }
    });
  });

  it('grants no wildcard action and only read access, plus writes to the results prefix', () => {
    const actions = statements().flatMap((s) => [s.Action].flat());
    expect(actions.length).toBeGreaterThanOrEqual(15);
    for (const a of actions) {
      expect(a).not.toContain('*');
      expect(a).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
    const writes = statements().filter((s) =>
      [s.Action].flat().some((a: string) => /:(Put|Delete|Create|Update)/.test(a)),
    );
    expect(writes.map((s) => s.Sid)).toEqual(['AthenaResultsObjects']);
    expect(writes[0].Resource['Fn::Sub']).toContain('${AthenaResultsBucketName}/${AthenaResultsPrefix}*');
  });

  it('trusts only the platform principal, and only with the External ID', () => {
    const trust = template.Resources.CostOptimizerRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0].Principal).toEqual({ AWS: { Ref: 'TrustedPrincipalArn' } });
    expect(trust[0].Condition).toEqual({ StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' } } });
  });

  it('takes the External ID as a visible parameter that accepts what the platform generates', () => {
    const p = template.Parameters.ExternalId;
    expect(p.NoEcho).toBeUndefined();
    const pattern = new RegExp(p.AllowedPattern);
    expect(pattern.test('co-3f9a1c0d2b7e4a6f8c1d2e3f4a5b6c7d')).toBe(true);
    expect(pattern.test('x')).toBe(false);
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['RoleArn', 'ExternalId', 'Region']),
    );
  });

  it('matches the parameters the quick-create link fills in', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://x@localhost/db' });
    const url = new URL(quickCreateUrl(config, 'co-0123456789abcdef0123456789abcdef').replace('#', ''));
    const filled = [...url.searchParams.keys()].filter((k) => k.startsWith('param_')).map((k) => k.slice(6));
    expect(filled.length).toBeGreaterThan(0);
    for (const name of filled) expect(Object.keys(template.Parameters)).toContain(name);
    expect(url.searchParams.get('param_ExternalId')).toBe('co-0123456789abcdef0123456789abcdef');
  });

  it('never opens a whole bucket: the CUR and results prefixes are required, end in / and hold no wildcard', () => {
    for (const name of ['CurPrefix', 'AthenaResultsPrefix']) {
      const p = template.Parameters[name];
      const pattern = new RegExp(p.AllowedPattern);
      const verdicts = Object.fromEntries(
        ['', '/', '*', 'cur*', 'cur', '/cur/', 'cur/report/', 'athena-results/', 'a/b/c/'].map((v) => [
          v,
          pattern.test(v),
        ]),
      );
      expect({ name, verdicts }).toEqual({
        name,
        verdicts: {
          '': false,
          '/': false,
          '*': false,
          'cur*': false,
          cur: false,
          '/cur/': false,
          'cur/report/': true,
          'athena-results/': true,
          'a/b/c/': true,
        },
      });
      if (p.Default !== undefined) expect(pattern.test(p.Default)).toBe(true);
    }
    const bySid = Object.fromEntries(statements().map((st) => [st.Sid, st]));
    expect(bySid.CurObjectsRead.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:s3:::${CurBucketName}/${CurPrefix}*',
    });
    // listing is limited to the prefix too
    for (const [sid, prefix] of [
      ['CurBucketList', 'CurPrefix'],
      ['AthenaResultsBucket', 'AthenaResultsPrefix'],
    ] as const)
      expect({ sid, condition: bySid[sid].Condition }).toEqual({
        sid,
        condition: { StringLike: { 's3:prefix': [{ Ref: prefix }, { 'Fn::Sub': `\${${prefix}}*` }] } },
      });
  });

  it('grants nothing the product does not call (no cur:DescribeReportDefinitions)', () => {
    const actions = statements().flatMap((s) => [s.Action].flat());
    expect(actions).not.toContain('cur:DescribeReportDefinitions');
    expect(actions.filter((a: string) => a.startsWith('cur:'))).toEqual([]);
  });
});
