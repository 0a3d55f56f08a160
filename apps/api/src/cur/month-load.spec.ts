import { copyLine } from './month-load';

describe('copyLine (a COPY text line of an aggregate row)', () => {
  const row = [
    '2026-05-01',
    '123456789012',
    'AmazonEC2',
    'us-east-1',
    'BoxUsage',
    'usage',
    '1.5',
    '1.4',
    '1.3',
    '1.2',
    '2',
    '10',
    '3',
  ];

  it('joins a plain row as it is', () => {
    expect(copyLine(row)).toBe(row.join('\t'));
  });

  it('escapes backslashes, tabs and line breaks inside values and writes empty amounts as 0', () => {
    const odd = [...row];
    odd[2] = 'Seller\tName';
    odd[4] = 'a\\b\nc\rd';
    odd[7] = '';
    const cols = copyLine(odd).split('\t');
    expect(cols).toHaveLength(row.length);
    expect(cols[2]).toBe('Seller\\tName');
    expect(cols[4]).toBe('a\\\\b\\nc\\rd');
    expect(cols[7]).toBe('0');
  });

  it('writes an empty amount as 0 even when nothing needs escaping', () => {
    const empty = [...row];
    empty[12] = '';
    expect(copyLine(empty).split('\t')[12]).toBe('0');
  });
});
