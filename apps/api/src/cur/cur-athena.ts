import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetPartitionsCommand } from '@aws-sdk/client-glue';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AthenaQueryError, queryRows, runQuery, type FinishedQuery } from '../aws/athena-runner';
import {
  AwsClients,
  isAwsServiceError,
  tenantAwsErrorText,
  type RoleCredentialSource,
} from '../aws/aws-clients';
import type { CurAthenaTarget } from '../aws-connection';
import { parseCsvBatches } from './csv';
import { AGGREGATE_COLUMNS, buildCountQuery, partitionOfMonth } from './cur-sql';
import { monthSource, type MonthSource } from './cur-month-source';
import { athenaQueryFailed, awsFailure, SyncFailure } from './cur.errors';

/** A partition of the CUR table as the Glue catalog lists it: its values (in partition-key order) and S3 location. */
export interface CatalogPartition {
  values: string[];
  location: string | null;
}

/** Where and as whom a run reads the tenant's CUR: the region, the run's credentials, the table and its workgroup. */
export interface CurAccess {
  region: string;
  /** Refreshed before expiry; an AssumeRole failure surfaces as a SyncFailure. */
  credentials: RoleCredentialSource;
  athena: CurAthenaTarget;
}

export type AthenaClient = ReturnType<AwsClients['athena']>;

/**
 * The sync's AWS I/O: the CUR partitions from Glue, the month's CUR files from S3 (their fingerprint), Athena queries
 * run to their end, and their results read from the CSV Athena wrote (or paged, for managed-results workgroups).
 * Failures become SyncFailures naming the step; a SyncFailure from the credentials (AssumeRole) passes through.
 */
@Injectable()
export class CurAthena {
  private readonly logger = new Logger('CurSync');

