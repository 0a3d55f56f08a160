/** Athena (awsJson1_1): workgroups, the query lifecycle, paged results, the CSV in the output location. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AccountConfig, WorkgroupConfig } from '../config';
import { parseS3Url } from '../config';
import { AccountEngine, AthenaQueryError, type QueryResult } from '../athena/engine';
import { tokenize } from '../athena/dialect';
import type { Catalog } from './catalog';
import { glueTable } from './glue';
import { AwsError, num, obj, str, type Json } from './protocol';
import type { ActiveFault, State } from './state';

type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface QueryRecord {
  id: string;
  accountId: string;
  query: string;
  database: string | undefined;
  catalog: string;
  workgroup: string;
  token: string | undefined;
  outputLocation: string | null;
  managed: boolean;
  state: QueryState;
  reason?: string;
  error?: { category: number; type: number; message: string };
  submitted: number;
  started?: number;
  completed?: number;
  scannedBytes: number;
  result?: QueryResult;
  signal: { cancelled: boolean };
}

const WG_CREATED = Date.UTC(2025, 0, 1) / 1000;
const ENGINE = { SelectedEngineVersion: 'AUTO', EffectiveEngineVersion: 'Athena engine version 3' };

export class AthenaService {
  private readonly queries = new Map<string, QueryRecord>();
  private readonly engines = new Map<string, AccountEngine>();

  constructor(
    private readonly state: State,
    private readonly catalog: Catalog,
  ) {}

  list(): QueryRecord[] {
    return [...this.queries.values()];
  }

  close() {
    for (const q of this.queries.values()) q.signal.cancelled = true;
    for (const e of this.engines.values()) e.close();
  }

  private workgroup(account: AccountConfig, name: string): WorkgroupConfig {
    const wg = account.workgroups.find((w) => w.name === name);
    if (!wg)
      throw new AwsError('InvalidRequestException', `WorkGroup ${name} is not found.`, 400, 'Sender', {
        AthenaErrorCode: 'INVALID_INPUT',
      });
    return wg;
  }

  private query(account: AccountConfig, id: string): QueryRecord {
    const q = this.queries.get(id);
    if (!q || q.accountId !== account.account_id)
      throw new AwsError('InvalidRequestException', `QueryExecution ${id} was not found`, 400, 'Sender', {
        AthenaErrorCode: 'INVALID_INPUT',
      });
    return q;
  }

  async handle(account: AccountConfig, op: string, input: Json): Promise<Json> {
    switch (op) {
      case 'GetWorkGroup':
        return { WorkGroup: this.describeWorkgroup(this.workgroup(account, str(input, 'WorkGroup') ?? '')) };
      case 'ListWorkGroups':
        return {
          WorkGroups: account.workgroups.map((w) => ({
            Name: w.name,
            State: w.state,
            CreationTime: WG_CREATED,
            EngineVersion: ENGINE,
          })),
        };
      case 'StartQueryExecution':
        return this.start(account, input);
      case 'GetQueryExecution':
        return { QueryExecution: this.describe(this.query(account, str(input, 'QueryExecutionId') ?? '')) };
      case 'BatchGetQueryExecution': {
        const ids = (input['QueryExecutionIds'] as unknown[] | undefined) ?? [];
        const found: Json[] = [];
        const missing: Json[] = [];
        for (const id of ids.map(String)) {
          const q = this.queries.get(id);
          if (q && q.accountId === account.account_id) found.push(this.describe(q));
          else
            missing.push({
              QueryExecutionId: id,
              ErrorCode: 'INVALID_INPUT',
              ErrorMessage: 'QueryExecution not found',
            });
        }
        return { QueryExecutions: found, UnprocessedQueryExecutionIds: missing };
      }
      case 'GetQueryResults':
        return this.results(account, input);
      case 'StopQueryExecution': {
        const q = this.query(account, str(input, 'QueryExecutionId') ?? '');
        if (q.state === 'QUEUED' || q.state === 'RUNNING') {
          q.signal.cancelled = true;
          q.state = 'CANCELLED';
          q.reason = 'Query was cancelled by user';
          q.completed = this.state.now();
        }
        return {};
      }
      case 'GetTableMetadata':
        return this.tableMetadata(account, input);
      case 'ListDatabases':
        return { DatabaseList: account.databases.map((d) => ({ Name: d.name, Parameters: {} })) };
      default:
        throw new AwsError('InvalidRequestException', `Operation ${op} is not supported by aws-local`);
    }
  }

  private describeWorkgroup(wg: WorkgroupConfig): Json {
    return {
      Name: wg.name,
      State: wg.state,
      Description: wg.managed_results ? 'Workgroup with managed query results' : '',
      CreationTime: WG_CREATED,
      Configuration: {
        ...(wg.output_location ? { ResultConfiguration: { OutputLocation: wg.output_location } } : {}),
        EnforceWorkGroupConfiguration: wg.enforce_configuration,
        PublishCloudWatchMetricsEnabled: true,
        RequesterPaysEnabled: false,
        EngineVersion: ENGINE,
        ManagedQueryResultsConfiguration: { Enabled: wg.managed_results },
      },
    };
  }

  private start(account: AccountConfig, input: Json): Json {
    const queryString = str(input, 'QueryString') ?? '';
    if (queryString.length < 1 || queryString.length > 262144)
      throw new AwsError(
        'InvalidRequestException',
        `1 validation error detected: Value at 'queryString' failed to satisfy constraint: Member must have length between 1 and 262144`,
      );
    const wg = this.workgroup(account, str(input, 'WorkGroup') ?? 'primary');
    if (wg.state === 'DISABLED')
      throw new AwsError('InvalidRequestException', `WorkGroup ${wg.name} is disabled.`);
    const token = str(input, 'ClientRequestToken');
    if (token !== undefined) {
      const prior = [...this.queries.values()].find(
        (q) => q.accountId === account.account_id && q.token === token,
      );
      if (prior) {
        if (prior.query !== queryString || prior.workgroup !== wg.name)
          throw new AwsError('InvalidRequestException', 'Idempotent parameters do not match', 400, 'Sender', {
            AthenaErrorCode: 'INVALID_INPUT',
          });
        return { QueryExecutionId: prior.id };
      }
    }
    const requested = str(obj(input, 'ResultConfiguration') ?? {}, 'OutputLocation');
    if (wg.managed_results && requested)
      throw new AwsError(
        'InvalidRequestException',
        `Output location cannot be set in ResultConfiguration when the workgroup ${wg.name} uses managed query results.`,
        400,
        'Sender',
        { AthenaErrorCode: 'INVALID_INPUT' },
      );
    const output = wg.managed_results
      ? null
      : wg.enforce_configuration
        ? wg.output_location
        : (requested ?? wg.output_location);
    if (!wg.managed_results && !output)
      throw new AwsError(
        'InvalidRequestException',
        'No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.',
      );
    const active = [...this.queries.values()].filter(
      (q) => q.accountId === account.account_id && (q.state === 'QUEUED' || q.state === 'RUNNING'),
    ).length;
    if (active >= this.state.config.athena.max_concurrent_queries)
      throw new AwsError(
        'TooManyRequestsException',
        'You have exceeded the limit for the number of queries you can run concurrently. Reduce the number of concurrent queries submitted by this account. Contact customer support to request a concurrent query limit increase.',
        400,
        'Sender',
        { Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED' },
      );
    const ctx = obj(input, 'QueryExecutionContext') ?? {};
    const id = randomUUID();
    const q: QueryRecord = {
      id,
      accountId: account.account_id,
      query: queryString,
      database: str(ctx, 'Database'),
      catalog: str(ctx, 'Catalog') ?? 'AwsDataCatalog',
      workgroup: wg.name,
      token,
      outputLocation: output ? `${output.replace(/\/?$/, '/')}${id}.csv` : null,
      managed: wg.managed_results,
      state: 'QUEUED',
      submitted: this.state.now(),
      scannedBytes: 0,
      signal: { cancelled: false },
    };
    this.queries.set(id, q);
    this.evict();
    void this.execute(account, q);
    return { QueryExecutionId: id };
  }

  private evict() {
    const keep = this.state.config.athena.results_kept;
    if (this.queries.size <= keep) return;
    for (const q of this.queries.values()) {
      if (this.queries.size <= keep) break;
      if (q.state !== 'QUEUED' && q.state !== 'RUNNING') this.queries.delete(q.id);
    }
  }

  private engine(account: AccountConfig): AccountEngine {
    let e = this.engines.get(account.account_id);
    if (!e) this.engines.set(account.account_id, (e = new AccountEngine(account, this.catalog)));
    return e;
  }

  private async execute(account: AccountConfig, q: QueryRecord) {
    const cfg = this.state.config.athena;
    await new Promise((r) => setTimeout(r, cfg.queued_ms));
    if (q.signal.cancelled) return;
    q.state = 'RUNNING';
    q.started = this.state.now();
    const began = Date.now();
    let extraLatency = 0;
    let failure: AthenaQueryError | undefined;
    let result: QueryResult | undefined;
    let keepRows: number | undefined;
    const taken = new Set<ActiveFault>();
    for (;;) {
      const f = this.state.takeFault('athena', 'Query', account.account_id, taken, q.query);
      if (!f) break;
      taken.add(f);
      if (f.kind === 'latency') extraLatency += f.ms ?? 1000;
      else if (f.kind === 'truncate') keepRows = Math.min(keepRows ?? Infinity, f.rows ?? 0);
      else {
        failure = new AthenaQueryError(
          f.message ?? 'GENERIC_INTERNAL_ERROR: Simulated failure (aws-local fault)',
          1,
          401,
        );
        break;
      }
    }
    if (!failure) {
      try {
        q.scannedBytes = this.scannedBytes(account, q.query);
        result = await this.engine(account).run(q.query, q.database, q.signal);
        // A truncated result: what a query over a CUR being rewritten, or a cut read, gives.
        if (keepRows !== undefined) result = { ...result, rows: result.rows.slice(0, keepRows) };
      } catch (e) {
        failure =
          e instanceof AthenaQueryError
            ? e
            : new AthenaQueryError(`GENERIC_INTERNAL_ERROR: ${(e as Error).message}`, 1, 401);
      }
    }
    const wait = cfg.running_ms + extraLatency - (Date.now() - began);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (q.signal.cancelled) return;
    if (!failure && result && q.outputLocation) {
      try {
        this.writeCsv(q.outputLocation, result);
      } catch (e) {
        failure =
          e instanceof AthenaQueryError
            ? e
            : new AthenaQueryError(`GENERIC_INTERNAL_ERROR: ${(e as Error).message}`, 1, 401);
      }
    }
    q.completed = this.state.now();
    if (failure) {
      q.state = 'FAILED';
      q.reason = failure.message;
      q.error = { category: failure.category, type: failure.errorType, message: failure.message };
    } else {
      q.state = 'SUCCEEDED';
      q.result = result;
    }
  }

  /** Bytes of the Parquet files of the tables a query names, pruned by literal partition predicates. */
  private scannedBytes(account: AccountConfig, sql: string): number {
    const words = new Set(
      tokenize(sql)
        .filter((t) => t.kind === 'word' || t.kind === 'quoted')
        .map((t) => t.text.replace(/^"|"$/g, '').toLowerCase()),
    );
    let total = 0;
    for (const db of account.databases)
      for (const t of db.tables) {
        if (!words.has(t.name)) continue;
        const files = this.catalog.files(t.location);
        const keys = Object.keys(files[0]?.partition ?? {});
        const wanted = new Map<string, Set<string>>();
        for (const k of keys) {
          const values = new Set<string>();
          const eq = new RegExp(`"?\\b${k}\\b"?\\s*=\\s*'([^']*)'`, 'gi');
          for (const m of sql.matchAll(eq)) values.add(m[1] ?? '');
          const inList = new RegExp(`"?\\b${k}\\b"?\\s+IN\\s*\\(([^)]*)\\)`, 'gi');
          for (const m of sql.matchAll(inList))
            for (const v of (m[1] ?? '').matchAll(/'([^']*)'/g)) values.add(v[1] ?? '');
          if (values.size) wanted.set(k, values);
        }
        for (const f of files)
          if ([...wanted].every(([k, vs]) => vs.has(f.partition[k] ?? ''))) total += f.size;
      }
    return total;
  }

  private writeCsv(location: string, result: QueryResult) {
    const { bucket, prefix } = parseS3Url(location);
    const bucketDir = `${this.catalog.s3Dir(`s3://${bucket}/`)}`;
    if (!existsSync(bucketDir) || !statSync(bucketDir).isDirectory())
      throw new AthenaQueryError(`Unable to verify/create output bucket ${bucket}`, 2, 1301);
    const cell = (v: string | null) => (v === null ? '' : `"${v.replace(/"/g, '""')}"`);
    const lines = [result.columns.map((c) => cell(c.name)).join(',')];
    for (const r of result.rows) lines.push(r.map(cell).join(','));
    const file = this.catalog.s3Dir(`s3://${bucket}/${prefix}`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, lines.join('\n') + '\n');
    renameSync(`${file}.tmp`, file);
  }

  describe(q: QueryRecord): Json {
    const end = q.completed ?? this.state.now();
    const total = end - q.submitted;
    const queue = (q.started ?? end) - q.submitted;
    const done = q.state === 'SUCCEEDED' || q.state === 'FAILED' || q.state === 'CANCELLED';
    return {
      QueryExecutionId: q.id,
      Query: q.query,
      StatementType: 'DML',
      SubstatementType: 'SELECT',
      ...(q.outputLocation ? { ResultConfiguration: { OutputLocation: q.outputLocation } } : {}),
      ...(q.managed ? { ManagedQueryResultsConfiguration: { Enabled: true } } : {}),
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
      QueryExecutionContext: { ...(q.database ? { Database: q.database } : {}), Catalog: q.catalog },
      Status: {
        State: q.state,
        SubmissionDateTime: q.submitted / 1000,
        ...(done ? { CompletionDateTime: end / 1000 } : {}),
        ...(q.reason ? { StateChangeReason: q.reason } : {}),
        ...(q.error
          ? {
              AthenaError: {
                ErrorCategory: q.error.category,
                ErrorType: q.error.type,
                Retryable: q.error.category === 1,
                ErrorMessage: q.error.message,
              },
            }
          : {}),
      },
      Statistics: {
        EngineExecutionTimeInMillis: Math.max(0, total - queue),
        DataScannedInBytes: q.scannedBytes,
        TotalExecutionTimeInMillis: total,
        QueryQueueTimeInMillis: queue,
        ServicePreProcessingTimeInMillis: 0,
        QueryPlanningTimeInMillis: 0,
        ServiceProcessingTimeInMillis: done ? 1 : 0,
        ResultReuseInformation: { ReusedPreviousResult: false },
      },
      WorkGroup: q.workgroup,
      EngineVersion: ENGINE,
    };
  }

  private results(account: AccountConfig, input: Json): Json {
    const q = this.query(account, str(input, 'QueryExecutionId') ?? '');
    const max = num(input, 'MaxResults') ?? 1000;
    if (max < 1 || max > 1000)
      throw new AwsError(
        'InvalidRequestException',
        `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
      );
    if (q.state === 'QUEUED' || q.state === 'RUNNING')
      throw new AwsError(
        'InvalidRequestException',
        `Query has not yet finished. Current state: ${q.state}`,
        400,
        'Sender',
        { AthenaErrorCode: 'INVALID_INPUT' },
      );
    if (q.state !== 'SUCCEEDED' || !q.result)
      throw new AwsError(
        'InvalidRequestException',
        `Query did not finish successfully. Final query state: ${q.state}${q.reason ? `\n${q.reason}` : ''}`,
        400,
        'Sender',
        { AthenaErrorCode: 'INVALID_INPUT' },
      );
    const token = str(input, 'NextToken');
    let offset = 0;
    if (token) {
      const [id, off] = Buffer.from(token, 'base64').toString().split(':');
      if (id !== q.id || !off || Number.isNaN(Number(off)))
        throw new AwsError('InvalidRequestException', 'The NextToken is invalid', 400, 'Sender', {
          AthenaErrorCode: 'INVALID_INPUT',
        });
      offset = Number(off);
    }
    const r = q.result;
    // The virtual row list: the header row first, then the data rows.
    const total = r.rows.length + 1;
    const rows: Json[] = [];
    for (let i = offset; i < Math.min(total, offset + max); i++) {
      const values = i === 0 ? r.columns.map((c) => c.name) : (r.rows[i - 1] ?? []);
      rows.push({ Data: values.map((v) => (v === null ? {} : { VarCharValue: v })) });
    }
    const next = offset + max < total ? Buffer.from(`${q.id}:${offset + max}`).toString('base64') : undefined;
    return {
      UpdateCount: 0,
      ResultSet: {
        Rows: rows,
        ResultSetMetadata: {
          ColumnInfo: r.columns.map((c) => ({
            CatalogName: 'hive',
            SchemaName: '',
            TableName: '',
            Name: c.name,
            Label: c.name,
            Type: c.type,
            Precision: c.precision,
            Scale: c.scale,
            Nullable: 'UNKNOWN',
            CaseSensitive: c.type === 'varchar',
          })),
        },
      },
      ...(next ? { NextToken: next } : {}),
    };
  }

  private async tableMetadata(account: AccountConfig, input: Json): Promise<Json> {
    const catalogName = str(input, 'CatalogName') ?? '';
    if (catalogName.toLowerCase() !== 'awsdatacatalog')
      throw new AwsError('MetadataException', `Catalog ${catalogName} does not exist`);
    const dbName = str(input, 'DatabaseName') ?? '';
    const name = str(input, 'TableName') ?? '';
    if (!account.databases.some((d) => d.name === dbName.toLowerCase()))
      throw new AwsError(
        'MetadataException',
        `Database ${dbName} not found. (Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException)`,
      );
    const t = await this.catalog.table(account, dbName, name);
    if (!t)
      throw new AwsError(
        'MetadataException',
        `Table ${name} not found. (Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException)`,
      );
    const g = glueTable(t, account.account_id);
    return {
      TableMetadata: {
        Name: t.name,
        CreateTime: g['CreateTime'],
        LastAccessTime: g['CreateTime'],
        TableType: 'EXTERNAL_TABLE',
        Columns: t.columns.map((c) => ({ Name: c.name, Type: c.type })),
        PartitionKeys: t.partitionKeys.map((k) => ({ Name: k, Type: 'string' })),
        Parameters: {
          location: t.location,
          inputformat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          classification: 'parquet',
        },
      },
    };
  }
}
