import { batchedStdout } from './batched-stdout';

describe('batchedStdout', () => {
  it('writes the lines of one event-loop turn with one write, in order', async () => {
    const writes: string[] = [];
    const out = batchedStdout({ write: (t: string) => writes.push(t) });
    out.write('a\n');
    out.write('b\n');
    expect(writes).toEqual([]);
    await new Promise((r) => setImmediate(r));
    out.write('c\n');
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual(['a\nb\n', 'c\n']);
  });

  it('writes what is pending when flushed (as at exit)', () => {
    const writes: string[] = [];
    const out = batchedStdout({ write: (t: string) => writes.push(t) });
    out.write('last\n');
    out.flush();
    expect(writes).toEqual(['last\n']);
  });
});
