import { CsvInputError, formatScoredCsv, parseSeriesCsv, splitCsvLine } from './csv';
import { parseTimestamp } from './time';

describe('CSV input', () => {
  it('parses CRLF, a BOM, blank values, blank lines, extra columns and any column order', () => {
    const text =
      '\uFEFFvalue,timestamp,label\r\n12.5,2025-01-01,0\r\n,2025-01-02,0\r\n\r\nNaN,2025-01-03,1\r\n7,2025-01-04,0';
    const rows = parseSeriesCsv(text, 'in.csv');
    expect(rows.map((r) => [r.timestamp, r.value, r.valueText])).toEqual([
      ['2025-01-01', 12.5, '12.5'],
      ['2025-01-02', null, ''],
      ['2025-01-03', null, 'NaN'],
      ['2025-01-04', 7, '7'],
    ]);
  });

  it('reads ISO dates and date-times as UTC, with or without a zone', () => {
    expect(parseTimestamp('2025-01-31')).toBe(Date.UTC(2025, 0, 31));
    expect(parseTimestamp('2014-04-01 00:05:00')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseTimestamp('2014-04-01T00:05:00Z')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseTimestamp('2014-04-01T02:05:00+02:00')).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(parseTimestamp('2014-04-01T00:05:00.250Z')).toBe(Date.UTC(2014, 3, 1, 0, 5) + 250);
    expect(parseTimestamp('01/04/2014')).toBeNaN();
  });

  it('reports bad input with the file and line number', () => {
    expect(() => parseSeriesCsv('time,val\n1,2', 'a.csv')).toThrow(
      'a.csv:1: header must contain "timestamp" and "value"',
    );
    expect(() => parseSeriesCsv('timestamp,value\n2025-01-01,1\n2025-01-02,abc', 'b.csv')).toThrow(
      'b.csv:3: invalid value "abc"',
    );
    expect(() => parseSeriesCsv('timestamp,value\nyesterday,1', 'c.csv')).toThrow(
      'c.csv:2: invalid timestamp "yesterday"',
    );
    expect(() => parseSeriesCsv('', 'd.csv')).toThrow(CsvInputError);
  });

  it('splits quoted cells and writes the output contract', () => {
    expect(splitCsvLine('"2025-01-01","1,5"')).toEqual(['2025-01-01', '1,5']);
    expect(
      formatScoredCsv([
        { timestamp: '2025-01-01', value: '3', anomalyScore: 0.1234567, isAnomaly: false },
        { timestamp: '2025-01-02', value: '', anomalyScore: 1, isAnomaly: true, kind: 'spike' },
      ]),
    ).toBe(
      'timestamp,value,anomaly_score,is_anomaly,kind\n2025-01-01,3,0.123457,0,\n2025-01-02,,1,1,spike\n',
    );
  });
});
