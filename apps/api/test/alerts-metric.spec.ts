import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awsEnv, connectedTenant, metricWriter, syncsSettled, type AwsEnv } from './aws-env';
import { testApp, until, type Session, type TestApp } from './harness';

const MIN = 60_000;
const NEVER = '0 0 1 1 *'; // the collection schedule stays out of the way; collections run on demand

/** A real HTTP receiver that checks the X-CostOptimizer-Signature HMAC of each path with its secret. */
async function receiver() {
  const received: { path: string; headers: IncomingHttpHeaders; body: any; valid: boolean | null }[] = [];
  const secrets = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      const secret = secrets.get(path);
      const ts = String(req.headers['x-costoptimizer-timestamp'] ?? '');
      const valid = secret
        ? req.headers['x-costoptimizer-signature'] ===
          `sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`
        : null;
      received.push({ path, headers: req.headers, body: JSON.parse(raw), valid });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    secrets,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A steady series with a little deterministic noise, one point a minute. */
const steady = (fromMs: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    t: fromMs + i * MIN,
    v: 100 + 3 * Math.sin(i) + ((i * 37) % 7) - 3,
  }));

const watchBody = (name: string) => ({
  namespace: 'Custom/App',
  metric_name: name,
  dimensions: [{ name: 'Service', value: 'api' }],
  stat: 'Average',
  period: 60,
  region: 'us-east-1',
});

