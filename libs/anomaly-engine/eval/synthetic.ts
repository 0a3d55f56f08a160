/**
 * Labelled synthetic data for the evaluation: daily cost series and metric streams with known events.
 * Deterministic (seeded PRNG), so figures are reproducible.
 */

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Student-t-like heavy-tailed noise (scaled to unit-ish spread). */
function heavy(r: () => number, nu: number): number {
  let chi = 0;
  for (let i = 0; i < nu; i++) chi += gaussian(r) ** 2;
  return gaussian(r) / Math.sqrt(chi / nu);
}

export type CostEventType =
  'spike' | 'level_shift' | 'ramp' | 'drop_to_zero' | 'weekend_not_scaled' | 'new_service';

export interface LabelledEvent<T extends string> {
  readonly type: T;
  /** Index of the first anomalous point and the last index where a detection still counts. */
  readonly start: number;
  readonly end: number;
  /** Rises are detectable by the default (up-only) cost detector; drops only with direction both. */
  readonly direction: 'up' | 'down';
}

export interface CostSeries {
  readonly id: string;
  readonly dates: string[];
  readonly values: (number | null)[];
  readonly events: LabelledEvent<CostEventType>[];
  /** Indices of day-1 fee days (must never alert). */
  readonly feeDays: number[];
}

const DAY = 86_400_000;

/** Generates `count` daily cost series of `days` days. */
export function costDataset(count: number, days: number, seed: number): CostSeries[] {
  const r = rng(seed);
  const out: CostSeries[] = [];
  const types: CostEventType[] = [
    'spike',
    'level_shift',
    'ramp',
    'drop_to_zero',
    'weekend_not_scaled',
    'new_service',
  ];
  for (let s = 0; s < count; s++) {
    const start = Date.UTC(2025, 0, 1) + Math.floor(r() * 90) * DAY;
    const level0 = Math.exp(Math.log(2) + r() * Math.log(5000 / 2)); // $2 .. $5000 a day
    const weekly = r() < 0.6;
    const weekendFactor = weekly ? 0.35 + r() * 0.5 : 1;
    const growth = (r() - 0.35) * 0.006; // -0.2 % .. +0.4 % a day
    const noiseRel = 0.02 + r() * 0.13;
    const heavyTails = r() < 0.3;
    const monthStartFee = r() < 0.4 ? level0 * (0.3 + r() * 3) : 0;
    const gaps = r() < 0.2;
    const nEvents = r() < 0.15 ? 0 : r() < 0.7 ? 1 : 2;
    const dates: string[] = [];
    const base: number[] = [];
    for (let i = 0; i < days; i++) {
      const t = start + i * DAY;
      dates.push(new Date(t).toISOString().slice(0, 10));
      const dow = new Date(t).getUTCDay();
      const w = dow === 0 || dow === 6 ? weekendFactor : 1;
      base.push(level0 * Math.exp(growth * i) * w);
    }
    const mult = new Array<number>(days).fill(1);
    const add = new Array<number>(days).fill(0);
    const events: LabelledEvent<CostEventType>[] = [];
    const used = new Array<boolean>(days).fill(false);
    let zeroUntil = -1;
    for (let e = 0; e < nEvents; e++) {
      let type = types[Math.floor(r() * types.length)]!;
      if (type === 'weekend_not_scaled' && !weekly) type = 'spike';
      if (type === 'new_service' && (e > 0 || events.length > 0)) type = 'spike';
      const at = 28 + Math.floor(r() * (days - 36));
      if (type === 'new_service') {
        const first = 20 + Math.floor(r() * 40);
        zeroUntil = first;
        events.push({ type, start: first, end: first, direction: 'up' });
        for (let i = 0; i <= first; i++) used[i] = true;
        continue;
      }
      const span = (a: number, b: number): boolean => {
        for (let i = Math.max(0, a - 7); i <= Math.min(days - 1, b + 7); i++) if (used[i]) return true;
        return false;
      };
      if (type === 'spike') {
        const len = 1 + Math.floor(r() * 3);
        if (span(at, at + len)) continue;
        const mag = 0.5 + r() * 2.5;
        for (let i = at; i < at + len && i < days; i++) {
          mult[i] = mult[i]! * (1 + mag);
          used[i] = true;
        }
        events.push({ type, start: at, end: Math.min(days - 1, at + len - 1), direction: 'up' });
      } else if (type === 'level_shift') {
        if (span(at, at + 10)) continue;
        const mag = 0.5 + r() * 1.5;
        const len = r() < 0.5 ? days - at : 10 + Math.floor(r() * 15);
        for (let i = at; i < Math.min(days, at + len); i++) {
          mult[i] = mult[i]! * (1 + mag);
          used[i] = true;
        }
        events.push({ type, start: at, end: Math.min(days - 1, at + 6), direction: 'up' });
      } else if (type === 'ramp') {
        const len = 7 + Math.floor(r() * 8);
        if (span(at, at + len)) continue;
        const mag = 0.8 + r() * 2;
        for (let i = at; i < days; i++) {
          mult[i] = mult[i]! * (1 + mag * Math.min(1, (i - at + 1) / len));
          if (i < at + len + 7) used[i] = true;
        }
        events.push({ type, start: at, end: Math.min(days - 1, at + len + 3), direction: 'up' });
      } else if (type === 'drop_to_zero') {
        const len = 2 + Math.floor(r() * 6);
        if (span(at, at + len)) continue;
        for (let i = at; i < Math.min(days, at + len); i++) {
          mult[i] = 0;
          used[i] = true;
        }
        events.push({ type, start: at, end: Math.min(days - 1, at + len - 1), direction: 'down' });
      } else {
        // weekend_not_scaled: the next Saturday/Sunday run at weekday cost.
        let sat = at;
        while (new Date(start + sat * DAY).getUTCDay() !== 6) sat++;
        if (sat + 1 >= days || span(sat, sat + 1)) continue;
        for (const i of [sat, sat + 1]) {
          mult[i] = mult[i]! / weekendFactor;
          used[i] = true;
        }
        events.push({ type, start: sat, end: sat + 1, direction: 'up' });
      }
    }
    const feeDays: number[] = [];
    const values: (number | null)[] = [];
    for (let i = 0; i < days; i++) {
      const noise = heavyTails ? heavy(r, 3) * noiseRel * 0.7 : gaussian(r) * noiseRel;
      let v = Math.max(0, base[i]! * mult[i]! * (1 + noise) + add[i]!);
      if (i < zeroUntil) v = 0;
      if (monthStartFee > 0 && dates[i]!.endsWith('-01') && i >= zeroUntil) {
        v += monthStartFee * (0.9 + 0.2 * r());
        feeDays.push(i);
      }
      const missing = gaps && r() < 0.04 && !events.some((e) => i >= e.start && i <= e.end);
      values.push(missing ? null : Math.round(v * 100) / 100);
    }
    events.sort((a, b) => a.start - b.start);
    out.push({ id: `cost-${s}`, dates, values, events, feeDays });
  }
  return out;
}

