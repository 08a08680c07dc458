// What observation weights cost (src/gmm/weights.ts): the same two-step system GMM fit with and
// without [aw=w], side by side in one process, on the generated panel of bench/dynamic-panel.ts with a
// weight column w = 0.5 + u (u uniform on [0, 1)). Both are timed on one thread (SYSGMM_THREADS=1)
// and as they run by default (threads on large samples).
//   npx tsx bench/weights.ts [--n 20000,200000] [--repeat 5]
// Prints, for each N and model, the minimum over the repeats of each variant and the ratio weighted /
// unweighted.
import { fitGmm } from '../src/gmm/fit.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { createRng } from '../src/stats/rng.ts';
import { dynamicPanel } from './dynamic-panel.ts';
import { arg, timed } from './bench-args.ts';

const sizes = arg('n', '20000,200000').split(',').map(Number);
const repeat = Number(arg('repeat', '5'));
const T = 10;
const MODELS = {
  collapsed: 'y L.y x WEIGHT, gmm(y x, lag(2 4) collapse) twostep robust',
  uncollapsed: 'y L.y x WEIGHT, gmm(y x, lag(2 4)) twostep robust',
};

for (const n of sizes) {
  const base = dynamicPanel(n, T, 7);
  const rng = createRng(11);
  const panel = base.withColumn('w', Float64Array.from({ length: base.nrows }, () => 0.5 + rng.uniform()));
  const columns = panel.variables();
  for (const [name, model] of Object.entries(MODELS)) {
    const plain = parseXtabond2(model.replace(' WEIGHT', ''), columns);
    const weighted = parseXtabond2(model.replace(' WEIGHT', ' [aw=w]'), columns);
    const best = { plain: Infinity, plain1: Infinity, weighted: Infinity, weighted1: Infinity };
    for (let r = 0; r < repeat; r++) {
      delete process.env.SYSGMM_THREADS;
      best.plain = Math.min(best.plain, await timed(() => fitGmm(panel, plain)));
      best.weighted = Math.min(best.weighted, await timed(() => fitGmm(panel, weighted)));
      process.env.SYSGMM_THREADS = '1';
      best.plain1 = Math.min(best.plain1, await timed(() => fitGmm(panel, plain)));
      best.weighted1 = Math.min(best.weighted1, await timed(() => fitGmm(panel, weighted)));
    }
    const f = (s: number) => `${s.toFixed(3)} s`;
    console.log(
      `N = ${n}, ${name}: one thread: unweighted ${f(best.plain1)}, [aw=w] ${f(best.weighted1)} (${(best.weighted1 / best.plain1).toFixed(2)}×); ` +
        `default threads: unweighted ${f(best.plain)}, [aw=w] ${f(best.weighted)} (${(best.weighted / best.plain).toFixed(2)}×)`,
    );
  }
}
