import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { awsEnv, connectedTenant, syncsSettled, type AwsEnv } from './aws-env';
import { addCurSeries, wobble } from './cur-scenario';
import { testApp, type Session, type TestApp } from './harness';

const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const top = (a: any, dim: string): string | undefined =>
  a.root_causes.find((c: { dimension: string }) => c.dimension === dim)?.key;

/**
 * Issue #16 on a CUR the sample generator wrote plus four series of our own, synced through the real SDK from the
 * local AWS endpoint and judged by the default monitors:
 * - DynamoDB storage (USE1-TimedStorage-ByteHrs) in account B triples 24 days before the end (+$12/day), while the
 *   same usage type in account A ($200/day) stays flat: diluted below 10 % in the service, ~2 % of the total;
 * - Kinesis starts in account A 40 days before the end (a series that appears after the data starts);
 * - Glue DPU hours in account B stop 5 days before the end (a drop);
 * - every other series exists on the first day of the data (the CUR starts mid-series).
 */
describe('anomaly granularity, first day and drops (default monitors)', () => {
  let env: AwsEnv;
  let api: TestApp;
  let t: Session & { tenantId: string };
  let hook: Server;
  let hookUrl: string;
  let start: string;
  let end: string;
  let accountA: string;
  let accountB: string;
  let shift: string;
  let kinesisFrom: string;
  let dropFrom: string;
  let all: any[];

  const list = async (query = '') =>
    (
      await api.get(
        `/api/anomalies?page_size=100&include_suppressed=true&include_grouped=true${query}`,
        t.access_token,
      )
    ).body.items as any[];

  beforeAll(async () => {
    // 80 days: shorter than the 90 days judged, so the first day of data is judged too.
    env = await awsEnv({ format: 'legacy', days: 80, rowsPerDay: 40 });
    start = env.sample.expected.start_date;
    end = env.sample.expected.end_date;
    [accountA, accountB] = env.sample.expected.usage_account_ids as [string, string];
    shift = addDays(end, -24);
    kinesisFrom = addDays(end, -40);
    dropFrom = addDays(end, -5);
    await addCurSeries(env, [
      {
        account: accountA,
        service: 'AmazonDynamoDB',
        usageType: 'USE1-TimedStorage-ByteHrs',
        region: 'us-east-1',
        cost: (_, i) => 200 * wobble(i),
      },
      {
        account: accountB,
        service: 'AmazonDynamoDB',
        usageType: 'USE1-TimedStorage-ByteHrs',
        region: 'us-east-1',
        cost: (d, i) => (d >= shift ? 18 : 6) * wobble(i + 7),
      },
      {
        account: accountA,
        service: 'AmazonKinesis',
        usageType: 'USE1-ShardHour',
        region: 'us-east-1',
        cost: (d, i) => (d >= kinesisFrom ? 30 * wobble(i + 3) : 0),
      },
      {
        account: accountB,
        service: 'AWSGlue',
        usageType: 'USE1-ETL-DPU-Hour',
        region: 'us-east-1',
        cost: (d, i) => (d >= dropFrom ? 0 : 60 * wobble(i + 11)),
      },
    ]);
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    api = await testApp({
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      CUR_BACKFILL_MONTHS: '6',
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_PORTS: '1024-65535',
      ALERT_WORKER_POLL_MS: '200',
    });
    t = await connectedTenant(api, env);
    const run = await syncsSettled(api, t.access_token);
    expect(run.status).toBe('succeeded');
    // Detection runs after the sync; on demand it waits for it (one detection of a tenant at a time).
    expect((await api.post('/api/anomalies/detect', {}, t.access_token)).status).toBe(202);
    all = await list();
  });
  afterAll(async () => {
    await api?.close();
    await env?.close();
    await new Promise<void>((r) => (hook ? hook.close(() => r()) : r()));
  });

  it('raises nothing on the first day of a CUR that starts mid-series, and no series present then is new', () => {
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((a) => a.start_date === start)).toEqual([]);
    const newServices = new Set(
      env.sample.labels.filter((l) => l.kind === 'new_service').map((l) => l.service),
    );
    newServices.add('AmazonKinesis');
    const fresh = all.filter((a) => a.change_kind === 'new_series');
    expect(fresh.length).toBeGreaterThan(0);
    for (const a of fresh)
      expect({ id: a.id, start: a.start_date, fresh: newServices.has(top(a, 'service') ?? '') }).toEqual({
        id: a.id,
        start: a.start_date,
        fresh: true,
      });
  });

  it('finds a level shift in one account usage type under the default monitors, with that account and usage type first', async () => {
    // The tenant's usage barely moves: +$12/day (about 2 %).
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const mean = await db
      .query<{ v: number }>(
        `select avg(s)::float8 as v from (select usage_date, sum(net_amortized) as s from cost_daily
          where tenant_id = $1 and charge_class = 'usage' group by 1) x`,
        [t.tenantId],
      )
      .finally(() => db.end());
    expect(12 / mean.rows[0]!.v).toBeLessThan(0.035);
    const listed = all.filter((a) => !a.grouped_into && !a.suppressed_by_feedback?.held_back);
    const found = listed.filter(
      (a) =>
        a.start_date <= addDays(shift, 4) &&
        a.end_date >= shift &&
        top(a, 'account') === accountB &&
        top(a, 'usage_type') === 'USE1-TimedStorage-ByteHrs',
    );
    expect(found).toHaveLength(1);
    const [shiftEp] = found;
    expect(top(shiftEp, 'service')).toBe('AmazonDynamoDB');
    // Found by the new default monitors (the service series does not see it).
    expect(['service_account', 'account_usage_type']).toContain(shiftEp.dimension);
    expect(shiftEp.dimension_value).toContain(accountB);
    expect(shiftEp.change_kind).toBe('level_shift');
    expect(shiftEp.impact_usd).toBeGreaterThan(0);
    // Listed at most twice (here once), the other series that saw it grouped into it.
    const aboutIt = listed.filter(
      (a) =>
        a.start_date <= addDays(shift, 4) && a.end_date >= shift && top(a, 'service') === 'AmazonDynamoDB',
    );
    expect(aboutIt.length).toBeLessThanOrEqual(2);
    const detail = await api.get(`/api/anomalies/${shiftEp.id}`, t.access_token);
    expect(detail.status).toBe(200);
    expect(detail.body.grouped.length).toBe(shiftEp.grouped_count);
    for (const g of detail.body.grouped) expect(g.dimension_value).not.toContain(accountA);
    const byKind = await api.get('/api/anomalies?change_kind=level_shift&page_size=100', t.access_token);
    expect(byKind.body.items.some((a: any) => a.id === shiftEp.id)).toBe(true);
    expect(byKind.body.items.every((a: any) => a.change_kind === 'level_shift')).toBe(true);
  });

  it('calls a series that appears after the start new_series', () => {
    const kinesis = all.filter(
      (a) => !a.grouped_into && a.change_kind === 'new_series' && top(a, 'service') === 'AmazonKinesis',
    );
    expect(kinesis).toHaveLength(1);
    expect(kinesis[0]).toMatchObject({ start_date: kinesisFrom, dimension: 'service' });
  });

  it('lists a drop as its own kind, alerts on it only for subscriptions that opt in', async () => {
    const drops = all.filter(
      (a) => !a.grouped_into && a.change_kind === 'drop' && top(a, 'usage_type') === 'USE1-ETL-DPU-Hour',
    );
    expect(drops).toHaveLength(1);
    const [drop] = drops;
    expect(drop).toMatchObject({ status: 'open', start_date: addDays(dropFrom, 1) });
    expect(drop.impact_usd).toBeLessThan(-60);
    expect(top(drop, 'account')).toBe(accountB);

    const create = (name: string, extra: object) =>
      api.post(
        '/api/alert-subscriptions',
        { channel: 'webhook', name, url: hookUrl, min_impact_usd: 20, frequency: 'immediate', ...extra },
        t.access_token,
      );
    const rises = await create('Rises only', {});
    expect(rises.status).toBe(201);
    expect(rises.body.include_drops).toBe(false);
    const both = await create('Rises and drops', { include_drops: true });
    expect(both.body.include_drops).toBe(true);
    const later = await create('Drops later', {});
    const patched = await api.patch(
      `/api/alert-subscriptions/${later.body.id}`,
      { include_drops: true },
      t.access_token,
    );
    expect(patched.body.include_drops).toBe(true);

    // Detection runs the alert producer after it (nothing new to judge here).
    expect((await api.post('/api/anomalies/detect', {}, t.access_token)).status).toBe(202);
    const alerted = async (id: string) =>
      (
        (await api.get(`/api/alert-subscriptions/${id}/deliveries?page_size=100`, t.access_token)).body
          .items as { anomaly_ids: string[] }[]
      ).flatMap((d) => d.anomaly_ids);
    const open = all.filter((a) => a.status === 'open' && !a.grouped_into && a.kind === 'cost');
    const openRise = open.find((a) => a.change_kind !== 'drop' && a.impact_usd >= 20);
    const rising = await alerted(rises.body.id);
    expect(rising).not.toContain(drop.id);
    if (openRise) expect(rising).toContain(openRise.id);
    expect(await alerted(both.body.id)).toContain(drop.id);
    expect(await alerted(later.body.id)).toContain(drop.id);
    // Grouped episodes never alert on their own.
    const grouped = new Set(all.filter((a) => a.grouped_into).map((a) => a.id));
    expect((await alerted(both.body.id)).filter((id) => grouped.has(id))).toEqual([]);
  });

  it('judges again when older months arrive: a series that existed before is no longer new, day one stays quiet', async () => {
    // Older data arrives (as a backfill of earlier months would bring): Kinesis ran before the window too, and every
    // other series of account A had a month before.
    const older = addDays(start, -35);
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    try {
      await db.query(
        `insert into cost_daily (tenant_id, usage_date, account_id, service, region, usage_type, charge_class,
           unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items)
         select $1, d::date, $2, 'AmazonKinesis', 'us-east-1', 'USE1-ShardHour', 'usage', 30, 30, 30, 30, 30, 1, 1
           from generate_series($3::date, $4::date, interval '1 day') d`,
        [t.tenantId, accountA, older, addDays(kinesisFrom, -1)],
      );
      await db.query(
        `insert into cost_daily (tenant_id, usage_date, account_id, service, region, usage_type, charge_class,
           unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items)
         select c.tenant_id, c.usage_date - 35, c.account_id, c.service, c.region, c.usage_type, c.charge_class,
                c.unblended, c.net_unblended, c.amortized, c.net_amortized, c.public_on_demand, c.usage_quantity, c.line_items
           from cost_daily c
          where c.tenant_id = $1 and c.usage_date < $2::date + 35 and c.service <> 'AmazonKinesis'`,
        [t.tenantId, start],
      );
    } finally {
      await db.end();
    }
    const run = await api.post('/api/anomalies/detect', {}, t.access_token);
    expect(run.status).toBe(202);
    expect(run.body.days_judged).toBeGreaterThan(0);
    const after = await list();
    expect(
      after.filter((a) => top(a, 'service') === 'AmazonKinesis' && a.change_kind === 'new_series'),
    ).toEqual([]);
    expect(after.filter((a) => a.start_date === older || a.start_date === start)).toEqual([]);
    // The incidents that were real are still there.
    expect(
      after.some(
        (a) =>
          !a.grouped_into &&
          top(a, 'account') === accountB &&
          top(a, 'usage_type') === 'USE1-TimedStorage-ByteHrs',
      ),
    ).toBe(true);
  });
});
