import type { Browser, Locator, Page } from 'playwright-core';
import { testApp, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.first().waitFor({ timeout: 15000 });
  for (let i = 0; i < 50; i++) {
    if ((await locator.first().innerText()).includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await locator.first().innerText()).toContain(text);
}

describe('journey: invite a member, who accepts; sign-up and alert links that reveal nothing', () => {
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

  async function logIn(page: Page, email: string, password: string) {
    await page.goto(`${api.url}/login`);
    await byTestId(page, 'login-email').fill(email);
    await byTestId(page, 'login-password').fill(password);
    await byTestId(page, 'login-submit').click();
    await page.waitForURL('**/dashboard');
  }

  it('the invitee joins only by accepting, in Chromium', async () => {
    const owner = await api.signup({ tenant_name: 'Inviting Corp' });
    const invitee = await api.signup({ tenant_name: 'Own Corp' });

    const { page, errors } = await newPage(browser);
    await logIn(page, owner.email, owner.password);
    await page.goto(`${api.url}/settings`);
    await byTestId(page, 'settings-member-email').fill(invitee.email);
    await byTestId(page, 'settings-member-add').click();
    await expectText(byTestId(page, 'invitations-sent'), invitee.email);
    expect(await page.locator('app-member-table').innerText()).not.toContain(invitee.email);

    const other = await newPage(browser);
    await logIn(other.page, invitee.email, invitee.password);
    await other.page.goto(`${api.url}/settings`);
    await expectText(byTestId(other.page, 'invitations-mine'), 'Inviting Corp invites you as Viewer');
    await byTestId(other.page, 'invitation-accept').click();
    await expectText(other.page.locator('mat-snack-bar-container'), 'You are now a member of Inviting Corp');

    await page.reload();
    await expectText(page.locator('app-member-table'), invitee.email);
    expect(await byTestId(page, 'invitations-sent').count()).toBe(0);
    expect(errors).toEqual([]);
    expect(other.errors).toEqual([]);
  });

  it('answers a sign-up with a taken email by "check your email", signed out', async () => {
    const taken = await api.signup();
    const { page, errors } = await newPage(browser);
    await page.goto(`${api.url}/signup`);
    await byTestId(page, 'signup-email').fill(taken.email);
    await byTestId(page, 'signup-password').fill('another-password-123');
    await byTestId(page, 'signup-submit').click();
    await expectText(byTestId(page, 'signup-check-email'), 'Check your email to continue.');
    expect(page.url()).toContain('/signup');
    expect(errors).toEqual([]);
  });

  it('opens an alert confirmation link without confirming, and explains a dead link', async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(`${api.url}/confirm-alerts?token=${'x'.repeat(43)}`);
    await byTestId(page, 'confirm-alerts').waitFor({ timeout: 15000 });
    await byTestId(page, 'confirm-alerts').click();
    await expectText(
      byTestId(page, 'confirm-alerts-error'),
      'This confirmation link is unknown, used or expired',
    );
    // The 404 of the dead link is the page's answer, not a console error.
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
  });
});
