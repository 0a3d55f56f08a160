/**
 * Loaders of the third-party data the daily evaluation set is built from. Nothing of it is committed: each
 * loader takes the directory of a checkout (or extract) of the source.
 *
 * - FOCUS sample (FinOps Foundation, FOCUS-Sample-Data, CC BY 4.0): `FOCUS-1.0/focus_sample.csv` below
 *   `--focus-dir`. 1,000 anonymised real billing rows of one month (2024-09), mostly AWS. Far too sparse to
 *   be a daily series itself (the rows are a sample: ~$20 in all), so it is used as what it is good for: the
 *   real distribution of charge amounts per service and sub-account (heavy-tailed, many tiny rows) and the
 *   real service mix. A series is a set of resources whose daily amounts are drawn from that distribution
 *   (see focusSeries in dataset.ts).
 * - NAB (Numenta Anomaly Benchmark, MIT licence): `data/realKnownCause`, `data/realTweets`,
 *   `data/realTraffic` below `--nab-dir`. Real demand curves (NYC taxi passengers, tweet volumes, road
 *   traffic, machine sensors) summed per day: real weekly patterns, holidays and day-to-day noise. Days
 *   inside NAB's own labelled anomaly windows (`labels/combined_windows.json`, when present) are replaced
 *   by the same weekday of the week before, and log ratios are clipped at 2.5 robust sigmas, so the real
 *   anomalies of the source do not become unlabelled anomalies of this set.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitCsvLine } from '../../src/csv';
import { dayOf, median } from './random';

export interface FocusPool {
  /** "ServiceName" or "ServiceName / SubAccountName". */
  readonly name: string;
  /** Positive BilledCost amounts of the pool's rows. */
  readonly amounts: readonly number[];
  /** Rows per day in the sample (mean over the days the sample covers). */
  readonly rowsPerDay: number;
  /** Share of the sample's days with at least one row (1 = every day; low = intermittent). */
  readonly activeDayShare: number;
}

