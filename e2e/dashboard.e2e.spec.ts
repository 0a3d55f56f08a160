import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { awsEnv, ACCOUNT, ROLE, ROLE_ARN, type AwsEnv } from '../apps/api/test/aws-env';
import { testApp, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

const usd = (x: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(x);

describe('journey: connect, sync, see the dashboard', () => {
  let env: AwsEnv;
  let api: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 45, rowsPerDay: 40 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.close();
  });

  it("shows the sample's month-to-date and the 90-day chart after the first sync", async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(`${api.url}/signup`);
    await byTestId(page, 'signup-email').fill(`dash-${Date.now()}@example.com`);
    await byTestId(page, 'signup-password').fill('correct-horse-battery');
    await byTestId(page, 'signup-tenant-name').fill('Dash Corp');
    await byTestId(page, 'signup-submit').click();
    await page.waitForURL('**/dashboard');
    await byTestId(page, 'dashboard-connect-aws').click();
    await page.waitForURL('**/connect-aws');
    const externalId = (await byTestId(page, 'connect-external-id').innerText()).match(/co-[0-9a-f]{32}/)![0];
    env.aws.setRole(ACCOUNT, ROLE, { external_id: externalId });
    await byTestId(page, 'connect-role-arn').fill(ROLE_ARN);
    await byTestId(page, 'connect-region').fill('us-east-1');
    await byTestId(page, 'connect-athena-db').fill('cost_optimizer_cur_db');
    await byTestId(page, 'connect-athena-table').fill('cost_optimizer_cur_table');
    await byTestId(page, 'connect-save').click();
    await page.waitForURL('**/dashboard', { timeout: 30000 });

    // The first sync starts by itself after connecting; "Sync now" then runs another and the page follows it.
    await byTestId(page, 'sync-now').click();
    const status = byTestId(page, 'sync-status');
    await status.waitFor({ timeout: 15000 });
    for (let i = 0; i < 300 && (await status.getAttribute('data-status')) !== 'succeeded'; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await status.getAttribute('data-status')).toBe('succeeded');

    // Month to date in the tenant's default measure (net amortized), from the sample's own expected totals.
    const expected = JSON.parse(readFileSync(join(env.dir, 'expected.json'), 'utf8'));
    const end = expected.end_date as string;
    const mtd = Object.entries<Record<string, number>>(expected.daily)
      .filter(([d]) => d.slice(0, 7) === end.slice(0, 7) && d <= end)
      .reduce((s, [, v]) => s + v.net_amortized!, 0);
    const card = byTestId(page, 'dashboard-mtd');
    for (let i = 0; i < 100 && !(await card.innerText()).includes(usd(mtd)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await card.innerText()).toContain(usd(mtd));
    expect(await byTestId(page, 'dashboard-freshness').innerText()).toContain('Data through');
    const chart = byTestId(page, 'dashboard-chart');
    await chart.locator('canvas').first().waitFor({ timeout: 15000 });
    expect((await byTestId(page, 'dashboard-top-services').innerText()).length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
