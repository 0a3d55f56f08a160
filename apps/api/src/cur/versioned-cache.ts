/**
 * A small in-process cache of values derived from data that carries a version (e.g. `cost_data_version`): an
 * entry is served only while the caller's current version equals the one it was built from, so every replica stays
 * correct without invalidation messages. Loads are shared: concurrent callers of the same key and version wait for
 * one load. A failed load is not kept. Least recently used entries go first beyond `maxEntries`.
 */
export class VersionedCache<T> {
  private readonly entries = new Map<string, { version: string; value: Promise<T> }>();

  constructor(private readonly maxEntries = 1000) {}

  get(key: string, version: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    this.entries.delete(key);
    if (hit && hit.version === version) {
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = load();
    this.entries.set(key, { version, value });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
