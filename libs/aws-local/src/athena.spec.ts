import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  GetWorkGroupCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
} from '@aws-sdk/client-athena';
import { GetDatabaseCommand, GetPartitionsCommand, GetTableCommand } from '@aws-sdk/client-glue';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { assume, clients, runQuery, setup, type Env } from './test/fixture';

let env: Env;
let c: ReturnType<typeof clients>;
beforeAll(async () => {
  env = await setup('legacy');
  c = clients(env.aws.url, await assume(env));
});
afterAll(() => env.close());
afterEach(() => env.aws.clearFaults());

const TABLE = 'cost_optimizer_cur_db.cost_optimizer_cur_table';

describe('Glue', () => {
  it('GetDatabase, GetTable (columns from Parquet, partition keys, location), GetPartitions', async () => {
    const db = await c.glue.send(new GetDatabaseCommand({ Name: 'cost_optimizer_cur_db' }));
    expect(db.Database?.Name).toBe('cost_optimizer_cur_db');
    const { Table } = await c.glue.send(
      new GetTableCommand({ DatabaseName: 'cost_optimizer_cur_db', Name: 'cost_optimizer_cur_table' }),
    );
    const cols = Object.fromEntries(Table!.StorageDescriptor!.Columns!.map((x) => [x.Name, x.Type]));
    expect(cols['line_item_usage_start_date']).toBe('timestamp');
    expect(cols['line_item_unblended_cost']).toBe('double');
    expect(cols['line_item_unblended_rate']).toBe('string');
    expect(cols['resource_tags_user_team']).toBe('string');
    expect(Table!.PartitionKeys).toEqual([
      { Name: 'year', Type: 'string' },
      { Name: 'month', Type: 'string' },
    ]);
    expect(Table!.StorageDescriptor!.Location).toBe('s3://cur-data/cur/cost-optimizer/cost-optimizer/');
    const { Partitions } = await c.glue.send(
      new GetPartitionsCommand({
        DatabaseName: 'cost_optimizer_cur_db',
        TableName: 'cost_optimizer_cur_table',
      }),
    );
    expect(Partitions!.map((p) => p.Values!.join('/')).sort()).toEqual(['2026/1', '2026/2', '2026/3']);
    await expect(
      c.glue.send(new GetTableCommand({ DatabaseName: 'cost_optimizer_cur_db', Name: 'nope' })),
    ).rejects.toMatchObject({
      name: 'EntityNotFoundException',
    });
  });
});

