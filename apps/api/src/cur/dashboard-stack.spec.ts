import { stackByService } from './dashboard-stack';

describe('stackByService', () => {
  const dates = ['2026-11-01', '2026-11-02'];

  it('keeps the top services in order of cost and folds the rest into Other, last', () => {
    const rows = [
      { date: '2026-11-01', service: 'EC2', cost: 10 },
      { date: '2026-11-02', service: 'EC2', cost: 5 },
      { date: '2026-11-01', service: 'S3', cost: 20 },
      { date: '2026-11-02', service: 'Lambda', cost: 1 },
      { date: '2026-11-02', service: '', cost: 2 },
    ];
    expect(stackByService(dates, rows, 2)).toEqual({
      dates,
      series: [
        { name: 'S3', costs: [20, 0] },
        { name: 'EC2', costs: [10, 5] },
        { name: 'Other', costs: [0, 3] },
      ],
    });
  });

  it('puts an Other the query already summed last, even when it is the largest', () => {
    const rows = [
      { date: '2026-11-01', service: 'Other', cost: 100 },
      { date: '2026-11-01', service: 'EC2', cost: 10 },
      { date: '2026-11-02', service: 'S3', cost: 3 },
    ];
    expect(stackByService(dates, rows, 2).series.map((s) => s.name)).toEqual(['EC2', 'S3', 'Other']);
    expect(stackByService(dates, rows, 2).series[2]!.costs).toEqual([100, 0]);
  });

  it('has no Other when every service fits', () => {
    const rows = [{ date: '2026-11-02', service: 'EC2', cost: 1.5 }];
    expect(stackByService(dates, rows)).toEqual({ dates, series: [{ name: 'EC2', costs: [0, 1.5] }] });
  });
});
