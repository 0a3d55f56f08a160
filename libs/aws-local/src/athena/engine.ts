/**
 * Runs Athena SQL for real on DuckDB: one in-memory DuckDB per account whose catalog `awsdatacatalog`
 * has one schema per Glue database and one view per table over `read_parquet(<dir>/**\/*.parquet)`
 * with hive partitions kept as VARCHAR (as Athena's partition keys are strings).
 */
import {
  DuckDBInstance,
  DuckDBTypeId,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { AccountConfig } from '../config';
import type { Catalog } from '../server/catalog';
import { sqlString } from '../server/catalog';
import { MACROS, positionOf, translate } from './dialect';

export interface ResultColumn {
  name: string;
  type: string;
  precision: number;
  scale: number;
}

export interface QueryResult {
  columns: ResultColumn[];
  rows: (string | null)[][];
}

export class AthenaQueryError extends Error {
  constructor(
    message: string,
    readonly category: 1 | 2 | 3,
    readonly errorType: number,
  ) {
    super(message);
  }
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

export class AccountEngine {
  private instance?: Promise<DuckDBInstance>;
  private readonly views = new Set<string>();

  constructor(
    private readonly account: AccountConfig,
    private readonly catalog: Catalog,
  ) {}

  private async init(): Promise<DuckDBInstance> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const c = await instance.connect();
    await c.run(`ATTACH ':memory:' AS awsdatacatalog`);
    await c.run(`USE awsdatacatalog.main`);
    for (const m of MACROS) await c.run(m);
    c.closeSync();
    return instance;
  }

  /** (Re)creates the views of tables that have files; a table without files has no view yet. */
  private async refreshViews(c: DuckDBConnection) {
    for (const db of this.account.databases) {
      await c.run(`CREATE SCHEMA IF NOT EXISTS awsdatacatalog.${quote(db.name)}`);
      for (const t of db.tables) {
        const key = `${db.name}.${t.name}`;
        if (this.views.has(key)) continue;
        if (this.catalog.files(t.location).length === 0) continue;
        const glob = `${this.catalog.s3Dir(t.location)}/**/*.parquet`;
        await c.run(
          `CREATE OR REPLACE VIEW awsdatacatalog.${quote(db.name)}.${quote(t.name)} AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`,
        );
        this.views.add(key);
      }
    }
  }

  async run(sql: string, database: string | undefined, signal: { cancelled: boolean }): Promise<QueryResult> {
    this.instance ??= this.init();
    const instance = await this.instance;
    const c = await instance.connect();
    try {
      await this.refreshViews(c);
      const db = database?.toLowerCase();
      if (db && this.account.databases.some((d) => d.name === db)) {
        await c.run(`USE awsdatacatalog.${quote(db)}`);
        await c.run(`SET search_path = ${sqlString(`awsdatacatalog.${db},awsdatacatalog.main`)}`);
      } else {
        await c.run(`USE awsdatacatalog.main`);
      }
      const t = translate(sql);
      if (t.statement !== 'SELECT')
        throw new AthenaQueryError(
          `NOT_SUPPORTED: aws-local runs SELECT queries only (got ${t.firstWord || 'an empty statement'})`,
          2,
          1000,
        );
      let reader;
      try {
        reader = await c.runAndReadAll(t.sql);
      } catch (e) {
        throw mapError((e as Error).message, sql, db ?? 'default');
      }
      if (signal.cancelled) return { columns: [], rows: [] };
      const names = reader.columnNames();
      const types = reader.columnTypes();
      const columns = names.map((n, i) => resultColumn(n, types[i]!));
      const rows = reader.getRows().map((r) => r.map((v, i) => athenaString(v, types[i]!)));
      return { columns, rows };
    } finally {
      c.closeSync();
    }
  }

  close() {
    this.instance?.then(
      (i) => i.closeSync(),
      () => undefined,
    );
  }
}

/** DuckDB error text -> Athena's error text (AWS.md §2: show the real error). */
export function mapError(message: string, sql: string, database: string): AthenaQueryError {
  const first = message.split('\n')[0] ?? message;
  let m = /Table with name "?([^"\s]+?)"? does not exist because schema "?([^"\s]+?)"? does not exist/.exec(
    first,
  );
  if (m)
    return new AthenaQueryError(
      `SCHEMA_NOT_FOUND: ${positionOf(sql, m[1], true)}: Schema '${m[2]}' does not exist`,
      2,
      1301,
    );
  m = /Table with name "?([^"\s!]+?)"? does not exist/.exec(first);
  if (m) {
    const name = (m[1] ?? '').toLowerCase();
    const parts = name.split('.');
    const full =
      parts.length === 1
        ? `awsdatacatalog.${database}.${name}`
        : parts.length === 2
          ? `awsdatacatalog.${name}`
          : name;
    return new AthenaQueryError(
      `TABLE_NOT_FOUND: ${positionOf(sql, m[1], true)}: Table '${full}' does not exist`,
      2,
      1301,
    );
  }
  m =
    /Referenced column "?([^"\s]+?)"? not found/.exec(first) ??
    /Values list "?([^"\s]+?)"? does not have a column named "?([^"\s]+)"?/.exec(first);
  if (m) {
    const col = m[2] ?? m[1];
    return new AthenaQueryError(
      `COLUMN_NOT_FOUND: ${positionOf(sql, col)}: Column '${col}' cannot be resolved or requester is not authorized to access requested resources`,
      2,
      1301,
    );
  }
  m = /Referenced table "?([^"\s]+?)"? not found/.exec(first);
  if (m)
    return new AthenaQueryError(
      `COLUMN_NOT_FOUND: ${positionOf(sql, m[1])}: Column '${m[1]}' cannot be resolved`,
      2,
      1301,
    );
  m = /(?:Scalar|Aggregate|Table) Function with name "?(\w+)"? does not exist/.exec(first);
  if (m)
    return new AthenaQueryError(
      `FUNCTION_NOT_FOUND: ${positionOf(sql, m[1])}: Function '${m[1]}' not registered`,
      2,
      1301,
    );
  m = /syntax error at or near "([^"]*)"/.exec(first);
  if (m)
    return new AthenaQueryError(
      `SYNTAX_ERROR: ${positionOf(sql, m[1])}: mismatched input '${m[1]}'`,
      2,
      1301,
    );
  if (/syntax error at end of input/.test(first))
    return new AthenaQueryError(`SYNTAX_ERROR: line 1:${sql.length + 1}: mismatched input '<EOF>'`, 2, 1301);
  if (/^Conversion Error/.test(first))
    return new AthenaQueryError(
      `INVALID_CAST_ARGUMENT: ${first.replace(/^Conversion Error: /, '')}`,
      2,
      1301,
    );
  if (/No function matches|Cannot compare|Cannot mix/.test(first))
    return new AthenaQueryError(`TYPE_MISMATCH: line 1:1: ${first.replace(/^\w+ Error: /, '')}`, 2, 1301);
  if (/Binder Error|Parser Error/.test(first))
    return new AthenaQueryError(`SYNTAX_ERROR: line 1:1: ${first.replace(/^\w+ Error: /, '')}`, 2, 1301);
  return new AthenaQueryError(`GENERIC_INTERNAL_ERROR: ${first}`, 1, 401);
}

