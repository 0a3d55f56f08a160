import { Client } from 'pg';
import { awsEnv, connectedTenant, syncsSettled, ACCOUNT, type AwsEnv } from './aws-env';
import { testApp, type Session, type TestApp } from './harness';

interface Label {
  id: string;
  kind: string;
  start_date: string;
  end_date: string;
  account_id: string;
  service: string;
}

const overlaps = (a: { start_date: string; end_date: string }, l: Label) =>
  a.start_date <= l.end_date && a.end_date >= l.start_date;
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('anomaly detection', () => {
  let env: AwsEnv;
  let api: TestApp;
  let t: Session & { tenantId: string };
  let labels: Label[];
  let all: any[];

  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 100, rowsPerDay: 40 });
    labels = env.sample.labels;
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_BACKFILL_MONTHS: '6' });
    t = await connectedTenant(api, env);
    const run = await syncsSettled(api, t.access_token);
    expect(run.status).toBe('succeeded');
    // The sync already ran detection; on demand it judges nothing new.
    const again = await api.post('/api/anomalies/detect', {}, t.access_token);
    expect(again.status).toBe(202);
    expect(again.body.days_judged).toBe(0);
    expect(again.body.judged_through).toBe(addDays(env.sample.expected.end_date, -2));
    all = (
      await api.get(
        '/api/anomalies?page_size=100&include_suppressed=true&include_grouped=true',
        t.access_token,
      )
    ).body.items;
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
  });

  it('creates the default monitors and finds every labelled anomaly with its root cause', async () => {
    const monitors = await api.get('/api/anomaly-monitors', t.access_token);
    expect(monitors.body.items.map((m: { dimension: string }) => m.dimension).sort()).toEqual([
      'account',
      'account_usage_type',
      'region',
      'service',
      'service_account',
      'total',
    ]);
    expect(labels).toHaveLength(4);
    for (const l of labels) {
      const found = all.find(
        (a) => a.dimension === 'service' && a.dimension_value === l.service && overlaps(a, l),
      );
      expect({ label: l.id, found: !!found }).toEqual({ label: l.id, found: true });
      const top = (dim: string) =>
        found.root_causes.find((c: { dimension: string }) => c.dimension === dim)?.key;
      expect({ label: l.id, service: top('service'), account: top('account') }).toEqual({
        label: l.id,
        service: l.service,
        account: l.account_id,
      });
      expect(found.impact_usd).toBeGreaterThan(0);
    }
    // The total monitor sees the largest spike too, with the label's service and account on top.
    const spike = labels.find((l) => l.kind === 'spike' && l.service === 'AmazonEC2')!;
    const total = all.find((a) => a.dimension === 'total' && overlaps(a, spike));
    expect(total?.root_causes[0]).toMatchObject({ dimension: 'service', key: 'AmazonEC2' });
    const account = total.root_causes.find((c: { dimension: string }) => c.dimension === 'account');
    expect(account.key).toBe(spike.account_id);
  });

  it('raises nothing on the first loaded day, and lists each labelled incident at most twice', () => {
    const listed = all.filter((a) => !a.grouped_into && !a.suppressed_by_feedback?.held_back);
    const first = env.sample.expected.start_date;
    expect(all.filter((a) => a.start_date === first)).toEqual([]);
    expect(all.filter((a) => a.change_kind === 'new_series' && a.start_date <= addDays(first, 7))).toEqual(
      [],
    );
    for (const l of labels) {
      // Listed episodes about this incident: on its days, of its service (their series or their top service).
      const seen = listed.filter(
        (a) =>
          overlaps(a, l) &&
          (a.dimension_value.split(' / ')[0] === l.service ||
            a.root_causes.find((c: { dimension: string }) => c.dimension === 'service')?.key === l.service),
      );
      expect({ label: l.id, seen: seen.length > 0 }).toEqual({ label: l.id, seen: true });
      expect({ label: l.id, listed: seen.length <= 2 }).toEqual({ label: l.id, listed: true });
    }
    // Every grouped episode points at a listed one that covers some of its days.
    for (const g of all.filter((a) => a.grouped_into)) {
      const primary = all.find((a) => a.id === g.grouped_into);
      expect(primary && primary.start_date <= addDays(g.end_date, 1)).toBeTruthy();
    }
  });

  it('never starts an anomaly on a month-start fee day; lists, pages and counts open ones', async () => {
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((a) => a.start_date.endsWith('-01'))).toEqual([]);
    const byImpact = await api.get('/api/anomalies?sort=impact&page_size=2&page=1', t.access_token);
    expect(byImpact.body.items).toHaveLength(2);
    expect(byImpact.body.items[0].impact_usd).toBeGreaterThanOrEqual(byImpact.body.items[1].impact_usd);
    expect(byImpact.body.total).toBe(
      all.filter((a) => !a.suppressed_by_feedback?.held_back && !a.grouped_into).length,
    );
    const open = await api.get('/api/anomalies?status=open&page_size=100', t.access_token);
    const dash = await api.get('/api/dashboard', t.access_token);
    expect(dash.body.open_anomalies).toBe(open.body.total);
    expect((await api.get('/api/anomalies?sort=bogus', t.access_token)).status).toBe(400);
  });

  it('explains an episode with the series around it and backtests a monitor', async () => {
    const l = labels.find((x) => x.kind === 'spike')!;
    const a = all.find((x) => x.dimension === 'service' && x.dimension_value === l.service && overlaps(x, l));
    const detail = await api.get(`/api/anomalies/${a.id}`, t.access_token);
    expect(detail.status).toBe(200);
    expect(detail.body.explanation.days.length).toBeGreaterThan(0);
    const day = detail.body.series.find(
      (p: { date: string }) => p.date === detail.body.explanation.peak_date,
    );
    expect(day.is_anomaly).toBe(true);
    expect(day.actual).toBeGreaterThan(day.upper);
    expect(detail.body.series.length).toBeGreaterThan(30);

    const backtest = await api.get(`/api/anomalies/backtest?monitor=${a.monitor_id}&days=90`, t.access_token);
    expect(backtest.status).toBe(200);
    for (const x of labels)
      expect(backtest.body.alerts.some((b: any) => b.dimension_value === x.service && overlaps(b, x))).toBe(
        true,
      );
  });

  it('stores feedback, raises the bar for the series, and re-judges a restated day', async () => {
    const cw = labels.find((l) => l.service === 'AmazonCloudWatch')!;
    const a = all.find(
      (x) => x.dimension === 'service' && x.dimension_value === cw.service && overlaps(x, cw),
    );
    const fb = await api.post(
      `/api/anomalies/${a.id}/feedback`,
      { feedback: 'no', note: 'debug logging, expected' },
      t.access_token,
    );
    expect(fb.status).toBe(200);
    expect(fb.body).toMatchObject({ feedback: 'no', feedback_note: 'debug logging, expected' });
    expect(fb.body.suppressed_by_feedback).toMatchObject({
      source_anomaly_id: a.id,
      factor: 2,
      held_back: false,
    });
    const bar = fb.body.suppressed_by_feedback.min_impact_usd;
    expect(bar).toBeCloseTo(2 * a.impact_usd, 1);
    expect((await api.get(`/api/anomalies/${a.id}`, t.access_token)).body.feedback).toBe('no');

    // Restate two settled days directly: CloudWatch gets a spike below the bar, SageMaker-free Lambda a big one.
    const small = addDays(cw.end_date, 3);
    const big = addDays(cw.end_date, 2);
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const insert = async (date: string, service: string, cost: number) =>
      db.query(
        `insert into cost_daily (tenant_id, usage_date, account_id, service, region, usage_type, charge_class,
           unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items)
         values ($1, $2, $3, $4, 'us-east-1', 'restated', 'usage', $5, $5, $5, $5, $5, 1, 1)`,
        [t.tenantId, date, ACCOUNT, service, cost],
      );
    const before = all.filter((x) => x.dimension === 'service' && x.dimension_value === 'AWSLambda');
    await insert(small, 'AmazonCloudWatch', Math.max(20, bar * 0.6));
    await insert(big, 'AWSLambda', 5000);
    await db.end();

    const run = await api.post('/api/anomalies/detect', {}, t.access_token);
    expect(run.status).toBe(202);
    expect(run.body.days_judged).toBeGreaterThan(0);

    const after = (await api.get('/api/anomalies?page_size=100&include_suppressed=true', t.access_token)).body
      .items;
    const lambda = after.filter(
      (x: any) => x.dimension === 'service' && x.dimension_value === 'AWSLambda' && x.start_date === big,
    );
    expect(before.some((x) => x.start_date === big)).toBe(false);
    expect(lambda).toHaveLength(1);
    expect(lambda[0].impact_usd).toBeGreaterThan(4000);
    expect(lambda[0].root_causes.find((c: any) => c.dimension === 'usage_type').key).toBe('restated');

    const held = after.find(
      (x: any) =>
        x.dimension === 'service' && x.dimension_value === 'AmazonCloudWatch' && x.start_date === small,
    );
    expect(held?.suppressed_by_feedback).toMatchObject({ source_anomaly_id: a.id, held_back: true });
    const listed = (await api.get('/api/anomalies?page_size=100', t.access_token)).body.items;
    expect(listed.some((x: any) => x.id === held.id)).toBe(false);
  });

  it('keeps tenants apart, lets viewers read only, and manages custom monitors', async () => {
    const other = await api.signup();
    const a = all[0];
    expect((await api.get(`/api/anomalies/${a.id}`, other.access_token)).status).toBe(404);
    expect(
      (await api.post(`/api/anomalies/${a.id}/feedback`, { feedback: 'yes' }, other.access_token)).status,
    ).toBe(404);
    expect((await api.get(`/api/anomalies?page_size=100`, other.access_token)).body.total).toBe(0);
    expect(
      (await api.patch(`/api/anomaly-monitors/${a.monitor_id}`, { enabled: false }, other.access_token))
        .status,
    ).toBe(404);

    const v = await api.signup();
    await api.addMember(t, v, 'viewer');
    const viewer = (
      await api.post('/api/auth/login', { email: v.email, password: v.password, tenant_id: t.tenantId })
    ).body;
    expect((await api.get(`/api/anomalies/${a.id}`, viewer.access_token)).status).toBe(200);
    expect((await api.post('/api/anomalies/detect', {}, viewer.access_token)).status).toBe(403);
    expect(
      (await api.post(`/api/anomalies/${a.id}/feedback`, { feedback: 'yes' }, viewer.access_token)).status,
    ).toBe(403);
    const body = { name: 'EC2 only', dimension: 'custom', filter: { services: ['AmazonEC2'] } };
    expect((await api.post('/api/anomaly-monitors', body, viewer.access_token)).status).toBe(403);

    const created = await api.post('/api/anomaly-monitors', body, t.access_token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'EC2 only',
      dimension: 'custom',
      enabled: true,
      is_default: false,
    });
    expect(
      (await api.post('/api/anomaly-monitors', { ...body, dimension: 'tag' }, t.access_token)).status,
    ).toBe(422);
    const bt = await api.get(`/api/anomalies/backtest?monitor=${created.body.id}`, t.access_token);
    expect(bt.body.alerts.every((x: any) => x.dimension_value === 'custom')).toBe(true);
    const ec2 = labels.filter((l) => l.service === 'AmazonEC2');
    expect(ec2.every((l) => bt.body.alerts.some((x: any) => overlaps(x, l)))).toBe(true);
    const patched = await api.patch(
      `/api/anomaly-monitors/${created.body.id}`,
      { enabled: false },
      t.access_token,
    );
    expect(patched.body.enabled).toBe(false);
    expect((await api.del(`/api/anomaly-monitors/${created.body.id}`, t.access_token)).status).toBe(204);
    expect((await api.del(`/api/anomaly-monitors/${created.body.id}`, t.access_token)).status).toBe(404);
  });
});
