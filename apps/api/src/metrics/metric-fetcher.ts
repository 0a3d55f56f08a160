import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { AppError } from '../common/errors';
import { awsErrorName, awsErrorText } from '../aws/aws-clients';
import { backoffMs, batchesOf, isThrottle } from './metric-logic';
import type { RunCounters, WatchRow } from './metric-runs';
import type { CloudWatchSession } from './tenant-aws';

/** A watch to fetch, from `startMs`. */
export interface Pending extends WatchRow {
  startMs: number;
}

/** Newest point fetched per watch in a tick (the watch's last_ts/last_value). */
export type Newest = Map<string, { t: number; v: number }>;

/**
 * Points fetched in a tick per watch, for the watches whose fetch covered every point the detector has not judged
 * (the detector then reads them here instead of from the table, which holds the same values after the upsert).
 */
export type Fetched = Map<string, { t: number; v: number }[]>;

/** What one tick fetched: the rows to upsert, and what detection needs of them. */
export interface FetchResult {
  ids: string[];
  ts: number[];
  values: number[];
  newest: Newest;
  inMemory: Fetched;
  /** Watches whose batch was read. */
  fetched: string[];
  batches: number;
  failedBatches: number;
}

/**
 * GetMetricData for a tick's watches: batches of up to METRICS_QUERIES_PER_CALL queries per region, NextToken
 * followed, throttling retried with full jitter after the SDK's own retries; a batch AWS refuses is an error of the
 * run, not of the tick (AssumeRole failing is: nothing else can work).
 */
@Injectable()
export class MetricFetcher {
  private readonly logger = new Logger('MetricCollector');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async fetch(
    tenantId: string,
    session: CloudWatchSession,
    pending: Pending[],
    end: number,
    c: RunCounters,
  ): Promise<FetchResult> {
    const r: FetchResult = {
      ids: [],
      ts: [],
      values: [],
      newest: new Map(),
      inMemory: new Map(),
      fetched: [],
      batches: 0,
      failedBatches: 0,
    };
    const seen = new Set<string>();
    for (const w of pending) {
      // Complete when the fetch starts at the first period not judged (not clamped by the backfill bound), or the
      // watch has never stored a point.
      if (w.through_ms === null ? w.never_stored : w.startMs <= w.through_ms + w.period * 1000)
        r.inMemory.set(w.id, []);
    }
    const batches = batchesOf(pending, this.config.metrics.queriesPerCall);
    r.batches = batches.length;
    for (const batch of batches) {
      try {
        await this.fetchBatch(
          session,
          batch,
          end,
          c,
          (w, t, v) => {
            // One row per (watch, ts) for the upsert (a point repeated across pages is taken once).
            const key = `${w}|${t}`;
            if (seen.has(key)) return;
            seen.add(key);
            r.ids.push(w);
            r.ts.push(t);
            r.values.push(v);
            const n = r.newest.get(w);
            if (!n || n.t <= t) r.newest.set(w, { t, v });
            r.inMemory.get(w)?.push({ t, v });
          },
          // A series AWS answered with an error: the detector reads its points from the table.
          (w) => r.inMemory.delete(w),
        );
        for (const w of batch) r.fetched.push(w.id);
      } catch (e) {
        r.failedBatches++;
        const region = batch[0]?.region ?? '-';
        if (e instanceof AppError) throw e; // AssumeRole failed: nothing else can work
        c.errors.push({ region, step: 'GetMetricData', code: awsErrorName(e), message: awsErrorText(e) });
        this.logger.warn({
          msg: 'GetMetricData failed',
          tenant_id: tenantId,
          region,
          error: awsErrorText(e),
        });
      }
    }
    return r;
  }

  /** One batch: GetMetricData pages (NextToken) for the batch's time range; points at or after each start. */
  private async fetchBatch(
    session: CloudWatchSession,
    batch: Pending[],
    endMs: number,
    c: RunCounters,
    emit: (watchId: string, tsMs: number, value: number) => void,
    failed: (watchId: string) => void,
  ): Promise<void> {
    const region = batch[0]!.region;
    const client = await session.client(region);
    const startMs = Math.min(...batch.map((w) => w.startMs));
    const queries: MetricDataQuery[] = batch.map((w, i) => ({
      Id: `m${i}`,
      MetricStat: {
        Metric: {
          Namespace: w.namespace,
          MetricName: w.metric_name,
          Dimensions: w.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
        },
        Period: w.period,
        Stat: w.stat,
      },
      ReturnData: true,
    }));
    let token: string | undefined;
    do {
      const cmd = new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(startMs),
        EndTime: new Date(endMs),
        ScanBy: 'TimestampAscending',
        ...(token ? { NextToken: token } : {}),
      });
      const out = await this.sendWithRetry(() => client.send(cmd), c);
      c.calls++;
      c.metrics_requested += queries.length;
      for (const r of out.MetricDataResults ?? []) {
        const w = batch[Number((r.Id ?? '').slice(1))];
        if (!w) continue;
        const times = r.Timestamps ?? [];
        const vals = r.Values ?? [];
        for (let i = 0; i < times.length; i++) {
          const t = times[i]!.getTime();
          const v = vals[i];
          // Whole periods only, from the watch's own start (the batch asks from the earliest start).
          if (v === undefined || !Number.isFinite(v) || t < w.startMs || t + w.period * 1000 > endMs)
            continue;
          emit(w.id, t, v);
        }
        if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
          failed(w.id);
          c.errors.push({
            region,
            step: 'GetMetricData',
            code: r.StatusCode,
            message: `${w.label}: ${(r.Messages ?? []).map((m) => `${m.Code}: ${m.Value}`).join('; ') || r.StatusCode}`,
          });
        }
      }
      token = out.NextToken;
    } while (token);
  }

  /** The SDK retries throttling itself (standard mode); when it gives up we wait with full jitter and retry. */
  private async sendWithRetry<T>(send: () => Promise<T>, c: RunCounters): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await send();
      } catch (e) {
        if (!isThrottle(e) || attempt >= this.config.metrics.throttleRetries) throw e;
        c.throttle_retries++;
        await sleep(backoffMs(attempt));
      }
    }
  }
}
