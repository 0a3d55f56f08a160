/** `npm run cur:sample -- --out DIR [--format legacy|cur2|focus] [--days 120] [--accounts 4] [--seed N]` */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { generateCurSample, type CurFormat } from './generate';

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      format: { type: 'string', default: 'legacy' },
      days: { type: 'string', default: '120' },
      accounts: { type: 'string', default: '4' },
      seed: { type: 'string', default: '42' },
      'rows-per-day': { type: 'string' },
      'end-date': { type: 'string' },
      'external-id': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    console.log(
      'usage: cur:sample --out DIR [--format legacy|cur2|focus] [--days 120] [--accounts 4] [--seed 42]\n' +
        '                 [--rows-per-day 2000] [--end-date YYYY-MM-DD] [--external-id ID]',
    );
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const format = values.format as CurFormat;
  if (!['legacy', 'cur2', 'focus'].includes(format))
    throw new Error(`--format must be legacy, cur2 or focus`);
  const t0 = Date.now();
  const r = await generateCurSample({
    out: resolve(values.out),
    format,
    days: Number(values.days),
    accounts: Number(values.accounts),
    seed: Number(values.seed),
    ...(values['rows-per-day'] ? { rowsPerDay: Number(values['rows-per-day']) } : {}),
    ...(values['end-date'] ? { endDate: values['end-date'] } : {}),
    ...(values['external-id'] ? { externalId: values['external-id'] } : {}),
  });
  console.log(
    `wrote ${r.rows} line items (${r.expected.start_date}..${r.expected.end_date}, ${format}) in ${r.files.length} ` +
      `Parquet files under ${r.root} in ${((Date.now() - t0) / 1000).toFixed(1)} s; external id: ${r.externalId ?? '(none)'}`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