describe('Athena', () => {
  it('GetWorkGroup shows the output location and managed results', async () => {
    const p = await c.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }));
    expect(p.WorkGroup?.Configuration?.ResultConfiguration?.OutputLocation).toBe(
      's3://cur-results/athena-results/',
    );
    const m = await c.athena.send(new GetWorkGroupCommand({ WorkGroup: 'managed' }));
    expect(m.WorkGroup?.Configuration?.ManagedQueryResultsConfiguration?.Enabled).toBe(true);
    expect(m.WorkGroup?.Configuration?.ResultConfiguration).toBeUndefined();
  });

  it('goes QUEUED -> RUNNING -> SUCCEEDED with statistics, and writes the CSV to the output location', async () => {
    const { id, states, execution } = await runQuery(
      c.athena,
      `SELECT line_item_product_code AS service, count(*) AS n, sum(line_item_unblended_cost) AS cost FROM ${TABLE} WHERE year = '2026' AND month = '2' GROUP BY 1 ORDER BY 1`,
    );
    expect(states).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    expect(execution.Statistics!.DataScannedInBytes).toBeGreaterThan(0);
    expect(execution.ResultConfiguration!.OutputLocation).toBe(`s3://cur-results/athena-results/${id}.csv`);
    const page = await c.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    const rows = page.ResultSet!.Rows!.map((r) => r.Data!.map((d) => d.VarCharValue));
    expect(rows[0]).toEqual(['service', 'n', 'cost']);
    expect(page.ResultSet!.ResultSetMetadata!.ColumnInfo!.map((x) => x.Type)).toEqual([
      'varchar',
      'bigint',
      'double',
    ]);
    const obj = await c.s3.send(
      new GetObjectCommand({ Bucket: 'cur-results', Key: `athena-results/${id}.csv` }),
    );
    const csv = await obj.Body!.transformToString();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('"service","n","cost"');
    expect(lines.length).toBe(rows.length);
    expect(lines[1]).toBe(rows[1]!.map((v) => `"${v}"`).join(','));
  });

  it('prunes DataScannedInBytes with partition predicates', async () => {
    const all = await runQuery(c.athena, `SELECT count(*) FROM ${TABLE}`);
    const one = await runQuery(c.athena, `SELECT count(*) FROM ${TABLE} WHERE year = '2026' AND month = '3'`);
    expect(one.execution.Statistics!.DataScannedInBytes!).toBeLessThan(
      all.execution.Statistics!.DataScannedInBytes!,
    );
  });

  it('pages 1000 rows at a time with the header row first', async () => {
    const { id } = await runQuery(
      c.athena,
      `SELECT line_item_usage_start_date, line_item_unblended_cost FROM ${TABLE} ORDER BY identity_line_item_id LIMIT 2500`,
    );
    const pages: number[] = [];
    let token: string | undefined;
    let first: string[] | undefined;
    do {
      const r = await c.athena.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, ...(token ? { NextToken: token } : {}) }),
      );
      const rows = r.ResultSet!.Rows!;
      first ??= rows[0]!.Data!.map((d) => d.VarCharValue!);
      pages.push(rows.length);
      token = r.NextToken;
    } while (token);
    expect(first).toEqual(['line_item_usage_start_date', 'line_item_unblended_cost']);
    expect(pages).toEqual([1000, 1000, 501]);
    await expect(
      c.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 1001 })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
    const ts = await c.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: 2 }));
    expect(ts.ResultSet!.Rows![1]!.Data![0]!.VarCharValue).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.000$/,
    );
  });

  it.each([
    [
      `SELECT * FROM cost_optimizer_cur_db.no_such_table`,
      "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.cost_optimizer_cur_db.no_such_table' does not exist",
    ],
    [
      `SELECT no_such_column FROM ${TABLE}`,
      "COLUMN_NOT_FOUND: line 1:8: Column 'no_such_column' cannot be resolved or requester is not authorized to access requested resources",
    ],
    [`SELECT * FROM nodb.t`, "SCHEMA_NOT_FOUND: line 1:15: Schema 'nodb' does not exist"],
    [`SELECT FROM WHERE`, "SYNTAX_ERROR: line 1:13: mismatched input 'WHERE'"],
  ])('FAILED with Athena error text: %s', async (sql, reason) => {
    const { states, execution, id } = await runQuery(c.athena, sql);
    expect(states[states.length - 1]).toBe('FAILED');
    expect(execution.Status!.StateChangeReason).toBe(reason);
    expect(execution.Status!.AthenaError!.ErrorCategory).toBe(2);
    await expect(c.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }))).rejects.toThrow(
      'Query did not finish successfully. Final query state: FAILED',
    );
  });

  it('CANCELLED by StopQueryExecution; results of a running query are refused', async () => {
    env.aws.addFault({ service: 'athena', operation: 'Query', kind: 'latency', ms: 400, count: 1 });
    const { QueryExecutionId } = await c.athena.send(
      new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'primary' }),
    );
    await new Promise((r) => setTimeout(r, 60));
    await expect(c.athena.send(new GetQueryResultsCommand({ QueryExecutionId }))).rejects.toThrow(
      /Query has not yet finished. Current state: (QUEUED|RUNNING)/,
    );
    await c.athena.send(new StopQueryExecutionCommand({ QueryExecutionId }));
    const q = await c.athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    expect(q.QueryExecution!.Status!.State).toBe('CANCELLED');
  });

  it('a fault fails the next query', async () => {
    env.aws.addFault({
      service: 'athena',
      operation: 'Query',
      kind: 'fail',
      count: 1,
      message: 'GENERIC_INTERNAL_ERROR: disk on fire',
    });
    const a = await runQuery(c.athena, 'SELECT 1');
    expect(a.execution.Status).toMatchObject({
      State: 'FAILED',
      StateChangeReason: 'GENERIC_INTERNAL_ERROR: disk on fire',
    });
    const b = await runQuery(c.athena, 'SELECT 1');
    expect(b.execution.Status!.State).toBe('SUCCEEDED');
  });

  it('a truncate fault cuts the next matching queries to their first rows, in the results and the CSV', async () => {
    env.aws.addFault({
      service: 'athena',
      operation: 'Query',
      kind: 'truncate',
      rows: 2,
      query_contains: 'group by',
      count: 2,
    });
    const sql = `SELECT line_item_product_code, count(*) AS n FROM ${TABLE} GROUP BY 1`;
    const rowsOf = async (id: string) =>
      ((await c.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }))).ResultSet!.Rows ?? [])
        .length - 1; // the header row
    // A query the fault does not match is whole, and does not use up its count.
    const other = await runQuery(c.athena, `SELECT line_item_product_code FROM ${TABLE} LIMIT 5`);
    expect(await rowsOf(other.id)).toBe(5);
    const a = await runQuery(c.athena, sql);
    expect(a.execution.Status!.State).toBe('SUCCEEDED');
    expect(await rowsOf(a.id)).toBe(2);
    const csv = await c.s3.send(
      new GetObjectCommand({ Bucket: 'cur-results', Key: `athena-results/${a.id}.csv` }),
    );
    expect((await csv.Body!.transformToString()).trim().split('\n')).toHaveLength(3);
    expect(await rowsOf((await runQuery(c.athena, sql)).id)).toBe(2);
    expect(await rowsOf((await runQuery(c.athena, sql)).id)).toBeGreaterThan(2); // count used up
  });

  it('ClientRequestToken makes StartQueryExecution idempotent', async () => {
    const token = 'token-0123456789-0123456789-0123456789';
    const a = await c.athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 2',
        WorkGroup: 'primary',
        ClientRequestToken: token,
      }),
    );
    const b = await c.athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT 2',
        WorkGroup: 'primary',
        ClientRequestToken: token,
      }),
    );
    expect(b.QueryExecutionId).toBe(a.QueryExecutionId);
    await expect(
      c.athena.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT 3',
          WorkGroup: 'primary',
          ClientRequestToken: token,
        }),
      ),
    ).rejects.toThrow('Idempotent parameters do not match');
  });

  it('managed results: no OutputLocation allowed, results by paging only', async () => {
    await expect(
      c.athena.send(
        new StartQueryExecutionCommand({
          QueryString: 'SELECT 1',
          WorkGroup: 'managed',
          ResultConfiguration: { OutputLocation: 's3://cur-results/x/' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
    const { id, execution } = await runQuery(
      c.athena,
      `SELECT 1 AS one, 'a' AS s, CAST(NULL AS varchar) AS n, 1.5e7 AS big`,
      { workgroup: 'managed' },
    );
    expect(execution.ResultConfiguration).toBeUndefined();
    const r = await c.athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }));
    expect(r.ResultSet!.Rows![1]!.Data).toEqual([
      { VarCharValue: '1' },
      { VarCharValue: 'a' },
      {},
      { VarCharValue: '1.5E7' },
    ]);
  });

  it('throttles the next N calls with TooManyRequestsException; the SDK retries through it', async () => {
    env.aws.addFault({ service: 'athena', operation: 'GetWorkGroup', kind: 'throttle', count: 1 });
    await expect(c.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).rejects.toMatchObject({
      name: 'TooManyRequestsException',
    });
    await expect(c.athena.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).resolves.toBeDefined();
    const res = await fetch(`${env.aws.url}/_aws-local/faults`, {
      method: 'POST',
      body: JSON.stringify({ service: 'athena', operation: 'GetWorkGroup', kind: 'throttle', count: 2 }),
    });
    expect(res.status).toBe(200);
    const retrying: AthenaClient = clients(env.aws.url, await assume(env), 3).athena;
    await expect(retrying.send(new GetWorkGroupCommand({ WorkGroup: 'primary' }))).resolves.toBeDefined();
  });

  it('GetTableMetadata', async () => {
    const r = await c.athena.send(
      new GetTableMetadataCommand({
        CatalogName: 'AwsDataCatalog',
        DatabaseName: 'cost_optimizer_cur_db',
        TableName: 'cost_optimizer_cur_table',
      }),
    );
    expect(r.TableMetadata!.PartitionKeys!.map((p) => p.Name)).toEqual(['year', 'month']);
    expect(r.TableMetadata!.Columns!.length).toBeGreaterThan(50);
  });
});
