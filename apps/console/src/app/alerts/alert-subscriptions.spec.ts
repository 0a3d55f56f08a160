import { HarnessLoader, manualChangeDetection } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSlideToggleHarness } from '@angular/material/slide-toggle/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import type { AlertSubscription, AlertSubscriptionPage, Role } from '@cost-optimizer/dto';
import { errorBody, http, provideTestApp, withSession } from '../../testing/test-providers';
import { AlertSubscriptions } from './alert-subscriptions';

const EMAIL_ID = '44444444-4444-4444-8444-444444444444';
const HOOK_ID = '55555555-5555-4555-8555-555555555555';
const MONITOR_ID = '77777777-7777-4777-8777-777777777777';
const WATCH_ID = '66666666-6666-4666-8666-666666666666';
const LIST_URL = '/api/alert-subscriptions?page=1&page_size=100';

function subscription(overrides: Partial<AlertSubscription> = {}): AlertSubscription {
  return {
    id: EMAIL_ID,
    name: 'FinOps mail',
    channel: 'email',
    recipients: ['finops@example.com'],
    pending_recipients: [],
    url_masked: null,
    has_signing_secret: false,
    min_impact_usd: 100,
    min_impact_pct: 20,
    threshold_mode: 'and',
    frequency: 'immediate',
    monitor_ids: [],
    include_metric_anomalies: true,
    metric_watch_ids: [],
    include_drops: false,
    enabled: true,
    last_delivery: {
      id: '88888888-8888-4888-8888-888888888888',
      status: 'sent',
      at: new Date(Date.now() - 5 * 60_000).toISOString(),
      error: null,
    },
    pending_digest: 0,
    created_at: '2026-11-20T10:00:00.000Z',
    updated_at: '2026-11-20T10:00:00.000Z',
    ...overrides,
  };
}

const webhook = (overrides: Partial<AlertSubscription> = {}) =>
  subscription({
    id: HOOK_ID,
    name: 'Ops hook',
    channel: 'webhook',
    recipients: [],
    url_masked: 'https://hooks.example.com/…',
    has_signing_secret: true,
    min_impact_usd: null,
    min_impact_pct: 50,
    threshold_mode: 'or',
    frequency: 'daily',
    monitor_ids: [MONITOR_ID],
    include_metric_anomalies: false,
    last_delivery: {
      id: '99999999-9999-4999-8999-999999999999',
      status: 'queued',
      at: new Date().toISOString(),
      error: { step: 'http', message: 'hooks.example.com answered HTTP 500' },
    },
    pending_digest: 2,
    ...overrides,
  });

const page = (items: AlertSubscription[]): AlertSubscriptionPage => ({
  items,
  total: items.length,
  page: 1,
  page_size: 100,
});

