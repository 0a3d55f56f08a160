import { awsEnv, connectedTenant, metricWriter, syncsSettled, type AwsEnv } from './aws-env';
import {
  cloneDatabase,
  spawnApi,
  sql,
  testApp,
  type ApiProcess,
  type Session,
  type TestApp,
} from './harness';

const MIN = 60_000;
const NEVER = '0 0 1 1 *'; // the schedule stays out of the way; ticks are run on demand
/**
 * The suite's processes: no scheduled ticks, and a 2-minute late-data window (points a few minutes old are judged
 * at once; the late-data test runs processes with the default window).
 */
const SUITE_ENV = { METRICS_COLLECT_CRON: NEVER, METRICS_LATE_DATA_SECONDS: '120' };

/** A steady series with a little deterministic noise, one point a minute. */
const steady = (fromMs: number, n: number, level = 100) =>
  Array.from({ length: n }, (_, i) => ({
    t: fromMs + i * MIN,
    v: level + 3 * Math.sin(i) + ((i * 37) % 7) - 3,
  }));

/**
 * Runs one setup step; a failure names the step and carries the API process's output and the local AWS calls so
 * far (jest prints a beforeAll error under every test of the block, and the API's logs are otherwise lost).
 */
async function setupStep<T>(
  name: string,
  run: () => Promise<T>,
  context: () => { api?: ApiProcess; env?: AwsEnv },
): Promise<T> {
  try {
    return await run();
  } catch (e) {
    const { api, env } = context();
    const parts = [`setup step "${name}" failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`];
    if (api) parts.push(`--- API ${api.url} output (last 8,000 chars) ---\n${api.logs().slice(-8000)}`);
    if (env) parts.push(`--- local AWS ${env.aws.url} calls ---\n${JSON.stringify(env.aws.calls())}`);
    throw new Error(parts.join('\n'), { cause: e });
  }
}

const watchBody = (name: string, extra: Record<string, unknown> = {}) => ({
  namespace: 'Custom/App',
  metric_name: name,
  dimensions: [{ name: 'Service', value: 'api' }],
  stat: 'Average',
  period: 60,
  region: 'us-east-1',
  ...extra,
});

