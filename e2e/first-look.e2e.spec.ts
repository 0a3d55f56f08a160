import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  DEMO_SAMPLE,
  generateCurSample,
  startAwsLocal,
  type AnomalyLabel,
  type AwsLocalHandle,
  type GenerateCurSampleResult,
} from '@cost-optimizer/aws-local';
import { testApp, type TestApp } from '../apps/api/test/harness';
import { byTestId, launchBrowser, newPage } from './browser';

/**
 * A newcomer's first look, on the demo's sample (13 months ending yesterday, labelled anomalies, CloudWatch metrics
 * with anomalies lined up with cost ones) at the product's default settings: sign up, connect AWS, wait for the
 * backfill, open the anomalies. The list has no "first-day storm" (nothing starts on the first loaded day, nothing
 * that is not a labelled anomaly), the labelled anomalies are listed, and a watched metric's anomaly sits next to
 * the cost anomaly it explains.
 */
const ACCOUNT = '123456789012';
const ROLE = 'CostOptimizerFirstLook';
const EMAIL = `first-look-${Date.now()}@example.com`;
const PASSWORD = 'correct-horse-battery';

interface Listed {
  kind: string;
  dimension: string | null;
  dimension_value: string;
  start_date: string;
  end_date: string;
}
const addDays = (d: string, n: number) =>
  new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
/**
 * The listed cost anomaly is this label's: it starts in the label's first two weeks (a level shift or a drop lasts
 * to the end; only its start is the anomaly; a ramp's plateau may be found up to a week after its last rising day)
 * and is on the total or on one of the label's own attributes.
 */
