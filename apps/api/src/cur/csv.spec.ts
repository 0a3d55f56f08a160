import { parseCsv, parseCsvBatches } from './csv';

async function all(chunks: string[]): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of parseCsv(chunks)) out.push(r);
  return out;
}

describe('parseCsv', () => {
  it('parses Athena output: quoted values, doubled quotes, commas and empty values', async () => {
    const text =
      '"usage_date","service","cost"\n"2026-11-01","Amazon ""EC2"", compute","1.5E7"\n"2026-11-02","","0.1"\n';
    expect(await all([text])).toEqual([
      ['usage_date', 'service', 'cost'],
      ['2026-11-01', 'Amazon "EC2", compute', '1.5E7'],
      ['2026-11-02', '', '0.1'],
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const text = '"a","b ""x"" c"\r\n"1","2"\r\n"3",""\r\n';
    const whole = await all([text]);
    for (let size = 1; size < 7; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(await all(chunks)).toEqual(whole);
    }
    expect(whole).toEqual([
      ['a', 'b "x" c'],
      ['1', '2'],
      ['3', ''],
    ]);
  });

  it('keeps a last record without a trailing newline', async () => {
    expect(await all(['"a","b"\n"1","2"'])).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
});

describe('parseCsvBatches', () => {
  it('decodes a UTF-8 character split between two chunks', async () => {
    const bytes = Buffer.from('"Zürich","東京"\n', 'utf8');
    const whole: string[][] = [];
    for (let cut = 1; cut < bytes.length; cut++) {
      const out: string[][] = [];
      for await (const batch of parseCsvBatches([bytes.subarray(0, cut), bytes.subarray(cut)]))
        out.push(...batch);
      whole.push(...out);
      expect(out).toEqual([['Zürich', '東京']]);
    }
    expect(whole).toHaveLength(bytes.length - 1);
  });

  it('yields the records of a chunk together, and a quote inside an unquoted value as is', async () => {
    const batches: string[][][] = [];
    for await (const b of parseCsvBatches(['a,b"c\n1,2\n3', ',4\n'])) batches.push(b);
    expect(batches).toEqual([
      [
        ['a', 'b"c'],
        ['1', '2'],
      ],
      [['3', '4']],
    ]);
  });
});
