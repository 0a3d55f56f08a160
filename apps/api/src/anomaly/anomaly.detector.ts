import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { CostDetectorOptions } from '@cost-optimizer/anomaly-engine';
import type { DetectResult, Measure, MonitorDimension } from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TenantSchema } from '../tenants/tenant.entity';
import { DomainEvents } from '../events/domain-events';
import {
  AnomalyMonitorSchema,
  AnomalySchema,
  AnomalySeriesStateSchema,
  type AnomalyExplanation,
  type AnomalyMonitorEntity,
} from './anomaly.entity';
import { AnomalyEpisodes } from './anomaly-episodes';
import {
  addDays,
  changeKindOf,
  dailySums,
  DETAIL_DIMENSIONS,
  fingerprintOf,
  firstRestatedDay,
  isMaterial,
  judge,
  meanDaily,
  pointsOf,
  rootCauses,
  round,
  rowsBySeries,
  severityOf,
  summarise,
  type EpisodeSummary,
  type UsageRow,
} from './series';

const MEASURE_COLUMN: Record<Measure, string> = {
  unblended: 'unblended',
  net_unblended: 'net_unblended',
  amortized: 'amortized',
  net_amortized: 'net_amortized',
};
const DETECT_LOCK = 72_150_007;

/**
 * The monitors a tenant gets the first time detection runs (Migration20261203084733_anomaly_kinds adds the last two
 * to tenants that had the first four). Service x linked account and material usage types catch changes diluted in
 * the coarser series; one incident seen by several of them is listed once (anomaly-grouping.ts).
 */
export const DEFAULT_MONITORS = [
  { name: 'Total usage', dimension: 'total' },
  { name: 'Per service', dimension: 'service' },
  { name: 'Per linked account', dimension: 'account' },
  { name: 'Per region', dimension: 'region' },
  { name: 'Per service and linked account', dimension: 'service_account' },
  { name: 'Per usage type (material spend)', dimension: 'account_usage_type' },
] as const;

/** What the tenant's data covers, in the measure watched. */
export interface TenantWindow {
  measure: Measure;
  dataStart: string;
  dataThrough: string;
  /** Last settled day: data_through - ANOMALY_SETTLE_DAYS. */
  judgeThrough: string;
}

/**
 * Daily anomaly detection of a tenant: after every successful sync and on demand. Each series of each enabled
 * monitor is scored by the engine over ~90 days of history; new settled days are judged, and when a judged day
 * was restated (its cost changed) the days from it on are judged again. Episodes are stored once per
 * (monitor, series, start) and grow; runs of one tenant are serialized by an advisory lock.
 *
 * Row-level security: every entry point runs in its caller's tenant scope (the CUR worker's withTenant() after a
 * sync, a request's scope on demand) and reads and writes only that tenant's rows; nothing here needs the platform
 * scope. The after-detection listeners (alerts) run in that scope too.
 */
@Injectable()
export class AnomalyDetector implements OnModuleInit {
  private readonly logger = new Logger('AnomalyDetector');

  constructor(
    private readonly em: EntityManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly episodes: AnomalyEpisodes,
    private readonly events: DomainEvents,
  ) {}

  /**
   * Detection on the fresh data, once per successful sync run (a backfill is one run over all its months, so it
   * runs once, after its last month, over the whole loaded history), in the run's tenant scope. The sync run awaits
   * it; its failure is logged by the bus and never fails the sync.
   */
  onModuleInit(): void {
    this.events.on('cur.sync_finished', 'anomaly detection', ({ tenantId }) =>
      this.onSyncSucceeded(tenantId),
    );
  }

  get detectorOptions(): Partial<CostDetectorOptions> {
    return {
      // Rises by deviation; drops come from the engine's own drop rule (>= 50 %, lasting), kind 'drop'.
      direction: 'up',
      detectDrops: true,
      minImpactAbs: Math.max(1, this.config.anomaly.minImpactUsd),
      newSeriesFloor: Math.max(1, this.config.anomaly.newSeriesFloorUsd),
    };
  }

  /**
   * The engine options of a monitor's series. Coarse series (total, service, account, region, custom): the engine's
   * calibrated default threshold and the $ floor. Fine series (service x account, usage types) are many more, so a
   * stricter calibrated threshold (ANOMALY_DETAIL_THRESHOLD) and a per-day $ floor that grows with the tenant's spend
   * (max(ANOMALY_MIN_IMPACT_USD, ANOMALY_DETAIL_FLOOR_SHARE x mean daily usage cost)) keep the tenant's false alarms
   * about where they were; the engine's own floor of 10 % of the series' expected cost applies to both.
   */
  optionsFor(dimension: MonitorDimension, tenantDaily: number): Partial<CostDetectorOptions> {
    const coarse = this.detectorOptions;
    if (!DETAIL_DIMENSIONS.includes(dimension)) return coarse;
    const a = this.config.anomaly;
    const floor = Math.max(coarse.minImpactAbs ?? 1, a.detailFloorShare * tenantDaily);
    return {
      ...coarse,
      threshold: a.detailThreshold,
      minImpactAbs: floor,
      newSeriesFloor: Math.max(coarse.newSeriesFloor ?? 1, floor),
    };
  }

