/** CloudWatch (awsJson1_0, query-compatible): GetMetricData (batched, NextToken), ListMetrics, PutMetricData. */
import type { AccountConfig, MetricConfig } from '../config';
import { AwsError, arr, isJson, num, obj, str, type Json } from './protocol';
import type { State } from './state';

interface Series {
  namespace: string;
  name: string;
  dimensions: { Name: string; Value: string }[];
  unit: string;
  points: { t: number; v: number }[];
  synthetic?: NonNullable<MetricConfig['synthetic']>;
}

const dimKey = (d: { Name: string; Value: string }[]) =>
  [...d]
    .sort((a, b) => (a.Name < b.Name ? -1 : 1))
    .map((x) => `${x.Name}=${x.Value}`)
    .join(',');

function hash01(seed: number, t: number): number {
  let h = (seed * 374761393 + Math.floor(t) * 668265263) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function toEpoch(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v);
    if (!Number.isNaN(n)) return n;
    const d = Date.parse(v);
    if (!Number.isNaN(d)) return d / 1000;
  }
  return undefined;
}

function statistic(stat: string, values: number[]): number | undefined {
  if (!values.length) return undefined;
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Minimum':
      return Math.min(...values);
    case 'Maximum':
      return Math.max(...values);
    case 'SampleCount':
      return values.length;
    default: {
      const m = /^p(\d+(\.\d+)?)$/.exec(stat);
      if (!m) throw new AwsError('InvalidParameterValue', `The value ${stat} for parameter Stat is invalid.`);
      const sorted = [...values].sort((a, b) => a - b);
      const idx = Math.min(
        sorted.length - 1,
        Math.max(0, Math.ceil((Number(m[1]) / 100) * sorted.length) - 1),
      );
      return sorted[idx];
    }
  }
}

export class CloudWatchService {
  private readonly series = new Map<string, Map<string, Series>>();

  constructor(private readonly state: State) {}

