import { medianOf, quantileOf, quantileSelect, scoreOfZ, zOfScore } from './stats';

describe('score scale', () => {
  it('maps |z| monotonically onto [0, 1) and is symmetric', () => {
    let prev = -1;
    for (let z = 0; z <= 60; z += 0.25) {
      const s = scoreOfZ(z);
      expect(s).toBeGreaterThan(prev);
      expect(s).toBeLessThanOrEqual(1);
      expect(scoreOfZ(-z)).toBe(s);
      prev = s;
    }
    expect(scoreOfZ(0)).toBe(0);
    expect(scoreOfZ(Number.NaN)).toBe(0);
    expect(scoreOfZ(Infinity)).toBe(1);
  });

  it('follows the two-sided Student-t(4) tail of the scaled z and inverts with zOfScore', () => {
    // t = 1.1 z; the two-sided 1 % point of t(4) is 4.604.
    expect(scoreOfZ(4.604 / 1.1)).toBeCloseTo(0.99, 4);
    for (const s of [0.9, 0.99, 0.995, 0.999]) expect(scoreOfZ(zOfScore(s))).toBeCloseTo(s, 6);
  });

  it('computes medians and quantiles (sort and selection agree)', () => {
    const values = [5, 1, 9, 3, 7, 2, 8];
    expect(medianOf(Float64Array.from(values), values.length)).toBe(5);
    for (const q of [0, 0.1, 0.5, 0.9, 1]) {
      expect(quantileSelect(Float64Array.from(values), 7, q)).toBeCloseTo(
        quantileOf(Float64Array.from(values), 7, q),
        12,
      );
    }
  });
});
