import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { ListMetricsCommand, type ListMetricsCommandOutput } from '@aws-sdk/client-cloudwatch';
import type {
  AddMetricPresets,
  AddMetricPresetsResult,
  CreateMetricWatch,
  DiscoveredMetric,
  MetricCollection,
  MetricCollectionRun,
  MetricDimension,
  MetricDiscoverPage,
  MetricDiscoverQuery,
  MetricPoints,
  MetricPointsQuery,
  MetricPresetList,
  MetricWatch,
  MetricWatchListQuery,
  MetricWatchPage,
  UpdateMetricWatch,
} from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { notFound } from '../common/errors';
import { MetricWatchSchema, type MetricWatchEntity } from './metric-watch.entity';
import {
  bucketSeconds,
  defaultLabel,
  estimateCostUsd,
  fitsPreset,
  metricKey,
  presetById,
  PRESETS,
  seriesKey,
  sortDimensions,
  ticksPer30Days,
} from './metric-logic';
import { MetricCollector } from './metric-collector';
import { MetricPointStore } from './metric-point-store';
import { iso, toRunDto, toWatchDto } from './metrics.mapper';
import { awsFailed, watchExists, watchLimit } from './metrics.errors';
import { MetricsRepository } from './metrics.repository';
import { TenantAws } from './tenant-aws';

const dims = (d: { Name?: string; Value?: string }[] | undefined): MetricDimension[] =>
  sortDimensions((d ?? []).map((x) => ({ name: x.Name ?? '', value: x.Value ?? '' })));

