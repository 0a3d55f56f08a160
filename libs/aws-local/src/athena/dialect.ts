/**
 * Athena (Trino) SQL -> DuckDB SQL, where the two differ. Identifiers, string literals, `TIMESTAMP '...'`,
 * `INTERVAL '1' DAY`, `date_trunc`, `CAST`/`try_cast`, map subscripts are the same in both; functions
 * that differ are renamed to macros (see MACROS) or to their DuckDB names.
 */
export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'punct' | 'space' | 'comment';
  text: string;
  pos: number;
}

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    const start = i;
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i] ?? '')) i++;
      out.push({ kind: 'space', text: sql.slice(start, i), pos: start });
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      out.push({ kind: 'comment', text: sql.slice(start, i), pos: start });
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      out.push({ kind: 'comment', text: sql.slice(start, i), pos: start });
    } else if (c === "'" || c === '"') {
      i++;
      while (i < sql.length) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      out.push({ kind: c === "'" ? 'string' : 'quoted', text: sql.slice(start, i), pos: start });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i] ?? '')) i++;
      out.push({ kind: 'word', text: sql.slice(start, i), pos: start });
    } else if (/[0-9]/.test(c)) {
      while (i < sql.length && /[0-9.eE]/.test(sql[i] ?? '')) i++;
      out.push({ kind: 'number', text: sql.slice(start, i), pos: start });
    } else {
      i++;
      out.push({ kind: 'punct', text: c, pos: start });
    }
  }
  return out;
}

/** Trino function -> DuckDB function or macro (defined in MACROS). */
const RENAMES: Record<string, string> = {
  element_at: 'athena_element_at',
  date_add: 'athena_date_add',
  date_format: 'strftime',
  format_datetime: 'strftime',
  date_parse: 'strptime',
  parse_datetime: 'strptime',
  from_iso8601_timestamp: 'athena_from_iso8601_timestamp',
  from_iso8601_date: 'athena_from_iso8601_date',
  from_unixtime: 'athena_from_unixtime',
  to_unixtime: 'epoch',
  approx_distinct: 'approx_count_distinct',
  approx_percentile: 'approx_quantile',
  regexp_like: 'regexp_matches',
  day_of_week: 'isodow',
  dow: 'isodow',
  day_of_month: 'dayofmonth',
  day_of_year: 'dayofyear',
  doy: 'dayofyear',
  last_day_of_month: 'last_day',
  date: 'athena_date',
  contains: 'list_contains',
  cardinality: 'athena_cardinality',
  arbitrary: 'any_value',
  is_nan: 'isnan',
  typeof: 'typeof',
};

/** MySQL-style (date_format/date_parse) and Joda (format_datetime/parse_datetime) patterns -> strftime. */
export function mysqlFormat(f: string): string {
  const map: Record<string, string> = {
    i: 'M',
    M: 'B',
    s: 'S',
    h: 'I',
    W: 'A',
    c: 'm',
    e: 'd',
    k: 'H',
    l: 'I',
    f: 'f',
    T: 'H:%M:%S',
    r: 'I:%M:%S %p',
  };
  return f.replace(/%(.)/g, (_, c: string) => `%${map[c] ?? c}`);
}

export function jodaFormat(f: string): string {
  return f.replace(
    /yyyy|YYYY|yy|MMMM|MMM|MM|dd|HH|hh|mm|ss|SSS|EEEE|EEE|a/g,
    (t) =>
      ({
        yyyy: '%Y',
        YYYY: '%Y',
        yy: '%y',
        MMMM: '%B',
        MMM: '%b',
        MM: '%m',
        dd: '%d',
        HH: '%H',
        hh: '%I',
        mm: '%M',
        ss: '%S',
        SSS: '%g',
        EEEE: '%A',
        EEE: '%a',
        a: '%p',
      })[t] ?? t,
  );
}

const FORMAT_ARG: Record<string, (f: string) => string> = {
  date_format: mysqlFormat,
  date_parse: mysqlFormat,
  format_datetime: jodaFormat,
  parse_datetime: jodaFormat,
};

