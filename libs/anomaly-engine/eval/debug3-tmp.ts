import { CostSeriesDetector } from '../src/cost-detector';
import { costDataset } from './synthetic';
const cost = costDataset(1000, 120, 42);
const normal: number[] = [];
const ev: number[] = [];
for (const s of cost) {
  const d = new CostSeriesDetector();
  const res = s.values.map((v, i) => d.push({ date: s.dates[i]!, value: v }));
  res.forEach((r, i) => {
    if (r.actual === null || r.rule === 'warmup' || r.rule === 'month_start_hold' || s.feeDays.includes(i)) return;
    const inEv = s.events.find((e) => i >= e.start && i <= e.end);
    if (inEv) { if (inEv.direction === 'up' && inEv.type !== 'new_service') ev.push(r.z); }
    else if (!s.events.some((e) => i >= e.start - 1 && i <= e.end + 30)) normal.push(r.z);
  });
}
normal.sort((a, b) => a - b); ev.sort((a, b) => a - b);
const q = (a: number[], p: number) => a[Math.floor(p * (a.length - 1))]!.toFixed(2);
console.log('normal n', normal.length, 'q50', q(normal, 0.5), 'q90', q(normal, .9), 'q99', q(normal, .99), 'q99.5', q(normal, .995), 'q99.9', q(normal, .999), 'q99.95', q(normal, .9995));
console.log('event n', ev.length, 'q10', q(ev, .1), 'q25', q(ev, .25), 'q50', q(ev, .5));
for (const z of [3.29, 4, 4.5, 5, 6]) console.log(z, 'normal >=', (normal.filter((x) => x >= z).length / normal.length * 100).toFixed(3) + '%', 'event >=', (ev.filter((x) => x >= z).length / ev.length * 100).toFixed(1) + '%');