  async onSyncSucceeded(tenantId: string): Promise<void> {
    const started = Date.now();
    const r = await this.detect(tenantId);
    this.logger.log({ msg: 'anomaly detection done', tenant_id: tenantId, ms: Date.now() - started, ...r });
  }

  /** The tenant's data window and measure, or null without usage data (`em`: a transaction to read in). */
  async window(tenantId: string, em: EntityManager = this.em.fork()): Promise<TenantWindow | null> {
    const tenant = await em.findOne(TenantSchema, { id: tenantId });
    const measure: Measure = tenant?.default_measure ?? 'net_amortized';
    const rows: { first: string | null; last: string | null }[] = await em.execute(
      `select to_char(min(usage_date), 'YYYY-MM-DD') as first, to_char(max(usage_date), 'YYYY-MM-DD') as last
         from cost_daily where tenant_id = ?`,
      [tenantId],
    );
    const first = rows[0]?.first;
    const last = rows[0]?.last;
    if (!first || !last) return null;
    return {
      measure,
      dataStart: first,
      dataThrough: last,
      judgeThrough: addDays(last, -this.config.anomaly.settleDays),
    };
  }

  /** Usage rows (charge class `usage`) of the tenant over [from, to], in the measure (`em`: a transaction). */
  async usageRows(
    tenantId: string,
    measure: Measure,
    from: string,
    to: string,
    em: EntityManager = this.em.fork(),
  ): Promise<UsageRow[]> {
    const m = MEASURE_COLUMN[measure];
    const rows: {
      d: string;
      service: string;
      account_id: string;
      region: string;
      usage_type: string;
      cost: number | string;
    }[] = await em.execute(
      `select to_char(usage_date, 'YYYY-MM-DD') as d, service, account_id, region, usage_type, sum(${m})::float8 as cost
         from cost_daily
        where tenant_id = ? and charge_class = 'usage' and usage_date between ? and ?
        group by 1, 2, 3, 4, 5`,
      [tenantId, from, to],
    );
    return rows.map((r) => ({
      date: r.d,
      service: r.service,
      account: r.account_id,
      region: r.region,
      usage_type: r.usage_type,
      cost: Number(r.cost),
    }));
  }