export type MetricEventType = 'spike' | 'level_shift' | 'dip' | 'drop_to_zero' | 'ramp' | 'variance_burst';

export interface MetricSeries {
  readonly id: string;
  readonly times: number[];
  readonly values: number[];
  readonly events: LabelledEvent<MetricEventType>[];
}

/** CloudWatch-like streams: 1-5 min sampling with jitter and gaps, daily cycle, varied noise, labelled events. */
export function metricDataset(count: number, points: number, seed: number): MetricSeries[] {
  const r = rng(seed);
  const out: MetricSeries[] = [];
  const types: MetricEventType[] = ['spike', 'level_shift', 'dip', 'drop_to_zero', 'ramp', 'variance_burst'];
  for (let s = 0; s < count; s++) {
    const interval = [60_000, 60_000, 300_000, 300_000, 120_000][Math.floor(r() * 5)]!;
    const level = Math.exp(r() * Math.log(1e4));
    const noise = level * (0.01 + r() * 0.15);
    const amplitude = r() < 0.6 ? level * r() * 0.4 : 0;
    const heavyTails = r() < 0.3;
    const counts = r() < 0.2;
    const walk = r() < 0.3 ? noise * 0.05 : 0;
    const times: number[] = [];
    const values: number[] = [];
    const events: LabelledEvent<MetricEventType>[] = [];
    const used = new Array<boolean>(points).fill(false);
    const mult = new Array<number>(points).fill(1);
    const shift = new Array<number>(points).fill(0);
    const noiseMult = new Array<number>(points).fill(1);
    const nEvents = 1 + Math.floor(r() * 3);
    for (let e = 0; e < nEvents; e++) {
      const type = types[Math.floor(r() * types.length)]!;
      const at = Math.floor(points * 0.15) + Math.floor(r() * points * 0.8);
      const free = (a: number, b: number): boolean => {
        for (let i = Math.max(0, a - 150); i <= Math.min(points - 1, b + 150); i++) if (used[i]) return false;
        return true;
      };
      const mark = (a: number, b: number): void => {
        for (let i = a; i <= b && i < points; i++) used[i] = true;
      };
      const sign = r() < 0.5 ? -1 : 1;
      if (type === 'spike') {
        const len = 1 + Math.floor(r() * 3);
        if (!free(at, at + len)) continue;
        const mag = (6 + r() * 10) * noise + amplitude * 0.5;
        for (let i = at; i < at + len && i < points; i++) shift[i] = shift[i]! + sign * mag;
        mark(at, at + len);
        events.push({
          type,
          start: at,
          end: Math.min(points - 1, at + len + 2),
          direction: sign > 0 ? 'up' : 'down',
        });
      } else if (type === 'level_shift') {
        if (!free(at, at + 30)) continue;
        const mag = (6 + r() * 10) * noise;
        for (let i = at; i < points; i++) shift[i] = shift[i]! + sign * mag;
        mark(at, at + 30);
        events.push({
          type,
          start: at,
          end: Math.min(points - 1, at + 20),
          direction: sign > 0 ? 'up' : 'down',
        });
      } else if (type === 'dip') {
        const len = 5 + Math.floor(r() * 20);
        if (!free(at, at + len)) continue;
        const mag = (6 + r() * 8) * noise;
        for (let i = at; i < at + len && i < points; i++) shift[i] = shift[i]! - mag;
        mark(at, at + len);
        events.push({ type, start: at, end: Math.min(points - 1, at + len + 2), direction: 'down' });
      } else if (type === 'drop_to_zero') {
        const len = 5 + Math.floor(r() * 30);
        if (!free(at, at + len)) continue;
        for (let i = at; i < at + len && i < points; i++) mult[i] = 0;
        mark(at, at + len);
        events.push({ type, start: at, end: Math.min(points - 1, at + len + 2), direction: 'down' });
      } else if (type === 'ramp') {
        const len = 20 + Math.floor(r() * 60);
        if (!free(at, at + len)) continue;
        const mag = (8 + r() * 10) * noise;
        for (let i = at; i < points; i++) shift[i] = shift[i]! + sign * mag * Math.min(1, (i - at) / len);
        mark(at, at + len + 20);
        events.push({
          type,
          start: at,
          end: Math.min(points - 1, at + len + 10),
          direction: sign > 0 ? 'up' : 'down',
        });
      } else {
        const len = 20 + Math.floor(r() * 40);
        if (!free(at, at + len)) continue;
        for (let i = at; i < at + len && i < points; i++) noiseMult[i] = 6 + r() * 4;
        mark(at, at + len);
        events.push({ type, start: at, end: Math.min(points - 1, at + len), direction: 'up' });
      }
    }
    let t = Date.UTC(2025, 2, 1) + Math.floor(r() * 86_400_000);
    let w = 0;
    for (let i = 0; i < points; i++) {
      t += interval + Math.round((r() - 0.5) * interval * 0.2);
      if (r() < 0.003) t += interval * (5 + Math.floor(r() * 60)); // gap
      w += walk * gaussian(r);
      const day = (t % 86_400_000) / 86_400_000;
      const clean = level + w + amplitude * Math.sin(2 * Math.PI * day);
      const eps = (heavyTails ? heavy(r, 3) * 0.6 : gaussian(r)) * noise * noiseMult[i]!;
      let v = (clean + shift[i]!) * mult[i]! + eps * (mult[i]! === 0 ? 0 : 1);
      if (counts) v = Math.max(0, Math.round(v));
      times.push(t);
      values.push(Math.round(v * 1000) / 1000);
    }
    events.sort((a, b) => a.start - b.start);
    out.push({ id: `metric-${s}`, times, values, events });
  }
  return out;
}
