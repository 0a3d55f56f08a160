/**
 * The Glue view of the tables: columns read from the Parquet footers under each table's location,
 * partition keys and values read from the `key=value/` folders.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parseS3Url, type AccountConfig } from '../config';

export interface TableFile {
  path: string;
  size: number;
  mtimeMs: number;
  partition: Record<string, string>;
}

export interface TableInfo {
  database: string;
  name: string;
  location: string;
  dir: string;
  files: TableFile[];
  columns: { name: string; type: string; duckType: string }[];
  partitionKeys: string[];
  partitions: { values: string[]; location: string }[];
}

export function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** DuckDB type name -> Hive/Glue type name (what Glue GetTable and Athena metadata show). */
export function hiveType(duck: string): string {
  const t = duck.trim();
  const simple: Record<string, string> = {
    VARCHAR: 'string',
    DOUBLE: 'double',
    FLOAT: 'float',
    BIGINT: 'bigint',
    HUGEINT: 'bigint',
    INTEGER: 'int',
    SMALLINT: 'smallint',
    TINYINT: 'tinyint',
    BOOLEAN: 'boolean',
    TIMESTAMP: 'timestamp',
    TIMESTAMP_MS: 'timestamp',
    TIMESTAMP_NS: 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
    DATE: 'date',
    BLOB: 'binary',
  };
  if (simple[t]) return simple[t];
  let m = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (m) return `decimal(${m[1]},${m[2]})`;
  m = /^MAP\((.+)\)$/.exec(t);
  if (m) {
    const inner = m[1] ?? '';
    let depth = 0;
    for (let i = 0; i < inner.length; i++) {
      const c = inner[i];
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === ',' && depth === 0)
        return `map<${hiveType(inner.slice(0, i))},${hiveType(inner.slice(i + 1))}>`;
    }
  }
  if (t.endsWith('[]')) return `array<${hiveType(t.slice(0, -2))}>`;
  return t.toLowerCase();
}

function walk(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    if (e.startsWith('.') || e.startsWith('_')) continue;
    const p = join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

export class Catalog {
  private conn?: Promise<DuckDBConnection>;
  private readonly cache = new Map<string, { key: string; columns: TableInfo['columns'] }>();

  constructor(private readonly root: string) {}

  s3Dir(url: string): string {
    const { bucket, prefix } = parseS3Url(url);
    return join(this.root, 's3', bucket, ...prefix.split('/').filter(Boolean));
  }

  private connection(): Promise<DuckDBConnection> {
    this.conn ??= DuckDBInstance.create(':memory:', { threads: '1' }).then((i) => i.connect());
    return this.conn;
  }

  async close() {
    if (this.conn) (await this.conn).closeSync();
  }

  files(location: string): TableFile[] {
    const dir = this.s3Dir(location);
    return walk(dir)
      .filter((p) => p.endsWith('.parquet'))
      .map((p) => {
        const st = statSync(p);
        const partition: Record<string, string> = {};
        for (const seg of relative(dir, p).split(sep).slice(0, -1)) {
          const i = seg.indexOf('=');
          if (i > 0) partition[seg.slice(0, i).toLowerCase()] = decodeURIComponent(seg.slice(i + 1));
        }
        return { path: p, size: st.size, mtimeMs: st.mtimeMs, partition };
      });
  }

  async table(account: AccountConfig, database: string, name: string): Promise<TableInfo | undefined> {
    const db = account.databases.find((d) => d.name === database.toLowerCase());
    const t = db?.tables.find((x) => x.name === name.toLowerCase());
    if (!db || !t) return undefined;
    const dir = this.s3Dir(t.location);
    const files = this.files(t.location);
    const partitionKeys = files[0] ? Object.keys(files[0].partition) : [];
    const key = files.map((f) => `${f.path}:${f.size}:${f.mtimeMs}`).join('|');
    let columns = this.cache.get(dir)?.key === key ? this.cache.get(dir)?.columns : undefined;
    if (!columns) {
      columns = [];
      if (files.length) {
        const conn = await this.connection();
        const list = files.map((f) => sqlString(f.path)).join(', ');
        const r = await conn.runAndReadAll(
          `DESCRIBE SELECT * FROM read_parquet([${list}], union_by_name = true, hive_partitioning = false)`,
        );
        for (const row of r.getRowsJson()) {
          const [colName, colType] = row as [string, string];
          if (!partitionKeys.includes(colName.toLowerCase()))
            columns.push({ name: colName.toLowerCase(), type: hiveType(colType), duckType: colType });
        }
      }
      this.cache.set(dir, { key, columns });
    }
    const seen = new Map<string, string[]>();
    for (const f of files) {
      const values = partitionKeys.map((k) => f.partition[k] ?? '');
      const loc = `${t.location.replace(/\/?$/, '/')}${partitionKeys.map((k, i) => `${k}=${values[i]}`).join('/')}/`;
      if (!seen.has(loc)) seen.set(loc, values);
    }
    return {
      database: db.name,
      name: t.name,
      location: t.location,
      dir,
      files,
      columns,
      partitionKeys,
      partitions: [...seen].map(([location, values]) => ({ values, location })),
    };
  }
}