const explains = (a: Listed, l: AnomalyLabel) => {
  const twoWeeks = addDays(l.start_date, 13);
  const last = l.kind === 'ramp' ? addDays(l.end_date, 7) : l.end_date < twoWeeks ? l.end_date : twoWeeks;
  const own = [l.service, l.account_id, l.region, l.usage_type].some((x) => a.dimension_value.includes(x));
  return a.start_date >= l.start_date && a.start_date <= last && (a.dimension === 'total' || own);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sets the anomaly list's date filters ("ending on or after", "starting on or before") and waits for the list. */
async function filterDays(page: Page, from: string, to: string): Promise<string[]> {
  await byTestId(page, 'anomalies-from').fill(from);
  await byTestId(page, 'anomalies-to').fill(to);
  const table = byTestId(page, 'anomalies-table');
  const empty = byTestId(page, 'anomalies-empty');
  await sleep(300);
  await table.or(empty).first().waitFor({ timeout: 15000 });
  if (await empty.isVisible()) return [];
  return byTestId(page, 'anomaly-row').allInnerTexts();
}

describe('journey: the first look at a year of costs', () => {
  let dir: string;
  let sample: GenerateCurSampleResult;
  let aws: AwsLocalHandle;
  let api: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'co-first-look-'));
    sample = await generateCurSample({ ...DEMO_SAMPLE, out: dir });
    aws = await startAwsLocal({ root: dir, port: 0 });
    aws.config.athena.queued_ms = 10;
    aws.config.athena.running_ms = 20;
    api = await testApp({
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIAPLATFORMTEST0001',
      AWS_SECRET_ACCESS_KEY: 'platform-secret',
      AWS_REGION: 'us-east-1',
      AWS_S3_FORCE_PATH_STYLE: 'true',
      CUR_WORKER_POLL_MS: '200',
      // As npm start's demo: two weeks of metric look-back; collection only on demand here.
      METRICS_BACKFILL_HOURS: '336',
      METRICS_COLLECT_CRON: '0 0 1 1 *',
    });
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await aws?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('connect, backfill, no first-day storm, the labelled anomalies listed, metrics next to cost', async () => {
    const { page, errors } = await newPage(browser);
    await page.goto(`${api.url}/signup`);
    await byTestId(page, 'signup-email').fill(EMAIL);
    await byTestId(page, 'signup-password').fill(PASSWORD);
    await byTestId(page, 'signup-tenant-name').fill('First Look Corp');
    await byTestId(page, 'signup-submit').click();
    await page.waitForURL('**/dashboard');

    // Connect AWS as a user: the External ID the page shows goes into the role "our stack" creates.
    await byTestId(page, 'nav-connect-aws').click();
    await page.waitForURL('**/connect-aws');
    const externalId = (await byTestId(page, 'connect-external-id').innerText()).match(/co-[0-9a-f]{32}/)![0];
    aws.setRole(ACCOUNT, ROLE, { external_id: externalId });
    await byTestId(page, 'connect-role-arn').fill(`arn:aws:iam::${ACCOUNT}:role/${ROLE}`);
    await byTestId(page, 'connect-region').fill('us-east-1');
    await byTestId(page, 'connect-athena-db').fill('cost_optimizer_cur_db');
    await byTestId(page, 'connect-athena-table').fill('cost_optimizer_cur_table');
    await byTestId(page, 'connect-save').click();
    await byTestId(page, 'connect-success').waitFor({ timeout: 30000 });
    await page.waitForURL('**/dashboard', { timeout: 15000 });

    // The backfill: the dashboard follows the first sync until it has succeeded.
    const status = byTestId(page, 'sync-status');
    const deadline = Date.now() + 240_000;
    while ((await status.getAttribute('data-status').catch(() => null)) !== 'succeeded') {
      const s = await status.getAttribute('data-status').catch(() => null);
      if (s === 'failed') throw new Error(`the first sync failed: ${await status.innerText()}`);
      if (Date.now() > deadline) throw new Error(`the first sync did not finish: ${s}`);
      await sleep(500);
      if (s === null) await page.reload();
    }

    // Watch the demo's metrics (EC2 CPU, NAT gateway bytes, Lambda invocations) and collect them once.
    await byTestId(page, 'nav-metrics').click();
    await page.waitForURL('**/metrics');
    await byTestId(page, 'metrics-presets').click();
    for (const preset of ['ec2_cpu', 'nat_bytes_out', 'lambda_invocations'])
      await byTestId(page, `preset-${preset}`).locator('input[type="checkbox"]').check();
    await byTestId(page, 'presets-add').click();
    await byTestId(page, 'presets-result').waitFor({ timeout: 15000 });
    expect(await byTestId(page, 'presets-result').innerText()).toMatch(/Added [1-9]/);
    await byTestId(page, 'presets-close').click();
    await byTestId(page, 'metrics-table').waitFor({ timeout: 15000 });
    await byTestId(page, 'metrics-collect').click();
    const last = byTestId(page, 'metric-last-value').first();
    for (let i = 0; i < 150 && (await last.innerText()).trim() === '—'; i++) await sleep(200);
    expect((await last.innerText()).trim()).not.toBe('—');

    // The anomalies: "Detect now" waits for the detection that followed the sync, then the list reloads.
    await byTestId(page, 'nav-anomalies').click();
    await page.waitForURL('**/anomalies');
    const detect = byTestId(page, 'anomalies-detect');
    await detect.click();
    await page.locator('simple-snack-bar, .mat-mdc-snack-bar-label').first().waitFor({ timeout: 120_000 });

    // What the tenant holds: its first loaded day, and every anomaly (read as the user, through the API).
    const login = await api.post('/api/auth/login', { email: EMAIL, password: PASSWORD });
    const token = login.body.access_token as string;
    const runs = (await api.get('/api/cur/sync-runs?page_size=100', token)).body.items as {
      months: string[];
    }[];
    const firstMonth = runs.flatMap((r) => r.months).sort()[0]!;
    const firstDay =
      `${firstMonth}-01` > sample.expected.start_date ? `${firstMonth}-01` : sample.expected.start_date;
    const listed = (await api.get('/api/anomalies?page_size=100', token)).body as { items: Listed[] };
    const cost = listed.items.filter((a) => a.kind === 'cost');
    const labels = sample.labels;

    // No first-day storm: the list filtered to "starting on or before" the first loaded day is empty.
    expect({ firstDay, startingThen: await filterDays(page, '', firstDay) }).toEqual({
      firstDay,
      startingThen: [],
    });
    expect(cost.filter((a) => a.start_date === firstDay)).toEqual([]);
    // Nor any other day: each cost anomaly is one of the sample's labelled anomalies.
    const unlabelled = cost.filter((a) => !labels.some((l) => explains(a, l)));
    expect(unlabelled).toEqual([]);

    // The labelled anomalies are listed (rises: the drop is not one), the DynamoDB level shift on screen.
    for (const l of labels.filter((x) => x.kind !== 'drop'))
      expect({ label: l.id, listed: cost.some((a) => explains(a, l)) }).toEqual({
        label: l.id,
        listed: true,
      });
    const shift = labels.find((l) => l.kind === 'level_shift' && l.service === 'AmazonDynamoDB')!;
    const onShiftDay = await filterDays(page, shift.start_date, shift.start_date);
    expect(onShiftDay.some((row) => row.includes('AmazonDynamoDB') || row.includes(shift.account_id))).toBe(
      true,
    );

    // The metric side: the NAT gateway's bytes anomaly is listed on the day of the NAT cost anomaly it explains.
    const nat = labels.find((l) => l.metric?.metric_name === 'BytesOutToDestination')!;
    const onNatDay = await filterDays(page, nat.start_date, nat.start_date);
    const metricRows = onNatDay.filter((row) => row.includes('CloudWatch metric'));
    expect(metricRows.some((row) => row.includes('BytesOutToDestination'))).toBe(true);
    expect(onNatDay.some((row) => !row.includes('CloudWatch metric'))).toBe(true);
    expect(errors).toEqual([]);
  }, 420_000);
});