  constructor(
    private readonly aws: AwsClients,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** An Athena client; the clients ask for credentials before each request (refreshed even inside one step). */
  client(access: CurAccess): AthenaClient {
    return this.aws.athena(access.region, access.credentials);
  }

  /** The CUR table's partitions (none for a table without partition keys). */
  async catalog(access: CurAccess): Promise<CatalogPartition[]> {
    return access.athena.partitionKeys.length ? await this.partitions(access) : [];
  }

  private async partitions({ region, credentials, athena: t }: CurAccess): Promise<CatalogPartition[]> {
    const glue = this.aws.glue(region, credentials);
    try {
      const out: CatalogPartition[] = [];
      let token: string | undefined;
      do {
        const page = await glue.send(
          new GetPartitionsCommand({ DatabaseName: t.database, TableName: t.table, NextToken: token }),
        );
        for (const p of page.Partitions ?? [])
          out.push({ values: p.Values ?? [], location: p.StorageDescriptor?.Location ?? null });
        token = page.NextToken;
      } while (token);
      return out;
    } catch (e) {
      if (e instanceof SyncFailure) throw e; // AssumeRole failed
      if (!isAwsServiceError(e)) this.logger.warn({ msg: 'glue:GetPartitions failed', error: String(e) });
      throw awsFailure('Cannot list the CUR partitions (glue:GetPartitions)', tenantAwsErrorText(e));
    } finally {
      glue.destroy();
    }
  }

  /**
   * The month's CUR files (its partitions' S3 objects), or null when they cannot be listed: no partitions with a
   * location, or S3 refused (then restatements of closed months are not detected; the sync itself goes on).
   */
  async monthSource(
    access: CurAccess,
    catalog: CatalogPartition[],
    month: string,
  ): Promise<MonthSource | null> {
    const locations = catalog
      .filter((p) => p.location && partitionOfMonth(access.athena, month, p.values))
      .map((p) => p.location!);
    if (locations.length === 0) return null;
    const s3 = this.aws.s3(access.region, access.credentials);
    try {
      return await monthSource(s3, locations);
    } catch (e) {
      if (e instanceof SyncFailure) throw e; // AssumeRole failed
      this.logger.warn({
        msg: 'cannot list the CUR files of a month (s3:ListBucket): restatements of it are not detected',
        month,
        error: tenantAwsErrorText(e),
      });
      return null;
    } finally {
      s3.destroy();
    }
  }

  /** One Athena query to its end, its failures as a SyncFailure naming what it was for (the client then destroyed). */
  async query(
    athena: AthenaClient,
    sql: string,
    access: CurAccess,
    token: string,
    what: string,
  ): Promise<FinishedQuery> {
    try {
      return await runQuery(athena, sql, access.athena, {
        deadlineMs: this.config.aws.athenaQueryTimeoutMs,
        clientRequestToken: createHash('sha256').update(token).digest('hex').slice(0, 64),
      });
    } catch (e) {
      athena.destroy();
      if (e instanceof SyncFailure) throw e; // AssumeRole failed while refreshing
      if (e instanceof AthenaQueryError) throw athenaQueryFailed(what, e);
      if (!isAwsServiceError(e)) this.logger.warn({ msg: `${what} could not run`, error: String(e) });
      throw awsFailure(`${what} could not run`, tenantAwsErrorText(e));
    }
  }

  /** How many line items the CUR holds for the month: one count(*) over the rows of the month's query. */
  async countLineItems(
    athena: AthenaClient,
    access: CurAccess,
    month: string,
    partitions: string[][],
    token: string,
  ): Promise<{ lineItems: number; bytes: number }> {
    const sql = buildCountQuery(access.athena, month, partitions);
    if (sql === null) return { lineItems: 0, bytes: 0 };
    const q = await this.query(athena, sql, access, token, `Counting the CUR line items of ${month}`);
    let n = 0;
    for await (const rec of queryRows(athena, q.queryExecutionId)) n = Number(rec['line_items'] ?? 0);
    return { lineItems: n, bytes: q.dataScannedBytes };
  }

  /** The first usage day a bounded one-column query found (planning), with what it cost in Athena. */
  async firstUsage(
    access: CurAccess,
    sql: string,
    token: string,
  ): Promise<{ first: string | undefined; bytesScanned: number; athenaMs: number }> {
    const athena = this.client(access);
    const t0 = Date.now();
    try {
      const q = await this.query(athena, sql, access, token, 'Finding the CUR months');
      let first: string | undefined;
      for await (const rec of queryRows(athena, q.queryExecutionId)) first = rec['first_usage'] ?? undefined;
      return { first, bytesScanned: q.dataScannedBytes, athenaMs: Date.now() - t0 };
    } finally {
      athena.destroy();
    }
  }

  /** A query's result rows in batches (AGGREGATE_COLUMNS order): the CSV Athena wrote, or paged from Athena. */
  resultRows(access: CurAccess, athena: AthenaClient, q: FinishedQuery): AsyncGenerator<string[][]> {
    return q.outputLocation && !access.athena.managedResults
      ? this.csvRows(access, q.outputLocation)
      : this.pagedRows(athena, q.queryExecutionId);
  }

  /** The result CSV, streamed with one GetObject (AWS.md §6: far faster than paging), in batches of records. */
  private async *csvRows(access: CurAccess, location: string): AsyncGenerator<string[][]> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!m) throw awsFailure(`Unexpected result location ${location}`, null);
    const s3 = this.aws.s3(access.region, access.credentials);
    try {
      const obj = await s3.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
      const body = obj.Body as AsyncIterable<Buffer> | undefined;
      if (!body) throw new Error('empty body');
      let header = true;
      for await (const batch of parseCsvBatches(body)) {
        if (header) {
          header = false;
          const record = batch.shift()!;
          if (record.join(',') !== AGGREGATE_COLUMNS.join(','))
            throw awsFailure(`Unexpected result columns: ${record.join(', ')}`, null);
        }
        yield batch;
      }
    } catch (e) {
      if (e instanceof SyncFailure) throw e;
      if (!isAwsServiceError(e))
        this.logger.warn({ msg: 'reading the query result failed', error: String(e) });
      throw awsFailure(`Cannot read the query result ${location}`, tenantAwsErrorText(e));
    } finally {
      s3.destroy();
    }
  }

  private async *pagedRows(athena: AthenaClient, id: string): AsyncGenerator<string[][]> {
    let batch: string[][] = [];
    for await (const rec of queryRows(athena, id)) {
      batch.push(AGGREGATE_COLUMNS.map((c) => rec[c] ?? ''));
      if (batch.length === 1000) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }
}