/** Macros created in every query engine (schema `main` of the `awsdatacatalog` catalog). */
export const MACROS = [
  `CREATE OR REPLACE MACRO athena_element_at(c, k) AS c[k]`,
  `CREATE OR REPLACE MACRO athena_cardinality(c) AS len(c)`,
  `CREATE OR REPLACE MACRO athena_date(x) AS CAST(x AS DATE)`,
  `CREATE OR REPLACE MACRO athena_from_iso8601_timestamp(s) AS CAST(CAST(s AS TIMESTAMPTZ) AT TIME ZONE 'UTC' AS TIMESTAMP)`,
  `CREATE OR REPLACE MACRO athena_from_iso8601_date(s) AS CAST(s AS DATE)`,
  `CREATE OR REPLACE MACRO athena_from_unixtime(x) AS make_timestamp(CAST(x * 1000000 AS BIGINT))`,
  `CREATE OR REPLACE MACRO athena_date_add(unit, n, ts) AS CASE lower(unit)
     WHEN 'millisecond' THEN ts + to_milliseconds(CAST(n AS BIGINT))
     WHEN 'second' THEN ts + to_seconds(CAST(n AS BIGINT))
     WHEN 'minute' THEN ts + to_minutes(CAST(n AS BIGINT))
     WHEN 'hour' THEN ts + to_hours(CAST(n AS BIGINT))
     WHEN 'day' THEN ts + to_days(CAST(n AS INTEGER))
     WHEN 'week' THEN ts + to_weeks(CAST(n AS INTEGER))
     WHEN 'month' THEN ts + to_months(CAST(n AS INTEGER))
     WHEN 'quarter' THEN ts + to_months(CAST(n AS INTEGER) * 3)
     WHEN 'year' THEN ts + to_years(CAST(n AS INTEGER)) END`,
];

export interface Translated {
  sql: string;
  statement: 'SELECT' | 'OTHER';
  firstWord: string;
}

export function translate(athenaSql: string): Translated {
  const tokens = tokenize(athenaSql.trim().replace(/;\s*$/, '').trim());
  const meaningful = tokens.filter((t) => t.kind !== 'space' && t.kind !== 'comment');
  let firstWord = '';
  for (const t of meaningful) {
    if (t.kind === 'punct' && t.text === '(') continue;
    firstWord = t.text.toUpperCase();
    break;
  }
  const statement = ['SELECT', 'WITH', 'VALUES', 'TABLE'].includes(firstWord) ? 'SELECT' : 'OTHER';
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'word') {
      const lower = t.text.toLowerCase();
      let j = i + 1;
      while (tokens[j]?.kind === 'space') j++;
      const prev = meaningful[meaningful.indexOf(t) - 1];
      const isCall = tokens[j]?.text === '(' && prev?.text !== '.';
      const rename = RENAMES[lower];
      if (isCall && rename) {
        out.push(rename);
        const fmt = FORMAT_ARG[lower];
        if (fmt) {
          // strftime/strptime need a constant format: translate the literal in place.
          let depth = 0;
          for (let k = j; k < tokens.length; k++) {
            const x = tokens[k]!;
            if (x.text === '(') depth++;
            else if (x.text === ')' && --depth === 0) break;
            else if (x.text === ',' && depth === 1) {
              let n = k + 1;
              while (tokens[n]?.kind === 'space') n++;
              const lit = tokens[n];
              if (lit?.kind === 'string') tokens[n] = { ...lit, text: `'${fmt(lit.text.slice(1, -1))}'` };
              break;
            }
          }
        }
        continue;
      }
    }
    out.push(t.text);
  }
  return { sql: out.join(''), statement, firstWord };
}

/**
 * 1-based line:column of the first occurrence of `word` (its last dotted part) outside strings and
 * comments, Athena style; `qualifiedStart` points at the start of a qualified name (`db.table`).
 */
export function positionOf(sql: string, word: string | undefined, qualifiedStart = false): string {
  if (word) {
    const parts = word
      .toLowerCase()
      .split('.')
      .map((p) => p.replace(/^"|"$/g, ''));
    const last = parts[parts.length - 1] ?? '';
    const tokens = tokenize(sql);
    const unquote = (t: Token) => t.text.toLowerCase().replace(/^"|"$/g, '');
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if ((t.kind === 'word' || t.kind === 'quoted') && unquote(t) === last) {
        let pos = t.pos;
        let k = i;
        while (
          qualifiedStart &&
          tokens[k - 1]?.text === '.' &&
          ['word', 'quoted'].includes(tokens[k - 2]?.kind ?? '')
        ) {
          k -= 2;
          pos = tokens[k]!.pos;
        }
        const before = sql.slice(0, pos);
        const line = before.split('\n').length;
        const col = pos - before.lastIndexOf('\n');
        return `line ${line}:${col}`;
      }
    }
  }
  return 'line 1:1';
}