describe('alert subscriptions: CloudWatch metric anomaly episodes', () => {
  let env: AwsEnv;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let api: TestApp;
  let t: Session & { tenantId: string };
  let writer: Awaited<ReturnType<typeof metricWriter>>;
  /** Start of the minute the test began in; every point written lies well before it. */
  const m0 = Math.floor(Date.now() / MIN) * MIN;

  beforeAll(async () => {
    [env, rx] = await Promise.all([awsEnv({ days: 5, rowsPerDay: 20 }), receiver()]);
    api = await testApp({
      ...env.apiEnv,
      METRICS_COLLECT_CRON: NEVER,
      PUBLIC_URL: 'https://costs.example.com',
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_PORTS: '1024-65535',
      ALERT_WORKER_POLL_MS: '200',
      ALERT_SEND_TIMEOUT_MS: '3000',
    });
    t = await connectedTenant(api, env);
    writer = await metricWriter(env, 'AlertsMetricsWriter');
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
  });
  afterAll(async () => {
    writer?.close();
    await api?.close();
    await Promise.all([env?.close(), rx?.close()]);
  });

  it('refuses metric watch ids that are not the tenant’s', async () => {
    const other = await connectedTenant(api, env);
    const theirs = await api.post('/api/metric-watches', watchBody('Theirs'), other.access_token);
    expect(theirs.status).toBe(201);
    const res = await api.post(
      '/api/alert-subscriptions',
      {
        channel: 'webhook',
        name: 'Stolen watch',
        url: rx.url('/hook/never'),
        min_impact_pct: 10,
        metric_watch_ids: [theirs.body.id],
      },
      t.access_token,
    );
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details).toEqual([
      expect.objectContaining({
        field: 'metric_watch_ids',
        message: `No such metric watch: ${theirs.body.id}`,
      }),
    ]);
  });

  it('alerts a metric episode once, signed, with kind metric; opted-out and other-watch subscriptions stay silent', async () => {
    const watch = await api.post('/api/metric-watches', watchBody('Requests'), t.access_token);
    const otherWatch = await api.post('/api/metric-watches', watchBody('Latency'), t.access_token);
    expect([watch.status, otherWatch.status]).toEqual([201, 201]);

    const create = async (path: string, body: object) => {
      const res = await api.post(
        '/api/alert-subscriptions',
        { channel: 'webhook', name: path, url: rx.url(path), ...body },
        t.access_token,
      );
      expect(res.status).toBe(201);
      rx.secrets.set(path, res.body.signing_secret);
      return res.body;
    };
    const all = await create('/hook/metric', { min_impact_pct: 50 });
    expect(all).toMatchObject({ include_metric_anomalies: true, metric_watch_ids: [] });
    const off = await create('/hook/off', { min_impact_pct: 50, include_metric_anomalies: false });
    expect(off.include_metric_anomalies).toBe(false);
    const elsewhere = await create('/hook/other-watch', {
      min_impact_pct: 50,
      metric_watch_ids: [otherWatch.body.id],
    });
    // Only a $ threshold: metric episodes of medium or high severity alert (the spike below is high).
    const usdOnly = await create('/hook/usd-only', { min_impact_usd: 100 });
    // Narrowed to the watch, then opted out by PATCH: nothing either.
    const patched = await create('/hook/patched', { min_impact_pct: 50, metric_watch_ids: [watch.body.id] });
    const off2 = await api.patch(
      `/api/alert-subscriptions/${patched.id}`,
      { include_metric_anomalies: false },
      t.access_token,
    );
    expect(off2.body).toMatchObject({ include_metric_anomalies: false, metric_watch_ids: [watch.body.id] });

    // An hour of normal traffic, then a spike: +380 % is level 2 of the 50 % threshold (4 x 50 <= 380 < 8 x 50).
    await writer.put('Requests', { Service: 'api' }, steady(m0 - 90 * MIN, 60));
    const first = await api.post('/api/metric-watches/collect', {}, t.access_token);
    expect(first.body).toMatchObject({ status: 'succeeded', anomalies: 0 });
    const spikeAt = m0 - 30 * MIN;
    await writer.put('Requests', { Service: 'api' }, [{ t: spikeAt, v: 480 }]);
    const second = await api.post('/api/metric-watches/collect', {}, t.access_token);
    expect(second.body).toMatchObject({ status: 'succeeded', points_stored: 1, anomalies: 1 });
    const listed = (await api.get('/api/anomalies?kind=metric', t.access_token)).body;
    expect(listed.total).toBe(1);
    const episode = listed.items[0];
    expect(episode).toMatchObject({ kind: 'metric', watch_id: watch.body.id, severity: 'high', actual: 480 });

    const hook = await until('the metric alert', () => rx.at('/hook/metric')[0]);
    expect(hook.valid).toBe(true);
    expect(hook.body.type).toBe('anomaly.alert');
    expect(hook.body.subject).toMatch(/^\[Cost Optimizer\] Metric Custom\/App Requests \+\d+\.\d %/);
    expect(hook.body.subject).toContain(
      `since ${new Date(spikeAt).toISOString().replace('T', ' ').slice(0, 19)} UTC`,
    );
    expect(hook.body.anomalies).toEqual([
      {
        id: episode.id,
        kind: 'metric',
        url: `https://costs.example.com/anomalies/${episode.id}`,
        level: 2,
        follow_up: false,
        metric: {
          watch_id: watch.body.id,
          label: 'Requests api (Average)',
          namespace: 'Custom/App',
          name: 'Requests',
          dimensions: [{ name: 'Service', value: 'api' }],
          stat: 'Average',
          period: 60,
          region: 'us-east-1',
        },
        start_at: new Date(spikeAt).toISOString(),
        end_at: new Date(spikeAt).toISOString(),
        status: 'open',
        expected: episode.expected,
        actual: 480,
        deviation: expect.closeTo(480 - episode.expected, 4),
        impact_pct: episode.impact_pct,
        severity: 'high',
      },
    ]);
    expect(hook.body.anomalies[0].impact_pct).toBeGreaterThanOrEqual(200);
    expect(hook.body.anomalies[0].impact_pct).toBeLessThan(400);

    const usd = await until('the $-only alert', () => rx.at('/hook/usd-only')[0]);
    expect(usd.valid).toBe(true);
    expect(usd.body.anomalies[0]).toMatchObject({ id: episode.id, kind: 'metric', level: 1 });

    // Enqueueing again (cost detection on demand runs the same scheduling) alerts nothing twice.
    expect((await api.post('/api/anomalies/detect', {}, t.access_token)).status).toBe(202);
    await writer.put('Requests', { Service: 'api' }, steady(m0 - 29 * MIN, 3));
    expect((await api.post('/api/metric-watches/collect', {}, t.access_token)).body.status).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 1500));
    expect(rx.at('/hook/metric')).toHaveLength(1);
    expect(rx.at('/hook/usd-only')).toHaveLength(1);
    expect(rx.at('/hook/off')).toHaveLength(0);
    expect(rx.at('/hook/other-watch')).toHaveLength(0);
    expect(rx.at('/hook/patched')).toHaveLength(0);

    const deliveries = await api.get(`/api/alert-subscriptions/${all.id}/deliveries`, t.access_token);
    expect(deliveries.body.items).toEqual([
      expect.objectContaining({ kind: 'alert', status: 'sent', anomaly_ids: [episode.id], level: 2 }),
    ]);
    for (const s of [off, elsewhere, off2.body])
      expect((await api.get(`/api/alert-subscriptions/${s.id}/deliveries`, t.access_token)).body.total).toBe(
        0,
      );
    expect(
      (await api.get(`/api/alert-subscriptions/${usdOnly.id}`, t.access_token)).body.last_delivery,
    ).toMatchObject({
      status: 'sent',
    });
    // No cost episode took part: the sample's cost episodes (a new-series start) are all closed.
    const costOpen = await api.get('/api/anomalies?kind=cost&status=open', t.access_token);
    expect(costOpen.body.total).toBe(0);
  });
});
