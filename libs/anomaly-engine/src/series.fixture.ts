/** Deterministic test series (seeded), shared by the specs. */
import type { CostPoint } from './types';

export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
}

export const DAY = 86_400_000;

export interface DailyOptions {
  readonly days?: number;
  readonly start?: string;
  readonly level?: number;
  readonly noise?: number;
  readonly weekend?: number;
  readonly seed?: number;
  /** Extra cost per day index (added after noise). */
  readonly extra?: (i: number, date: string) => number;
  readonly multiply?: (i: number, date: string) => number;
}

/** A realistic daily usage-cost series: weekday level, weekend dip, multiplicative noise. */
export function dailySeries(o: DailyOptions = {}): CostPoint[] {
  const r = seeded(o.seed ?? 1);
  const start = Date.parse(`${o.start ?? '2025-01-06'}T00:00:00Z`);
  const out: CostPoint[] = [];
  for (let i = 0; i < (o.days ?? 120); i++) {
    const t = start + i * DAY;
    const date = new Date(t).toISOString().slice(0, 10);
    const dow = new Date(t).getUTCDay();
    const w = dow === 0 || dow === 6 ? (o.weekend ?? 0.6) : 1;
    const v = (o.level ?? 200) * w * (1 + normal(r) * (o.noise ?? 0.05)) * (o.multiply?.(i, date) ?? 1);
    out.push({ date, value: Math.round((v + (o.extra?.(i, date) ?? 0)) * 100) / 100 });
  }
  return out;
}

export function flaggedDays(results: readonly { isAnomaly: boolean }[]): number[] {
  const out: number[] = [];
  results.forEach((r, i) => {
    if (r.isAnomaly) out.push(i);
  });
  return out;
}
