import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config';

export interface StoredPoint {
  ts: number;
  value: number;
}

export interface BucketRow {
  ts: number;
  value: number;
  min: number;
  max: number;
}

/**
 * `metric_point` (watch_id, ts, value): written in bulk by the collector, read with SQL. Inserts are idempotent
 * on (watch_id, ts): a point collected twice (two ticks overlapping, a retried call) is stored once.
 */
@Injectable()
export class MetricPointStore implements OnApplicationShutdown {
  readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.pool = new Pool({
      connectionString: config.databaseUrl,
      max: Math.max(2, Math.ceil(config.databasePoolMax / 4)),
    });
    this.pool.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Inserts points (three parallel arrays, one statement per 20,000 rows); returns the new rows per watch
   * (points already stored are skipped, not counted).
   */
  async insert(watchIds: string[], tsMs: number[], values: number[]): Promise<Map<string, number>> {
    const added = new Map<string, number>();
    const size = 20_000;
    for (let i = 0; i < watchIds.length; i += size) {
      const res = await this.pool.query<{ watch_id: string; n: string }>(
        `with ins as (
           insert into metric_point (watch_id, ts, value)
           select w, to_timestamp(t / 1000.0), v from unnest($1::uuid[], $2::float8[], $3::float8[]) as x(w, t, v)
           on conflict (watch_id, ts) do nothing
           returning watch_id)
         select watch_id, count(*) as n from ins group by watch_id`,
        [watchIds.slice(i, i + size), tsMs.slice(i, i + size), values.slice(i, i + size)],
      );
      for (const r of res.rows) added.set(r.watch_id, (added.get(r.watch_id) ?? 0) + Number(r.n));
    }
    return added;
  }

  /** Points of one watch after `afterMs` (exclusive) up to `toMs` (inclusive), in time order. */
  async after(watchId: string, afterMs: number | null, toMs: number): Promise<StoredPoint[]> {
    const res = await this.pool.query<{ t: string; value: number }>(
      `select extract(epoch from ts) * 1000 as t, value from metric_point
        where watch_id = $1 and ($2::float8 is null or ts > to_timestamp($2 / 1000.0)) and ts <= to_timestamp($3 / 1000.0)
        order by ts`,
      [watchId, afterMs, toMs],
    );
    return res.rows.map((r) => ({ ts: Math.round(Number(r.t)), value: r.value }));
  }

  /** Averages per bucket of `bucketS` seconds in [from, to); min and max of each bucket too. */
  async buckets(watchId: string, fromMs: number, toMs: number, bucketS: number): Promise<BucketRow[]> {
    const res = await this.pool.query<{ b: string; avg: number; min: number; max: number }>(
      `select floor(extract(epoch from ts) / $4) * $4 * 1000 as b, avg(value) as avg, min(value) as min, max(value) as max
         from metric_point
        where watch_id = $1 and ts >= to_timestamp($2 / 1000.0) and ts < to_timestamp($3 / 1000.0)
        group by 1 order by 1`,
      [watchId, fromMs, toMs, bucketS],
    );
    return res.rows.map((r) => ({ ts: Number(r.b), value: r.avg, min: r.min, max: r.max }));
  }

  /** The last 24 h of several watches, averaged into `buckets` buckets each (list sparklines). */
  async sparklines(watchIds: string[], nowMs: number, buckets = 48): Promise<Map<string, StoredPoint[]>> {
    const out = new Map<string, StoredPoint[]>();
    if (watchIds.length === 0) return out;
    const bucketS = Math.ceil(86400 / buckets);
    const res = await this.pool.query<{ watch_id: string; b: string; avg: number }>(
      `select watch_id, floor(extract(epoch from ts) / $3) * $3 * 1000 as b, avg(value) as avg
         from metric_point
        where watch_id = any($1::uuid[]) and ts >= to_timestamp($2 / 1000.0)
        group by 1, 2 order by 1, 2`,
      [watchIds, nowMs - 86_400_000, bucketS],
    );
    for (const r of res.rows) {
      const list = out.get(r.watch_id) ?? [];
      list.push({ ts: Number(r.b), value: r.avg });
      out.set(r.watch_id, list);
    }
    return out;
  }

  /** Daily averages of several watches in [from, to) (related metrics of a cost anomaly). */
  async daily(watchIds: string[], fromMs: number, toMs: number): Promise<Map<string, StoredPoint[]>> {
    const out = new Map<string, StoredPoint[]>();
    if (watchIds.length === 0) return out;
    const res = await this.pool.query<{ watch_id: string; b: string; avg: number }>(
      `select watch_id, extract(epoch from date_trunc('day', ts at time zone 'UTC')) * 1000 as b, avg(value) as avg
         from metric_point
        where watch_id = any($1::uuid[]) and ts >= to_timestamp($2 / 1000.0) and ts < to_timestamp($3 / 1000.0)
        group by 1, 2 order by 1, 2`,
      [watchIds, fromMs, toMs],
    );
    for (const r of res.rows) {
      const list = out.get(r.watch_id) ?? [];
      list.push({ ts: Number(r.b), value: r.avg });
      out.set(r.watch_id, list);
    }
    return out;
  }

  /** Retention: deletes points older than `days`; returns how many. */
  async prune(days: number): Promise<number> {
    const res = await this.pool.query(
      `delete from metric_point where ts < now() - make_interval(days => $1)`,
      [days],
    );
    return res.rowCount ?? 0;
  }
}
