import { VersionedCache } from './versioned-cache';

describe('VersionedCache', () => {
  it('serves an entry while the version is unchanged and reloads when it changes', async () => {
    const cache = new VersionedCache<number>();
    let loads = 0;
    const load = (v: number) => () => Promise.resolve((loads++, v));
    expect(await cache.get('t1', '1', load(10))).toBe(10);
    expect(await cache.get('t1', '1', load(11))).toBe(10);
    expect(await cache.get('t1', '2', load(12))).toBe(12);
    expect(await cache.get('t2', '2', load(13))).toBe(13);
    expect(loads).toBe(3);
  });

  it('shares one load between concurrent callers', async () => {
    const cache = new VersionedCache<string>();
    let loads = 0;
    let release!: (v: string) => void;
    const load = () => {
      loads++;
      return new Promise<string>((r) => (release = r));
    };
    const all = Promise.all([
      cache.get('k', '1', load),
      cache.get('k', '1', load),
      cache.get('k', '1', load),
    ]);
    release('x');
    expect(await all).toEqual(['x', 'x', 'x']);
    expect(loads).toBe(1);
  });

  it('does not keep a failed load', async () => {
    const cache = new VersionedCache<string>();
    await expect(cache.get('k', '1', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('k', '1', () => Promise.resolve('ok'))).toBe('ok');
  });

  it('drops the least recently used entries beyond its size', async () => {
    const cache = new VersionedCache<string>(2);
    await cache.get('a', '1', () => Promise.resolve('a'));
    await cache.get('b', '1', () => Promise.resolve('b'));
    await cache.get('a', '1', () => Promise.resolve('a2')); // a is now the most recent
    await cache.get('c', '1', () => Promise.resolve('c'));
    expect(cache.size).toBe(2);
    expect(await cache.get('a', '1', () => Promise.resolve('a3'))).toBe('a');
    expect(await cache.get('b', '1', () => Promise.resolve('b2'))).toBe('b2');
  });
});