/** Metric watch use cases; the tenant id is an explicit argument and scopes every query. */
@Injectable()
export class MetricsService {
  constructor(
    private readonly em: EntityManager,
    private readonly repo: MetricsRepository,
    private readonly points: MetricPointStore,
    private readonly tenantAws: TenantAws,
    private readonly collector: MetricCollector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(tenantId: string, q: MetricWatchListQuery): Promise<MetricWatchPage> {
    const em = this.em.fork();
    const [items, total] = await this.repo.page(em, tenantId, q);
    const ids = items.map((w) => w.id);
    const [sparks, open] = await Promise.all([
      this.points.sparklines(tenantId, ids, Date.now()),
      this.repo.openAnomalies(em, tenantId, ids),
    ]);
    return {
      items: items.map((w) =>
        toWatchDto(
          w,
          (sparks.get(w.id) ?? []).map((p) => ({ ts: iso(p.ts), value: p.value })),
          open.get(w.id) ?? 0,
        ),
      ),
      total,
      page: q.page,
      page_size: q.page_size,
    };
  }

  private async find(em: EntityManager, tenantId: string, id: string): Promise<MetricWatchEntity> {
    const w = await this.repo.find(em, tenantId, id);
    if (!w) throw notFound('Metric watch');
    return w;
  }

  async get(tenantId: string, id: string): Promise<MetricWatch> {
    const em = this.em.fork();
    const w = await this.find(em, tenantId, id);
    const [sparks, open] = await Promise.all([
      this.points.sparklines(tenantId, [w.id], Date.now()),
      this.repo.openAnomalies(em, tenantId, [w.id]),
    ]);
    return toWatchDto(
      w,
      (sparks.get(w.id) ?? []).map((p) => ({ ts: iso(p.ts), value: p.value })),
      open.get(w.id) ?? 0,
    );
  }

  async create(
    tenantId: string,
    body: CreateMetricWatch,
    preset: string | null = null,
  ): Promise<MetricWatch> {
    const em = this.em.fork();
    if ((await this.repo.count(em, tenantId)) >= this.config.metrics.maxWatchesPerTenant)
      throw watchLimit(this.config.metrics.maxWatchesPerTenant);
    const w = this.newWatch(em, tenantId, body, preset);
    try {
      await em.flush();
    } catch (e) {
      if (e instanceof UniqueConstraintViolationException) throw watchExists();
      throw e;
    }
    return toWatchDto(w);
  }

  private newWatch(em: EntityManager, tenantId: string, body: CreateMetricWatch, preset: string | null) {
    const dimensions = sortDimensions(body.dimensions);
    const identity = { ...body, dimensions };
    return em.create(MetricWatchSchema, {
      tenant: tenantId,
      namespace: body.namespace,
      metric_name: body.metric_name,
      dimensions,
      stat: body.stat,
      period: body.period,
      region: body.region,
      series_key: seriesKey(identity),
      label: body.label ?? defaultLabel(identity),
      cost_service: body.cost_service ?? null,
      preset,
      enabled: true,
      last_ts: null,
      last_value: null,
      detector_state: null,
      detected_through: null,
    });
  }

  async update(tenantId: string, id: string, body: UpdateMetricWatch): Promise<MetricWatch> {
    const em = this.em.fork();
    const w = await this.find(em, tenantId, id);
    if (body.label !== undefined) w.label = body.label;
    if (body.enabled !== undefined) w.enabled = body.enabled;
    if (body.cost_service !== undefined) w.cost_service = body.cost_service;
    await em.flush();
    return this.get(tenantId, id);
  }

  /** Deletes the watch with its points and its metric anomaly episodes. */
  async remove(tenantId: string, id: string): Promise<void> {
    const em = this.em.fork();
    const w = await this.find(em, tenantId, id);
    em.remove(w);
    await em.flush();
  }

  presets(): MetricPresetList {
    return { items: [...PRESETS] };
  }

  /** Discovers each chosen preset's metrics (ListMetrics through the tenant's role) and watches the new ones. */
  async addPresets(tenantId: string, body: AddMetricPresets): Promise<AddMetricPresetsResult> {
    const conn = await this.tenantAws.requireConnection(tenantId);
    const session = this.tenantAws.session(tenantId, conn, 'metrics-discovery');
    const em = this.em.fork();
    const existing = new Set((await this.repo.seriesKeys(em, tenantId)).map((w) => w.series_key));
    let room = this.config.metrics.maxWatchesPerTenant - existing.size;
    const result: AddMetricPresetsResult = {
      created: [],
      already_watched: 0,
      found: 0,
      skipped_over_limit: 0,
    };
    try {
      for (const id of [...new Set(body.presets)]) {
        const p = presetById(id);
        const region = p.region ?? body.region ?? conn.region;
        const client = await session.client(region);
        let token: string | undefined;
        let pages = 0;
        do {
          let out: ListMetricsCommandOutput;
          try {
            out = await client.send(
              new ListMetricsCommand({ Namespace: p.namespace, MetricName: p.metric_name, NextToken: token }),
            );
          } catch (e) {
            throw awsFailed('ListMetrics', e);
          }
          for (const m of out.Metrics ?? []) {
            const dimensions = dims(m.Dimensions);
            if (!fitsPreset(p, dimensions)) continue;
            result.found++;
            const body: CreateMetricWatch = {
              namespace: p.namespace,
              metric_name: p.metric_name,
              dimensions,
              stat: p.stat,
              period: p.period,
              region,
              cost_service: p.cost_service,
            };
            const key = seriesKey(body);
            if (existing.has(key)) {
              result.already_watched++;
              continue;
            }
            if (room <= 0) {
              result.skipped_over_limit++;
              continue;
            }
            existing.add(key);
            room--;
            result.created.push(toWatchDto(this.newWatch(em, tenantId, body, p.id)));
          }
          token = out.NextToken;
        } while (token && ++pages < 50);
      }
    } finally {
      session.close();
    }
    await em.flush();
    return result;
  }

  /** One ListMetrics page in a region, optionally of one namespace, filtered by a search substring. */
  async discover(tenantId: string, q: MetricDiscoverQuery): Promise<MetricDiscoverPage> {
    const conn = await this.tenantAws.requireConnection(tenantId);
    const region = q.region ?? conn.region;
    const session = this.tenantAws.session(tenantId, conn, 'metrics-discovery');
    let out: ListMetricsCommandOutput;
    try {
      const client = await session.client(region);
      out = await client.send(
        new ListMetricsCommand({
          ...(q.namespace ? { Namespace: q.namespace } : {}),
          ...(q.next_token ? { NextToken: q.next_token } : {}),
        }),
      );
    } catch (e) {
      if (e instanceof Error && 'status' in e) throw e;
      throw awsFailed('ListMetrics', e);
    } finally {
      session.close();
    }
    const watched = new Set(
      (await this.repo.seriesKeys(this.em.fork(), tenantId)).map((w) =>
        metricKey(w.namespace, w.metric_name, w.dimensions),
      ),
    );
    const search = q.search?.toLowerCase();
    const items: DiscoveredMetric[] = [];
    for (const m of out.Metrics ?? []) {
      const dimensions = dims(m.Dimensions);
      const namespace = m.Namespace ?? '';
      const metricName = m.MetricName ?? '';
      if (
        search &&
        ![namespace, metricName, ...dimensions.flatMap((d) => [d.name, d.value])].some((s) =>
          s.toLowerCase().includes(search),
        )
      )
        continue;
      items.push({
        namespace,
        metric_name: metricName,
        dimensions,
        watched: watched.has(metricKey(namespace, metricName, dimensions)),
      });
    }
    return { region, items, next_token: out.NextToken ?? null };
  }

  /** Stored points of a watch in [from, to), averaged into buckets so at most ~500 come back. */
  async pointsOf(tenantId: string, id: string, q: MetricPointsQuery): Promise<MetricPoints> {
    const em = this.em.fork();
    const w = await this.find(em, tenantId, id);
    const to = q.to ? Date.parse(q.to) : Date.now();
    const from = q.from ? Date.parse(q.from) : to - 86_400_000;
    const bucket = bucketSeconds(from, to, w.period);
    const [rows, anomalies] = await Promise.all([
      this.points.buckets(tenantId, w.id, from, to, bucket),
      this.repo.anomaliesBetween(em, tenantId, w.id, new Date(from), new Date(to)),
    ]);
    return {
      watch_id: w.id,
      from: iso(from),
      to: iso(to),
      bucket_seconds: bucket,
      points: rows.map((r) => ({ ts: iso(r.ts), value: r.value, min: r.min, max: r.max })),
      anomalies: anomalies.map((a) => ({
        id: a.id,
        start_at: (a.start_at ?? new Date(`${a.start_date}T00:00:00Z`)).toISOString(),
        end_at: (a.end_at ?? new Date(`${a.end_date}T00:00:00Z`)).toISOString(),
        status: a.status,
        severity: a.severity,
        expected: Number(a.expected),
        actual: Number(a.actual),
      })),
    };
  }

  async collection(tenantId: string): Promise<MetricCollection> {
    const em = this.em.fork();
    const [runs, last24h, watches] = await Promise.all([
      this.repo.recentRuns(em, tenantId, 20),
      this.repo.last24h(em, tenantId),
      this.repo.countEnabled(em, tenantId),
    ]);
    return {
      schedule: this.config.metrics.cron,
      watches,
      last_24h: last24h,
      estimated_monthly_cost_usd: estimateCostUsd(watches * ticksPer30Days(this.config.metrics.cron)),
      runs: runs.map(toRunDto),
    };
  }

  /** Collects the tenant now, on the cron's code path (its own slot: the request time). */
  async collectNow(tenantId: string): Promise<MetricCollectionRun> {
    await this.tenantAws.requireConnection(tenantId);
    const outcome = await this.collector.collectTenant(tenantId, Date.now(), 'manual');
    const em = this.em.fork();
    const runs = await this.repo.recentRuns(em, tenantId, 20);
    const run = runs.find((r) => r.id === outcome?.run_id) ?? runs[0];
    if (!run) throw notFound('Collection run');
    return toRunDto(run);
  }
}
