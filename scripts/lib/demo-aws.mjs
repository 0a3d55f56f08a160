// The demo's AWS: a generated CUR sample served by the local AWS endpoint (libs/aws-local), used by `npm start`
// when no AWS is configured. The sample (aws-local's `demo` scenario: 13 billing months, five accounts, labelled
// anomalies, synthetic CloudWatch metrics with two anomalies lined up with cost ones) is generated once per day under
// .data/aws-local (its dates end yesterday); its labels are in .data/aws-local/labels.json.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEMO = {
  accountId: '123456789012',
  region: 'us-east-1',
  database: 'cost_optimizer_cur_db',
  table: 'cost_optimizer_cur_table',
  workgroup: 'primary',
  platformKey: 'AKIADEMOPLATFORM0001',
  platformSecret: 'demo-platform-secret',
};

/** True when the environment configures real AWS credentials or an endpoint. */
export function awsConfigured(env) {
  return Boolean(
    env.AWS_ENDPOINT_URL ||
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    existsSync(join(homedir(), '.aws', 'credentials')),
  );
}

/** The presets the demo tenant watches: the metric side of EC2, NAT gateway and Lambda costs. */
export const DEMO_METRIC_PRESETS = ['ec2_cpu', 'nat_bytes_out', 'lambda_invocations'];

/**
 * Metric look-back of the demo's first collection: two weeks (the most METRICS_BACKFILL_HOURS allows), so the metric
 * anomalies (two and four days before the sample's last day, on the days the cost anomalies they explain are judged)
 * are collected with days of history before them, whatever the time of day the demo starts: the detector's
 * time-of-day veto needs two days of a half hour before an ordinary value (an anomaly's end) stops looking unusual.
 */
export const DEMO_METRICS_BACKFILL_HOURS = '336';

function yesterday() {
  return new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
}

export async function startDemoAws({ dataDir, port = 4566, say }) {
  const { DEMO_SAMPLE, generateCurSample, startAwsLocal } = await import('@cost-optimizer/aws-local');
  const root = join(dataDir, 'aws-local');
  const marker = join(root, '.generated-for');
  // One sample per day and scenario (an older layout is regenerated).
  const stamp = `${DEMO_SAMPLE.scenario} ${yesterday()}`;
  const fresh = existsSync(marker) && readFileSync(marker, 'utf8').trim() === stamp;
  if (!fresh) {
    say(`generating the demo CUR sample (13 months, ${DEMO_SAMPLE.accounts} accounts; once a day)...`);
    const t0 = Date.now();
    rmSync(root, { recursive: true, force: true });
    const sample = await generateCurSample({ ...DEMO_SAMPLE, out: root, externalId: null });
    writeFileSync(marker, stamp);
    say(
      `generated ${sample.rows} line items (${sample.expected.start_date}..${sample.expected.end_date}, ` +
        `${sample.labels.length} labelled anomalies) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  let aws;
  try {
    aws = await startAwsLocal({ root, port, host: '127.0.0.1' });
  } catch {
    aws = await startAwsLocal({ root, port: 0, host: '127.0.0.1' });
  }
  // Roles the demo tenant and `npm run demo:trust` created survive restarts.
  const trustFile = join(dataDir, 'demo-trust.json');
  const trusted = existsSync(trustFile) ? JSON.parse(readFileSync(trustFile, 'utf8')) : [];
  for (const r of trusted)
    aws.setRole(DEMO.accountId, r.role, { external_id: r.external_id, trusted: ['*'] });
  writeFileSync(join(dataDir, 'aws-local.url'), aws.url);
  return aws;
}

/** Simulates deploying our CloudFormation stack with this External ID: a role that requires it. */
export function trustRole(dataDir, aws, externalId, role) {
  const trustFile = join(dataDir, 'demo-trust.json');
  const trusted = existsSync(trustFile) ? JSON.parse(readFileSync(trustFile, 'utf8')) : [];
  const kept = trusted.filter((r) => r.role !== role);
  kept.push({ role, external_id: externalId });
  writeFileSync(trustFile, JSON.stringify(kept, null, 2));
  aws?.setRole(DEMO.accountId, role, { external_id: externalId, trusted: ['*'] });
  return `arn:aws:iam::${DEMO.accountId}:role/${role}`;
}
