import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { appDatabaseUrl } from '../database/app-role';
import { inScope, PLATFORM_SESSION, tenantSession } from '../database/db-scope';
import { survivePoolErrors } from '../database/pool-errors';

export interface StoredPoint {
  ts: number;
  value: number;
}

export interface UpsertOutcome {
  /** New rows per watch (a point already stored with the same value is neither counted nor written). */
  added: Map<string, number>;
  /** Stored points whose value changed (updated in place). */
  changed: number;
}

/** COPY text lines, in chunks of about 256 KB. */
function* copyLines(watchIds: string[], tsMs: number[], values: number[]): Generator<string> {
  let chunk = '';
  for (let i = 0; i < watchIds.length; i++) {
    chunk += `${watchIds[i]}\t${tsMs[i]}\t${values[i]}\n`;
    if (chunk.length > 256 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export interface BucketRow {
  ts: number;
  value: number;
  min: number;
  max: number;
}

/**
 * `metric_point` (tenant_id, watch_id, ts, value): written in bulk by the collector, read with SQL. Writes are
 * idempotent on (watch_id, ts): a point collected twice (ticks re-read a trailing window, a retried call) is stored
 * once, and a value that changed (a datapoint published late) is updated. Every query runs in one tenant's
 * row-level-security scope (the tenant id is an argument), except the retention prune (platform scope).
 */
@Injectable()
export class MetricPointStore implements OnApplicationShutdown {
  readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new Pool({
      connectionString: appDatabaseUrl(config),
      max: Math.max(2, Math.ceil(config.databasePoolMax / 4)),
    });
    survivePoolErrors(this.pool); // a dropped connection, idle or checked out, never ends the process
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Upserts a tenant's points (three parallel arrays, each (watch, ts) at most once) in one transaction of the
   * tenant's scope: COPY into a temporary table, then one `insert ... on conflict (watch_id, ts) do update` that only
   * touches a row whose value changed (a late datapoint changes the statistic of its period). The watches are
   * key-share locked first and joined (each point takes its watch's tenant), so points of a watch deleted meanwhile,
   * or of another tenant's watch, are not stored. Returns the new rows per watch and how many stored values changed.
   */
  async upsert(
    tenantId: string,
    watchIds: string[],
    tsMs: number[],
    values: number[],
  ): Promise<UpsertOutcome> {
    const added = new Map<string, number>();
    let changed = 0;
    if (watchIds.length === 0) return { added, changed };
    const res = await inScope(this.pool, tenantSession(tenantId), async (client) => {
      await client.query(
        'select 1 from metric_watch where tenant_id = $1 and id = any($2::uuid[]) order by id for key share',
        [tenantId, [...new Set(watchIds)]],
      );
      await client.query(
        'create temp table metric_point_in (watch_id uuid, ts_ms float8, value float8) on commit drop',
      );
      await pipeline(
        Readable.from(copyLines(watchIds, tsMs, values)),
        client.query(copyFrom('copy metric_point_in (watch_id, ts_ms, value) from stdin')),
      );
      return client.query<{ watch_id: string; added: string; changed: string }>(
        `with up as (
           insert into metric_point (tenant_id, watch_id, ts, value)
           select w.tenant_id, i.watch_id, to_timestamp(i.ts_ms / 1000.0), i.value
             from metric_point_in i join metric_watch w on w.id = i.watch_id
            where w.tenant_id = $1
           on conflict (watch_id, ts) do update set value = excluded.value
             where metric_point.value is distinct from excluded.value
           returning watch_id, xmax = 0 as inserted)
         select watch_id, count(*) filter (where inserted) as added, count(*) filter (where not inserted) as changed
           from up group by watch_id`,
        [tenantId],
      );
    });
    for (const r of res.rows) {
      if (Number(r.added) > 0) added.set(r.watch_id, Number(r.added));
      changed += Number(r.changed);
    }
    return { added, changed };
  }

  /** Points of one watch of the tenant after `afterMs` (exclusive) up to `toMs` (inclusive), in time order. */
  async after(
    tenantId: string,
    watchId: string,
    afterMs: number | null,
    toMs: number,
  ): Promise<StoredPoint[]> {
    const res = await inScope(this.pool, tenantSession(tenantId), (client) =>
      client.query<{ t: string; value: number }>(
        `select extract(epoch from ts) * 1000 as t, value from metric_point
          where tenant_id = $4 and watch_id = $1 and ($2::float8 is null or ts > to_timestamp($2 / 1000.0))
            and ts <= to_timestamp($3 / 1000.0)
          order by ts`,
        [watchId, afterMs, toMs, tenantId],
      ),
    );
    return res.rows.map((r) => ({ ts: Math.round(Number(r.t)), value: r.value }));
  }

  /** Averages per bucket of `bucketS` seconds in [from, to); min and max of each bucket too. */
  async buckets(
    tenantId: string,
    watchId: string,
    fromMs: number,
    toMs: number,
    bucketS: number,
  ): Promise<BucketRow[]> {
    const res = await inScope(this.pool, tenantSession(tenantId), (client) =>
      client.query<{ b: string; avg: number; min: number; max: number }>(
        `select floor(extract(epoch from ts) / $4) * $4 * 1000 as b, avg(value) as avg, min(value) as min, max(value) as max
           from metric_point
          where tenant_id = $5 and watch_id = $1 and ts >= to_timestamp($2 / 1000.0) and ts < to_timestamp($3 / 1000.0)
          group by 1 order by 1`,
        [watchId, fromMs, toMs, bucketS, tenantId],
      ),
    );
    return res.rows.map((r) => ({ ts: Number(r.b), value: r.avg, min: r.min, max: r.max }));
  }

  /** The last 24 h of several watches of the tenant, averaged into `buckets` buckets each (list sparklines). */
  async sparklines(
    tenantId: string,
    watchIds: string[],
    nowMs: number,
    buckets = 48,
  ): Promise<Map<string, StoredPoint[]>> {
    const out = new Map<string, StoredPoint[]>();
    if (watchIds.length === 0) return out;
    const bucketS = Math.ceil(86400 / buckets);
    const res = await inScope(this.pool, tenantSession(tenantId), (client) =>
      client.query<{ watch_id: string; b: string; avg: number }>(
        `select watch_id, floor(extract(epoch from ts) / $3) * $3 * 1000 as b, avg(value) as avg
           from metric_point
          where tenant_id = $4 and watch_id = any($1::uuid[]) and ts >= to_timestamp($2 / 1000.0)
          group by 1, 2 order by 1, 2`,
        [watchIds, nowMs - 86_400_000, bucketS, tenantId],
      ),
    );
    for (const r of res.rows) {
      const list = out.get(r.watch_id) ?? [];
      list.push({ ts: Number(r.b), value: r.avg });
      out.set(r.watch_id, list);
    }
    return out;
  }

  /** Daily averages of several watches of the tenant in [from, to) (related metrics of a cost anomaly). */
  async daily(
    tenantId: string,
    watchIds: string[],
    fromMs: number,
    toMs: number,
  ): Promise<Map<string, StoredPoint[]>> {
    const out = new Map<string, StoredPoint[]>();
    if (watchIds.length === 0) return out;
    const res = await inScope(this.pool, tenantSession(tenantId), (client) =>
      client.query<{ watch_id: string; b: string; avg: number }>(
        `select watch_id, extract(epoch from date_trunc('day', ts at time zone 'UTC')) * 1000 as b, avg(value) as avg
           from metric_point
          where tenant_id = $4 and watch_id = any($1::uuid[]) and ts >= to_timestamp($2 / 1000.0)
            and ts < to_timestamp($3 / 1000.0)
          group by 1, 2 order by 1, 2`,
        [watchIds, fromMs, toMs, tenantId],
      ),
    );
    for (const r of res.rows) {
      const list = out.get(r.watch_id) ?? [];
      list.push({ ts: Number(r.b), value: r.avg });
      out.set(r.watch_id, list);
    }
    return out;
  }

  /** Retention, across every tenant (platform housekeeping): deletes points older than `days`; returns how many. */
  async prune(days: number): Promise<number> {
    const res = await inScope(this.pool, PLATFORM_SESSION, (client) =>
      client.query(`delete from metric_point where ts < now() - make_interval(days => $1)`, [days]),
    );
    return res.rowCount ?? 0;
  }
}
