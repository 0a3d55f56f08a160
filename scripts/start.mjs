#!/usr/bin/env node
// `npm start`: the whole product on one port with embedded defaults.
//   - no DATABASE_URL: an embedded PostgreSQL under .data/pg (kept between runs)
//   - builds the libraries, the API and the console, then starts the API (which migrates and serves the console)
//   - prints the URL and how to log in; Ctrl-C stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from './lib/embedded-pg.mjs';
import {
  DEMO,
  DEMO_METRICS_BACKFILL_HOURS,
  DEMO_METRIC_PRESETS,
  awsConfigured,
  startDemoAws,
  trustRole,
} from './lib/demo-aws.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, '.data');
const args = new Set(process.argv.slice(2));
const say = (msg) => process.stdout.write(`[start] ${msg}\n`);

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `Cost Optimizer needs Node 24 (this is ${process.version}). See README.md, "Requirements".\n`,
  );
  process.exit(1);
}
mkdirSync(dataDir, { recursive: true });

const cleanups = [];
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (e) {
      process.stderr.write(`[start] cleanup failed: ${e instanceof Error ? e.message : e}\n`);
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const env = { ...process.env };
if (!env.DATABASE_URL) {
  say('no DATABASE_URL: starting the embedded PostgreSQL (data in .data/pg)');
  const pg = await startEmbeddedPostgres({ dir: join(dataDir, 'pg') });
  cleanups.push(() => pg.stop());
  env.DATABASE_URL = pg.url;
}

if (!args.has('--no-build')) {
  say('building libraries, API and console (npm run build)...');
  const t0 = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    process.stderr.write('[start] build failed: see above\n');
    await shutdown(1);
  }
  say(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// No AWS configured: the local AWS endpoint with a generated CUR sample, through the SDK's standard variables.
let demoAws = null;
if (!awsConfigured(env) && !args.has('--no-demo')) {
  demoAws = await startDemoAws({ dataDir, say });
  cleanups.push(() => demoAws.close());
  Object.assign(env, {
    AWS_ENDPOINT_URL: demoAws.url,
    AWS_ACCESS_KEY_ID: DEMO.platformKey,
    AWS_SECRET_ACCESS_KEY: DEMO.platformSecret,
    AWS_REGION: DEMO.region,
    AWS_S3_FORCE_PATH_STYLE: 'true',
  });
  env.METRICS_BACKFILL_HOURS ??= DEMO_METRICS_BACKFILL_HOURS;
  say(`no AWS configured: demo AWS endpoint at ${demoAws.url}`);
}

// The first platform administrator: generated once for the local demo, kept in .data/.
if (!env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) {
  const file = join(dataDir, 'admin.json');
  if (!existsSync(file)) {
    writeFileSync(
      file,
      JSON.stringify({ email: 'admin@example.com', password: randomBytes(12).toString('base64url') }),
      { mode: 0o600 },
    );
  }
  const admin = JSON.parse(readFileSync(file, 'utf8'));
  env.ADMIN_EMAIL = admin.email;
  env.ADMIN_PASSWORD = admin.password;
}

const port = Number(env.PORT ?? 9000);
const api = spawn(process.execPath, [join(root, 'apps/api/dist/main.js')], {
  cwd: root,
  env,
  stdio: 'inherit',
});
cleanups.push(
  () =>
    new Promise((resolve) => {
      if (api.exitCode !== null) return resolve();
      api.once('exit', () => resolve());
      api.kill('SIGTERM');
    }),
);
api.on('exit', (code) => {
  if (!stopping) {
    process.stderr.write(`[start] the API exited (${code}); see its log above\n`);
    void shutdown(code ?? 1);
  }
});

const url = `http://localhost:${port}`;
const deadline = Date.now() + 120_000;
for (;;) {
  try {
    const res = await fetch(`${url}/api/health`);
    if (res.ok) break;
  } catch {
    /* not up yet */
  }
  if (Date.now() > deadline || stopping) {
    if (!stopping) process.stderr.write('[start] the API did not become healthy within 2 minutes\n');
    await shutdown(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}

const demo = demoAws ? await seedDemoTenant(url) : null;

process.stdout.write(`
  Cost Optimizer is running at ${url}

    Console:      ${url}/            (sign up to create your company, or log in below)
    API docs:     ${url}/api/docs
    Health:       ${url}/api/health
    Admin login:  ${env.ADMIN_EMAIL} / ${process.env.ADMIN_PASSWORD ? '(your ADMIN_PASSWORD)' : env.ADMIN_PASSWORD}   (platform administrator)

${
  demo
    ? `
  Demo (no AWS configured: a local AWS endpoint with 13 months of sample CUR data and CloudWatch metrics):
    Demo login:   ${demo.email} / ${demo.password}   (tenant "Demo Company", already connected: ${demo.status})
    Metrics:      ${demo.metrics}
    Anomalies:    the sample's labelled ones are listed in .data/aws-local/labels.json
    Connect your own signup to the demo account: copy your External ID from Connect AWS, run
                  npm run demo:trust -- <your External ID>
                  and paste the values it prints into the form.
`
    : ''
}
  Press Ctrl-C to stop.
`);

/** The demo tenant: signed up once, connected to the demo AWS account through its own role. */
async function seedDemoTenant(base) {
  const email = 'demo@example.com';
  const password = 'cost-optimizer-demo';
  const post = (path, body, token) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  try {
    let res = await post('/api/auth/signup', {
      email,
      password,
      name: 'Demo User',
      tenant_name: 'Demo Company',
    });
    if (res.status === 409) res = await post('/api/auth/login', { email, password });
    if (!res.ok) throw new Error(`log in as the demo user: ${res.status} ${await res.text()}`);
    const { access_token: token } = await res.json();
    const conn = await (
      await fetch(`${base}/api/tenants/connection`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    const roleArn = trustRole(dataDir, demoAws, conn.external_id, 'CostOptimizerDemo');
    const connected = await post(
      '/api/tenants/connect',
      {
        aws_role_arn: roleArn,
        external_id: conn.external_id,
        region: DEMO.region,
        athena_db: DEMO.database,
        athena_table: DEMO.table,
      },
      token,
    );
    const body = await connected.json();
    const status = connected.ok ? body.status : `failed: ${body.code} ${body.message}`;
    const metrics = connected.ok ? await seedMetricWatches(base, token, post) : 'not watched (not connected)';
    return { email, password, status, metrics };
  } catch (e) {
    say(`could not seed the demo tenant: ${e instanceof Error ? e.message : e}`);
    return { email, password, status: 'not seeded', metrics: 'not watched' };
  }
}

/**
 * Metric watches of the demo tenant (EC2 CPU, NAT gateway bytes, Lambda invocations), added through the presets
 * route like a user's "Add presets"; the API skips series already watched, so restarts add nothing twice. Then one
 * collection right away (the schedule runs every 5 minutes), reading back METRICS_BACKFILL_HOURS.
 */
async function seedMetricWatches(base, token, post) {
  const added = await post('/api/metric-watches/presets', { presets: DEMO_METRIC_PRESETS }, token);
  const result = await added.json();
  if (!added.ok) return `not watched: ${result.code} ${result.message}`;
  const collected = await post('/api/metric-watches/collect', {}, token);
  const run = await collected.json();
  const watched = result.created.length + result.already_watched;
  const collection = collected.ok
    ? `collected now (${run.status}): ${run.points_stored} new points, ${run.anomalies} anomalous`
    : `collection failed: ${run.code} ${run.message}`;
  return `${watched} watches (${result.created.length} new: ${DEMO_METRIC_PRESETS.join(', ')}); ${collection}`;
}
