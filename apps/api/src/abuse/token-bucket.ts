/**
 * In-memory token buckets, one per key (a tenant id, a client address). A bucket holds up to `burst` tokens
 * and refills at `perSecond`; each request takes one. Pure: no Nest, no I/O, the clock is injected.
 *
 * Kept in process on purpose: a PostgreSQL round trip per request would cost more than the requests it guards
 * and would take a pool connection from the very tenants it protects (docs/security.md, "Abuse limits").
 * Each replica enforces its share of the deployment-wide limit (the limit divided by API_REPLICAS).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    /** Above this many keys, idle (full) buckets are dropped: memory stays bounded under address floods. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes a token: 0 when allowed, otherwise the seconds until one is available. */
  take(key: string): number {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.sweep();
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / this.perSecond;
  }

  /** Forgets buckets that have refilled completely (they behave exactly like a new one). */
  sweep(): void {
    const t = this.now();
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** Counts requests in flight per key and refuses more than `max` at once. */
export class InFlight {
  private readonly counts = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Reserves a slot; false when the key already has `max` requests running. */
  enter(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  leave(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }

  running(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
