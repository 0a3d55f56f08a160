/** Glue (awsJson1_1): GetDatabase, GetDatabases, GetTable, GetTables, GetPartitions. */
import type { AccountConfig } from '../config';
import type { Catalog, TableInfo } from './catalog';
import { AwsError, num, str, type Json } from './protocol';

const PARQUET = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: { 'serialization.format': '1' },
  },
};
const CREATED = Date.UTC(2025, 0, 1) / 1000;

function database(account: AccountConfig, name: string) {
  const db = account.databases.find((d) => d.name === name.toLowerCase());
  if (!db) throw new AwsError('EntityNotFoundException', `Database ${name} not found.`);
  return db;
}

export function glueTable(t: TableInfo, catalogId: string): Json {
  return {
    Name: t.name,
    DatabaseName: t.database,
    CatalogId: catalogId,
    Owner: 'owner',
    CreateTime: CREATED,
    UpdateTime: CREATED,
    Retention: 0,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', EXTERNAL: 'TRUE' },
    StorageDescriptor: {
      Columns: t.columns.map((c) => ({ Name: c.name, Type: c.type })),
      Location: t.location,
      Compressed: false,
      NumberOfBuckets: -1,
      StoredAsSubDirectories: false,
      ...PARQUET,
    },
    PartitionKeys: t.partitionKeys.map((k) => ({ Name: k, Type: 'string' })),
    IsRegisteredWithLakeFormation: false,
  };
}

export async function handleGlue(
  account: AccountConfig,
  catalog: Catalog,
  op: string,
  input: Json,
): Promise<Json> {
  const catalogId = account.account_id;
  switch (op) {
    case 'GetDatabase': {
      const db = database(account, str(input, 'Name') ?? '');
      return { Database: { Name: db.name, CatalogId: catalogId, CreateTime: CREATED, Parameters: {} } };
    }
    case 'GetDatabases':
      return {
        DatabaseList: account.databases.map((d) => ({
          Name: d.name,
          CatalogId: catalogId,
          CreateTime: CREATED,
        })),
      };
    case 'GetTable': {
      const dbName = str(input, 'DatabaseName') ?? '';
      database(account, dbName);
      const name = str(input, 'Name') ?? '';
      const t = await catalog.table(account, dbName, name);
      if (!t) throw new AwsError('EntityNotFoundException', `Table ${name} not found.`);
      return { Table: glueTable(t, catalogId) };
    }
    case 'GetTables': {
      const db = database(account, str(input, 'DatabaseName') ?? '');
      const list: Json[] = [];
      for (const x of db.tables) {
        const t = await catalog.table(account, db.name, x.name);
        if (t) list.push(glueTable(t, catalogId));
      }
      return { TableList: list };
    }
    case 'GetPartitions': {
      const dbName = str(input, 'DatabaseName') ?? '';
      database(account, dbName);
      const name = str(input, 'TableName') ?? '';
      const t = await catalog.table(account, dbName, name);
      if (!t) throw new AwsError('EntityNotFoundException', `Table ${name} not found.`);
      const max = Math.min(num(input, 'MaxResults') ?? 1000, 1000);
      const offset = Number(Buffer.from(str(input, 'NextToken') ?? '', 'base64').toString() || '0');
      const page = t.partitions.slice(offset, offset + max);
      return {
        Partitions: page.map((p) => ({
          Values: p.values,
          DatabaseName: t.database,
          TableName: t.name,
          CatalogId: catalogId,
          CreationTime: CREATED,
          StorageDescriptor: {
            Columns: t.columns.map((c) => ({ Name: c.name, Type: c.type })),
            Location: p.location,
            ...PARQUET,
          },
        })),
        ...(offset + max < t.partitions.length
          ? { NextToken: Buffer.from(String(offset + max)).toString('base64') }
          : {}),
      };
    }
    default:
      throw new AwsError('InvalidInputException', `Operation ${op} is not supported by aws-local`);
  }
}
