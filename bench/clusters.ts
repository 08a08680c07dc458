// What cluster() costs (src/gmm/clusters.ts): the same two-step system GMM fit, robust and under
// cluster() by the panel id, by a variable that changes within units (the period), two-way by both, and
// by a group of units (a variable constant within units, 50 groups), side by side in one process, on
// the generated panel of bench/dynamic-panel.ts. As they run by default (threads on large samples).
//   npx tsx bench/clusters.ts [--n 20000,200000] [--repeat 3]
// Prints, for each N, the minimum over the repeats of each variant and its ratio to robust.
import { fitGmm } from '../src/gmm/fit.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { dynamicPanel } from './dynamic-panel.ts';
import { arg, timed } from './bench-args.ts';

const sizes = arg('n', '20000,200000').split(',').map(Number);
const repeat = Number(arg('repeat', '3'));
const T = 10;
const MODEL = 'y L.y x, gmm(y x, lag(2 4) collapse) twostep';

for (const n of sizes) {
  const base = dynamicPanel(n, T, 7);
  const panel = base.withColumn('grp', Float64Array.from(base.unitOf, (u) => u % 50));
  const columns = panel.variables();
  const variants: Record<string, string> = {
    robust: 'robust',
    [`cluster(${panel.idName})`]: `cluster(${panel.idName})`,
    'cluster(grp)': 'cluster(grp)',
    [`cluster(${panel.timeName})`]: `cluster(${panel.timeName})`,
    [`cluster(${panel.idName} ${panel.timeName})`]: `cluster(${panel.idName} ${panel.timeName})`,
  };
  const best = new Map<string, number>();
  for (let r = 0; r < repeat; r++)
    for (const [name, option] of Object.entries(variants)) {
      const spec = parseXtabond2(`${MODEL} ${option}`, columns);
      best.set(name, Math.min(best.get(name) ?? Infinity, await timed(() => fitGmm(panel, spec))));
    }
  const robust = best.get('robust')!;
  console.log(`N = ${n}, T = ${T}: ` + [...best].map(([name, s]) => `${name} ${s.toFixed(3)} s (${(s / robust).toFixed(2)}×)`).join(', '));
}
