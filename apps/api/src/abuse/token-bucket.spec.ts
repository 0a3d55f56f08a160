import { InFlight, TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  it('allows a burst, then refills at the rate, per key', () => {
    let now = 0;
    const b = new TokenBuckets(10, 5, () => now);
    const first = Array.from({ length: 7 }, () => b.take('tenant-a'));
    expect(first.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(first[5]).toBeCloseTo(0.1); // one token refills in 1/10 s
    expect(b.take('tenant-b')).toBe(0); // another key has its own bucket
    now += 250; // 2.5 tokens back
    expect([b.take('tenant-a'), b.take('tenant-a'), b.take('tenant-a')].map((x) => x === 0)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('sweeps full buckets so memory stays bounded', () => {
    let now = 0;
    const b = new TokenBuckets(1, 2, () => now, 3);
    b.take('a');
    b.take('b');
    b.take('c');
    expect(b.size).toBe(3);
    now += 5000;
    b.take('d'); // at the cap: the refilled ones are dropped first
    expect(b.size).toBe(1);
  });
});

describe('InFlight', () => {
  it('refuses more than max at once per key and frees slots on leave', () => {
    const f = new InFlight(2);
    expect([f.enter('a'), f.enter('a'), f.enter('a'), f.enter('b')]).toEqual([true, true, false, true]);
    f.leave('a');
    expect(f.enter('a')).toBe(true);
    expect(f.running('a')).toBe(2);
  });
});
