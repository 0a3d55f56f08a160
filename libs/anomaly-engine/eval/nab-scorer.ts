/**
 * A TypeScript reimplementation of the Numenta Anomaly Benchmark's scorer (NAB's nab/sweeper.py,
 * nab/scorer.py, nab/optimizer.py and the normalisation step of nab/runner.py), so the engine can be scored
 * on NAB without Python. Rules, as in NAB:
 * - the first 15 % of each file (at most 750 rows) is probationary and never scored;
 * - a detection inside a labelled window earns tpWeight x scaledSigmoid(position) / scaledSigmoid(-1), where
 *   position runs from -1 (left edge) towards 0 (right edge): only the best, i.e. the earliest, detection of
 *   a window counts; a window with no detection costs fnWeight;
 * - every detection outside a window costs fpWeight x scaledSigmoid(distance past the previous window's
 *   right edge, in that window's widths) (-fpWeight when no window precedes it);
 * - a corpus score is the sum over files; it is normalised as 100 x (score - null) / (perfect - null), where
 *   null is the score of a detector that never fires and perfect = number of windows x tpWeight.
 */

export interface CostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
}

/** config/profiles.json of NAB. */
export const NAB_PROFILES: Readonly<Record<ProfileName, CostMatrix>> = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11 },
};

export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';
export const PROFILE_NAMES: readonly ProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

export const PROBATION_PERCENT = 0.15;

/** One scorable row (probationary rows are left out): its anomaly score, sweep score and window. */
export interface AnomalyPoint {
  readonly anomalyScore: number;
  readonly sweepScore: number;
  /** Unique window id ("file|start") or null outside every window. */
  readonly window: string | null;
}

export interface ThresholdScore {
  readonly threshold: number;
  readonly score: number;
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** NAB's scaled sigmoid: 2 sigmoid(-5 x) - 1, and -1 beyond 3. */
export function scaledSigmoid(position: number): number {
  return position > 3 ? -1 : 2 * sigmoid(-5 * position) - 1;
}

export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * 5000);
}

/**
 * NAB's Sweeper.calcSweepScore: one AnomalyPoint per non-probationary row. `windows` are [start, end]
 * timestamps (epoch ms) that occur exactly in `times`, sorted and disjoint.
 */
export function sweepScores(
  times: readonly number[],
  anomalyScores: ArrayLike<number>,
  windows: readonly (readonly [number, number])[],
  fileName: string,
  cost: CostMatrix,
): AnomalyPoint[] {
  if (times.length !== anomalyScores.length)
    throw new Error(`${fileName}: ${times.length} timestamps but ${anomalyScores.length} scores`);
  const maxTP = scaledSigmoid(-1);
  const probation = probationaryLength(times.length);
  const index = new Map<number, number>();
  times.forEach((t, i) => {
    if (!index.has(t)) index.set(t, i);
  });
  const pending = [...windows];
  let cur: readonly [number, number] | null = null;
  let curName: string | null = null;
  let curWidth = 0;
  let curRight = -1;
  let prevWidth = -1;
  let prevRight = -1;
  const out: AnomalyPoint[] = [];
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    if (pending.length > 0 && t === pending[0]![0]) {
      cur = pending.shift()!;
      curName = `${fileName}|${cur[0]}`;
      const left = index.get(cur[0]);
      const right = index.get(cur[1]);
      if (left === undefined || right === undefined)
        throw new Error(`${fileName}: window edge not in the data`);
      curRight = right;
      curWidth = right - left + 1;
    }
    let weighted: number;
    if (cur !== null) {
      const position = -(curRight - i + 1) / curWidth;
      weighted = (scaledSigmoid(position) * cost.tpWeight) / maxTP;
    } else {
      const unweighted = prevRight < 0 ? -1 : scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
      weighted = unweighted * cost.fpWeight;
    }
    if (i >= probation) out.push({ anomalyScore: anomalyScores[i]!, sweepScore: weighted, window: curName });
    if (cur !== null && t === cur[1]) {
      prevRight = i;
      prevWidth = curWidth;
      cur = null;
      curName = null;
    }
  }
  return out;
}

/**
 * NAB's Sweeper.calcScoreByThreshold: the score for every distinct anomaly-score threshold, from 1.1 (no
 * detection) down to the lowest score (every row a detection). A row's threshold t means "rows with
 * anomaly score >= t are detections".
 */
export function scoresByThreshold(points: readonly AnomalyPoint[], cost: CostMatrix): ThresholdScore[] {
  const sorted = [...points].sort((a, b) => b.anomalyScore - a.anomalyScore);
  const windowBest = new Map<string, number>();
  for (const p of sorted) if (p.window !== null) windowBest.set(p.window, -cost.fnWeight);
  let windowSum = -cost.fnWeight * windowBest.size;
  let fpSum = 0;
  let tn = sorted.filter((p) => p.window === null).length;
  let fn = sorted.length - tn;
  let tp = 0;
  let fp = 0;
  let threshold = 1.1;
  const out: ThresholdScore[] = [];
  for (const p of sorted) {
    if (p.anomalyScore !== threshold) {
      out.push({ threshold, score: windowSum + fpSum, tp, tn, fp, fn });
      threshold = p.anomalyScore;
    }
    if (p.window === null) {
      fp++;
      tn--;
      fpSum += p.sweepScore;
    } else {
      tp++;
      fn--;
      const best = windowBest.get(p.window)!;
      if (p.sweepScore > best) {
        windowSum += p.sweepScore - best;
        windowBest.set(p.window, p.sweepScore);
      }
    }
  }
  out.push({ threshold, score: windowSum + fpSum, tp, tn, fp, fn });
  return out;
}

/** NAB's Sweeper.scoreDataSet matching rule: the row of the given threshold, else the next higher one. */
export function scoreAtThreshold(rows: readonly ThresholdScore[], threshold: number): ThresholdScore {
  let prev = rows[0]!;
  for (const r of rows) {
    if (r.threshold === threshold) return r;
    if (r.threshold < threshold) return prev;
    prev = r;
  }
  return prev;
}

/** The best threshold over a pooled set of rows (NAB's optimizer: exhaustive over distinct scores). */
export function bestThreshold(rows: readonly ThresholdScore[]): ThresholdScore {
  let best = rows[0]!;
  for (const r of rows) if (r.score > best.score) best = r;
  return best;
}

/** 100 x (score - null) / (perfect - null). */
export function normalise(score: number, nullScore: number, windows: number, cost: CostMatrix): number {
  const perfect = windows * cost.tpWeight;
  return (100 * (score - nullScore)) / (perfect - nullScore);
}
