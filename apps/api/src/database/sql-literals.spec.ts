import { Client } from 'pg';
import { inlineParams } from './sql-literals';

describe('inlineParams', () => {
  it('inlines each $n as a literal, $10 not as $1 followed by 0', () => {
    const values = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    expect(inlineParams('select $1, $10, $2', values)).toBe("select 'a', 'j', 'b'");
  });

  it('escapes quotes and backslashes, and writes numbers, booleans, null and dates', () => {
    expect(inlineParams('$1', ["it's"])).toBe("'it''s'");
    expect(inlineParams('$1', ['a\\b'])).toBe(" E'a\\\\b'");
    expect(inlineParams('$1 $2 $3 $4', [42, -1.5, true, null])).toBe('42 (-1.5) true null');
    // a negative number after a minus sign must not start a comment
    expect(inlineParams('select 3-$1 as x', [-1])).toBe('select 3-(-1) as x');
    expect(inlineParams('$1', [new Date('2026-12-03T10:00:00.000Z')])).toBe("'2026-12-03T10:00:00.000Z'");
  });

  it('refuses a missing value, a non-finite number and other types', () => {
    expect(() => inlineParams('$2', ['a'])).toThrow('No value for $2');
    expect(() => inlineParams('$0', ['a'])).toThrow('No value for $0');
    expect(() => inlineParams('$1', [Number.NaN])).toThrow('not a finite number');
    expect(() => inlineParams('$1', [{} as never])).toThrow('unsupported type');
  });

  it('gives PostgreSQL back the same values (hostile strings included)', async () => {
    const c = new Client({
      connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    await c.connect();
    try {
      const hostile = ["'; drop table x; --", 'back\\slash\\', '$1 $2', 'ünïcödé \u0001', "''", "E'x'"];
      for (const s of hostile) {
        const { rows } = await c.query(inlineParams('select $1::text as v', [s]));
        expect(rows[0].v).toBe(s);
      }
    } finally {
      await c.end();
    }
  });
});
