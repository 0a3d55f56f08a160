/**
 * Writes the "thirdparty" daily cost evaluation set:
 *
 *   npx tsx libs/anomaly-engine/eval/daily/generate.ts --focus-dir FOCUS --nab-dir NAB --out DIR [--seed 1] [--count 300] [--realism 1|2]
 *
 * DIR gets one `<source>-NNNN.csv` per series (`timestamp,value`, ISO dates, blank = missing day),
 * `labels.json` (the labelled events), `fee-days.json` (month-start and mid-month fee days with no event) and
 * `series.json` (how each series was built). Deterministic for a seed. `--realism 2` adds normal behaviour of real
 * bills (holiday dips, refunds, irregular batch jobs; listed in `normal-days.json`); version 1 (default) sets
 * are unchanged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDataset } from './dataset';
import { loadFocus, loadNab } from './sources';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const focusDir = flag('focus-dir');
  const nabDir = flag('nab-dir');
  const out = flag('out');
  if (!focusDir || !nabDir || !out) {
    process.stderr.write(
      'usage: generate.ts --focus-dir FOCUS --nab-dir NAB --out DIR [--seed 1] [--count 300] [--realism 1|2]\n',
    );
    process.exit(2);
  }
  const seed = Number(flag('seed') ?? 1);
  const count = Number(flag('count') ?? 300);
  const focus = loadFocus(focusDir);
  const nab = loadNab(nabDir);
  const realism = Number(flag('realism') ?? 1);
  const data = buildDataset({ seed, count, focus, nab, realism });
  mkdirSync(out, { recursive: true });
  for (const s of data.series) {
    const lines = ['timestamp,value'];
    let present = false;
    s.dates.forEach((d, i) => {
      const v = s.values[i];
      if (v === null || v === undefined) {
        // Blank rows before a new series appears stay (the engine reads them as "observed, absent").
        if (!present || s.meta.missingAs === 'blank') lines.push(`${d},`);
      } else {
        present ||= v > 0;
        lines.push(`${d},${String(v)}`);
      }
    });
    writeFileSync(join(out, s.meta.file), lines.join('\n') + '\n');
  }
  writeFileSync(join(out, 'labels.json'), JSON.stringify(data.labels, null, 1) + '\n');
  writeFileSync(join(out, 'fee-days.json'), JSON.stringify(data.feeDays, null, 1) + '\n');
  if (realism >= 2)
    writeFileSync(join(out, 'normal-days.json'), JSON.stringify(data.normalDays, null, 1) + '\n');
  writeFileSync(
    join(out, 'series.json'),
    JSON.stringify(
      {
        seed,
        ...(realism >= 2 ? { realism } : {}),
        focusPools: focus.length,
        nabShapes: nab.map((s) => s.name),
        series: data.series.map((s) => s.meta),
      },
      null,
      1,
    ) + '\n',
  );
  const byKind = new Map<string, number>();
  for (const l of data.labels) byKind.set(l.kind, (byKind.get(l.kind) ?? 0) + 1);
  const bands = new Map<string, number>();
  for (const s of data.series) bands.set(s.meta.band, (bands.get(s.meta.band) ?? 0) + 1);
  process.stdout.write(
    `wrote ${data.series.length} series, ${data.labels.length} events (${[...byKind].map(([k, v]) => `${k} ${v}`).join(', ')}), ` +
      `${data.feeDays.length} fee days to ${out}\n` +
      `sources: ${focus.length} FOCUS charge pools, ${nab.length} NAB demand curves; bands: ${[...bands].map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
  );
}

main();