/** Reads focus_sample.csv and returns one pool per service and per service x sub-account with >= 8 rows. */
export function loadFocus(dir: string): FocusPool[] {
  const file = [join(dir, 'FOCUS-1.0', 'focus_sample.csv'), join(dir, 'focus_sample.csv')].find((f) =>
    existsSync(f),
  );
  if (!file) throw new Error(`--focus-dir ${dir}: no FOCUS-1.0/focus_sample.csv below it`);
  const lines = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  const header = splitCsvLine(lines[0]!);
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column ${name}`);
    return i;
  };
  const [cost, svc, sub, start] = [
    col('BilledCost'),
    col('ServiceName'),
    col('SubAccountName'),
    col('ChargePeriodStart'),
  ];
  const groups = new Map<string, { amounts: number[]; days: Map<string, number> }>();
  const allDays = new Set<string>();
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const f = splitCsvLine(line);
    const amount = Number(f[cost]);
    const day = (f[start] ?? '').slice(0, 10);
    if (!Number.isFinite(amount) || amount <= 0 || !/^\d{4}-\d\d-\d\d$/.test(day)) continue;
    allDays.add(day);
    const service = f[svc] && f[svc] !== 'NULL' ? f[svc] : 'Other';
    const subAccount = f[sub] && f[sub] !== 'NULL' ? f[sub] : '';
    for (const key of [service, subAccount ? `${service} / ${subAccount}` : '']) {
      if (!key) continue;
      const g = groups.get(key) ?? { amounts: [] as number[], days: new Map<string, number>() };
      g.amounts.push(amount);
      g.days.set(day, (g.days.get(day) ?? 0) + 1);
      groups.set(key, g);
    }
  }
  const nDays = Math.max(1, allDays.size);
  return [...groups.entries()]
    .filter(([, g]) => g.amounts.length >= 8)
    .map(([name, g]) => ({
      name,
      amounts: g.amounts,
      rowsPerDay: g.amounts.length / nDays,
      activeDayShare: g.days.size / nDays,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface NabShape {
  /** Path below the NAB directory, e.g. realKnownCause/nyc_taxi.csv. */
  readonly name: string;
  /** First day (days since epoch) of `ratio`. */
  readonly startDay: number;
  /**
   * Daily total / its centred 28-day median: the real weekly pattern, holidays and noise of the source
   * without its slow level (the generator imposes its own trend).
   */
  readonly ratio: readonly number[];
}

const NAB_FOLDERS = ['realKnownCause', 'realTweets', 'realTraffic'];
/** Sources that are not demand (temperatures, latencies, a key held down): their daily sums are not usage. */
const NAB_EXCLUDE = /temperature|latency|rogue_agent|speed_|TravelTime/;

/** Reads the NAB demand curves, sums them per UTC day (partial first/last days dropped), >= 28 days only. */
export function loadNab(dir: string): NabShape[] {
  const dataDir = existsSync(join(dir, 'data')) ? join(dir, 'data') : dir;
  const windowsFile = [
    join(dir, 'labels', 'combined_windows.json'),
    join(dataDir, '..', 'labels', 'combined_windows.json'),
  ].find((f) => existsSync(f));
  const windows = windowsFile
    ? (JSON.parse(readFileSync(windowsFile, 'utf8')) as Record<string, [string, string][]>)
    : {};
  const out: NabShape[] = [];
  for (const folder of NAB_FOLDERS) {
    const folderDir = join(dataDir, folder);
    if (!existsSync(folderDir)) continue;
    for (const file of readdirSync(folderDir)
      .filter((f) => f.endsWith('.csv'))
      .sort()) {
      const name = `${folder}/${file}`;
      if (NAB_EXCLUDE.test(name)) continue;
      const sums = new Map<number, { sum: number; n: number }>();
      const lines = readFileSync(join(folderDir, file), 'utf8').split(/\r?\n/).slice(1);
      for (const line of lines) {
        const [ts, v] = line.split(',');
        const value = Number(v);
        if (!ts || !Number.isFinite(value)) continue;
        const d = dayOf(ts);
        const s = sums.get(d) ?? { sum: 0, n: 0 };
        s.sum += value;
        s.n++;
        sums.set(d, s);
      }
      const days = [...sums.keys()].sort((a, b) => a - b);
      if (days.length < 30) continue;
      const fullN = median(days.map((d) => sums.get(d)!.n));
      const first = days.find((d) => sums.get(d)!.n >= 0.9 * fullN)!;
      const last = [...days].reverse().find((d) => sums.get(d)!.n >= 0.9 * fullN)!;
      const raw: number[] = [];
      for (let d = first; d <= last; d++) {
        const s = sums.get(d);
        // A day with missing samples: scale up to a full day (NAB streams have a few gaps).
        raw.push(s && s.n > 0 ? (s.sum * fullN) / s.n : NaN);
      }
      // Known anomalies of the source: replace by the same weekday a week earlier (or later).
      for (const [a, b] of windows[name] ?? []) {
        for (let d = Math.max(first, dayOf(a)); d <= Math.min(last, dayOf(b)); d++) raw[d - first] = NaN;
      }
      for (let i = 0; i < raw.length; i++) {
        if (Number.isFinite(raw[i])) continue;
        for (const k of [-7, 7, -14, 14, -21, 21]) {
          const j = i + k;
          if (j >= 0 && j < raw.length && Number.isFinite(raw[j]) && !isInWindow(first + j, windows[name])) {
            raw[i] = raw[j]!;
            break;
          }
        }
      }
      const ratio = raw.map((_, i) => {
        const win = raw.slice(Math.max(0, i - 14), i + 14).filter((x) => Number.isFinite(x) && x > 0);
        const m = median(win);
        return Number.isFinite(raw[i]) && m > 0 ? raw[i]! / m : 1;
      });
      // Unlabelled excursions of the source (news days in tweet volumes, outages): log ratios are clipped
      // at 2.5 robust sigmas, so they stay ordinary noise instead of becoming unlabelled anomalies here.
      const logs = ratio.map((x) => Math.log(Math.max(x, 1e-6)));
      const mid = median(logs);
      const sigma = 1.4826 * median(logs.map((x) => Math.abs(x - mid)));
      for (let i = 0; i < ratio.length; i++) {
        ratio[i] = Math.exp(Math.max(mid - 2.5 * sigma, Math.min(mid + 2.5 * sigma, logs[i]!)));
      }
      if (ratio.length >= 28) out.push({ name, startDay: first, ratio });
    }
  }
  if (out.length === 0)
    throw new Error(`--nab-dir ${dir}: no data/realKnownCause|realTweets|realTraffic CSV below it`);
  return out;
}

function isInWindow(day: number, windows: readonly [string, string][] | undefined): boolean {
  return (windows ?? []).some(([a, b]) => day >= dayOf(a) && day <= dayOf(b));
}
