/**
 * The "thirdparty" daily cost evaluation set: base series from third-party and real data (AWS cost structure
 * after nise, FOCUS sample charges, NAB demand curves), realistic billing properties on top, labelled events
 * injected. Deterministic for a seed. Independent of the engine: nothing here reads the engine's generator
 * or detector.
 */
import { AWS_SERVICES, awsServiceSeries } from './aws-costs';
import { Rng, dayOf, dayOfMonth, isoOf, median, weekdayOf } from './random';
import type { FocusPool, NabShape } from './sources';

export const EVENT_KINDS = ['spike', 'level_shift', 'ramp', 'drop', 'weekend', 'new_series'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
export type SizeBand = '<$10' | '$10-100' | '$100-1000' | '>$1000';
export const SIZE_BANDS: readonly SizeBand[] = ['<$10', '$10-100', '$100-1000', '>$1000'];

export interface EventLabel {
  /** CSV file name, relative to the dataset directory. */
  readonly file: string;
  readonly kind: EventKind;
  /** Labelled window, ISO dates, inclusive (see README: window definitions). */
  readonly start: string;
  readonly end: string;
  /** First day the change is in the data (for ramps: the day the climb begins; <= start). */
  readonly onset: string;
  /** Relative size of the change: +1.5 = +150 %, -1 = to zero; new_series: its first-week median $/day. */
  readonly magnitude: number;
  readonly band: SizeBand;
  /** 'up' or 'down'. */
  readonly direction: 'up' | 'down';
}

export interface FeeDay {
  readonly file: string;
  readonly date: string;
  readonly kind: 'month_start' | 'mid_month';
  /** Fee / typical day cost. */
  readonly ratio: number;
  /** 1 for the first charge of its kind in the series (no detector can know it yet), 2 for the second, ... */
  readonly occurrence: number;
}

/** A day of normal (unlabelled) behaviour added by realism 2, outside every labelled window. */
export interface NormalDay {
  readonly file: string;
  readonly date: string;
  readonly kind: 'holiday' | 'refund' | 'batch';
}

export interface SeriesMeta {
  readonly file: string;
  readonly source: 'aws' | 'focus' | 'nab';
  readonly description: string;
  readonly band: SizeBand;
  readonly typicalDay: number;
  readonly days: number;
  readonly weeklyPattern: boolean;
  /** Often zero (sporadic charges). */
  readonly intermittent: boolean;
  readonly noise: number;
  readonly heavyTailed: boolean;
  readonly missingDays: number;
  /** How missing days are written: a row with a blank value, or no row at all (a gap in the dates). */
  readonly missingAs: 'blank' | 'absent';
}

export interface DailySeries {
  readonly meta: SeriesMeta;
  readonly dates: string[];
  /** null = missing day (blank value in the CSV). */
  readonly values: (number | null)[];
}

export interface DailyDataset {
  readonly seed: number;
  readonly series: DailySeries[];
  readonly labels: EventLabel[];
  readonly feeDays: FeeDay[];
  /** Empty at realism 1. */
  readonly normalDays: NormalDay[];
}

export interface DatasetOptions {
  readonly seed: number;
  readonly count: number;
  /**
   * 1 (default): the set as first published (seeds reproduce byte for byte). 2: adds normal behaviour v1 lacks
   * (holiday dips of weekday workloads, refunds, irregular small batch jobs), drawn from a separate random
   * stream, listed in `normal-days.json`; the events and the rest of each series are those of version 1.
   */
  readonly realism?: number;
  readonly focus: readonly FocusPool[];
  readonly nab: readonly NabShape[];
}

export function bandOf(typicalDay: number): SizeBand {
  if (typicalDay < 10) return '<$10';
  if (typicalDay < 100) return '$10-100';
  if (typicalDay < 1000) return '$100-1000';
  return '>$1000';
}

interface Planned {
  kind: EventKind;
  onset: number;
  start: number;
  end: number;
  magnitude: number;
  length: number;
}

const FIRST_DAY = dayOf('2023-01-02');
/** Noise draws (in sigmas) are clipped here: larger excursions would be unlabelled anomalies. */
const NOISE_CLIP = 3.5;
const LAST_START = dayOf('2025-03-01');

export function buildDataset(options: DatasetOptions): DailyDataset {
  const rng = new Rng(options.seed);
  const series: DailySeries[] = [];
  const labels: EventLabel[] = [];
  const feeDays: FeeDay[] = [];
  const normalDays: NormalDay[] = [];
  for (let s = 0; s < options.count; s++) {
    const built = buildSeries(s, new Rng(Math.floor(rng.next() * 2 ** 32)), options);
    series.push(built.series);
    labels.push(...built.labels);
    feeDays.push(...built.feeDays);
    normalDays.push(...built.normalDays);
  }
  return { seed: options.seed, series, labels, feeDays, normalDays };
}

function buildSeries(
  index: number,
  rng: Rng,
  options: DatasetOptions,
): { series: DailySeries; labels: EventLabel[]; feeDays: FeeDay[]; normalDays: NormalDay[] } {
  const n = Math.round(rng.logUniform(90, 400));
  const startDay = rng.int(FIRST_DAY, LAST_START);
  // Typical day: a real share under $10, up to $50,000.
  const bandPick = rng.weighted({ tiny: 0.22, small: 0.3, mid: 0.28, large: 0.2 });
  const target =
    bandPick === 'tiny'
      ? rng.logUniform(1, 10)
      : bandPick === 'small'
        ? rng.logUniform(10, 100)
        : bandPick === 'mid'
          ? rng.logUniform(100, 1000)
          : rng.logUniform(1000, 50000);
  const source = rng.weighted({ aws: 0.5, focus: 0.25, nab: 0.25 });

  // 1. Base usage and its day-of-week factor.
  let usage: number[];
  let weekly: number[] = new Array<number>(n).fill(1);
  let fees: number[] = new Array<number>(n).fill(0);
  let flat = false;
  let intermittent = false;
  let description: string;
  if (source === 'aws') {
    const svc = awsServiceSeries(rng.pick(AWS_SERVICES), startDay, n, target, rng);
    usage = svc.usage;
    weekly = svc.weekly;
    fees = svc.fees;
    flat = svc.flat;
    description = svc.description;
  } else if (source === 'focus') {
    const built = focusSeries(rng.pick(options.focus), startDay, n, target, rng);
    usage = built.usage;
    weekly = built.weekly;
    intermittent = built.intermittent;
    description = built.description;
  } else {
    const shape = rng.pick(options.nab);
    // Tweet volumes swing with the news (daily CV 40-100 %): only a small share of the cost follows them.
    const alpha = shape.name.startsWith('realTweets') ? rng.uniform(0.15, 0.45) : rng.uniform(0.4, 1);
    const ratio = alignedShape(shape, startDay, n, rng);
    usage = ratio.map((r) => target * Math.max(0, 1 + alpha * (r - 1)));
    description = `NAB ${shape.name} (usage share ${(alpha * 100).toFixed(0)} %)`;
  }

  // 2. Organic growth or decline for some series (a slow, unlabelled trend).
  if (rng.chance(0.4)) {
    const g = Math.max(-0.8 / n, Math.min(0.9 / n, rng.uniform(-0.003, 0.004)));
    for (let i = 0; i < n; i++) usage[i]! *= Math.exp(g * i);
    description += `, trend ${(g * 100).toFixed(2)} %/day`;
  }

  // 3. Noise: multiplicative, 2-20 % (0-2 % on flat always-on resources), heavy-tailed for 30 %.
  // FOCUS series already carry the noise of their resources, so their extra noise is smaller.
  const noise = flat
    ? rng.uniform(0, 0.02)
    : source === 'focus'
      ? rng.logUniform(0.01, 0.1)
      : rng.logUniform(0.02, 0.2);
  const heavyTailed = !flat && rng.chance(0.3);
  const noiseMult: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.max(-NOISE_CLIP, Math.min(NOISE_CLIP, heavyTailed ? rng.studentT(3) : rng.normal()));
    noiseMult.push(Math.exp(noise * z - (noise * noise) / 2));
  }

  const typicalUsage = median(usage.filter((u) => u > 0)) || target;
  const weeklyPattern = Math.min(...weekly) <= 0.6;

  // 4. Events.
  // Intermittent series (sporadic charges) carry no labelled event: a spike or a drop on a series that is
  // zero half the days has no defensible window. They measure false alerts only.
  const plans = intermittent ? [] : planEvents(rng, n, startDay, noise, weeklyPattern);
  const mult = new Array<number>(n).fill(1);
  let appearsAt = 0;
  for (const p of plans) {
    for (let i = p.onset; i < n; i++) {
      switch (p.kind) {
        case 'spike':
          if (i < p.onset + p.length) mult[i]! *= 1 + p.magnitude;
          break;
        case 'level_shift':
        case 'drop':
          mult[i]! *= 1 + p.magnitude;
          break;
        case 'ramp':
          mult[i]! *= 1 + p.magnitude * Math.min(1, (i - p.onset + 1) / p.length);
          break;
        case 'weekend':
          if (i < p.onset + 2) mult[i]! *= 1 / weekly[i]!;
          break;
        case 'new_series':
          break;
      }
    }
    if (p.kind === 'new_series') appearsAt = p.onset;
  }

  // 5. Billing fees: month start (support, RI/SP fee, tax on the previous month) and mid-month charges.
  const feeKind = rng.chance(0.4) ? rng.weighted({ support: 0.4, commitment: 0.3, tax: 0.3 }) : null;
  const feeFactor = rng.uniform(0.3, 3);
  const taxRate = rng.uniform(0.02, 0.1);
  const midDay = rng.chance(0.1) ? rng.int(5, 25) : 0;
  const midFactor = rng.uniform(0.2, 1);
  const values: (number | null)[] = [];
  let previousMonth = 0;
  let thisMonth = 0;
  for (let i = 0; i < n; i++) {
    const dom = dayOfMonth(startDay + i);
    if (dom === 1) {
      previousMonth = thisMonth;
      thisMonth = 0;
    }
    let v = i < appearsAt ? 0 : usage[i]! * mult[i]! * noiseMult[i]!;
    thisMonth += v;
    let fee = i < appearsAt ? 0 : fees[i]!;
    if (i >= appearsAt && dom === 1 && feeKind) {
      fee +=
        feeKind === 'tax'
          ? taxRate * (previousMonth > 0 ? previousMonth : typicalUsage * 30) * rng.uniform(0.98, 1.02)
          : feeFactor * typicalUsage * (feeKind === 'support' ? rng.uniform(0.95, 1.05) : 1);
    }
    if (i >= appearsAt && midDay && dom === midDay) fee += midFactor * typicalUsage;
    v += fee;
    values.push(v);
  }

  // 5b. Realism 2: normal behaviour of real bills that version 1 lacks (none of it is an anomaly).
  const inWindow = (i: number): boolean => plans.some((p) => i >= p.onset && i <= p.end);
  const added: { i: number; kind: NormalDay['kind'] }[] = [];
  if ((options.realism ?? 1) >= 2 && !intermittent) {
    // A separate stream (the version-1 draws above and below are unchanged).
    const x = new Rng((Math.imul(options.seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
    const usageOf = (i: number): number => (i < appearsAt ? 0 : usage[i]! * mult[i]! * noiseMult[i]!);
    // Holidays: a weekday workload runs at its weekend level on US federal holidays and Dec 24-31.
    if (weeklyPattern) {
      const low = median(weekly.filter((w) => w <= 0.6));
      for (let i = appearsAt; i < n; i++) {
        const day = startDay + i;
        if (inWindow(i) || values[i] === null || !isHoliday(day) || weekly[i]! <= 0.6) continue;
        values[i] = (values[i] as number) - usageOf(i) * (1 - low / weekly[i]!);
        added.push({ i, kind: 'holiday' });
      }
    }
    // Refunds and credits: 10 % of series get 1-3 one-day negative adjustments of 0.3-2 typical days.
    if (x.chance(0.1)) {
      for (let k = x.int(1, 3); k > 0; k--) {
        const i = x.int(Math.max(appearsAt, 14), n - 1);
        if (inWindow(i) || dayOfMonth(startDay + i) === 1 || values[i] === null) continue;
        values[i] = (values[i] as number) - x.uniform(0.3, 2) * typicalUsage;
        added.push({ i, kind: 'refund' });
      }
    }
    // Irregular batch jobs: 15 % of series run a job on ~1 day in 10 (no schedule), +15-40 % of a typical day.
    if (x.chance(0.15)) {
      const size = x.uniform(0.15, 0.4);
      for (let i = appearsAt; i < n; i++) {
        if (!x.chance(0.1) || inWindow(i) || values[i] === null) continue;
        values[i] = (values[i] as number) + size * typicalUsage * x.uniform(0.8, 1.2);
        added.push({ i, kind: 'batch' });
      }
    }
  }

  // 6. Size band from the typical day before the first (non-new_series) event.
  const firstChange = plans.find((p) => p.kind !== 'new_series')?.onset ?? n;
  const typicalDay =
    median(values.slice(appearsAt, firstChange).filter((v): v is number => v !== null && v > 0)) || target;
  const band = bandOf(typicalDay);

  // 7. Missing days (never inside a labelled window), and the written precision.
  const missing = rng.chance(0.15) ? rng.uniform(0.01, 0.04) : 0;
  let missingDays = 0;
  const missingAs = rng.chance(0.5) ? 'blank' : 'absent';
  for (let i = 1; i < n; i++) {
    if (missing > 0 && rng.chance(missing) && !inWindow(i)) {
      values[i] = null;
      missingDays++;
    }
  }
  const newSeriesBlank = appearsAt > 0 && rng.chance(0.3);
  // Half the series are exported rounded to cents (as billing consoles do), the rest with 4 decimals.
  const decimals = rng.chance(0.5) ? 100 : 10000;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    values[i] = i < appearsAt && newSeriesBlank && i > 0 ? null : Math.round(v * decimals) / decimals;
  }

  const file = `${source}-${String(index).padStart(4, '0')}.csv`;
  const dates = Array.from({ length: n }, (_, i) => isoOf(startDay + i));
  const labels: EventLabel[] = plans.map((p) => ({
    file,
    kind: p.kind,
    start: dates[p.start]!,
    end: dates[p.end]!,
    onset: dates[p.onset]!,
    magnitude:
      p.kind === 'weekend'
        ? Math.round((1 / weekly[p.onset]! - 1) * 1000) / 1000
        : p.kind === 'new_series'
          ? Math.round(
              median(values.slice(p.onset, p.onset + 7).filter((v): v is number => v !== null)) * 100,
            ) / 100
          : Math.round(p.magnitude * 1000) / 1000,
    band,
    direction: p.magnitude < 0 ? 'down' : 'up',
  }));
  const feeDays: FeeDay[] = [];
  let startCount = 0;
  let midCount = 0;
  for (let i = appearsAt; i < n; i++) {
    const dom = dayOfMonth(startDay + i);
    if (dom === 1 && (feeKind || fees[i]! > 0)) startCount++;
    if (midDay && dom === midDay) midCount++;
    const fee = values[i] === null ? 0 : (values[i] as number) - usage[i]! * mult[i]! * noiseMult[i]!;
    if ((dom === 1 || (midDay && dom === midDay)) && fee >= 0.3 * typicalUsage && !inWindow(i)) {
      feeDays.push({
        file,
        date: dates[i]!,
        kind: dom === 1 ? 'month_start' : 'mid_month',
        ratio: Math.round((fee / typicalUsage) * 100) / 100,
        occurrence: dom === 1 ? startCount : midCount,
      });
    }
  }
  const normalDays: NormalDay[] = added
    .filter((a) => values[a.i] !== null)
    .map((a) => ({ file, date: dates[a.i]!, kind: a.kind }));
  const meta: SeriesMeta = {
    file,
    source,
    description:
      description + (feeKind ? `, month-start ${feeKind}` : '') + (midDay ? `, charge on day ${midDay}` : ''),
    band,
    typicalDay: Math.round(typicalDay * 100) / 100,
    days: n,
    weeklyPattern,
    intermittent,
    noise: Math.round(noise * 1000) / 1000,
    heavyTailed,
    missingDays,
    missingAs,
  };
  return { series: { meta, dates, values }, labels, feeDays, normalDays };
}

/**
 * A service x account from the FOCUS sample: R resources (line items that bill every day) whose daily
 * amounts are drawn from the sample's real charge amounts of that service, so a few large resources and many
 * small ones make up the cost, as in real bills. Each resource is steady (hourly, flat), usage-driven (its own
 * day-to-day noise) or a batch job (active on some days; only small resources, < 3 % of the total each).
 * A service the sample shows on few days can become an intermittent series (1-3 sporadic resources).
 */
function focusSeries(
  pool: FocusPool,
  startDay: number,
  n: number,
  target: number,
  rng: Rng,
): { usage: number[]; weekly: number[]; intermittent: boolean; description: string } {
  const intermittent = pool.activeDayShare < 0.6 && rng.chance(0.15);
  const r = intermittent ? rng.int(1, 3) : rng.int(5, 80);
  const amounts = Array.from({ length: r }, () => rng.pick(pool.amounts));
  const total = amounts.reduce((a, b) => a + b, 0);
  const resources = amounts.map((a) => {
    const share = a / total;
    const type = intermittent
      ? 'batch'
      : share < 0.03 && rng.chance(0.3)
        ? 'batch'
        : rng.weighted({ steady: 0.4, usage: 0.6 });
    return {
      amount: (a / total) * target * (intermittent ? 2 : 1),
      type,
      sd: type === 'usage' ? rng.uniform(0.03, 0.25) : 0.005,
      p: intermittent ? rng.uniform(0.3, 0.6) : rng.uniform(0.3, 0.9),
    };
  });
  const weekdayOnly = !intermittent && rng.chance(0.4);
  const weekendFactor = rng.uniform(0.2, 0.6);
  const usage: number[] = [];
  const weekly: number[] = [];
  for (let i = 0; i < n; i++) {
    const wd = weekdayOf(startDay + i);
    const w = weekdayOnly && (wd === 0 || wd === 6) ? weekendFactor : 1;
    weekly.push(w);
    let sum = 0;
    for (const res of resources) {
      if (res.type === 'batch' && !rng.chance(res.p)) continue;
      sum += res.amount * Math.exp(res.sd * rng.normal() - (res.sd * res.sd) / 2);
    }
    usage.push(sum * w);
  }
  return {
    usage,
    weekly,
    intermittent,
    description:
      `FOCUS ${pool.name}, ${r} resources${intermittent ? ', intermittent' : ''}` +
      (weekdayOnly ? ', weekday workload' : ''),
  };
}

/**
 * A NAB ratio curve laid on the series' calendar: blocks of whole weeks of the source, each starting on the
 * same weekday as the day it fills, so the source's weekly pattern lands on the right weekdays.
 */
function alignedShape(shape: NabShape, startDay: number, n: number, rng: Rng): number[] {
  const src = shape.ratio;
  const out: number[] = [];
  let day = startDay;
  while (out.length < n) {
    const block = Math.min(n - out.length, 7 * rng.int(4, 12));
    const candidates: number[] = [];
    for (let j = 0; j + Math.min(block, src.length) <= src.length; j++) {
      if (weekdayOf(shape.startDay + j) === weekdayOf(day)) candidates.push(j);
    }
    const from = candidates.length ? rng.pick(candidates) : 0;
    for (let k = 0; k < block && out.length < n; k++) {
      out.push(src[(from + k) % src.length]!);
      day++;
    }
  }
  return out;
}

function planEvents(rng: Rng, n: number, startDay: number, noise: number, weeklyPattern: boolean): Planned[] {
  const plans: Planned[] = [];
  const count = rng.weighted({ none: 0.2, one: 0.5, two: 0.25, three: 0.05 });
  let howMany = { none: 0, one: 1, two: 2, three: 3 }[count];
  let next = 0;
  if (howMany > 0 && rng.chance(0.08)) {
    // A new series: absent (zeros, or blank rows) since the data starts, then present.
    const onset = rng.int(5, Math.max(6, Math.floor(n / 3)));
    plans.push({
      kind: 'new_series',
      onset,
      start: onset,
      end: Math.min(n - 1, onset + 3),
      magnitude: 0,
      length: 1,
    });
    next = onset + 35;
    howMany--;
  }
  for (let k = 0; k < howMany; k++) {
    const kind = rng.weighted({
      spike: 0.36,
      level_shift: 0.28,
      ramp: 0.17,
      drop: 0.12,
      weekend: weeklyPattern ? 0.45 : 0,
    });
    const earliest = Math.max(next, { spike: 21, level_shift: 28, ramp: 35, drop: 21, weekend: 28 }[kind]);
    let p: Planned;
    if (kind === 'spike') {
      const length = rng.weighted({ one: 0.6, two: 0.25, three: 0.15 });
      const len = { one: 1, two: 2, three: 3 }[length];
      const onset = rng.int(earliest, n - 5);
      // +40-300 %, and above the largest unlabelled noise excursion (NOISE_CLIP sigmas), so the label is
      // defensible: no unlabelled day of the series deviates as much.
      const magnitude = Math.max(rng.logUniform(0.4, 3), Math.exp(NOISE_CLIP * noise) - 1);
      p = { kind, onset, start: onset, end: onset + len - 1, magnitude, length: len };
    } else if (kind === 'level_shift') {
      const onset = rng.int(earliest, n - 10);
      const up = rng.chance(0.75);
      const magnitude = up
        ? Math.max(rng.logUniform(0.3, 2), 2 * noise)
        : -Math.max(rng.uniform(0.2, 0.45), Math.min(0.45, 2 * noise));
      p = { kind, onset, start: onset, end: onset + 7, magnitude, length: 0 };
    } else if (kind === 'ramp') {
      const length = rng.int(7, 30);
      const magnitude = Math.max(rng.uniform(0.3, 1.5), 2 * noise);
      const onset = rng.int(earliest, n - length - 10);
      if (onset < earliest) continue;
      // The window starts on the day the climb exceeds +10 % and ends a week into the plateau.
      const over10 = onset + Math.max(0, Math.ceil((0.1 / magnitude) * length) - 1);
      p = { kind, onset, start: over10, end: onset + length - 1 + 7, magnitude, length };
    } else if (kind === 'drop') {
      const onset = rng.int(earliest, n - 5);
      const magnitude = rng.chance(0.6) ? -1 : -rng.uniform(0.5, 0.9);
      p = { kind, onset, start: onset, end: onset + 7, magnitude, length: 0 };
    } else {
      // The next Saturday after `earliest`: that weekend ran at the weekday level.
      let onset = rng.int(earliest, n - 3);
      while (onset < n - 2 && weekdayOf(startDay + onset) !== 6) onset++;
      if (weekdayOf(startDay + onset) !== 6) continue;
      p = { kind, onset, start: onset, end: onset + 1, magnitude: 1, length: 2 };
    }
    if (p.onset < earliest || p.onset > n - 3) continue;
    p.end = Math.min(n - 1, p.end);
    plans.push(p);
    // Nothing else after a drop (the series stays down); otherwise leave a month for the next one.
    if (kind === 'drop') break;
    next = p.end + 30;
    if (next > n - 10) break;
  }
  return plans;
}

/** US federal holidays on which weekday workloads idle (New Year, Memorial Day, July 4, Labor Day, Thanksgiving
 * and the day after), and Dec 24-31. */
export function isHoliday(day: number): boolean {
  const iso = isoOf(day);
  const month = Number(iso.slice(5, 7));
  const dom = Number(iso.slice(8, 10));
  const wd = weekdayOf(day); // 0 = Sunday
  if (month === 1 && dom === 1) return true;
  if (month === 12 && dom >= 24) return true;
  if (month === 7 && dom === 4) return true;
  if (month === 5 && wd === 1 && dom + 7 > 31) return true; // last Monday of May
  if (month === 9 && wd === 1 && dom <= 7) return true; // first Monday of September
  if (month === 11 && wd === 4 && dom >= 22 && dom <= 28) return true; // fourth Thursday
  if (month === 11 && wd === 5 && dom >= 23 && dom <= 29) return true; // the Friday after
  return false;
}
