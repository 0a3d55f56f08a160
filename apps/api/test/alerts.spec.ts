import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { awsEnv, connectedTenant, syncsSettled, ACCOUNT, type AwsEnv } from './aws-env';
import { spawnApi, testApp, until, type Session, type TestApp } from './harness';
import { smtpSink as sink, type SmtpSink } from './smtp-sink';

/** The alert tests' mail server: recipients starting with "reject" get a 550. */
const smtpSink = () => sink({ rejectPrefix: 'reject' });

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: any;
  /** The HMAC signature matched the path's secret (webhooks). */
  valid: boolean | null;
}

/**
 * A real HTTP receiver. /hook/*: checks the X-CostOptimizer-Signature HMAC with the secret registered for the
 * path; /flaky answers `flakyStatus`; /redirect sends a 302 to /metadata on itself (a private address).
 */
async function receiver() {
  const received: Received[] = [];
  const secrets = new Map<string, string>();
  const state = { flakyStatus: 500 };
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
            `sha256=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}` &&
          Math.abs(Date.now() / 1000 - Number(ts)) < 300
        : null;
      let body: unknown = null;
      try {
        body = JSON.parse(raw);
      } catch {
        /* not JSON */
      }
      received.push({ path, headers: req.headers, raw, body, valid });
      if (path === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/metadata` }).end();
      } else if (path === '/hook/many') {
        // A slow receiver: claims of the two processes overlap while batches are being sent.
        setTimeout(() => res.writeHead(200).end('ok'), 30);
      } else if (path.startsWith('/flaky')) {
        res.writeHead(state.flakyStatus, { 'content-type': 'text/plain' }).end('receiver is down');
      } else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    received,
    secrets,
    state,
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function sql(url: string, text: string, values: unknown[] = []) {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query(text, values)).rows;
  } finally {
    await db.end();
  }
}

type Smtp = SmtpSink;

/** The token of the newest confirmation email to `address`. */
function confirmationToken(smtp: Smtp, address: string): string {
  const mails = smtp.mails.filter((m) => m.to.includes(address) && /confirm-alerts\?token=/.test(m.text));
  const m = /confirm-alerts\?token=([\w-]+)/.exec(mails.at(-1)?.text ?? '');
  if (!m) throw new Error(`no confirmation email to ${address}`);
  return m[1]!;
}

/** The alert emails to `address` (not its confirmation emails). */
const alertMails = (smtp: Smtp, address: string) =>
  smtp.mails.filter((m) => m.to.includes(address) && !m.text.includes('confirm-alerts?token='));

/** Follows the newest confirmation link sent to `address`, as its owner would. */
async function confirmLatest(api: TestApp, smtp: Smtp, address: string) {
  const token = await until(`the confirmation email to ${address}`, () => {
    try {
      return confirmationToken(smtp, address);
    } catch {
      return null;
    }
  });
  const res = await api.post('/api/alert-recipients/confirm', { token });
  expect(res.status).toBe(200);
  expect(res.body.email).toBe(address);
  return res;
}

describe('alert subscriptions', () => {
  let env: AwsEnv;
  let smtp: Awaited<ReturnType<typeof smtpSink>>;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let api: TestApp;
  let t: Session & { tenantId: string };
  let serviceMonitor: string;
  let judged: string;

  const base = { min_impact_usd: 1000, frequency: 'immediate' };

  beforeAll(async () => {
    [env, smtp, rx] = await Promise.all([
      awsEnv({ format: 'legacy', days: 100, rowsPerDay: 40 }),
      smtpSink(),
      receiver(),
    ]);
    api = await testApp({
      ...env.apiEnv,
      CUR_WORKER_POLL_MS: '200',
      CUR_BACKFILL_MONTHS: '6',
      PUBLIC_URL: 'https://costs.example.com',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      ALERT_EMAIL_FROM: 'Cost Optimizer <alerts@example.com>',
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      // The receiver's port only: an allow-listed host is still held to the port list.
      ALERT_WEBHOOK_PORTS: String(rx.port),
      ALERT_WORKER_POLL_MS: '200',
      ALERT_RETRY_BASE_SECONDS: '1',
      ALERT_MAX_ATTEMPTS: '5',
      ALERT_SEND_TIMEOUT_MS: '3000',
      // Digests every 2 seconds, so the test sees one without waiting for 08:00.
      ALERT_DIGEST_DAILY_CRON: '*/2 * * * * *',
    });
    t = await connectedTenant(api, env);
    expect((await syncsSettled(api, t.access_token)).status).toBe('succeeded');
    // Detection on demand (it also follows the sync) creates the default monitors if it has not run yet.
    judged = (await api.post('/api/anomalies/detect', {}, t.access_token)).body.judged_through;
    const monitors = await api.get('/api/anomaly-monitors', t.access_token);
    serviceMonitor = monitors.body.items.find((m: { dimension: string }) => m.dimension === 'service').id;
    expect(judged).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([env?.close(), smtp?.close(), rx?.close()]);
  });

  /** Restates the judged day of AWSLambda with `cost` more usage, as a late CUR correction would. */
  async function addLambdaCost(cost: number) {
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    await db.query(
      `insert into cost_daily (tenant_id, usage_date, account_id, service, region, usage_type, charge_class,
         unblended, net_unblended, amortized, net_amortized, public_on_demand, usage_quantity, line_items)
       values ($1, $2, $3, 'AWSLambda', 'us-east-1', $4, 'usage', $5, $5, $5, $5, $5, 1, 1)`,
      [t.tenantId, judged, ACCOUNT, `alert-test-${cost}`, cost],
    );
    await db.end();
  }

  const deliveries = async (id: string) =>
    (await api.get(`/api/alert-subscriptions/${id}/deliveries?page_size=100`, t.access_token)).body
      .items as any[];

  it('delivers an episode once by email, Slack and signed webhook, a follow-up when it grows, and a digest', async () => {
    const create = (body: object) => api.post('/api/alert-subscriptions', body, t.access_token);
    const email = await create({
      ...base,
      channel: 'email',
      name: 'FinOps mail',
      recipients: ['FinOps@Example.com'],
      monitor_ids: [serviceMonitor],
    });
    expect(email.status).toBe(201);
    expect(email.body).toMatchObject({
      channel: 'email',
      recipients: ['finops@example.com'],
      pending_recipients: ['finops@example.com'],
      signing_secret: null,
    });
    // The address confirms through the link of its confirmation email before it gets any alert.
    await confirmLatest(api, smtp, 'finops@example.com');
    expect(
      (await api.get(`/api/alert-subscriptions/${email.body.id}`, t.access_token)).body.pending_recipients,
    ).toEqual([]);
    // An address that never confirms gets nothing but its confirmation email: its alert is cancelled.
    const unconfirmed = await create({
      ...base,
      channel: 'email',
      name: 'Nobody confirmed',
      recipients: ['silent@example.com'],
      monitor_ids: [serviceMonitor],
    });
    expect(unconfirmed.body.pending_recipients).toEqual(['silent@example.com']);
    const hook = await create({
      ...base,
      channel: 'webhook',
      name: 'Hook',
      url: rx.url('/hook/a'),
      monitor_ids: [serviceMonitor],
    });
    expect(hook.status).toBe(201);
    rx.secrets.set('/hook/a', hook.body.signing_secret);
    const slack = await create({
      ...base,
      channel: 'slack',
      name: 'Slack',
      url: rx.url('/slack'),
      monitor_ids: [serviceMonitor],
    });
    expect(slack.status).toBe(201);
    const digest = await create({
      ...base,
      channel: 'webhook',
      name: 'Daily digest',
      url: rx.url('/hook/digest'),
      frequency: 'daily',
      monitor_ids: [serviceMonitor],
    });
    rx.secrets.set('/hook/digest', digest.body.signing_secret);
    // A subscription of another monitor and one above the episode's impact stay silent.
    const total = (await api.get('/api/anomaly-monitors', t.access_token)).body.items.find(
      (m: { dimension: string }) => m.dimension === 'total',
    ).id;
    const otherMonitor = await create({
      ...base,
      channel: 'slack',
      name: 'Other',
      url: rx.url('/slack-other'),
      monitor_ids: [total],
      min_impact_usd: 100000,
    });
    expect(otherMonitor.status).toBe(201);
    const tooHigh = await create({
      channel: 'slack',
      name: 'High',
      url: rx.url('/slack-high'),
      min_impact_usd: 1e6,
    });
    expect(tooHigh.status).toBe(201);

    await addLambdaCost(5000);
    expect((await api.post('/api/anomalies/detect', {}, t.access_token)).status).toBe(202);
    const open = (await api.get('/api/anomalies?status=open&page_size=100', t.access_token)).body.items;
    const episode = open.find((a: any) => a.dimension === 'service' && a.dimension_value === 'AWSLambda');
    expect(episode).toBeDefined();
    expect(episode.impact_usd).toBeGreaterThan(4000);
    expect(episode.impact_usd).toBeLessThan(8000); // level 2 of a $1000 threshold

    // Email: subject and body carry impact, monitor, dimension value, dates, root causes and the link.
    const mail = await until('the alert email', () => alertMails(smtp, 'finops@example.com')[0]);
    expect(mail.text).toMatch(/^Subject: .*AWSLambda \+\$[\d,]+\.\d\d \(\+[\d.]+ %\), Per service/m);
    expect(mail.text).toContain(`https://costs.example.com/anomalies/${episode.id}`);
    expect(mail.text).toContain(`Dates: ${episode.start_date}`);
    expect(mail.text).toContain('Top root causes:');
    expect(mail.text).toContain(`usage_type alert-test-5000`);

    // Webhook: JSON with a valid HMAC signature over "<timestamp>.<body>".
    const got = await until('the webhook', () =>
      rx.at('/hook/a').find((r) => r.body?.type === 'anomaly.alert'),
    );
    expect(got.valid).toBe(true);
    expect(got.headers['x-costoptimizer-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(got.body.anomalies).toHaveLength(1);
    expect(got.body.anomalies[0]).toMatchObject({
      id: episode.id,
      url: `https://costs.example.com/anomalies/${episode.id}`,
      dimension_value: 'AWSLambda',
      level: 2,
      follow_up: false,
      monitor: { id: serviceMonitor, name: 'Per service', dimension: 'service' },
    });
    expect(got.body.anomalies[0].impact_usd).toBeCloseTo(episode.impact_usd, 2);

    // Slack: an incoming-webhook payload { text, blocks } with the link.
    const s = await until('the Slack message', () => rx.at('/slack')[0]);
    expect(typeof s.body.text).toBe('string');
    expect(s.body.text).toContain('AWSLambda');
    expect(Array.isArray(s.body.blocks)).toBe(true);
    expect(JSON.stringify(s.body.blocks)).toContain(`https://costs.example.com/anomalies/${episode.id}`);

    // The daily digest (every 2 s here): one message listing the episode.
    const dg = await until('the digest', () =>
      rx.at('/hook/digest').find((r) => r.body?.type === 'anomaly.digest'),
    );
    expect(dg.valid).toBe(true);
    expect(dg.body.anomalies.map((a: any) => a.id)).toEqual([episode.id]);
    expect(
      (await api.get(`/api/alert-subscriptions/${digest.body.id}`, t.access_token)).body.pending_digest,
    ).toBe(0);

    // Detection again (nothing changed): no second alert anywhere.
    expect((await api.post('/api/anomalies/detect', {}, t.access_token)).status).toBe(202);
    await sleep(2500);
    expect(alertMails(smtp, 'finops@example.com')).toHaveLength(1);
    expect(rx.at('/hook/a').filter((r) => r.body?.type === 'anomaly.alert')).toHaveLength(1);
    expect(rx.at('/slack')).toHaveLength(1);
    expect(rx.at('/hook/digest')).toHaveLength(1);
    expect(rx.at('/slack-other')).toHaveLength(0);
    expect(rx.at('/slack-high')).toHaveLength(0);
    expect(smtp.mails.filter((m) => m.to.includes('silent@example.com'))).toHaveLength(1);
    expect(smtp.mails.find((m) => m.to.includes('silent@example.com'))!.text).toMatch(
      /confirm-alerts\?token=/,
    );
    expect(await deliveries(unconfirmed.body.id)).toEqual([
      expect.objectContaining({
        kind: 'alert',
        status: 'cancelled',
        last_error: { step: 'config', message: 'No recipient has confirmed these alerts yet' },
      }),
    ]);
    const sent = await deliveries(hook.body.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'alert',
      status: 'sent',
      attempts: 1,
      level: 2,
      anomaly_ids: [episode.id],
      last_error: null,
    });
    expect(
      (await api.get(`/api/alert-subscriptions/${hook.body.id}`, t.access_token)).body.last_delivery,
    ).toMatchObject({
      status: 'sent',
      error: null,
    });

    // The episode grows past 8 x $1000: one follow-up at level 3.
    await addLambdaCost(10000);
    expect((await api.post('/api/anomalies/detect', {}, t.access_token)).status).toBe(202);
    const follow = await until(
      'the follow-up',
      () => rx.at('/hook/a').filter((r) => r.body?.type === 'anomaly.alert')[1],
    );
    expect(follow.valid).toBe(true);
    expect(follow.body.anomalies[0]).toMatchObject({ id: episode.id, level: 3, follow_up: true });
    expect(follow.body.anomalies[0].impact_usd).toBeGreaterThan(8000);
    const followMail = await until('the follow-up email', () => alertMails(smtp, 'finops@example.com')[1]);
    expect(followMail.text).toMatch(/^Subject: .*AWSLambda grew to \+\$/m);
  });

  it('retries a failing receiver with backoff, shows attempts and the last error, then succeeds', async () => {
    rx.state.flakyStatus = 500;
    const flaky = await api.post(
      '/api/alert-subscriptions',
      {
        channel: 'webhook',
        name: 'Flaky',
        url: rx.url('/flaky'),
        min_impact_usd: 1000,
        monitor_ids: [serviceMonitor],
      },
      t.access_token,
    );
    expect(flaky.status).toBe(201);
    await api.post('/api/anomalies/detect', {}, t.access_token);
    const failing = await until('a retried delivery', async () => {
      const d = (await deliveries(flaky.body.id))[0];
      return d && d.attempts >= 2 && d.status === 'queued' ? d : null;
    });
    // The status code only: the receiver's body is never echoed back.
    expect(failing.last_error).toEqual({ step: 'http', message: `127.0.0.1:${rx.port} answered HTTP 500` });
    expect(Date.parse(failing.next_attempt_at)).toBeGreaterThan(Date.parse(failing.created_at));
    const list = (await api.get('/api/alert-subscriptions?page_size=100', t.access_token)).body.items;
    expect(list.find((s: any) => s.id === flaky.body.id).last_delivery).toMatchObject({
      status: 'queued',
      error: { step: 'http' },
    });

    rx.state.flakyStatus = 204;
    const done = await until('the retry to succeed', async () => {
      const d = (await deliveries(flaky.body.id))[0];
      return d?.status === 'sent' ? d : null;
    });
    expect(done.attempts).toBeGreaterThanOrEqual(3);
    expect(done.sent_at).not.toBeNull();
    const hits = rx.at('/flaky');
    expect(hits.length).toBe(done.attempts);
    // Every attempt carried the same delivery id (receivers de-duplicate on it).
    expect(new Set(hits.map((h) => h.headers['x-costoptimizer-delivery'])).size).toBe(1);
  });

  it('never sends a delivery twice when several API processes share the outbox', async () => {
    const hook = await api.post(
      '/api/alert-subscriptions',
      { channel: 'webhook', name: 'Many', url: rx.url('/hook/many'), min_impact_usd: 1000 },
      t.access_token,
    );
    rx.secrets.set('/hook/many', hook.body.signing_secret);
    const second = await spawnApi(api.databaseUrl, {
      PUBLIC_URL: 'https://costs.example.com',
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_PORTS: String(rx.port),
      ALERT_WORKER_POLL_MS: '100',
    });
    try {
      // 40 due deliveries at once, copied from a real one; both processes poll the outbox.
      const db = new Client({ connectionString: api.databaseUrl });
      await db.connect();
      const inserted = await db.query(
        `insert into alert_delivery (id, tenant_id, subscription_id, kind, status, subject, items, level, attempts,
                                     max_attempts, next_attempt_at, created_at, updated_at)
         select gen_random_uuid(), d.tenant_id, $1, 'alert', 'queued', d.subject, d.items, d.level, 0, 5, now(), now(), now()
           from alert_delivery d, generate_series(1, 40)
          where d.id = (select id from alert_delivery where kind = 'alert' and status = 'sent' limit 1)
         returning id`,
        [hook.body.id],
      );
      await db.end();
      expect(inserted.rowCount).toBe(40);
      await until('all 40 sent', async () => {
        const d = await deliveries(hook.body.id);
        return d.length === 40 && d.every((x) => x.status === 'sent');
      });
      const got = rx.at('/hook/many');
      const ids = got.map((r) => r.headers['x-costoptimizer-delivery']);
      expect(got.every((r) => r.valid)).toBe(true);
      expect(new Set(ids).size).toBe(40);
      expect(ids).toHaveLength(40);
      expect((await deliveries(hook.body.id)).every((d) => d.attempts === 1)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('sends a test alert now and names the failing step when it fails', async () => {
    const hook = await api.post(
      '/api/alert-subscriptions',
      { channel: 'webhook', name: 'Test hook', url: rx.url('/hook/test'), min_impact_pct: 50 },
      t.access_token,
    );
    rx.secrets.set('/hook/test', hook.body.signing_secret);
    const ok = await api.post(`/api/alert-subscriptions/${hook.body.id}/test`, {}, t.access_token);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'sent', channel: 'webhook', detail: 'HTTP 200' });
    const r = rx.at('/hook/test')[0]!;
    expect(r).toMatchObject({ valid: true, body: { type: 'alert.test' } });

    // Rotating the secret: the new one signs, the old one no longer verifies.
    const rotated = await api.post(
      `/api/alert-subscriptions/${hook.body.id}/rotate-secret`,
      {},
      t.access_token,
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.signing_secret).toMatch(/^whsec_/);
    expect(rotated.body.signing_secret).not.toBe(hook.body.signing_secret);
    await api.post(`/api/alert-subscriptions/${hook.body.id}/test`, {}, t.access_token);
    expect(rx.at('/hook/test')[1]!.valid).toBe(false);
    rx.secrets.set('/hook/test', rotated.body.signing_secret);
    await api.post(`/api/alert-subscriptions/${hook.body.id}/test`, {}, t.access_token);
    expect(rx.at('/hook/test')[2]!.valid).toBe(true);

    const mail = await api.post(
      '/api/alert-subscriptions',
      { channel: 'email', name: 'Mail', recipients: ['ops@example.com'], min_impact_usd: 10 },
      t.access_token,
    );
    // Not confirmed yet: the test sends the confirmation again (a new link; the first stops working), no alert.
    const first = confirmationToken(smtp, 'ops@example.com');
    const unconfirmed = await api.post(`/api/alert-subscriptions/${mail.body.id}/test`, {}, t.access_token);
    expect(unconfirmed.status).toBe(422);
    expect(unconfirmed.body).toMatchObject({
      code: 'RECIPIENTS_UNCONFIRMED',
      details: { confirmations_sent: 1 },
    });
    expect(smtp.mails.filter((m) => m.to.includes('ops@example.com'))).toHaveLength(2);
    expect(
      smtp.mails.some((m) => m.to.includes('ops@example.com') && m.text.includes('This is a test alert')),
    ).toBe(false);
    expect((await api.post('/api/alert-recipients/confirm', { token: first })).status).toBe(404);
    await confirmLatest(api, smtp, 'ops@example.com');
    const mailOk = await api.post(`/api/alert-subscriptions/${mail.body.id}/test`, {}, t.access_token);
    expect(mailOk.status).toBe(200);
    expect(mailOk.body.confirmations_sent).toBe(0);
    expect(
      smtp.mails.find((m) => m.to.includes('ops@example.com') && m.text.includes('This is a test alert')),
    ).toBeDefined();

    // A receiver answering 500, an SMTP server refusing the recipient, a redirect (not followed).
    rx.state.flakyStatus = 500;
    const down = await api.post(
      '/api/alert-subscriptions',
      { channel: 'slack', name: 'Down', url: rx.url('/flaky/test'), min_impact_usd: 10 },
      t.access_token,
    );
    const failed = await api.post(`/api/alert-subscriptions/${down.body.id}/test`, {}, t.access_token);
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({
      code: 'ALERT_DELIVERY_FAILED',
      details: { step: 'http', error: expect.stringContaining('HTTP 500') },
    });
    expect(failed.body.message).toMatch(/step "http".*HTTP 500/);
    // Nothing the receiver said comes back (its body could be anything the URL serves).
    expect(JSON.stringify(failed.body)).not.toContain('receiver is down');
    expect(typeof failed.body.correlation_id).toBe('string');
    expect((await deliveries(down.body.id))[0]).toMatchObject({
      kind: 'test',
      status: 'failed',
      attempts: 1,
    });

    const refused = await api.post(
      '/api/alert-subscriptions',
      { channel: 'email', name: 'Refused', recipients: ['reject@example.com'], min_impact_usd: 10 },
      t.access_token,
    );
    // Its confirmation email was refused too; as if it had confirmed earlier and its mailbox went away since:
    await sql(
      api.databaseUrl,
      `update alert_recipient set confirmed_at = now() where email = 'reject@example.com'`,
    );
    const smtpFail = await api.post(`/api/alert-subscriptions/${refused.body.id}/test`, {}, t.access_token);
    expect(smtpFail.status).toBe(502);
    expect(smtpFail.body.details.step).toBe('smtp');
    expect(smtpFail.body.message).toMatch(/SMTP refused.*550/);

    const redirect = await api.post(
      '/api/alert-subscriptions',
      { channel: 'webhook', name: 'Redirect', url: rx.url('/redirect'), min_impact_usd: 10 },
      t.access_token,
    );
    const moved = await api.post(`/api/alert-subscriptions/${redirect.body.id}/test`, {}, t.access_token);
    expect(moved.status).toBe(502);
    expect(moved.body.details.step).toBe('http');
    expect(moved.body.message).toMatch(/HTTP 302.*redirects are not followed/);
    // The Location header is not echoed either.
    expect(JSON.stringify(moved.body)).not.toContain('/metadata');
    expect(JSON.stringify(await deliveries(redirect.body.id))).not.toContain('/metadata');
    expect(rx.at('/redirect')).toHaveLength(1);
    expect(rx.at('/metadata')).toHaveLength(0);
  });

  it('never shows a stored URL path or secret, and keeps them encrypted at rest', async () => {
    const token = randomBytes(12).toString('hex');
    const created = await api.post(
      '/api/alert-subscriptions',
      { channel: 'webhook', name: 'Secret hook', url: rx.url(`/hook/${token}`), min_impact_usd: 50 },
      t.access_token,
    );
    expect(created.status).toBe(201);
    const secret: string = created.body.signing_secret;
    expect(created.body.url_masked).toBe(`http://127.0.0.1:${rx.port}/…`);
    const slack = await api.post(
      '/api/alert-subscriptions',
      {
        channel: 'slack',
        name: 'Secret slack',
        url: rx.url(`/services/T0/B0/${token}x`),
        min_impact_usd: 50,
      },
      t.access_token,
    );
    for (const res of [
      await api.get(`/api/alert-subscriptions/${created.body.id}`, t.access_token),
      await api.get(`/api/alert-subscriptions/${slack.body.id}`, t.access_token),
      await api.get('/api/alert-subscriptions?page_size=100', t.access_token),
      await api.patch(`/api/alert-subscriptions/${created.body.id}`, { name: 'Renamed' }, t.access_token),
      await api.get(`/api/alert-subscriptions/${created.body.id}/deliveries`, t.access_token),
    ]) {
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      expect(text).not.toContain(token);
      expect(text).not.toContain(secret);
      expect(text).not.toContain('"signing_secret"');
    }
    expect((await api.get(`/api/alert-subscriptions/${created.body.id}`, t.access_token)).body).toMatchObject(
      {
        has_signing_secret: true,
        url_masked: `http://127.0.0.1:${rx.port}/…`,
      },
    );
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const rows = (
      await db.query('select * from alert_subscription where id = any($1)', [
        [created.body.id, slack.body.id],
      ])
    ).rows;
    await db.end();
    expect(rows).toHaveLength(2);
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(secret.slice(6));
    for (const r of rows) expect(r.url_sealed).toMatch(/^v1\.[\w-]{8}\./);
    expect(rows.find((r) => r.channel === 'webhook').secret_sealed).toMatch(/^v1\./);

    // The audit log records the channel changes for the tenant's owners, with neither the URL path nor the secret.
    await api.post(`/api/alert-subscriptions/${created.body.id}/rotate-secret`, {}, t.access_token);
    await api.del(`/api/alert-subscriptions/${slack.body.id}`, t.access_token);
    const audit = await api.get('/api/audit-events?page_size=100', t.access_token);
    expect(audit.status).toBe(200);
    const mine = audit.body.items.filter((e: any) => [created.body.id, slack.body.id].includes(e.target?.id));
    expect(mine.map((e: any) => e.action).sort()).toEqual([
      'alert_subscription.created',
      'alert_subscription.created',
      'alert_subscription.deleted',
      'alert_subscription.secret_rotated',
      'alert_subscription.updated',
    ]);
    expect(mine.every((e: any) => e.actor.email === t.email)).toBe(true);
    const logged = JSON.stringify(mine);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(secret);
  });

  it('validates fields, keeps tenants apart and lets viewers only read', async () => {
    const bad = async (body: object, field: string) => {
      const res = await api.post('/api/alert-subscriptions', body, t.access_token);
      expect({ field, status: res.status, code: res.body.code }).toEqual({
        field,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      return res;
    };
    await bad({ channel: 'email', name: 'No threshold', recipients: ['a@example.com'] }, 'min_impact_usd');
    await bad({ channel: 'email', name: 'x', recipients: [], min_impact_usd: 1 }, 'recipients');
    await bad(
      {
        channel: 'email',
        name: 'x',
        recipients: Array.from({ length: 21 }, (_, i) => `u${i}@example.com`),
        min_impact_usd: 1,
      },
      'recipients',
    );
    await bad(
      { channel: 'email', name: 'x', recipients: ['not-an-email'], min_impact_usd: 1 },
      'recipients.0',
    );
    await bad({ channel: 'sms', name: 'x', min_impact_usd: 1 }, 'channel');
    // A hostname is not an address: localhost resolves to loopback and is not in the allow-list.
    const local = await bad(
      { channel: 'webhook', name: 'x', url: `https://localhost:${rx.port}/x`, min_impact_usd: 1 },
      'url',
    );
    expect(local.body.details[0].message).toMatch(/localhost resolves to (127\.0\.0\.1|::1) \(loopback\)/);
    // An allow-listed host is still held to ALERT_WEBHOOK_PORTS (here the receiver's port only).
    const port = await bad(
      { channel: 'webhook', name: 'x', url: 'http://127.0.0.1:6379/x', min_impact_usd: 1 },
      'url',
    );
    expect(port.body.details[0].message).toMatch(/Port 6379 is not allowed/);

    const other = await api.signup();
    const otherMonitors = await api.post(
      '/api/anomaly-monitors',
      { name: 'Theirs', dimension: 'total' },
      other.access_token,
    );
    await bad(
      {
        channel: 'slack',
        name: 'x',
        url: rx.url('/slack'),
        min_impact_usd: 1,
        monitor_ids: [otherMonitors.body.id],
      },
      'monitor_ids',
    );

    const mine = await api.post(
      '/api/alert-subscriptions',
      {
        channel: 'slack',
        name: 'Mine',
        url: rx.url('/slack-mine'),
        min_impact_pct: 30,
        threshold_mode: 'and',
      },
      t.access_token,
    );
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({
      min_impact_usd: null,
      min_impact_pct: 30,
      threshold_mode: 'and',
      frequency: 'immediate',
      monitor_ids: [],
      enabled: true,
    });
    const patchBad = await api.patch(
      `/api/alert-subscriptions/${mine.body.id}`,
      { min_impact_pct: null },
      t.access_token,
    );
    expect(patchBad.status).toBe(400);
    expect(patchBad.body.details[0].field).toBe('min_impact_usd');
    expect(
      (
        await api.patch(
          `/api/alert-subscriptions/${mine.body.id}`,
          { recipients: ['a@example.com'] },
          t.access_token,
        )
      ).body.details[0].field,
    ).toBe('recipients');
    const patched = await api.patch(
      `/api/alert-subscriptions/${mine.body.id}`,
      { min_impact_usd: 250, min_impact_pct: null, frequency: 'weekly', enabled: false },
      t.access_token,
    );
    expect(patched.body).toMatchObject({
      min_impact_usd: 250,
      min_impact_pct: null,
      frequency: 'weekly',
      enabled: false,
    });

    // Another tenant's id answers exactly like a missing one.
    const missing = '00000000-0000-4000-8000-000000000001';
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['PATCH', '', { name: 'x' }],
      ['DELETE', '', undefined],
      ['POST', '/test', {}],
      ['POST', '/rotate-secret', {}],
      ['GET', '/deliveries', undefined],
    ] as const) {
      const theirs = await api.request(
        method,
        `/api/alert-subscriptions/${mine.body.id}${suffix}`,
        body,
        other.access_token,
      );
      const none = await api.request(
        method,
        `/api/alert-subscriptions/${missing}${suffix}`,
        body,
        other.access_token,
      );
      expect({ method, suffix, status: theirs.status }).toEqual({ method, suffix, status: 404 });
      expect({ code: theirs.body.code, message: theirs.body.message }).toEqual({
        code: none.body.code,
        message: none.body.message,
      });
    }
    expect((await api.get('/api/alert-subscriptions', other.access_token)).body.total).toBe(0);

    const v = await api.signup();
    await api.addMember(t, v, 'viewer');
    const viewer = (
      await api.post('/api/auth/login', { email: v.email, password: v.password, tenant_id: t.tenantId })
    ).body;
    expect((await api.get('/api/alert-subscriptions', viewer.access_token)).status).toBe(200);
    expect(
      (await api.get(`/api/alert-subscriptions/${mine.body.id}/deliveries`, viewer.access_token)).status,
    ).toBe(200);
    for (const [method, suffix, body] of [
      ['POST', '', { channel: 'slack', name: 'v', url: rx.url('/slack'), min_impact_usd: 1 }],
      ['PATCH', `/${mine.body.id}`, { name: 'v' }],
      ['DELETE', `/${mine.body.id}`, undefined],
      ['POST', `/${mine.body.id}/test`, {}],
      ['POST', `/${mine.body.id}/rotate-secret`, {}],
    ] as const) {
      const res = await api.request(method, `/api/alert-subscriptions${suffix}`, body, viewer.access_token);
      expect({ method, suffix, status: res.status }).toEqual({ method, suffix, status: 403 });
    }
    expect((await api.del(`/api/alert-subscriptions/${mine.body.id}`, t.access_token)).status).toBe(204);
    expect((await api.get(`/api/alert-subscriptions/${mine.body.id}`, t.access_token)).status).toBe(404);
  });
});

describe('alert subscriptions without SMTP or an allow-list', () => {
  let api: TestApp;
  let s: Session;
  beforeAll(async () => {
    api = await testApp();
    s = await api.signup();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses email until SMTP is configured, naming what to set', async () => {
    const res = await api.post(
      '/api/alert-subscriptions',
      { channel: 'email', name: 'Mail', recipients: ['a@example.com'], min_impact_usd: 10 },
      s.access_token,
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('EMAIL_NOT_CONFIGURED');
    expect(res.body.message).toContain('SMTP_URL');
    expect(res.body.message).toContain('ALERT_EMAIL_FROM');
  });

  it.each([
    ['http://127.0.0.1:9/hook', /https/],
    ['https://127.0.0.1/hook', /loopback/],
    ['https://10.0.0.5/hook', /private/],
    ['https://169.254.169.254/latest/meta-data/', /link-local/],
    ['https://[::1]/hook', /loopback/],
    ['https://[::ffff:127.0.0.1]/hook', /loopback/],
    ['https://[fd00::1]/hook', /unique-local/],
    ['https://100.64.0.1/hook', /cgnat/],
    ['https://localhost/hook', /localhost resolves to .* \(loopback\)/],
    ['ftp://example.com/hook', /ftp is not allowed/],
    ['https://user:pw@example.com/hook', /credentials/],
    // ALERT_WEBHOOK_PORTS (default 443,80): no other service's port, on any host.
    ['https://example.com:6379/hook', /Port 6379 is not allowed: alerts go to ports 443, 80/],
    ['https://93.184.215.14:25/hook', /Port 25 is not allowed/],
  ])('refuses the URL %s', async (url, why) => {
    for (const channel of ['webhook', 'slack']) {
      const res = await api.post(
        '/api/alert-subscriptions',
        { channel, name: 'x', url, min_impact_usd: 10 },
        s.access_token,
      );
      expect({ channel, status: res.status, code: res.body.code }).toEqual({
        channel,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details).toEqual([{ field: 'url', message: expect.stringMatching(why) }]);
    }
  });
});

describe('on-demand alert sends: confirmation and per-tenant limits', () => {
  let smtp: Smtp;
  let rx: Awaited<ReturnType<typeof receiver>>;
  let api: TestApp;
  let t: Session;
  beforeAll(async () => {
    [smtp, rx] = await Promise.all([smtpSink(), receiver()]);
    api = await testApp({
      PUBLIC_URL: 'https://costs.example.com',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      ALERT_EMAIL_FROM: 'Cost Optimizer <alerts@example.com>',
      ALERT_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      ALERT_WEBHOOK_PORTS: String(rx.port),
      ALERT_TEST_PER_HOUR: '3',
      ALERT_CONFIRMATIONS_PER_DAY: '5',
    });
    t = await api.signup({ tenant_name: 'Acme <b>Corp</b>' });
  });
  afterAll(async () => {
    await api?.close();
    await Promise.all([smtp?.close(), rx?.close()]);
  });

  it('mails only recipients who confirmed; a link works once and names the company', async () => {
    const sub = await api.post(
      '/api/alert-subscriptions',
      { channel: 'email', name: 'Two', recipients: ['a@example.com', 'b@example.com'], min_impact_usd: 1 },
      t.access_token,
    );
    expect(sub.status).toBe(201);
    expect(sub.body.pending_recipients).toEqual(['a@example.com', 'b@example.com']);
    const invite = await until('the confirmation email', () =>
      smtp.mails.find((m) => m.to.includes('a@example.com')),
    );
    expect(invite.text).toContain('https://costs.example.com/confirm-alerts?token=');
    expect(invite.text).toContain('Acme &lt;b&gt;Corp&lt;/b&gt;'); // escaped in the HTML part
    const token = confirmationToken(smtp, 'a@example.com');
    const ok = await api.post('/api/alert-recipients/confirm', { token });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ email: 'a@example.com', tenant_name: 'Acme <b>Corp</b>' });
    const again = await api.post('/api/alert-recipients/confirm', { token });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('NOT_FOUND');
    expect((await api.post('/api/alert-recipients/confirm', { token: 'x'.repeat(43) })).status).toBe(404);

    const test = await api.post(`/api/alert-subscriptions/${sub.body.id}/test`, {}, t.access_token);
    expect(test.status).toBe(200);
    expect(test.body.confirmations_sent).toBe(1); // b, again
    const tests = smtp.mails.filter((m) => m.text.includes('This is a test alert'));
    expect(tests).toHaveLength(1);
    expect(tests[0]!.to).toEqual(['a@example.com']);
    expect(
      (await api.get(`/api/alert-subscriptions/${sub.body.id}`, t.access_token)).body.pending_recipients,
    ).toEqual(['b@example.com']);
  });

  it('limits test alerts per tenant (ALERT_TEST_PER_HOUR), also across delete and re-create', async () => {
    const s = await api.signup();
    const hook = async () =>
      (
        await api.post(
          '/api/alert-subscriptions',
          { channel: 'webhook', name: 'Hook', url: rx.url('/hook/limit'), min_impact_usd: 1 },
          s.access_token,
        )
      ).body.id as string;
    const id = await hook();
    for (let i = 0; i < 3; i++)
      expect((await api.post(`/api/alert-subscriptions/${id}/test`, {}, s.access_token)).status).toBe(200);
    const limited = await api.post(`/api/alert-subscriptions/${id}/test`, {}, s.access_token);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.body.message).toMatch(/At most 3 test alerts per hour/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    // Deleting the subscription frees nothing.
    expect((await api.del(`/api/alert-subscriptions/${id}`, s.access_token)).status).toBe(204);
    const other = await hook();
    expect((await api.post(`/api/alert-subscriptions/${other}/test`, {}, s.access_token)).status).toBe(429);
    expect(rx.at('/hook/limit')).toHaveLength(3);
    // Concurrent tests cannot both take the last one: another tenant, 6 at once, 3 succeed.
    const u = await api.signup();
    const theirs = (
      await api.post(
        '/api/alert-subscriptions',
        { channel: 'webhook', name: 'Hook', url: rx.url('/hook/race'), min_impact_usd: 1 },
        u.access_token,
      )
    ).body.id;
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        api.post(`/api/alert-subscriptions/${theirs}/test`, {}, u.access_token),
      ),
    );
    expect(statuses.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
    expect(rx.at('/hook/race')).toHaveLength(3);
  });

  it('limits confirmation emails per tenant (ALERT_CONFIRMATIONS_PER_DAY): beyond, nothing is added or sent', async () => {
    const s = await api.signup();
    const five = ['r1', 'r2', 'r3', 'r4', 'r5'].map((r) => `${r}@example.net`);
    const before = smtp.mails.length;
    const sub = await api.post(
      '/api/alert-subscriptions',
      { channel: 'email', name: 'Five', recipients: five, min_impact_usd: 1 },
      s.access_token,
    );
    expect(sub.status).toBe(201);
    await until('5 confirmation emails', () => smtp.mails.length - before === 5);
    // The same addresses again cost nothing: each gets one confirmation per company.
    const same = await api.post(
      '/api/alert-subscriptions',
      { channel: 'email', name: 'Same', recipients: five.slice(0, 2), min_impact_usd: 1 },
      s.access_token,
    );
    expect(same.status).toBe(201);
    const more = await api.patch(
      `/api/alert-subscriptions/${sub.body.id}`,
      { recipients: [...five, 'r6@example.net'] },
      s.access_token,
    );
    expect(more.status).toBe(429);
    expect(more.body.message).toMatch(/At most 5 confirmation emails per day/);
    const created = await api.post(
      '/api/alert-subscriptions',
      { channel: 'email', name: 'Six', recipients: ['r6@example.net'], min_impact_usd: 1 },
      s.access_token,
    );
    expect(created.status).toBe(429);
    expect(smtp.mails.length - before).toBe(5);
    expect(
      (await api.get(`/api/alert-subscriptions/${sub.body.id}`, s.access_token)).body.recipients,
    ).toEqual(five);
    expect((await api.get('/api/alert-subscriptions', s.access_token)).body.total).toBe(2);
  });
});