function resultColumn(name: string, type: DuckDBType): ResultColumn {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return { name, type: 'varchar', precision: 2147483647, scale: 0 };
    case DuckDBTypeId.DOUBLE:
      return { name, type: 'double', precision: 17, scale: 0 };
    case DuckDBTypeId.FLOAT:
      return { name, type: 'real', precision: 9, scale: 0 };
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UINTEGER:
      return { name, type: 'bigint', precision: 19, scale: 0 };
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return { name, type: 'integer', precision: 10, scale: 0 };
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return { name, type: 'smallint', precision: 5, scale: 0 };
    case DuckDBTypeId.TINYINT:
      return { name, type: 'tinyint', precision: 3, scale: 0 };
    case DuckDBTypeId.BOOLEAN:
      return { name, type: 'boolean', precision: 0, scale: 0 };
    case DuckDBTypeId.DATE:
      return { name, type: 'date', precision: 0, scale: 0 };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_S:
      return { name, type: 'timestamp', precision: 3, scale: 0 };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { name, type: 'timestamp with time zone', precision: 3, scale: 0 };
    case DuckDBTypeId.DECIMAL: {
      const m = /DECIMAL\((\d+),\s*(\d+)\)/.exec(type.toString());
      return { name, type: 'decimal', precision: Number(m?.[1] ?? 38), scale: Number(m?.[2] ?? 0) };
    }
    case DuckDBTypeId.MAP:
      return { name, type: 'map', precision: 0, scale: 0 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { name, type: 'array', precision: 0, scale: 0 };
    case DuckDBTypeId.STRUCT:
      return { name, type: 'row', precision: 0, scale: 0 };
    default:
      return { name, type: 'varchar', precision: 2147483647, scale: 0 };
  }
}

/** Java's Double.toString, which is what Athena (Trino) prints: 12.0, 0.5, 1.2345678E7, 1.0E-4. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant = '0', exp = '0'] = x.toExponential().split('e');
  return `${mant.includes('.') ? mant : `${mant}.0`}E${Number(exp)}`;
}

/** A value as the string GetQueryResults shows (and the CSV holds); null stays null. */
export function athenaString(v: DuckDBValue, type: DuckDBType): string | null {
  if (v === null || v === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
      return javaDouble(v as number);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_TZ: {
      const s = (v as { toString(): string }).toString();
      const m = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(\.\d+)?/.exec(s);
      if (!m) return s;
      const frac = ((m[2] ?? '.') + '000').slice(0, 4);
      return `${m[1]}${frac}${type.typeId === DuckDBTypeId.TIMESTAMP_TZ ? ' UTC' : ''}`;
    }
    case DuckDBTypeId.MAP: {
      const entries = (v as { entries: { key: DuckDBValue; value: DuckDBValue }[] }).entries;
      return `{${entries.map((e) => `${plain(e.key)}=${plain(e.value)}`).join(', ')}}`;
    }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const items = (v as { items: DuckDBValue[] }).items;
      return `[${items.map(plain).join(', ')}]`;
    }
    default:
      return plain(v);
  }
}

function plain(v: DuckDBValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : javaDouble(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return (v as { toString(): string }).toString();
}
