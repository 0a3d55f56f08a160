import { escapeLiteral } from 'pg';

/** A value sendable by scopedRows() (db-scope.ts): inlined as a literal. */
export type SqlValue = string | number | boolean | Date | null;

/**
 * `text` with each `$n` replaced by the n-th value as an SQL literal (escapeLiteral for strings and dates, finite
 * numbers as they are), so the statement can share one simple-protocol message with its scope. Only for statements
 * written in this code base: a `$n` inside a quoted literal of `text` would be replaced too. MikroORM inlines the
 * values of its own statements the same way.
 */
export function inlineParams(text: string, params: readonly SqlValue[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new Error(`No value for $${n}`);
    const v = params[i];
    if (v === null) return 'null';
    if (typeof v === 'string') return escapeLiteral(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`$${n} is not a finite number`);
      return v < 0 ? `(${v})` : String(v); // parenthesised: `x-$1` must not become the comment `x--1`
    }
    if (v instanceof Date) return escapeLiteral(v.toISOString());
    throw new Error(`$${n} has an unsupported type`);
  });
}