describe('metric watches: collection and near-real-time detection', () => {
  let env: AwsEnv;
  let api: TestApp;
  let t: Session & { tenantId: string };
  let writer: Awaited<ReturnType<typeof metricWriter>>;
  /** Start of the minute the test began in: every point written lies in whole minutes before it. */
  const m0 = Math.floor(Date.now() / MIN) * MIN;

  beforeAll(async () => {
    const ctx = () => ({ api, env });
    env = await setupStep('local AWS endpoint', () => awsEnv({ days: 5, rowsPerDay: 20 }), ctx);
    api = await setupStep(
      'API process',
      () => testApp({ ...env.apiEnv, ...SUITE_ENV, AWS_MAX_ATTEMPTS: '2' }),
      ctx,
    );
    t = await setupStep('connected tenant', () => connectedTenant(api, env), ctx);
    // Connecting starts the first CUR sync in the API; the tests below start once it is over, so they never run
    // beside it (its Athena queries, its anomaly detection, its connection status changes).
    await setupStep('first CUR sync', () => syncsSettled(api, t.access_token), ctx);
    writer = await setupStep('metric writer role', () => metricWriter(env), ctx);
  });
  afterAll(async () => {
    writer?.close();
    await api?.close();
    await env?.close();
  });

  it('collects, stores and turns an injected spike into a metric anomaly within one tick; survives a restart', async () => {
    const w = await api.post(
      '/api/metric-watches',
      watchBody('Requests', { cost_service: 'AmazonEC2' }),
      t.access_token,
    );
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({
      label: 'Requests api (Average)',
      cost_service: 'AmazonEC2',
      last_ts: null,
    });
    await writer.put('Requests', { Service: 'api' }, steady(m0 - 70 * MIN, 60));

    const first = await api.post('/api/metric-watches/collect', {}, t.access_token);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      trigger: 'manual',
      status: 'succeeded',
      watches: 1,
      calls: 1,
      metrics_requested: 1,
      points_stored: 60,
      anomalies: 0,
      estimated_cost_usd: 0.00001,
      errors: [],
    });
    expect((await api.get('/api/anomalies?kind=metric', t.access_token)).body.total).toBe(0);

    // The spike, one minute after the stored history.
    await writer.put('Requests', { Service: 'api' }, [{ t: m0 - 10 * MIN, v: 480 }]);
    const second = await api.post('/api/metric-watches/collect', {}, t.access_token);
    expect(second.body).toMatchObject({ status: 'succeeded', points_stored: 1, anomalies: 1 });
    const listed = await api.get('/api/anomalies?kind=metric', t.access_token);
    expect(listed.body.total).toBe(1);
    const a = listed.body.items[0];
    expect(a).toMatchObject({
      kind: 'metric',
      watch_id: w.body.id,
      monitor_id: null,
      dimension: null,
      monitor_name: 'Requests api (Average)',
      start_at: new Date(m0 - 10 * MIN).toISOString(),
      status: 'open',
      actual: 480,
      impact_usd: 0,
    });
    expect(a.expected).toBeGreaterThan(90);
    expect(a.expected).toBeLessThan(110);
    // The cost list is unchanged for old clients; a kind filter keeps them apart. (The first CUR sync, over before
    // the tests start, found cost anomalies of its own in the sample.)
    const cost = await api.get('/api/anomalies?kind=cost&page_size=100', t.access_token);
    expect(cost.body.items.every((x: { kind: string }) => x.kind === 'cost')).toBe(true);
    expect((await api.get('/api/anomalies', t.access_token)).body.total).toBe(cost.body.total + 1);
    const detail = await api.get(`/api/anomalies/${a.id}`, t.access_token);
    expect(detail.status).toBe(200);
    expect(detail.body.metric).toMatchObject({ watch_id: w.body.id, metric_name: 'Requests', period: 60 });
    expect(detail.body.metric.points).toHaveLength(1);
    expect(detail.body.metric.points[0].upper).toBeLessThan(480);
    // Feedback works as for cost episodes.
    const fb = await api.post(
      `/api/anomalies/${a.id}/feedback`,
      { feedback: 'planned_activity' },
      t.access_token,
    );
    expect(fb.status).toBe(200);
    expect(fb.body.suppressed_by_feedback).toMatchObject({ feedback: 'planned_activity', factor: 2 });

    // Points, last value and the anomaly mark.
    const pts = await api.get(
      `/api/metric-watches/${w.body.id}/points?from=${new Date(m0 - 2 * 3600_000).toISOString()}&to=${new Date(m0).toISOString()}`,
      t.access_token,
    );
    expect(pts.status).toBe(200);
    expect(pts.body.bucket_seconds).toBe(60);
    expect(pts.body.points).toHaveLength(61);
    expect(pts.body.anomalies).toHaveLength(1);
    const one = await api.get(`/api/metric-watches/${w.body.id}`, t.access_token);
    expect(one.body).toMatchObject({
      last_value: 480,
      last_ts: new Date(m0 - 10 * MIN).toISOString(),
      open_anomalies: 1,
    });

    // Restart: the process stops, points keep arriving, a new process resumes after the last stored point.
    await api.stop();
    await writer.put('Requests', { Service: 'api' }, steady(m0 - 9 * MIN, 5));
    const again = await spawnApi(api.db.url, { ...env.apiEnv, ...SUITE_ENV });
    try {
      const third = await again.post('/api/metric-watches/collect', {}, t.access_token);
      expect(third.body).toMatchObject({ status: 'succeeded', points_stored: 5 });
      const fourth = await again.post('/api/metric-watches/collect', {}, t.access_token);
      expect(fourth.body.points_stored).toBe(0);
    } finally {
      await again.stop();
    }
    const rows = await sql<{ n: number; distinct_ts: number; first: Date; last: Date }>(
      api.db.url,
      `select count(*)::int as n, count(distinct ts)::int as distinct_ts, min(ts) as first, max(ts) as last
         from metric_point where watch_id = $1`,
      [w.body.id],
    );
    // 60 + 1 + 5 consecutive minutes: no gap, no duplicate.
    expect(rows[0]).toEqual({
      n: 66,
      distinct_ts: 66,
      first: new Date(m0 - 70 * MIN),
      last: new Date(m0 - 5 * MIN),
    });
    const state = await sql<{ detected_through: Date; has_state: boolean }>(
      api.db.url,
      'select detected_through, detector_state is not null as has_state from metric_watch where id = $1',
      [w.body.id],
    );
    expect(state[0]).toEqual({ detected_through: new Date(m0 - 5 * MIN), has_state: true });
    // Restart the suite's own process for the tests below.
    const db = api.db;
    const restarted = await spawnApi(db.url, { ...env.apiEnv, ...SUITE_ENV, AWS_MAX_ATTEMPTS: '2' });
    api = Object.assign(restarted, {
      db,
      close: async () => {
        await restarted.stop();
        await db.drop();
      },
    });
  });

  it('stores metric episodes through the anomaly module: their kind, and a feedback bar in metric units applied once', async () => {
    const w = await api.post('/api/metric-watches', watchBody('FeedbackProbe'), t.access_token);
    expect(w.status).toBe(201);
    // A spike, then an hour of ordinary points: the detector closes the episode after 50 quiet intervals, so
    // the later spike below is a new episode rather than a smaller point of this one.
    await writer.put('FeedbackProbe', { Service: 'api' }, [
      ...steady(m0 - 130 * MIN, 60),
      { t: m0 - 70 * MIN, v: 500 },
      ...steady(m0 - 69 * MIN, 58),
    ]);
    expect((await api.post('/api/metric-watches/collect', {}, t.access_token)).body.status).toBe('succeeded');
    const ofWatch = async (query = '') =>
      (await api.get(`/api/anomalies?kind=metric&page_size=100${query}`, t.access_token)).body.items.filter(
        (x: { watch_id: string }) => x.watch_id === w.body.id,
      );
    const [a] = await ofWatch();
    expect(a).toMatchObject({ change_kind: 'spike', actual: 500, grouped_into: null, grouped_count: 0 });
    const fb = await api.post(`/api/anomalies/${a.id}/feedback`, { feedback: 'no' }, t.access_token);
    expect(fb.status).toBe(200);
    // The bar is a deviation in the metric's unit (not dollars): 2 x |500 - expected|.
    expect(fb.body.suppressed_by_feedback).toMatchObject({
      source_anomaly_id: a.id,
      feedback: 'no',
      factor: 2,
      min_impact_usd: null,
      held_back: false,
    });
    expect(fb.body.suppressed_by_feedback.min_deviation).toBeCloseTo(2 * (500 - a.expected), 4);

    // A smaller spike later: stored, judged against the bar once, held back (listed only with include_suppressed).
    await writer.put('FeedbackProbe', { Service: 'api' }, [{ t: m0 - 7 * MIN, v: 300 }]);
    expect((await api.post('/api/metric-watches/collect', {}, t.access_token)).body.anomalies).toBe(1);
    const held = (await ofWatch('&include_suppressed=true')).filter((x: { id: string }) => x.id !== a.id);
    expect(held).toHaveLength(1);
    expect(held[0].suppressed_by_feedback).toMatchObject({
      source_anomaly_id: a.id,
      held_back: true,
      min_impact_usd: null,
    });
    expect((await ofWatch()).map((x: { id: string }) => x.id)).toEqual([a.id]);
    // "Yes" on the first episode lifts the bar from the later one too.
    await api.post(`/api/anomalies/${a.id}/feedback`, { feedback: 'yes' }, t.access_token);
    expect((await ofWatch()).map((x: { id: string }) => x.id).sort()).toEqual([a.id, held[0].id].sort());
    // The tests below count the watches: this one goes, with its episodes.
    expect((await api.del(`/api/metric-watches/${w.body.id}`, t.access_token)).status).toBe(204);
  });

  it('re-reads the late-data window: a late datapoint is stored, a changed value updated, each point judged once', async () => {
    const w = await api.post('/api/metric-watches', watchBody('Orders'), t.access_token);
    expect(w.status).toBe(201);
    // Points up to 11 minutes old and one 3 minutes old. With the default 10-minute window the detector judges a
    // point once its period ended 10 minutes ago: the 20 old points now, the rest later (the assertions hold for
    // as long as the test's clock stays within 7 minutes of m1).
    const m1 = Math.floor(Date.now() / MIN) * MIN;
    await writer.put('Orders', { Service: 'api' }, [
      ...steady(m1 - 30 * MIN, 20),
      { t: m1 - 3 * MIN, v: 100 },
    ]);
    const judged = async () =>
      (
        await sql<{ n: number; through: Date; last_ts: Date; last_value: number }>(
          api.db.url,
          `select (detector_state->>'n')::int as n, detected_through as through, last_ts, last_value
             from metric_watch where id = $1`,
          [w.body.id],
        )
      )[0]!;
    const stored = async () =>
      (
        await sql<{ n: number; d: number; v3: number }>(
          api.db.url,
          `select count(*)::int as n, count(distinct ts)::int as d,
                  max(value) filter (where ts = to_timestamp($2 / 1000.0)) as v3
             from metric_point where watch_id = $1`,
          [w.body.id, m1 - 3 * MIN],
        )
      )[0]!;
    const late = await spawnApi(api.db.url, { ...env.apiEnv, METRICS_COLLECT_CRON: NEVER });
    try {
      const first = await late.post('/api/metric-watches/collect', {}, t.access_token);
      expect(first.body).toMatchObject({ status: 'succeeded', errors: [] });
      expect(await stored()).toEqual({ n: 21, d: 21, v3: 100 });
      expect(await judged()).toEqual({
        n: 20,
        through: new Date(m1 - 11 * MIN),
        last_ts: new Date(m1 - 3 * MIN),
        last_value: 100,
      });

      // A datapoint published late, older than the newest stored point, and a second datapoint in the newest
      // period (its Average changes from 100 to 105).
      await writer.put('Orders', { Service: 'api' }, [
        { t: m1 - 6 * MIN, v: 101 },
        { t: m1 - 3 * MIN, v: 110 },
      ]);
      const second = await late.post('/api/metric-watches/collect', {}, t.access_token);
      expect(second.body).toMatchObject({ status: 'succeeded', points_stored: 1 });
      expect(await stored()).toEqual({ n: 22, d: 22, v3: 105 });
      // Still inside the window: not judged yet; the changed newest value is shown.
      expect(await judged()).toMatchObject({ n: 20, through: new Date(m1 - 11 * MIN), last_value: 105 });
      const again = await late.post('/api/metric-watches/collect', {}, t.access_token);
      expect(again.body.points_stored).toBe(0);
      expect(await stored()).toEqual({ n: 22, d: 22, v3: 105 });
    } finally {
      await late.stop();
    }
    // Once the window has passed (a process with no window stands in for the clock), the two waiting points are
    // judged, in order, once: the detector has seen exactly the 22 stored points.
    const settled = await spawnApi(api.db.url, {
      ...env.apiEnv,
      METRICS_COLLECT_CRON: NEVER,
      METRICS_LATE_DATA_SECONDS: '0',
    });
    try {
      for (let i = 0; i < 2; i++) {
        const run = await settled.post('/api/metric-watches/collect', {}, t.access_token);
        expect(run.body).toMatchObject({ status: 'succeeded', points_stored: 0 });
        expect(await judged()).toEqual({
          n: 22,
          through: new Date(m1 - 3 * MIN),
          last_ts: new Date(m1 - 3 * MIN),
          last_value: 105,
        });
      }
    } finally {
      await settled.stop();
    }
    expect(await stored()).toEqual({ n: 22, d: 22, v3: 105 });
    // Deleting the watch deletes its points (the tests below count the suite's other watches).
    expect((await api.del(`/api/metric-watches/${w.body.id}`, t.access_token)).status).toBe(204);
    expect((await stored()).n).toBe(0);
  });

  it('retries throttled GetMetricData calls (SDK retries, then its own with jitter) and records the tick', async () => {
    await writer.put('Latency', { Service: 'api' }, steady(m0 - 20 * MIN, 10, 20));
    const w = await api.post('/api/metric-watches', watchBody('Latency'), t.access_token);
    expect(w.status).toBe(201);
    // AWS_MAX_ATTEMPTS=2: the SDK gives up after 2 throttled attempts; 3 throttles need one retry of ours.
    env.aws.addFault({ service: 'cloudwatch', operation: 'GetMetricData', kind: 'throttle', count: 3 });
    env.aws.resetCalls();
    const run = await api.post('/api/metric-watches/collect', {}, t.access_token);
    expect(run.body).toMatchObject({
      status: 'succeeded',
      throttle_retries: 1,
      calls: 1,
      metrics_requested: 2,
    });
    expect(run.body.points_stored).toBeGreaterThanOrEqual(10);
    expect(env.aws.calls()['cloudwatch.GetMetricData']).toBe(4);

    // Throttled beyond every retry: the tick is recorded as failed with AWS's error, nothing lost for the next.
    env.aws.addFault({ service: 'cloudwatch', operation: 'GetMetricData', kind: 'throttle' });
    await writer.put('Latency', { Service: 'api' }, [{ t: m0 - 5 * MIN, v: 21 }]);
    const failed = await api.post('/api/metric-watches/collect', {}, t.access_token);
    env.aws.clearFaults();
    expect(failed.body.status).toBe('failed');
    expect(failed.body.errors[0]).toMatchObject({ step: 'GetMetricData', code: 'Throttling' });
    const next = await api.post('/api/metric-watches/collect', {}, t.access_token);
    expect(next.body.status).toBe('succeeded');
    expect(next.body.points_stored).toBe(1);

    const c = await api.get('/api/metric-watches/collection', t.access_token);
    expect(c.status).toBe(200);
    expect(c.body.schedule).toBe(NEVER);
    expect(c.body.watches).toBe(2);
    expect(c.body.runs[0]).toMatchObject({ status: 'succeeded' });
    expect(c.body.runs.some((r: { status: string }) => r.status === 'failed')).toBe(true);
    expect(c.body.last_24h.calls).toBe(
      c.body.runs.reduce((s: number, r: { calls: number }) => s + r.calls, 0),
    );
    expect(c.body.last_24h.estimated_cost_usd).toBeCloseTo(c.body.last_24h.metrics_requested * 0.00001, 8);
  });

  it('discovers metrics through the role, adds presets, lists with sparklines and searches', async () => {
    const d = await api.get('/api/metric-watches/discover?namespace=Custom/App&search=lat', t.access_token);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ region: 'us-east-1', next_token: null });
    expect(d.body.items).toEqual([
      {
        namespace: 'Custom/App',
        metric_name: 'Latency',
        dimensions: [{ name: 'Service', value: 'api' }],
        watched: true,
      },
    ]);
    const all = await api.get('/api/metric-watches/discover', t.access_token);
    expect(all.body.items.some((m: { namespace: string }) => m.namespace === 'AWS/EC2')).toBe(true);

    const presets = await api.get('/api/metric-watches/presets', t.access_token);
    expect(presets.body.items.map((p: { id: string }) => p.id)).toContain('billing_estimated_charges');
    const added = await api.post(
      '/api/metric-watches/presets',
      { presets: ['ec2_cpu', 'billing_estimated_charges', 'nat_bytes_out'] },
      t.access_token,
    );
    expect(added.status).toBe(201);
    expect(added.body.created.length).toBeGreaterThanOrEqual(3);
    expect(
      added.body.created.find((w: { preset: string }) => w.preset === 'billing_estimated_charges'),
    ).toMatchObject({
      region: 'us-east-1',
      namespace: 'AWS/Billing',
      dimensions: [{ name: 'Currency', value: 'USD' }],
    });
    expect(
      added.body.created.find((w: { preset: string }) => w.preset === 'nat_bytes_out').cost_service,
    ).toBe('AmazonEC2');
    const twice = await api.post('/api/metric-watches/presets', { presets: ['ec2_cpu'] }, t.access_token);
    expect(twice.body.created).toEqual([]);
    expect(twice.body.already_watched).toBeGreaterThanOrEqual(1);

    const run = await api.post('/api/metric-watches/collect', {}, t.access_token);
    expect(run.body.status).toBe('succeeded');
    expect(run.body.calls).toBe(1); // every watch of the region in one GetMetricData batch
    const list = await api.get('/api/metric-watches?page_size=100', t.access_token);
    const cpu = list.body.items.find((w: { preset: string }) => w.preset === 'ec2_cpu');
    expect(cpu.sparkline.length).toBeGreaterThan(10);
    expect(cpu.last_value).toEqual(expect.any(Number));
    const found = await api.get('/api/metric-watches?search=nat-0sample', t.access_token);
    expect(found.body.items.map((w: { metric_name: string }) => w.metric_name)).toEqual([
      'BytesOutToDestination',
    ]);

    // A long range comes back in at most ~500 buckets.
    const long = await api.get(
      `/api/metric-watches/${cpu.id}/points?from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`,
      t.access_token,
    );
    expect(long.status).toBe(200);
    expect(long.body.bucket_seconds).toBeGreaterThan(300);
    expect(long.body.points.length).toBeLessThanOrEqual(500);
  });

  it('links metrics to cost anomalies of their service (related_metrics)', async () => {
    const [m] = await sql<{ id: string }>(
      api.db.url,
      `insert into anomaly_monitor (id, tenant_id, name, dimension, filter, created_at)
       values (gen_random_uuid(), $1, 'Per service', 'service', '{}', now()) returning id`,
      [t.tenantId],
    );
    const day = new Date(m0 - 86_400_000).toISOString().slice(0, 10);
    const [a] = await sql<{ id: string }>(
      api.db.url,
      `insert into anomaly (id, tenant_id, monitor_id, dimension_value, start_date, end_date, status, expected, actual,
                            impact_usd, impact_pct, severity, score, root_causes, explanation, created_at, updated_at)
       values (gen_random_uuid(), $1, $2, 'Amazon Elastic Compute Cloud', $3, $3, 'open', 100, 300, 200, 200, 'high', 0.99,
               '[]', '{"rules":[],"peak_date":"${day}","peak_impact":200,"days":[]}', now(), now()) returning id`,
      [t.tenantId, m!.id, day],
    );
    const detail = await api.get(`/api/anomalies/${a!.id}`, t.access_token);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ kind: 'cost', watch_id: null, metric: null });
    const related = detail.body.related_metrics as {
      metric_name: string;
      cost_service: string;
      points: unknown[];
    }[];
    // EC2 CPU presets and the hand-made Requests watch are linked to AmazonEC2 (same service, other spelling).
    expect(related.map((r) => r.metric_name)).toEqual(expect.arrayContaining(['Requests', 'CPUUtilization']));
    expect(related.find((r) => r.metric_name === 'Requests')!.points.length).toBeGreaterThanOrEqual(1);
  });

  it('validates input naming each field, and answers 409 for the same series', async () => {
    const bad = await api.post(
      '/api/metric-watches',
      {
        namespace: ':bad',
        metric_name: '',
        dimensions: [
          { name: 'A', value: 'x' },
          { name: 'A', value: 'y' },
        ],
        stat: 'p101',
        period: 90,
        region: 'moon',
      },
      t.access_token,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const fields = bad.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['namespace', 'metric_name', 'dimensions', 'stat', 'period', 'region']),
    );
    const billing = await api.post(
      '/api/metric-watches',
      { namespace: 'AWS/Billing', metric_name: 'EstimatedCharges', region: 'eu-west-1' },
      t.access_token,
    );
    expect(billing.status).toBe(400);
    expect(billing.body.details).toEqual([
      { field: 'region', message: 'AWS/Billing metrics exist only in us-east-1' },
    ]);
    const range = await api.get(
      `/api/metric-watches/00000000-0000-4000-8000-000000000000/points?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`,
      t.access_token,
    );
    expect(range.status).toBe(400);
    expect(range.body.details[0].field).toBe('from');
    const dup = await api.post('/api/metric-watches', watchBody('Requests'), t.access_token);
    expect(dup.status).toBe(409);
    expect((await api.get('/api/metric-watches/discover?region=mars', t.access_token)).status).toBe(400);
  });

  it('keeps tenants apart (404 like a missing id), needs AWS for discovery and collection, viewers read only', async () => {
    const mine = (await api.get('/api/metric-watches?page_size=1', t.access_token)).body.items[0];
    const other = await api.signup();
    const missing = await api.get(
      '/api/metric-watches/00000000-0000-4000-8000-000000000000',
      other.access_token,
    );
    const foreign = await api.get(`/api/metric-watches/${mine.id}`, other.access_token);
    expect(foreign.status).toBe(404);
    expect({ ...foreign.body, correlation_id: null }).toEqual({ ...missing.body, correlation_id: null });
    expect((await api.get(`/api/metric-watches/${mine.id}/points`, other.access_token)).status).toBe(404);
    expect(
      (await api.patch(`/api/metric-watches/${mine.id}`, { enabled: false }, other.access_token)).status,
    ).toBe(404);
    expect((await api.del(`/api/metric-watches/${mine.id}`, other.access_token)).status).toBe(404);
    expect((await api.get('/api/metric-watches', other.access_token)).body.total).toBe(0);
    // METRIC_WATCHES_MAX_PER_TENANT, in a process of its own on the same database.
    const limited = await spawnApi(api.db.url, {
      ...env.apiEnv,
      ...SUITE_ENV,
      METRIC_WATCHES_MAX_PER_TENANT: '1',
    });
    try {
      expect((await limited.post('/api/metric-watches', watchBody('One'), other.access_token)).status).toBe(
        201,
      );
      const over = await limited.post('/api/metric-watches', watchBody('Two'), other.access_token);
      expect(over.status).toBe(422);
      expect(over.body.code).toBe('METRIC_WATCH_LIMIT');
    } finally {
      await limited.stop();
    }

    for (const res of [
      await api.get('/api/metric-watches/discover', other.access_token),
      await api.post('/api/metric-watches/collect', {}, other.access_token),
      await api.post('/api/metric-watches/presets', { presets: ['ec2_cpu'] }, other.access_token),
    ]) {
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('NOT_CONNECTED');
      expect(res.body.message).toMatch(/AWS is not connected/);
    }

    const v = await api.signup();
    await api.addMember(t, v, 'viewer');
    const viewer = (
      await api.post('/api/auth/login', { email: v.email, password: v.password, tenant_id: t.tenantId })
    ).body;
    expect((await api.get(`/api/metric-watches/${mine.id}`, viewer.access_token)).status).toBe(200);
    expect((await api.get('/api/metric-watches/collection', viewer.access_token)).status).toBe(200);
    expect((await api.post('/api/metric-watches', watchBody('X'), viewer.access_token)).status).toBe(403);
    expect((await api.post('/api/metric-watches/collect', {}, viewer.access_token)).status).toBe(403);
    expect((await api.del(`/api/metric-watches/${mine.id}`, viewer.access_token)).status).toBe(403);

    const patched = await api.patch(
      `/api/metric-watches/${mine.id}`,
      { label: 'Renamed', enabled: false },
      t.access_token,
    );
    expect(patched.body).toMatchObject({ label: 'Renamed', enabled: false });
    expect((await api.del(`/api/metric-watches/${mine.id}`, t.access_token)).status).toBe(204);
    expect((await api.get(`/api/metric-watches/${mine.id}`, t.access_token)).status).toBe(404);
  });
});

