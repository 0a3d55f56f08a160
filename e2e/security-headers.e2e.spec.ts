import type { Browser, Page } from 'playwright-core';
import { testApp, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

/** Records every Content-Security-Policy violation the page reports, and console messages about CSP. */
async function watchCsp(page: Page): Promise<{ violations: () => Promise<string[]>; messages: string[] }> {
  const messages: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) messages.push(m.text());
  });
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  return {
    messages,
    violations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
  };
}

describe('the console and Swagger UI under the Content-Security-Policy', () => {
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

  it('loads, signs up and shows the dashboard, costs and settings with no CSP violation', async () => {
    const { page, errors } = await newPage(browser);
    const csp = await watchCsp(page);
    const res = await page.goto(`${api.url}/signup`);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await byTestId(page, 'signup-email').fill(`csp-${Date.now()}@example.com`);
    await byTestId(page, 'signup-password').fill('correct-horse-battery');
    await byTestId(page, 'signup-tenant-name').fill('CSP Corp');
    await byTestId(page, 'signup-submit').click();
    await page.waitForURL('**/dashboard');
    await byTestId(page, 'tenant-name').first().waitFor({ timeout: 15000 });
    for (const path of ['/costs', '/settings', '/connect-aws']) {
      await page.goto(api.url + path);
      await byTestId(page, 'tenant-name').first().waitFor({ timeout: 15000 });
    }
    // the refresh token is in an httpOnly cookie: not in storage, not readable by page scripts
    const stored = await page.evaluate(() => ({
      storage: JSON.stringify(localStorage),
      cookie: document.cookie,
    }));
    expect(stored.storage).not.toMatch(/refresh/);
    expect(stored.cookie).not.toContain('co_refresh');
    const cookies = await page.context().cookies();
    expect(cookies.filter((c) => c.name === 'co_refresh')).toEqual([
      expect.objectContaining({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' }),
    ]);
    // without an access token (as after it expired) the console renews the session through the cookie
    await page.evaluate(() => localStorage.removeItem('access_token'));
    await page.reload();
    await byTestId(page, 'tenant-name').first().waitFor({ timeout: 15000 });
    expect(await byTestId(page, 'tenant-name').first().innerText()).toContain('CSP Corp');
    expect(await page.evaluate(() => localStorage.getItem('access_token'))).toEqual(expect.any(String));
    // the inline script Angular ships (critical CSS: switches the stylesheet from media=print to all) ran
    const media = await page.evaluate(() =>
      [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => (l as HTMLLinkElement).media),
    );
    expect(media.filter((m) => m === 'print')).toEqual([]);
    expect(await csp.violations()).toEqual([]);
    expect(csp.messages).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('serves Swagger UI at /api/docs with no CSP violation', async () => {
    const { page, errors } = await newPage(browser);
    const csp = await watchCsp(page);
    await page.goto(`${api.url}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 15000 });
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain('Cost Optimizer API');
    await page.locator('.opblock').first().waitFor({ timeout: 15000 });
    expect(await csp.violations()).toEqual([]);
    expect(csp.messages).toEqual([]);
    expect(errors).toEqual([]);
  });
});