  private store(account: AccountConfig): Map<string, Series> {
    let s = this.series.get(account.account_id);
    if (!s) {
      s = new Map();
      for (const m of account.metrics) {
        const dimensions = Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value }));
        const key = `${m.namespace}|${m.metric_name}|${dimKey(dimensions)}`;
        s.set(key, {
          namespace: m.namespace,
          name: m.metric_name,
          dimensions,
          unit: m.unit,
          points: m.datapoints.map((p) => ({ t: Date.parse(p.timestamp) / 1000, v: p.value })),
          ...(m.synthetic ? { synthetic: m.synthetic } : {}),
        });
      }
      this.series.set(account.account_id, s);
    }
    return s;
  }

  handle(account: AccountConfig, op: string, input: Json): Json {
    switch (op) {
      case 'PutMetricData':
        return this.put(account, input);
      case 'ListMetrics':
        return this.listMetrics(account, input);
      case 'GetMetricData':
        return this.getMetricData(account, input);
      default:
        throw new AwsError('InvalidAction', `Operation ${op} is not supported by aws-local`);
    }
  }

  private put(account: AccountConfig, input: Json): Json {
    const ns = str(input, 'Namespace') ?? '';
    if (!ns || ns.startsWith('AWS/'))
      throw new AwsError('InvalidParameterValue', `The value ${ns} for parameter Namespace is invalid.`);
    const data = arr(input, 'MetricData');
    if (data.length > 1000)
      throw new AwsError(
        'InvalidParameterValue',
        'The collection MetricData must not have a size greater than 1000.',
      );
    const store = this.store(account);
    for (const d of data) {
      if (!isJson(d)) continue;
      const name = str(d, 'MetricName') ?? '';
      const dimensions = arr(d, 'Dimensions')
        .filter(isJson)
        .map((x) => ({ Name: str(x, 'Name') ?? '', Value: str(x, 'Value') ?? '' }));
      const key = `${ns}|${name}|${dimKey(dimensions)}`;
      let s = store.get(key);
      if (!s)
        store.set(key, (s = { namespace: ns, name, dimensions, unit: str(d, 'Unit') ?? 'None', points: [] }));
      const t = toEpoch(d['Timestamp']) ?? this.state.now() / 1000;
      const value = num(d, 'Value');
      if (value !== undefined) s.points.push({ t, v: value });
      const values = arr(d, 'Values');
      const counts = arr(d, 'Counts');
      values.forEach((v, i) => {
        for (let c = 0; c < Number(counts[i] ?? 1); c++) s.points.push({ t, v: Number(v) });
      });
      const sv = obj(d, 'StatisticValues');
      if (sv) {
        const n = Math.max(1, Math.round(num(sv, 'SampleCount') ?? 1));
        const avg = (num(sv, 'Sum') ?? 0) / n;
        for (let c = 0; c < n; c++) s.points.push({ t, v: avg });
      }
    }
    return {};
  }

  private listMetrics(account: AccountConfig, input: Json): Json {
    const ns = str(input, 'Namespace');
    const name = str(input, 'MetricName');
    const filters = arr(input, 'Dimensions')
      .filter(isJson)
      .map((x) => ({ Name: str(x, 'Name') ?? '', Value: str(x, 'Value') }));
    const matches = [...this.store(account).values()].filter(
      (s) =>
        (!ns || s.namespace === ns) &&
        (!name || s.name === name) &&
        filters.every((f) =>
          s.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
        ),
    );
    const offset = Number(str(input, 'NextToken') ?? '0') || 0;
    const page = matches.slice(offset, offset + 500);
    return {
      Metrics: page.map((s) => ({ Namespace: s.namespace, MetricName: s.name, Dimensions: s.dimensions })),
      ...(offset + 500 < matches.length ? { NextToken: String(offset + 500) } : {}),
    };
  }

  private rawPoints(s: Series, start: number, end: number, period: number): { t: number; v: number }[] {
    const out = s.points.filter((p) => p.t >= start && p.t < end);
    const syn = s.synthetic;
    if (syn) {
      const step = Math.max(syn.period_seconds, period >= 3600 ? Math.min(period, 3600) : syn.period_seconds);
      const now = this.state.now() / 1000;
      const events = (syn.events ?? []).map((e) => ({
        from: Date.parse(e.start) / 1000,
        to: Date.parse(e.end) / 1000,
        multiplier: e.multiplier,
        add: e.add,
      }));
      for (let t = Math.ceil(start / step) * step; t < Math.min(end, now); t += step) {
        const daily = syn.daily_amplitude * Math.sin(((t % 86400) / 86400) * 2 * Math.PI - Math.PI / 2);
        let v = syn.base + daily + syn.noise * (hash01(syn.seed, t) * 2 - 1);
        for (const e of events) if (t >= e.from && t < e.to) v = v * e.multiplier + e.add;
        out.push({ t, v });
      }
    }
    return out;
  }

  private getMetricData(account: AccountConfig, input: Json): Json {
    const queries = arr(input, 'MetricDataQueries').filter(isJson);
    if (queries.length === 0)
      throw new AwsError('ValidationError', 'The parameter MetricDataQueries is required.');
    if (queries.length > 500)
      throw new AwsError(
        'InvalidParameterValue',
        'The collection MetricDataQueries must not have a size greater than 500.',
      );
    const start = toEpoch(input['StartTime']);
    const end = toEpoch(input['EndTime']);
    if (start === undefined || end === undefined)
      throw new AwsError('ValidationError', 'The parameters StartTime and EndTime are required.');
    if (start >= end)
      throw new AwsError(
        'ValidationError',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    const ascending = str(input, 'ScanBy') === 'TimestampAscending';
    const maxPoints = num(input, 'MaxDatapoints') ?? 100800;
    const ids = new Set<string>();
    const store = this.store(account);
    const results: {
      id: string;
      label: string;
      points: { t: number; v: number }[];
      returnData: boolean;
      messages: Json[];
    }[] = [];
    for (const q of queries) {
      const id = str(q, 'Id') ?? '';
      if (!/^[a-z][a-zA-Z0-9_]*$/.test(id))
        throw new AwsError(
          'ValidationError',
          `The value ${id} for parameter MetricDataQueries.member.Id is invalid: it must start with a lower-case letter and contain only letters, numbers and underscores.`,
        );
      if (ids.has(id))
        throw new AwsError(
          'ValidationError',
          'The values for parameter id in MetricDataQueries are not unique.',
        );
      ids.add(id);
      const returnData = q['ReturnData'] !== false;
      const ms = obj(q, 'MetricStat');
      if (!ms) {
        results.push({
          id,
          label: str(q, 'Label') ?? id,
          points: [],
          returnData,
          messages: [
            { Code: 'Unsupported', Value: 'aws-local supports MetricStat queries only (no Expression).' },
          ],
        });
        continue;
      }
      const metric = obj(ms, 'Metric') ?? {};
      const dims = arr(metric, 'Dimensions')
        .filter(isJson)
        .map((x) => ({ Name: str(x, 'Name') ?? '', Value: str(x, 'Value') ?? '' }));
      const period = num(ms, 'Period') ?? 60;
      if (period < 1 || (period >= 60 && period % 60 !== 0))
        throw new AwsError(
          'InvalidParameterValue',
          `The parameter MetricDataQueries.member.MetricStat.Period must be a multiple of 60.`,
        );
      const stat = str(ms, 'Stat') ?? 'Average';
      const s = store.get(
        `${str(metric, 'Namespace') ?? ''}|${str(metric, 'MetricName') ?? ''}|${dimKey(dims)}`,
      );
      const buckets = new Map<number, number[]>();
      if (s)
        for (const p of this.rawPoints(s, start, end, period)) {
          const b = Math.floor(p.t / period) * period;
          const list = buckets.get(b);
          if (list) list.push(p.v);
          else buckets.set(b, [p.v]);
        }
      const points: { t: number; v: number }[] = [];
      for (const [t, values] of buckets) {
        const v = statistic(stat, values);
        if (v !== undefined) points.push({ t, v });
      }
      points.sort((a, b) => (ascending ? a.t - b.t : b.t - a.t));
      results.push({
        id,
        label: str(q, 'Label') ?? str(metric, 'MetricName') ?? id,
        points,
        returnData,
        messages: [],
      });
    }
    // Paging: MaxDatapoints per call across all queries, resumed by NextToken.
    const token = str(input, 'NextToken');
    let cursor = { q: 0, p: 0 };
    if (token) {
      try {
        cursor = JSON.parse(Buffer.from(token, 'base64').toString()) as { q: number; p: number };
      } catch {
        throw new AwsError('InvalidNextToken', 'The service cannot decode the NextToken.');
      }
    }
    let budget = maxPoints;
    const out: Json[] = [];
    let next: { q: number; p: number } | undefined;
    const visible = results.filter((r) => r.returnData);
    for (let qi = cursor.q; qi < visible.length; qi++) {
      const r = visible[qi]!;
      const from = qi === cursor.q ? cursor.p : 0;
      if (budget <= 0 && r.points.length > from) {
        next = { q: qi, p: from };
        break;
      }
      const take = r.points.slice(from, from + budget);
      budget -= take.length;
      const partial = from + take.length < r.points.length;
      out.push({
        Id: r.id,
        Label: r.label,
        Timestamps: take.map((p) => p.t),
        Values: take.map((p) => p.v),
        StatusCode: partial ? 'PartialData' : 'Complete',
        ...(r.messages.length ? { Messages: r.messages } : {}),
      });
      if (partial) {
        next = { q: qi, p: from + take.length };
        break;
      }
    }
    return {
      MetricDataResults: out,
      Messages: [],
      ...(next ? { NextToken: Buffer.from(JSON.stringify(next)).toString('base64') } : {}),
    };
  }
}