describe('metric collection across API processes', () => {
  it('collects each tenant exactly once per tick with two processes on one database', async () => {
    const env = await awsEnv({ days: 5, rowsPerDay: 20 });
    const db = await cloneDatabase();
    const procs: ApiProcess[] = [];
    const writer = await metricWriter(env);
    try {
      const opts = { ...env.apiEnv, METRICS_COLLECT_CRON: NEVER };
      const setupApi = await spawnApi(db.url, opts);
      const tenants = [await connectedTenant(setupApi, env), await connectedTenant(setupApi, env)];
      const m0 = Math.floor(Date.now() / MIN) * MIN;
      for (const [i, tn] of tenants.entries()) {
        await writer.put(`Queue${i}`, { Service: 'api' }, steady(m0 - 30 * MIN, 28));
        expect(
          (await setupApi.post('/api/metric-watches', watchBody(`Queue${i}`), tn.access_token)).status,
        ).toBe(201);
      }
      await setupApi.stop();
      env.aws.resetCalls();
      // Both processes tick every 2 seconds.
      const every2s = { ...env.apiEnv, METRICS_COLLECT_CRON: '*/2 * * * * *' };
      procs.push(await spawnApi(db.url, every2s), await spawnApi(db.url, every2s));
      await new Promise((r) => setTimeout(r, 7000));
      await Promise.all(procs.map((p) => p.stop()));

      const runs = await sql<{
        tenant_id: string;
        tick_at: Date;
        calls: number;
        worker: string;
        status: string;
        points_stored: number;
      }>(
        db.url,
        'select tenant_id, tick_at, calls, worker, status, points_stored from metric_collection_run order by tick_at',
      );
      const slots = [...new Set(runs.map((r) => r.tick_at.getTime()))];
      expect(slots.length).toBeGreaterThanOrEqual(2);
      for (const s of slots) {
        expect(s % 2000).toBe(0); // both processes agree on the slot
        for (const tn of tenants)
          expect(
            runs.filter((r) => r.tick_at.getTime() === s && r.tenant_id === tn.tenantId).length,
          ).toBeLessThanOrEqual(1);
      }
      // Every GetMetricData call belongs to a claimed run: no process collected a tenant another had claimed.
      const calls = runs.reduce((n, r) => n + r.calls, 0);
      expect(env.aws.calls()['cloudwatch.GetMetricData']).toBe(calls);
      // Each tenant's history was stored once.
      for (const tn of tenants) {
        expect(runs.filter((r) => r.tenant_id === tn.tenantId).reduce((n, r) => n + r.points_stored, 0)).toBe(
          28,
        );
      }
      const points = await sql<{ n: number; d: number }>(
        db.url,
        'select count(*)::int as n, count(distinct (watch_id, ts))::int as d from metric_point',
      );
      expect(points[0]).toEqual({ n: 56, d: 56 });
    } finally {
      writer.close();
      await Promise.all(procs.map((p) => p.stop()));
      await db.drop();
      await env.close();
    }
  });
});
