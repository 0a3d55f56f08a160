import type { Browser } from 'playwright-core';
import { awsEnv, connectBody, ACCOUNT, ROLE, type AwsEnv } from '../apps/api/test/aws-env';
import { testApp, type Session, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

/** Waits until the tenant's sync runs are all finished (the backfill after connecting). */
async function settled(api: TestApp, token: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const runs = await api.get('/api/cur/sync-runs?page_size=100', token);
    const items = runs.body.items as { status: string }[];
    const active = items.filter((r) => r.status === 'queued' || r.status === 'running');
    if (items.length > 0 && active.length === 0) return;
    if (Date.now() > deadline) throw new Error(`runs did not finish: ${JSON.stringify(items)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('journey: review an anomaly and give feedback', () => {
  let env: AwsEnv;
  let api: TestApp;
  let browser: Browser;
  let user: Session;
  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 100, rowsPerDay: 40 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_BACKFILL_MONTHS: '6' });
    user = await api.signup();
    const conn = await api.get('/api/tenants/connection', user.access_token);
    const role = `${ROLE}-anomaly-e2e`;
    env.aws.setRole(ACCOUNT, role, { external_id: conn.body.external_id });
    const body = connectBody(conn.body.external_id, { aws_role_arn: `arn:aws:iam::${ACCOUNT}:role/${role}` });
    const res = await api.post('/api/tenants/connect', body, user.access_token);
    if (res.status !== 200) throw new Error(`connect failed: ${JSON.stringify(res.body)}`);
    await settled(api, user.access_token);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.close();
  });

  it('lists anomalies, shows one with its root causes, and records "No"', async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(`${api.url}/login`);
    await byTestId(page, 'login-email').fill(user.email);
    await byTestId(page, 'login-password').fill(user.password);
    await byTestId(page, 'login-submit').click();
    await page.waitForURL('**/dashboard');
    await byTestId(page, 'nav-anomalies').click();
    await page.waitForURL('**/anomalies');

    await byTestId(page, 'anomalies-table').waitFor({ timeout: 15000 });
    const rows = byTestId(page, 'anomaly-row');
    expect(await rows.count()).toBeGreaterThan(0);
    await byTestId(page, 'anomalies-detect').waitFor();

    await rows.first().locator('[data-testid="anomaly-link"]').click();
    await page.waitForURL('**/anomalies/*');
    const causes = byTestId(page, 'anomaly-root-causes');
    await causes.waitFor({ timeout: 15000 });
    expect((await causes.innerText()).length).toBeGreaterThan(0);
    await byTestId(page, 'anomaly-detail-chart').locator('canvas').first().waitFor({ timeout: 15000 });
    expect(await byTestId(page, 'anomaly-feedback-state').innerText()).toContain('No feedback yet');

    await byTestId(page, 'anomaly-feedback-no').click();
    const state = byTestId(page, 'anomaly-feedback-state');
    for (let i = 0; i < 100 && (await state.getAttribute('data-feedback')) !== 'no'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await state.getAttribute('data-feedback')).toBe('no');
    expect(await state.innerText()).toContain('Not an anomaly');
    expect(await byTestId(page, 'anomaly-suppression').innerText()).toContain("won't alert");
    expect(errors).toEqual([]);
  });
});
