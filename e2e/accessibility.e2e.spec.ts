import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { awsEnv, connectedTenant, syncsSettled, type AwsEnv } from '../apps/api/test/aws-env';
import { testApp, type Session, type TestApp } from '../apps/api/test/harness';
import { seriousA11yViolations, type A11yViolation } from './accessibility';
import { byTestId, launchBrowser, newPage } from './browser';

/**
 * Every page of the console, signed out and signed in with data (a connected tenant after its backfill, anomalies,
 * a metric watch, a global owner's admin page), has no serious or critical accessibility violation (axe-core,
 * WCAG 2.1 A/AA and best practices).
 */
const INVITATION_ID = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';

describe('accessibility: every console page', () => {
  let env: AwsEnv;
  let api: TestApp;
  let browser: Browser;
  let user: Session;
  let anomalyId: string | undefined;
  let watchId: string;

  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy', days: 100, rowsPerDay: 40 });
    api = await testApp({ ...env.apiEnv, CUR_WORKER_POLL_MS: '200', CUR_BACKFILL_MONTHS: '6' });
    user = await connectedTenant(api, env);
    await syncsSettled(api, user.access_token);
    // the same account becomes a global owner, so the admin page is reachable
    execFileSync(
      process.execPath,
      [
        join(__dirname, '../apps/api/dist/cli.js'),
        'create-admin',
        '--email',
        user.email,
        '--password',
        user.password,
      ],
      { env: { ...process.env, DATABASE_URL: api.databaseUrl, LOG_LEVEL: 'error' }, stdio: 'pipe' },
    );
    const anomalies = await api.get('/api/anomalies?page_size=1', user.access_token);
    anomalyId = anomalies.body.items[0]?.id;
    const watch = await api.post(
      '/api/metric-watches',
      {
        namespace: 'AWS/EC2',
        metric_name: 'CPUUtilization',
        region: 'us-east-1',
        stat: 'Average',
        period: 300,
      },
      user.access_token,
    );
    if (watch.status !== 201) throw new Error(`watch: ${watch.status} ${JSON.stringify(watch.body)}`);
    watchId = watch.body.id;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.close();
  }, 60_000);

  /** Opens a page and lets it load its data (no request in flight for a moment). */
  const visit = async (page: Page, path: string, ready: string) => {
    await page.goto(api.url + path);
    await byTestId(page, ready).first().waitFor({ timeout: 15000 });
    await page.waitForLoadState('networkidle');
  };

  it('has no serious or critical violation on any page', async () => {
    const { page, errors } = await newPage(browser);
    const found: A11yViolation[] = [];
    await visit(page, '/signup', 'signup-submit');
    found.push(...(await seriousA11yViolations(page, '/signup')));
    await visit(page, `/confirm-alerts?token=${'x'.repeat(43)}`, 'confirm-alerts');
    found.push(...(await seriousA11yViolations(page, '/confirm-alerts')));
    await visit(page, `/verify-email?token=${'x'.repeat(43)}`, 'verify-email-submit');
    found.push(...(await seriousA11yViolations(page, '/verify-email')));
    const invitationLink = `/invitation?token=${INVITATION_ID}.${'x'.repeat(43)}&email=grace%40example.com`;
    await visit(page, invitationLink, 'invitation-signup');
    found.push(...(await seriousA11yViolations(page, '/invitation (signed out)')));
    await visit(page, '/login', 'login-submit');
    found.push(...(await seriousA11yViolations(page, '/login')));
    await byTestId(page, 'login-email').fill(user.email);
    await byTestId(page, 'login-password').fill(user.password);
    await byTestId(page, 'login-submit').click();
    await page.waitForURL('**/dashboard');

    expect(anomalyId).toEqual(expect.any(String)); // the sample has anomalies: the detail page is checked too
    const signedIn = [
      '/dashboard',
      '/costs',
      '/anomalies',
      `/anomalies/${anomalyId}`,
      '/metrics',
      `/metrics/${watchId}`,
      '/connect-aws',
      '/settings',
      '/admin',
    ];
    for (const path of signedIn) {
      await visit(page, path, 'tenant-name');
      found.push(...(await seriousA11yViolations(page, path)));
    }
    await visit(page, invitationLink, 'invitation-accept');
    found.push(...(await seriousA11yViolations(page, '/invitation (signed in)')));
    // the settings page's collapsed audit log, opened
    await visit(page, '/settings', 'audit-log-panel');
    await byTestId(page, 'audit-log-panel').click();
    await page.waitForLoadState('networkidle');
    found.push(...(await seriousA11yViolations(page, '/settings (audit log open)')));
    // the navigation menu and the user menu, opened
    await byTestId(page, 'user-menu').click();
    found.push(...(await seriousA11yViolations(page, '/settings (user menu open)')));

    expect(found).toEqual([]);
    expect(errors).toEqual([]);
  }, 120_000);
});
