import { CostSeriesDetector } from '../src/cost-detector';
import { costDataset } from './synthetic';
const cost = costDataset(1000, 120, 42);
for (const [id, lo, hi] of [[7, 0, 40], [12, 28, 56]] as const) {
  const s = cost[id]!;
  const d = new CostSeriesDetector();
  s.values.forEach((v, i) => {
    const r = d.push({ date: s.dates[i]!, value: v });
    if (i >= lo && i <= hi) console.log(id, i, r.date, r.rule, r.actual, r.expected?.toFixed(1), r.z.toFixed(2), r.monthStartExcess.toFixed(1), r.weekdayFactor.toFixed(2), r.isAnomaly);
  });
  console.log(s.events, s.feeDays);
}