describe('AlertSubscriptions', () => {
  let fixture: ComponentFixture<AlertSubscriptions>;
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function open(role: Role = 'owner', items: AlertSubscription[] = [subscription(), webhook()]) {
    localStorage.clear();
    TestBed.configureTestingModule({ providers: [provideTestApp()] });
    withSession({ role });
    fixture = TestBed.createComponent(AlertSubscriptions);
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    TestBed.tick();
    http().expectOne(LIST_URL).flush(page(items));
    await fixture.whenStable();
  }

  afterEach(() => http().verify());

  const el = () => fixture.nativeElement as HTMLElement;
  const button = (id: string) =>
    loader.getHarness(MatButtonHarness.with({ selector: `[data-testid=${id}]` }));
  const rootButton = (id: string) =>
    root.getHarness(MatButtonHarness.with({ selector: `[data-testid=${id}]` }));
  const input = (id: string) => root.getHarness(MatInputHarness.with({ selector: `[data-testid=${id}]` }));

  /** The list reloads after a change (a closing dialog reports it a few ticks later). */
  async function reloadWith(items: AlertSubscription[]) {
    for (let i = 0; i < 50; i++) {
      TestBed.tick();
      const pending = http().match(LIST_URL);
      if (pending.length > 0) {
        for (const r of pending) r.flush(page(items));
        await fixture.whenStable();
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the list was not reloaded');
  }

  /** Opens the dialog (it loads monitors and metric watches for its pickers) and answers those requests. */
  async function openDialog(click: () => Promise<void>) {
    await manualChangeDetection(click);
    TestBed.tick();
    const watches = http().expectOne((r) => r.url === '/api/metric-watches');
    expect(watches.request.params.get('page_size')).toBe('100');
    watches.flush({
      items: [
        {
          id: WATCH_ID,
          namespace: 'AWS/NATGateway',
          metric_name: 'BytesOutToDestination',
          dimensions: [{ name: 'NatGatewayId', value: 'nat-0abc' }],
          stat: 'Sum',
          period: 300,
          region: 'eu-west-1',
          label: 'NAT bytes out',
          cost_service: 'AmazonEC2',
          preset: 'nat_bytes',
          enabled: true,
          last_ts: null,
          last_value: null,
          sparkline: [],
          open_anomalies: 0,
          created_at: '2026-11-01T00:00:00.000Z',
        },
      ],
      total: 1,
      page: 1,
      page_size: 100,
    });
    http()
      .expectOne('/api/anomaly-monitors')
      .flush({
        items: [
          {
            id: MONITOR_ID,
            name: 'Per service',
            dimension: 'service',
            filter: {},
            enabled: true,
            is_default: true,
            created_at: '2026-11-01T00:00:00.000Z',
          },
        ],
      });
    await fixture.whenStable();
  }

  it('explains what alerts are when there is none yet', async () => {
    await open('owner', []);
    const empty = el().querySelector('[data-testid=alerts-empty]');
    expect(empty?.textContent).toContain('email, Slack or a signed webhook');
    expect(empty?.textContent).toContain('again only when its impact keeps growing');
    expect(el().querySelector('[data-testid=alert-create]')).not.toBeNull();
  });

  it('lists channel, masked target, thresholds, frequency, monitors and the last delivery', async () => {
    await open();
    const table = await loader.getHarness(MatTableHarness);
    const rows = await Promise.all(
      (await table.getRows()).map(async (r) =>
        (await r.getCellTextByIndex()).map((t) => t.replace(/\s+/g, ' ').trim()),
      ),
    );
    expect(rows[0]?.slice(0, 6)).toEqual([
      'FinOps mail',
      'Email',
      'finops@example.com',
      '$100.00 and 20 %',
      'Immediately',
      'All monitors · all metrics',
    ]);
    expect(rows[0]?.[6]).toMatch(/^Sent 5 minutes ago/);
    expect(rows[1]?.slice(0, 6)).toEqual([
      'Ops hook',
      'Webhook',
      'https://hooks.example.com/…',
      '50 %',
      'Daily digest 2 waiting',
      '1 monitor · no metrics',
    ]);
    expect(rows[1]?.[6]).toContain('Retrying');
    expect(el().querySelectorAll('[data-testid=alert-last-error]')[0]?.textContent).toContain('HTTP 500');
    // Only webhooks have a secret to rotate.
    expect(el().querySelectorAll('[data-testid=alert-rotate]')).toHaveLength(1);
  });

  it('lets viewers read but not change anything', async () => {
    await open('viewer');
    expect(el().querySelectorAll('[data-testid=alert-row]')).toHaveLength(2);
    expect(el().querySelector('[data-testid=alert-create]')).toBeNull();
    expect(el().querySelector('[data-testid=alert-test]')).toBeNull();
    expect(el().querySelector('[data-testid=alert-delete]')).toBeNull();
  });

  it('creates a webhook subscription after validating the form, then shows the secret once', async () => {
    await open('owner', []);
    await openDialog(async () => (await button('alert-create')).click());
    await (await input('alert-name')).setValue('Ops hook');
    const channel = await root.getHarness(MatSelectHarness.with({ selector: '[data-testid=alert-channel]' }));
    await channel.open();
    await channel.clickOptions({ text: 'Webhook' });
    await (await input('alert-min-usd')).setValue('');
    // Nothing is sent while the form is invalid: no URL, no threshold.
    await (await rootButton('alert-save')).click();
    expect(document.querySelector('[data-testid=alert-threshold-required]')).not.toBeNull();
    expect(document.querySelector('[data-testid=alert-url-required]')).not.toBeNull();
    await (await input('alert-url')).setValue('ftp://example.com/x');
    await (await rootButton('alert-save')).click();
    expect(document.body.textContent).toContain('Must be an https URL');

    await (await input('alert-url')).setValue('https://hooks.example.com/costs/abc');
    await (await input('alert-min-pct')).setValue('50');
    const monitors = await root.getHarness(
      MatSelectHarness.with({ selector: '[data-testid=alert-monitors]' }),
    );
    await monitors.open();
    await monitors.clickOptions({ text: 'Per service' });
    await (await rootButton('alert-save')).click();
    const req = http().expectOne('/api/alert-subscriptions');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      channel: 'webhook',
      url: 'https://hooks.example.com/costs/abc',
      name: 'Ops hook',
      min_impact_usd: null,
      min_impact_pct: 50,
      threshold_mode: 'or',
      frequency: 'immediate',
      monitor_ids: [MONITOR_ID],
      include_metric_anomalies: true,
      metric_watch_ids: [],
      include_drops: false,
      enabled: true,
    });
    req.flush(
      { ...webhook({ last_delivery: null }), signing_secret: 'whsec_abcdef0123456789' },
      { status: 201, statusText: 'Created' },
    );
    await reloadWith([webhook()]);
    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getText()).toContain('whsec_abcdef0123456789');
    expect(await dialog.getText()).toContain('shown only this once');
    expect(document.querySelector('[data-testid=alert-secret-copy]')).not.toBeNull();
    await (await rootButton('alert-secret-done')).click();
    expect(await root.getAllHarnesses(MatDialogHarness)).toHaveLength(0);
  });

  it('covers metric anomalies: the toggle, what the thresholds mean for them, and a watch picker', async () => {
    await open('owner', []);
    await openDialog(async () => (await button('alert-create')).click());
    await (await input('alert-name')).setValue('NAT watch');
    await (await input('alert-recipients')).setValue('ops@example.com');
    const toggle = await root.getHarness(
      MatSlideToggleHarness.with({ selector: '[data-testid=alert-include-metric]' }),
    );
    expect(await toggle.isChecked()).toBe(true);
    // The default $100 threshold alone: metric anomalies alert by severity; a % threshold takes over.
    const hint = () => document.querySelector('[data-testid=alert-metric-hint]')?.textContent ?? '';
    expect(hint()).toContain('medium or high severity');
    await (await input('alert-min-pct')).setValue('40');
    expect(hint()).toContain('at least 40 % from the expected value');
    expect(hint()).toContain('the $ threshold does not apply');
    const watches = await root.getHarness(
      MatSelectHarness.with({ selector: '[data-testid=alert-metric-watches]' }),
    );
    await watches.open();
    await watches.clickOptions({ text: 'NAT bytes out · eu-west-1' });
    await (await rootButton('alert-save')).click();
    const req = http().expectOne('/api/alert-subscriptions');
    expect(req.request.body).toMatchObject({
      channel: 'email',
      min_impact_usd: 100,
      min_impact_pct: 40,
      include_metric_anomalies: true,
      metric_watch_ids: [WATCH_ID],
    });
    req.flush(
      { ...subscription({ metric_watch_ids: [WATCH_ID] }), signing_secret: null },
      { status: 201, statusText: 'Created' },
    );
    await reloadWith([subscription({ metric_watch_ids: [WATCH_ID] })]);
    expect(el().textContent).toContain('All monitors · 1 metric watch');
  });

  it('turns metric anomalies off for a subscription (the watch picker goes away)', async () => {
    await open();
    await openDialog(async () =>
      (
        await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=alert-edit]' }))
      )[0]!.click(),
    );
    expect(document.querySelector('[data-testid=alert-metric-watches]')).not.toBeNull();
    await (
      await root.getHarness(MatSlideToggleHarness.with({ selector: '[data-testid=alert-include-metric]' }))
    ).toggle();
    expect(document.querySelector('[data-testid=alert-metric-watches]')).toBeNull();
    await (await rootButton('alert-save')).click();
    const req = http().expectOne(`/api/alert-subscriptions/${EMAIL_ID}`);
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toMatchObject({ include_metric_anomalies: false, metric_watch_ids: [] });
    req.flush(subscription({ include_metric_anomalies: false }));
    await reloadWith([subscription({ include_metric_anomalies: false })]);
    expect(el().textContent).toContain('All monitors · no metrics');
  });

  it('alerts on drops only when asked: off by default, on for a subscription that opts in', async () => {
    await open();
    await openDialog(async () =>
      (
        await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=alert-edit]' }))
      )[0]!.click(),
    );
    const drops = await root.getHarness(
      MatSlideToggleHarness.with({ selector: '[data-testid=alert-include-drops]' }),
    );
    expect(await drops.getLabelText()).toBe('Also alert on drops');
    expect(await drops.isChecked()).toBe(false);
    expect(document.querySelector('[data-testid=alert-drops-hint]')?.textContent).toContain(
      'drops (spend that fell by half or more and stayed down) are only listed',
    );
    await drops.toggle();
    await (await rootButton('alert-save')).click();
    const req = http().expectOne(`/api/alert-subscriptions/${EMAIL_ID}`);
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toMatchObject({ include_drops: true });
    req.flush(subscription({ include_drops: true }));
    await reloadWith([subscription({ include_drops: true })]);
  });

  it('puts a refused URL from the server on the URL field', async () => {
    await open('owner', []);
    await openDialog(async () => (await button('alert-create')).click());
    await (await input('alert-name')).setValue('Slack');
    const channel = await root.getHarness(MatSelectHarness.with({ selector: '[data-testid=alert-channel]' }));
    await channel.open();
    await channel.clickOptions({ text: 'Slack' });
    await (await input('alert-url')).setValue('https://10.0.0.5/hook');
    await (await rootButton('alert-save')).click();
    http()
      .expectOne('/api/alert-subscriptions')
      .flush(
        errorBody('VALIDATION_FAILED', 'Invalid body: url', [
          { field: 'url', message: 'The address 10.0.0.5 is private: alerts only go to public addresses' },
        ]),
        { status: 400, statusText: 'Bad Request' },
      );
    await fixture.whenStable();
    expect(document.body.textContent).toContain('The address 10.0.0.5 is private');
    expect(await root.getAllHarnesses(MatDialogHarness)).toHaveLength(1);
  });

  it('edits a subscription with PATCH (the channel stays)', async () => {
    await open();
    await openDialog(async () =>
      (
        await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=alert-edit]' }))
      )[0]!.click(),
    );
    expect(await (await input('alert-recipients')).getValue()).toBe('finops@example.com');
    const channel = await root.getHarness(MatSelectHarness.with({ selector: '[data-testid=alert-channel]' }));
    expect(await channel.isDisabled()).toBe(true);
    await (await input('alert-recipients')).setValue('finops@example.com, oncall@example.com');
    await (await input('alert-min-usd')).setValue('250');
    await (await rootButton('alert-save')).click();
    const req = http().expectOne(`/api/alert-subscriptions/${EMAIL_ID}`);
    expect(req.request.method).toBe('PATCH');
    expect(req.request.body).toMatchObject({
      recipients: ['finops@example.com', 'oncall@example.com'],
      min_impact_usd: 250,
      min_impact_pct: 20,
      threshold_mode: 'and',
    });
    req.flush(
      subscription({ recipients: ['finops@example.com', 'oncall@example.com'], min_impact_usd: 250 }),
    );
    await reloadWith([subscription({ min_impact_usd: 250 })]);
    expect(el().textContent).toContain('$250.00 and 20 %');
  });

  it('sends a test and reports the result, or the failing step', async () => {
    await open();
    const tests = () =>
      loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=alert-test]' }));
    await manualChangeDetection(async () => (await tests())[0]!.click());
    const ok = http().expectOne(`/api/alert-subscriptions/${EMAIL_ID}/test`);
    expect(ok.request.method).toBe('POST');
    ok.flush({
      delivery_id: '88888888-8888-4888-8888-888888888888',
      status: 'sent',
      channel: 'email',
      detail: '250 OK: queued',
      confirmations_sent: 0,
      duration_ms: 40,
    });
    await reloadWith([subscription(), webhook()]);
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'Test alert sent to “FinOps mail” (250 OK: queued)',
    );

    await manualChangeDetection(async () => (await tests())[1]!.click());
    http()
      .expectOne(`/api/alert-subscriptions/${HOOK_ID}/test`)
      .flush(
        errorBody(
          'ALERT_DELIVERY_FAILED',
          'Test alert failed at step "http": hooks.example.com answered HTTP 500',
          { step: 'http' },
        ),
        { status: 502, statusText: 'Bad Gateway' },
      );
    await reloadWith([subscription(), webhook()]);
    const snack = await root.getHarness(MatSnackBarHarness);
    expect(await snack.getMessage()).toContain('Test failed: Test alert failed at step "http"');
    expect(await snack.getMessage()).toContain('HTTP 500');
  });

  it('shows recipients who have not confirmed, and what a test does for them', async () => {
    const pending = subscription({
      recipients: ['finops@example.com', 'cfo@example.com'],
      pending_recipients: ['cfo@example.com'],
    });
    await open('owner', [pending]);
    const marks = el().querySelectorAll('[data-testid=alert-pending]');
    expect(marks).toHaveLength(1);
    expect(marks[0]?.textContent?.trim()).toBe('Not confirmed yet: cfo@example.com');
    const test = async () =>
      manualChangeDetection(async () =>
        (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=alert-test]' }))).click(),
      );
    await test();
    http().expectOne(`/api/alert-subscriptions/${EMAIL_ID}/test`).flush({
      delivery_id: '88888888-8888-4888-8888-888888888888',
      status: 'sent',
      channel: 'email',
      detail: '250 OK: queued',
      confirmations_sent: 1,
      duration_ms: 40,
    });
    await reloadWith([pending]);
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'Test alert sent to “FinOps mail” (250 OK: queued); confirmation emailed again to 1 unconfirmed recipient',
    );
    await test();
    http()
      .expectOne(`/api/alert-subscriptions/${EMAIL_ID}/test`)
      .flush(
        errorBody('RATE_LIMITED', 'At most 10 test alerts per hour for your company; try again in 1200 s'),
        {
          status: 429,
          statusText: 'Too Many Requests',
        },
      );
    await reloadWith([pending]);
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'Test failed: At most 10 test alerts per hour for your company; try again in 1200 s',
    );
  });

  it('deletes after confirmation and rotates a webhook secret', async () => {
    await open();
    await (
      await loader.getAllHarnesses(MatButtonHarness.with({ selector: '[data-testid=alert-delete]' }))
    )[0]!.click();
    expect(await (await root.getHarness(MatDialogHarness)).getText()).toContain('FinOps mail');
    await (await rootButton('confirm-ok')).click();
    const del = http().expectOne(`/api/alert-subscriptions/${EMAIL_ID}`);
    expect(del.request.method).toBe('DELETE');
    del.flush(null, { status: 204, statusText: 'No Content' });
    await reloadWith([webhook()]);
    expect(el().querySelectorAll('[data-testid=alert-row]')).toHaveLength(1);

    await (await button('alert-rotate')).click();
    await (await rootButton('confirm-ok')).click();
    const rotate = http().expectOne(`/api/alert-subscriptions/${HOOK_ID}/rotate-secret`);
    expect(rotate.request.method).toBe('POST');
    rotate.flush({ ...webhook(), signing_secret: 'whsec_rotated000' });
    await fixture.whenStable();
    expect(await (await root.getHarness(MatDialogHarness)).getText()).toContain('whsec_rotated000');
  });
});
