import { randomUUID } from 'node:crypto';
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';

export interface AthenaTarget {
  workgroup: string;
  /** `s3://bucket/prefix/`, or null when the workgroup decides (its own output location, or managed results). */
  outputLocation: string | null;
}

export interface QueryOptions {
  deadlineMs: number;
  /** Idempotent retries: the same token never starts a second query. */
  clientRequestToken?: string;
  onState?: (state: string) => void;
}

export class AthenaQueryError extends Error {
  constructor(
    readonly kind: 'failed' | 'cancelled' | 'timeout',
    readonly reason: string,
    readonly queryExecutionId: string,
  ) {
    super(reason);
    this.name = 'AthenaQueryError';
  }
}

export interface FinishedQuery {
  queryExecutionId: string;
  execution: QueryExecution;
  outputLocation: string | null;
  dataScannedBytes: number;
  engineMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** StartQueryExecution -> poll GetQueryExecution with backoff until a final state or the deadline (then Stop). */
export async function runQuery(
  athena: AthenaClient,
  sql: string,
  target: AthenaTarget,
  opts: QueryOptions,
): Promise<FinishedQuery> {
  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: target.workgroup,
      ClientRequestToken: opts.clientRequestToken ?? randomUUID(),
      ...(target.outputLocation ? { ResultConfiguration: { OutputLocation: target.outputLocation } } : {}),
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new Error('StartQueryExecution returned no QueryExecutionId');
  const deadline = Date.now() + opts.deadlineMs;
  let delay = 100;
  let lastState = '';
  for (;;) {
    const { QueryExecution: qe } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = qe?.Status?.State ?? 'UNKNOWN';
    if (state !== lastState) {
      lastState = state;
      opts.onState?.(state);
    }
    if (state === 'SUCCEEDED' && qe) {
      return {
        queryExecutionId: id,
        execution: qe,
        outputLocation: qe.ResultConfiguration?.OutputLocation ?? null,
        dataScannedBytes: Number(qe.Statistics?.DataScannedInBytes ?? 0),
        engineMs: Number(qe.Statistics?.EngineExecutionTimeInMillis ?? 0),
      };
    }
    if (state === 'FAILED' || state === 'CANCELLED') {
      const reason =
        qe?.Status?.StateChangeReason ??
        qe?.Status?.AthenaError?.ErrorMessage ??
        `Query ${state.toLowerCase()}`;
      throw new AthenaQueryError(state === 'FAILED' ? 'failed' : 'cancelled', reason, id);
    }
    if (Date.now() + delay > deadline) {
      await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
      throw new AthenaQueryError(
        'timeout',
        `Query did not finish within ${Math.round(opts.deadlineMs / 1000)} s and was stopped`,
        id,
      );
    }
    await sleep(delay);
    delay = Math.min(Math.round(delay * 1.6), 2000);
  }
}

/** Pages GetQueryResults (1000 rows a page; the first row of the first page is the header). */
export async function* queryRows(
  athena: AthenaClient,
  queryExecutionId: string,
): AsyncGenerator<Record<string, string | null>> {
  let token: string | undefined;
  let header: string[] | null = null;
  do {
    const page = await athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: queryExecutionId, NextToken: token, MaxResults: 1000 }),
    );
    const rows = page.ResultSet?.Rows ?? [];
    for (const row of rows) {
      const values = (row.Data ?? []).map((d) => d.VarCharValue ?? null);
      if (!header) {
        header = values.map((v, i) => v ?? `_col${i}`);
        continue;
      }
      const rec: Record<string, string | null> = {};
      header.forEach((h, i) => (rec[h] = values[i] ?? null));
      yield rec;
    }
    token = page.NextToken;
  } while (token);
}

/** Double-quotes an already-validated identifier for Athena SQL. */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(name))
    throw new Error(`Refusing unsafe identifier ${JSON.stringify(name)}`);
  return `"${name.toLowerCase()}"`;
}

/** A string literal for values read from the catalog (partition values); single quotes doubled. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
