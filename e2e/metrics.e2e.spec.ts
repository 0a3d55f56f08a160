import type { Browser } from 'playwright-core';
import { awsEnv, connectedTenant, type AwsEnv } from '../apps/api/test/aws-env';
import { testApp, type Session, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

describe('journey: watch a CloudWatch metric and see its chart', () => {
  let env: AwsEnv;
  let api: TestApp;
  let browser: Browser;
  let user: Session;
  beforeAll(async () => {
    env = await awsEnv({ days: 5, rowsPerDay: 20 });
    api = await testApp({ ...env.apiEnv, METRICS_COLLECT_CRON: '0 0 1 1 *' });
    user = await connectedTenant(api, env);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.close();
  });

  it('discovers an EC2 metric, adds it, collects, and opens its chart', async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(`${api.url}/login`);
    await byTestId(page, 'login-email').fill(user.email);
    await byTestId(page, 'login-password').fill(user.password);
    await byTestId(page, 'login-submit').click();
    await page.waitForURL('**/dashboard');
    await byTestId(page, 'nav-metrics').click();
    await page.waitForURL('**/metrics');
    await byTestId(page, 'metrics-empty').waitFor({ timeout: 15000 });

    await byTestId(page, 'metrics-discover').click();
    await byTestId(page, 'discover-namespace').fill('AWS/EC2');
    await byTestId(page, 'discover-search').fill('CPU');
    await byTestId(page, 'discover-find').click();
    await byTestId(page, 'discover-item').first().waitFor({ timeout: 15000 });
    await byTestId(page, 'discover-add').first().click();
    await byTestId(page, 'discover-watched').first().waitFor({ timeout: 15000 });
    await byTestId(page, 'discover-close').click();

    await byTestId(page, 'metrics-table').waitFor({ timeout: 15000 });
    expect(await byTestId(page, 'metric-link').count()).toBe(1);
    await byTestId(page, 'metrics-collect').click();
    const last = byTestId(page, 'metric-last-value').first();
    for (let i = 0; i < 100 && (await last.innerText()).trim() === '—'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await last.innerText()).trim()).not.toBe('—');
    expect(await byTestId(page, 'metrics-stats-calls').innerText()).toBe('1');

    await byTestId(page, 'metric-link').first().click();
    await page.waitForURL('**/metrics/*');
    await byTestId(page, 'metric-points-count').waitFor({ timeout: 15000 });
    expect(await byTestId(page, 'metric-points-count').innerText()).toMatch(/^\d+ points/);
    await byTestId(page, 'metric-chart').locator('canvas').first().waitFor({ timeout: 15000 });
    await byTestId(page, 'metric-range-7d').click();
    await byTestId(page, 'metric-chart').locator('canvas').first().waitFor({ timeout: 15000 });
    expect(errors).toEqual([]);
  });
});
