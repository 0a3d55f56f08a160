import type { EventLabel, FeeDay } from '../eval/daily/dataset';
import { evaluate, parseScoredCsv, runKind } from '../eval/daily/evaluate';
import { alertsOf, matchEvent, rowOnOrAfter, rowOnOrBefore } from '../eval/daily/matching';

/** 2025-03-01 .. 2025-03-(n) as ISO dates. */
const march = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `2025-03-${String(i + 1).padStart(2, '0')}`);

describe('daily evaluation: event matching', () => {
  it('detects an event only by a flag inside its window and measures the delay from the window start', () => {
    const flags = [false, false, true, false, false, false, true, true, false, false];
    // A level shift labelled on rows 4..8 (onset + 4 days here): the run 6-7 falls inside, 2 days late.
    expect(matchEvent(flags, { start: 4, end: 8 })).toEqual({ detected: true, delay: 2, firstFlag: 6 });
    // A spike on row 3 only: the flag the day before does not count.
    expect(matchEvent(flags, { start: 3, end: 3 })).toEqual({
      detected: false,
      delay: null,
      firstFlag: null,
    });
  });

  it('makes one alert of each run of consecutive flags; a run touching no window is a false alert', () => {
    const flags = [true, true, false, false, true, false, true, true, true, false];
    const alerts = alertsOf(flags, [{ start: 8, end: 12 }]);
    expect(alerts).toEqual([
      { start: 0, end: 1, matched: false },
      { start: 4, end: 4, matched: false },
      { start: 6, end: 8, matched: true }, // overlaps the window by its last day only
    ]);
  });

  it('maps label dates to rows of a series with a gap in its dates', () => {
    const dates = ['2025-03-01', '2025-03-02', '2025-03-05', '2025-03-06'];
    expect(rowOnOrAfter(dates, '2025-03-03')).toBe(2);
    expect(rowOnOrBefore(dates, '2025-03-04')).toBe(1);
    expect(rowOnOrBefore(dates, '2025-03-06')).toBe(3);
  });

  it('takes the most specific kind of the run as the alert kind, as episodes do', () => {
    const flags = [true, true, true, false];
    expect(runKind(flags, ['spike', 'level_shift', 'spike', null], 0)).toBe('level_shift');
    expect(runKind(flags, ['spike', 'spike', 'drop', null], 1)).toBe('drop');
  });

  it('scores a small set: precision, recall, delay, kinds, size bands, fee days', () => {
    const dates = march(20);
    const flagsA = dates.map((_, i) => i === 10 || i === 11 || i === 16);
    const kindsA = dates.map((_, i) =>
      i === 10 ? 'spike' : i === 11 ? 'level_shift' : i === 16 ? 'spike' : null,
    );
    const csvB = ['timestamp,value,anomaly_score,is_anomaly,kind']
      .concat(
        dates.map(
          (d, i) => `${d},5,${i === 0 ? '0.999' : '0.1'},${i === 0 ? 1 : 0},${i === 0 ? 'spike' : ''}`,
        ),
      )
      .join('\n');
    const labels: EventLabel[] = [
      // Level shift from the 10th: found on its 2nd day (the 11th), first flag kind spike, episode level_shift.
      {
        file: 'a.csv',
        kind: 'level_shift',
        start: '2025-03-10',
        end: '2025-03-17',
        onset: '2025-03-10',
        magnitude: 0.5,
        band: '$100-1000',
        direction: 'up',
      },
      // A ramp in b.csv that nothing flags.
      {
        file: 'b.csv',
        kind: 'ramp',
        start: '2025-03-05',
        end: '2025-03-15',
        onset: '2025-03-03',
        magnitude: 0.6,
        band: '<$10',
        direction: 'up',
      },
    ];
    const feeDays: FeeDay[] = [
      { file: 'b.csv', date: '2025-03-01', kind: 'month_start', ratio: 1.2, occurrence: 2 },
    ];
    const r = evaluate(
      'test',
      [{ file: 'a.csv', dates, flags: flagsA, kinds: kindsA }, parseScoredCsv('b.csv', csvB)],
      labels,
      feeDays,
    );
    // Alerts: a 11-12 (inside the window: true), a 17 (inside too: the window ends on the 17th), b 1 (false).
    expect(r.alerts).toBe(3);
    expect(r.falseAlerts).toBe(1);
    expect(r.precision).toBeCloseTo(2 / 3);
    expect(r.recall).toBe(0.5);
    expect(r.byKind['level_shift']).toEqual({ events: 1, detected: 1, delays: [1] });
    expect(r.byKind['ramp']).toEqual({ events: 1, detected: 0, delays: [] });
    expect(r.byBand['<$10']?.detected).toBe(0);
    expect(r.feeDays['month_start']).toEqual({ days: 1, flagged: 1 });
    expect(r.confusion).toEqual({ level_shift: { spike: 1 } });
    expect(r.episodeConfusion).toEqual({ level_shift: { level_shift: 1 } });
    expect(r.bySource['a']?.falseAlerts).toBe(0);
    expect(r.bySource['b']?.falseAlerts).toBe(1);
  });
});
