import { CostSeriesDetector } from '../src/cost-detector';
import { costDataset } from './synthetic';
const cost = costDataset(1000, 120, 42);
const byPos: Record<string, number> = {};
let shown = 0;
for (const s of cost) {
  const d = new CostSeriesDetector();
  const res = s.values.map((v, i) => d.push({ date: s.dates[i]!, value: v }));
  res.forEach((r, i) => {
    if (!r.isAnomaly) return;
    if (s.events.some((e) => i >= e.start && i <= e.end)) return;
    if (i > 0 && res[i - 1]!.isAnomaly) return;
    const near = s.events.map((e) => `${e.type}@${e.start}-${e.end}`).join(' ');
    const bucket = i < 14 ? '<14' : i < 28 ? '14-27' : '28+';
    const key = `${bucket} ${r.rule} fee=${s.feeDays.includes(i)} dom=${r.date.slice(8)} `;
    byPos[key.split(' dom')[0]!] = (byPos[key.split(' dom')[0]!] ?? 0) + 1;
    if (shown++ < 40) console.log(s.id, i, r.date, r.rule, 'x', r.actual, 'e', r.expected?.toFixed(1), 'z', r.z.toFixed(1), 'sig', r.sigma.toFixed(2), 'cal', r.calibration.toFixed(2), 'wf', r.weekdayFactor.toFixed(2), '|', near);
  });
}
console.log(byPos);
