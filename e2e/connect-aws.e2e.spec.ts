import type { Browser, Page } from 'playwright-core';
import { awsEnv, ACCOUNT, ROLE_ARN, ROLE, type AwsEnv } from '../apps/api/test/aws-env';
import { testApp, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

/** Signs up in the browser and opens Connect AWS; returns the External ID the page shows. */
async function signupAndOpenConnect(page: Page, api: TestApp): Promise<string> {
  await page.goto(`${api.url}/signup`);
  await byTestId(page, 'signup-email').fill(
    `connect-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.com`,
  );
  await byTestId(page, 'signup-password').fill('correct-horse-battery');
  await byTestId(page, 'signup-tenant-name').fill('Connect Corp');
  await byTestId(page, 'signup-submit').click();
  await page.waitForURL('**/dashboard');
  await byTestId(page, 'nav-connect-aws').click();
  await page.waitForURL('**/connect-aws');
  const shown = byTestId(page, 'connect-external-id');
  await shown.waitFor();
  const externalId = (await shown.innerText()).match(/co-[0-9a-f]{32}/)?.[0];
  expect(externalId).toBeDefined();
  expect(await byTestId(page, 'connect-launch-stack').getAttribute('href')).toContain(
    `param_ExternalId=${externalId}`,
  );
  expect(await byTestId(page, 'connect-external-id-input').inputValue()).toBe(externalId);
  return externalId!;
}

async function fillForm(page: Page, table: string): Promise<void> {
  await byTestId(page, 'connect-role-arn').fill(ROLE_ARN);
  await byTestId(page, 'connect-region').fill('us-east-1');
  await byTestId(page, 'connect-athena-db').fill('cost_optimizer_cur_db');
  await byTestId(page, 'connect-athena-table').fill(table);
}

describe('journey: connect AWS in the browser', () => {
  let env: AwsEnv;
  let api: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    env = await awsEnv({ format: 'legacy' });
    api = await testApp(env.apiEnv);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await env?.close();
  });

  it('from signup to "AWS Connected", with the verification steps shown', async () => {
    const { page, errors } = await newPage(browser);
    const externalId = await signupAndOpenConnect(page, api);
    env.aws.setRole(ACCOUNT, ROLE, { external_id: externalId }); // the customer deployed our stack
    await fillForm(page, 'cost_optimizer_cur_table');
    await byTestId(page, 'connect-save').click();
    await byTestId(page, 'connect-success').waitFor({ timeout: 30000 });
    expect(await byTestId(page, 'connect-success').innerText()).toContain(
      'AWS connection saved successfully!',
    );
    for (const step of ['assume_role', 'external_id_enforced', 'workgroup', 'table', 'data']) {
      expect(await byTestId(page, `connect-step-${step}`).getAttribute('data-status')).toBe('ok');
    }
    await page.waitForURL('**/dashboard', { timeout: 15000 });
    await byTestId(page, 'nav-settings').click();
    const status = byTestId(page, 'settings-aws-status');
    await status.waitFor();
    await expect(waitForText(status, 'AWS Connected')).resolves.toBe(true);
    expect(errors).toEqual([]);
  });

  it('shows the failing step, AWS text and hints when the table is wrong', async () => {
    const { page } = await newPage(browser);
    const externalId = await signupAndOpenConnect(page, api);
    env.aws.setRole(ACCOUNT, ROLE, { external_id: externalId });
    await fillForm(page, 'no_such_table');
    await byTestId(page, 'connect-save').click();
    const box = byTestId(page, 'connect-error');
    await box.waitFor({ timeout: 30000 });
    expect(await box.innerText()).toContain('Athena table not found');
    expect(await byTestId(page, 'connect-error-aws').innerText()).toContain('EntityNotFoundException');
    expect(await byTestId(page, 'connect-step-table').getAttribute('data-status')).toBe('failed');
    expect(await byTestId(page, 'connect-step-assume_role').getAttribute('data-status')).toBe('ok');
    // The form keeps what was typed.
    expect(await byTestId(page, 'connect-athena-table').inputValue()).toBe('no_such_table');
  });
});

async function waitForText(locator: import('playwright-core').Locator, text: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if ((await locator.innerText()).includes(text)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`"${text}" not in: ${await locator.innerText()}`);
}
