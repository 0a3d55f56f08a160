/** `npm run cur:sample -- --out DIR [--format legacy|cur2|focus] [--scenario compact|demo] [--days N] ...` */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { DEMO_SAMPLE, generateCurSample, type CurFormat, type SampleScenario } from './generate';

const USAGE =
  'usage: cur:sample --out DIR [--format legacy|cur2|focus] [--scenario compact|demo] [--days N] [--accounts N]\n' +
  '                 [--seed 42] [--rows-per-day N] [--end-date YYYY-MM-DD] [--external-id ID]\n' +
  '  compact (default): 120 days, 4 accounts, 2000 rows a day, four anomalies at fractions of the range\n' +
  `  demo: 13 billing months, ${DEMO_SAMPLE.accounts} accounts, ${DEMO_SAMPLE.rowsPerDay} rows a day, the labelled anomalies of npm start's demo`;

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      format: { type: 'string', default: 'legacy' },
      scenario: { type: 'string', default: 'compact' },
      days: { type: 'string' },
      accounts: { type: 'string' },
      seed: { type: 'string', default: '42' },
      'rows-per-day': { type: 'string' },
      'end-date': { type: 'string' },
      'external-id': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.out) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const format = values.format as CurFormat;
  if (!['legacy', 'cur2', 'focus'].includes(format))
    throw new Error(`--format must be legacy, cur2 or focus`);
  const scenario = values.scenario as SampleScenario;
  if (scenario !== 'compact' && scenario !== 'demo') throw new Error('--scenario must be compact or demo');
  const demo = scenario === 'demo';
  const t0 = Date.now();
  const r = await generateCurSample({
    out: resolve(values.out),
    format,
    scenario,
    seed: Number(values.seed),
    accounts: Number(values.accounts ?? (demo ? DEMO_SAMPLE.accounts : 4)),
    rowsPerDay: Number(values['rows-per-day'] ?? (demo ? DEMO_SAMPLE.rowsPerDay : 2000)),
    ...(values.days ? { days: Number(values.days) } : {}),
    ...(values['end-date'] ? { endDate: values['end-date'] } : {}),
    ...(values['external-id'] ? { externalId: values['external-id'] } : {}),
  });
  console.log(
    `wrote ${r.rows} line items (${r.expected.start_date}..${r.expected.end_date}, ${format}, ${scenario}) in ${r.files.length} ` +
      `Parquet files under ${r.root} in ${((Date.now() - t0) / 1000).toFixed(1)} s; external id: ${r.externalId ?? '(none)'}; ` +
      `${r.labels.length} labelled anomalies in labels.json`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