  async detect(tenantId: string): Promise<DetectResult> {
    const done = await this.em.fork().transactional(async (em) => {
      await em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [DETECT_LOCK, tenantId]);
      const result: DetectResult = { judged_through: null, series: 0, days_judged: 0, anomalies_open: 0 };
      const w = await this.window(tenantId, em);
      if (!w || w.judgeThrough < w.dataStart) return result;
      result.judged_through = w.judgeThrough;
      if ((await em.count(AnomalyMonitorSchema, { tenant: tenantId })) === 0) {
        for (const d of DEFAULT_MONITORS) {
          em.create(AnomalyMonitorSchema, {
            tenant: tenantId,
            name: d.name,
            dimension: d.dimension,
            filter: {},
            enabled: true,
            is_default: true,
          });
        }
        await em.flush();
      }
      const monitors = await em.find(AnomalyMonitorSchema, { tenant: tenantId, enabled: true });
      const history = this.config.anomaly.historyDays;
      // The oldest day any series might re-judge is judgeThrough - history + 1; its history goes back as far again.
      const loadFrom = addDays(w.judgeThrough, -2 * history);
      const rows = await this.usageRows(tenantId, w.measure, loadFrom, w.judgeThrough, em);
      const states = await em.find(AnomalySeriesStateSchema, { tenant: tenantId });
      const stateOf = new Map(states.map((s) => [`${s.monitor.id}\u0000${s.dimension_value}`, s]));
      const fpFrom = addDays(w.judgeThrough, -history + 1);
      const windowFrom = fpFrom < w.dataStart ? w.dataStart : fpFrom;
      const tenantDaily = meanDaily(rows, windowFrom, w.judgeThrough);
      const a = this.config.anomaly;
      const coarse = this.optionsFor('total', tenantDaily);
      const fine = this.optionsFor('service_account', tenantDaily);

      for (const monitor of monitors) {
        if (monitor.dimension === 'tag') continue;
        const detail = DETAIL_DIMENSIONS.includes(monitor.dimension);
        for (const [value, seriesRows] of rowsBySeries(monitor, rows)) {
          const sums = dailySums(seriesRows);
          if (
            monitor.dimension === 'account_usage_type' &&
            !isMaterial(sums, windowFrom, w.judgeThrough, tenantDaily, a.detailMinShare, a.detailMinUsd)
          )
            continue;
          const fingerprint = fingerprintOf(sums, fpFrom, w.judgeThrough);
          const state = stateOf.get(`${monitor.id}\u0000${value}`);
          let judgeFrom = windowFrom;
          // Older months loaded since the series was last judged (or judged before data_start was kept): judge the
          // whole window again, so verdicts that assumed a shorter history (a "new" series) are revised.
          const dataStartMoved = !!state && state.data_start !== w.dataStart;
          if (state && state.measure === w.measure && !dataStartMoved) {
            const next = addDays(state.judged_through, 1);
            const restated = firstRestatedDay(state.fingerprint, fingerprint, fpFrom, state.judged_through);
            const from = restated !== null && restated < next ? restated : next;
            judgeFrom = from > judgeFrom ? from : judgeFrom;
          }
          if (state) {
            state.judged_through = w.judgeThrough;
            state.fingerprint = fingerprint;
            state.measure = w.measure;
            state.data_start = w.dataStart;
          } else {
            em.create(AnomalySeriesStateSchema, {
              tenant: tenantId,
              monitor,
              dimension_value: value,
              measure: w.measure,
              data_start: w.dataStart,
              judged_through: w.judgeThrough,
              fingerprint,
            });
          }
          if (dataStartMoved) {
            const firstCost = [...sums.entries()]
              .filter(([, v]) => v > 0.005)
              .map(([d]) => d)
              .sort()[0];
            await this.episodes.dropStaleNewSeries(
              em,
              tenantId,
              monitor.id,
              value,
              (start) => firstCost !== undefined && firstCost < start,
            );
          }
          if (judgeFrom > w.judgeThrough) continue;
          result.series++;
          result.days_judged += Math.round(
            (Date.parse(w.judgeThrough) - Date.parse(judgeFrom)) / 86_400_000 + 1,
          );
          await this.reconcile(
            em,
            tenantId,
            monitor,
            value,
            seriesRows,
            sums,
            judgeFrom,
            w,
            detail ? fine : coarse,
          );
        }
      }
      await em.flush();
      await this.episodes.closeCost(em, tenantId, w.judgeThrough);
      await this.episodes.group(em, tenantId, addDays(fpFrom, -history));
      await em.flush();
      result.anomalies_open = await this.countOpen(em, tenantId);
      return result;
    });
    // After the commit (alerts); a listener's failure never fails detection.
    await this.events.emit('anomaly.detected', { tenantId, anomaliesOpen: done.anomalies_open });
    return done;
  }

  countOpen(em: EntityManager, tenantId: string): Promise<number> {
    return em.count(AnomalySchema, {
      tenant: tenantId,
      status: 'open',
      held_back: false,
      grouped_into: null,
    });
  }

  /** Judges one series over [judgeFrom, judgeThrough] and hands its episodes to the episode store. */
  private async reconcile(
    em: EntityManager,
    tenantId: string,
    monitor: AnomalyMonitorEntity,
    value: string,
    seriesRows: UsageRow[],
    sums: Map<string, number>,
    judgeFrom: string,
    w: TenantWindow,
    options: Partial<CostDetectorOptions>,
  ): Promise<void> {
    const scoreFrom = addDays(judgeFrom, -this.config.anomaly.historyDays);
    const points = pointsOf(sums, scoreFrom, w.judgeThrough, w.dataStart);
    const { results, episodes } = judge(points, judgeFrom, options);
    const found = [];
    for (const ep of episodes) {
      const summary = summarise(results, ep.start, ep.end);
      const causes = rootCauses(
        seriesRows,
        summary.days.map((d) => d.date),
        scoreFrom,
        w.judgeThrough,
        w.dataStart,
        options,
      );
      found.push({
        start_date: ep.start,
        end_date: ep.end,
        status: ep.end >= w.judgeThrough ? ('open' as const) : ('closed' as const),
        change_kind: changeKindOf(ep),
        expected: round(summary.expected),
        actual: round(summary.actual),
        impact_usd: round(summary.impact),
        impact_pct: summary.impactPct === null ? null : round(summary.impactPct * 100, 4),
        severity: severityOf(summary.impact, summary.impactPct),
        score: round(summary.score, 8),
        root_causes: causes,
        explanation: explanationOf(summary),
      });
    }
    await this.episodes.storeCost(em, tenantId, monitor, value, judgeFrom, found);
  }
}

function explanationOf(s: EpisodeSummary): AnomalyExplanation {
  return {
    rules: s.rules,
    peak_date: s.peakDate,
    peak_impact: round(s.peakImpact),
    days: s.days.map((d) => ({
      date: d.date,
      actual: d.actual === null ? null : round(d.actual),
      expected: d.expected === null ? null : round(d.expected),
      upper: d.upper === null ? null : round(d.upper),
      score: round(d.anomalyScore, 8),
      rule: d.rule,
      z: round(d.z, 4),
      sigma: round(d.sigma),
    })),
  };
}
