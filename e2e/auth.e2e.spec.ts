import type { Browser } from 'playwright-core';
import { testApp, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

describe('journey: sign up, see the shell, log out, log in', () => {
  let api: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    api = await testApp();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('works end to end in Chromium', async () => {
    const { page, errors } = await newPage(browser);
    const email = `journey-${Date.now()}@example.com`;

    await page.goto(`${api.url}/signup`);
    await byTestId(page, 'signup-email').fill(email);
    await byTestId(page, 'signup-password').fill('correct-horse-battery');
    await byTestId(page, 'signup-name').fill('Journey Tester');
    await byTestId(page, 'signup-tenant-name').fill('Journey Corp');
    await byTestId(page, 'signup-submit').click();

    await page.waitForURL('**/dashboard');
    await expectText(byTestId(page, 'tenant-name'), 'Journey Corp');
    for (const nav of ['nav-dashboard', 'nav-anomalies', 'nav-connect-aws', 'nav-settings']) {
      expect(await byTestId(page, nav).count()).toBe(1);
    }
    expect(await byTestId(page, 'nav-admin').count()).toBe(0);

    await byTestId(page, 'nav-settings').click();
    await page.waitForURL('**/settings');
    await expectValue(byTestId(page, 'settings-tenant-name'), 'Journey Corp');

    // A deep link survives a reload (the API serves index.html for console routes).
    await page.reload();
    await page.waitForURL('**/settings');
    await expectText(byTestId(page, 'tenant-name'), 'Journey Corp');

    await byTestId(page, 'user-menu').click();
    await byTestId(page, 'logout').click();
    await page.waitForURL('**/login**');
    await page.goto(`${api.url}/settings`);
    await page.waitForURL('**/login**');

    await byTestId(page, 'login-email').fill(email);
    await byTestId(page, 'login-password').fill('wrong-password-123');
    await byTestId(page, 'login-submit').click();
    await expect(
      page.getByText('Email or password is incorrect').first().waitFor({ timeout: 10000 }),
    ).resolves.toBeUndefined();

    await byTestId(page, 'login-password').fill('correct-horse-battery');
    await byTestId(page, 'login-submit').click();
    await page.waitForURL(/\/(dashboard|settings)/);
    await expectText(byTestId(page, 'tenant-name'), 'Journey Corp');
    expect(errors).toEqual([]);
  });
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  await locator.first().waitFor({ timeout: 15000 });
  for (let i = 0; i < 50; i++) {
    if ((await locator.first().innerText()).includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await locator.first().innerText()).toContain(text);
}

async function expectValue(locator: import('playwright-core').Locator, value: string): Promise<void> {
  await locator.first().waitFor({ timeout: 15000 });
  for (let i = 0; i < 50; i++) {
    if ((await locator.first().inputValue()) === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await locator.first().inputValue()).toBe(value);
}
