#!/usr/bin/env node
// `npm run demo:trust -- <External ID>`: in the npm start demo, stands in for "Launch stack": creates a role in the
// demo AWS account that requires your External ID, and prints the values to paste into the Connect AWS form.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO, trustRole } from './lib/demo-aws.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, '.data');
const externalId = process.argv[2];
if (!externalId || !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
  process.stderr.write('Usage: npm run demo:trust -- <your External ID from the Connect AWS page>\n');
  process.exit(2);
}
const urlFile = join(dataDir, 'aws-local.url');
if (!existsSync(urlFile)) {
  process.stderr.write('The demo AWS endpoint is not running: start the product with `npm start` first.\n');
  process.exit(1);
}
const url = readFileSync(urlFile, 'utf8').trim();
const role = `CostOptimizer-${externalId.replace(/[^A-Za-z0-9]/g, '').slice(-10)}`;
const arn = trustRole(dataDir, null, externalId, role);
const res = await fetch(`${url}/_aws-local/roles`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ account_id: DEMO.accountId, name: role, external_id: externalId, trusted: ['*'] }),
}).catch((e) => ({ ok: false, status: 0, text: async () => String(e) }));
if (!res.ok) {
  process.stderr.write(
    `Could not reach the demo AWS endpoint at ${url}: ${res.status} ${await res.text()}\n`,
  );
  process.exit(1);
}
process.stdout.write(`Created demo role ${role} requiring External ID ${externalId}. In Connect AWS, enter:
  Role ARN:        ${arn}
  External ID:     ${externalId}
  Region:          ${DEMO.region}
  Athena database: ${DEMO.database}
  Athena table:    ${DEMO.table}
  (workgroup primary and the other fields: leave the defaults)
`);
