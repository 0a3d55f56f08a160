/**
 * Small numeric helpers shared by the detectors. Everything works on caller-provided scratch buffers so the
 * hot loops allocate nothing.
 */

/** Consistency constant: 1.4826 * MAD estimates the standard deviation of normal data. */
export const MAD_TO_SIGMA = 1.4826;

/** Sorts `buf[0..n)` in place (insertion sort: the windows here are small, <= 64 values). */
export function sortPrefix(buf: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = buf[i]!;
    let j = i - 1;
    while (j >= 0 && buf[j]! > v) {
      buf[j + 1] = buf[j]!;
      j--;
    }
    buf[j + 1] = v;
  }
}

/** Median of `buf[0..n)`; reorders the buffer. NaN when n = 0. */
export function medianOf(buf: Float64Array, n: number): number {
  if (n <= 0) return NaN;
  sortPrefix(buf, n);
  const h = n >> 1;
  return n % 2 === 1 ? buf[h]! : (buf[h - 1]! + buf[h]!) / 2;
}

/** Linear-interpolated quantile q in [0, 1] of `buf[0..n)`; reorders the buffer. */
export function quantileOf(buf: Float64Array, n: number, q: number): number {
  if (n <= 0) return NaN;
  sortPrefix(buf, n);
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return buf[lo]! + (buf[hi]! - buf[lo]!) * (pos - lo);
}

/** k-th smallest (0-based) of `buf[0..n)` by quickselect, O(n); reorders the buffer. */
export function selectKth(buf: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = buf[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (buf[i]! < pivot) i++;
      while (buf[j]! > pivot) j--;
      if (i <= j) {
        const tmp = buf[i]!;
        buf[i] = buf[j]!;
        buf[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return buf[k]!;
}

/** Linear-interpolated quantile q of `buf[0..n)` in O(n) (two selections); reorders the buffer. */
export function quantileSelect(buf: Float64Array, n: number, q: number): number {
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const a = selectKth(buf, n, lo);
  if (lo + 1 >= n || pos === lo) return a;
  // After selecting lo, everything above index lo is >= a: the next order statistic is their minimum.
  let b = Infinity;
  for (let i = lo + 1; i < n; i++) if (buf[i]! < b) b = buf[i]!;
  return a + (b - a) * (pos - lo);
}

/** Median absolute deviation of `buf[0..n)` around `center`; overwrites the buffer. */
export function madOf(buf: Float64Array, n: number, center: number): number {
  for (let i = 0; i < n; i++) buf[i] = Math.abs(buf[i]! - center);
  return medianOf(buf, n);
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 on erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** Scale from a normal-consistent robust z to the unit Student-t(4) variable with the same central spread. */
export const Z_TO_T4 = 1.1;

/**
 * The score of a calibrated deviation z (residual / robust sigma / calibration): 1 - p, where p is the
 * two-sided probability that the reference law produces a deviation at least |z| in magnitude. The
 * reference is a Student-t with 4 degrees of freedom matched to a normal's central spread: real cost and
 * metric residuals have heavier tails than a normal, and sigma itself is estimated from few days.
 * 0.99 means "a deviation this large happens about once in 100 points of this series".
 * Closed form for 4 dof: 2F(t) - 1 = (3/4) u (1 - u^2 / 12), u = t / sqrt(1 + t^2 / 4).
 */
export function scoreOfZ(z: number): number {
  if (Number.isNaN(z)) return 0;
  if (!Number.isFinite(z)) return 1;
  const t = Math.abs(z) * Z_TO_T4;
  const u = t / Math.sqrt(1 + (t * t) / 4);
  return clamp(0.75 * u * (1 - (u * u) / 12), 0, 1);
}

/** Inverse of {@link scoreOfZ} for a threshold: the |z| at which the score reaches `score`. */
export function zOfScore(score: number): number {
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (scoreOfZ(mid) < score) lo = mid;
    else hi = mid;
  }
  return hi;
}

export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
