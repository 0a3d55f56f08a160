/** `npm run cur:import -- --out DIR [--account ID] [--external-id ID|none] FILE_OR_DIR...` */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { importCur } from './cur-import';

const USAGE =
  'usage: cur:import --out DIR [--account 123456789012] [--external-id ID|none] FILE_OR_DIR...\n' +
  '  Reads a CUR someone else made (legacy CSV with lineItem/... headers, CUR 2.0 or FOCUS; CSV, CSV.gz or Parquet)\n' +
  '  and writes an aws-local root that serves it through Glue and Athena as AWS would. Then:\n' +
  '    npm run aws-local -- --root DIR   and connect with the role, External ID, database and table printed here.';

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      account: { type: 'string' },
      'external-id': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out || positionals.length === 0) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (values.account && !/^\d{12}$/.test(values.account))
    throw new Error('--account must be a 12-digit account id');
  const ext = values['external-id'];
  const t0 = Date.now();
  const r = await importCur({
    inputs: positionals,
    out: resolve(values.out),
    ...(values.account ? { accountId: values.account } : {}),
    ...(ext !== undefined ? { externalId: ext === 'none' ? null : ext } : {}),
  });
  console.log(
    `imported ${r.rows} line items (${r.format}, ${r.columns} columns, months ${r.months.join(', ')}) in ` +
      `${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
      `  Role ARN:        ${r.roleArn}\n` +
      `  External ID:     ${r.externalId ?? '(none)'}\n` +
      `  Region:          ${r.region}\n` +
      `  Athena database: ${r.database}\n` +
      `  Athena table:    ${r.table}\n` +
      `  unblended by month: ${Object.entries(r.unblendedByMonth)
        .map(([m, v]) => `${m} ${v.toFixed(2)}`)
        .join(', ')}`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
