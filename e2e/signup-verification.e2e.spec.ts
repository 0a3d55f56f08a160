import type { Browser } from 'playwright-core';
import { testApp, until, type TestApp } from '../apps/api/test/harness';
import { smtpSink, type SmtpSink } from '../apps/api/test/smtp-sink';
import { byTestId, launchBrowser, newPage } from './browser';

/** The journey of a sign-up when the platform sends email: check your email, open the link, signed in. */
describe('journey: sign up with email verification', () => {
  let api: TestApp;
  let smtp: SmtpSink;
  let browser: Browser;
  beforeAll(async () => {
    smtp = await smtpSink();
    api = await testApp({
      SIGNUP_EMAIL_VERIFICATION: 'auto',
      SMTP_URL: smtp.url,
      ALERT_EMAIL_FROM: 'noreply@example.com',
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await smtp?.close();
  }, 60_000);

  it('says check your email, and the emailed link creates the account and signs in', async () => {
    const { page, errors } = await newPage(browser);
    const email = `verify-${Date.now()}@example.com`;

    await page.goto(`${api.url}/signup`);
    await byTestId(page, 'signup-email').fill(email);
    await byTestId(page, 'signup-password').fill('correct-horse-battery');
    await byTestId(page, 'signup-tenant-name').fill('Verified Corp');
    await byTestId(page, 'signup-submit').click();
    const notice = byTestId(page, 'signup-check-email');
    await notice.waitFor({ timeout: 15000 });
    expect(await notice.textContent()).toContain(`We sent a message to ${email}`);
    expect(page.url()).toMatch(/\/signup$/);

    const token = await until('the verification email', () => {
      const m = /\/verify-email\?token=([\w-]+)/.exec(smtp.to(email).at(-1)?.text ?? '');
      return m?.[1];
    });
    await page.goto(`${api.url}/verify-email?token=${token}`);
    await byTestId(page, 'verify-email-submit').click();
    await page.waitForURL('**/dashboard');
    await byTestId(page, 'tenant-name').getByText('Verified Corp').waitFor({ timeout: 15000 });

    // The link works once.
    await page.goto(`${api.url}/verify-email?token=${token}`);
    await byTestId(page, 'verify-email-submit').click();
    await expect(byTestId(page, 'verify-email-error').textContent()).resolves.toContain('already used');
    expect(errors).toEqual([]);
  }, 120_000);
});
