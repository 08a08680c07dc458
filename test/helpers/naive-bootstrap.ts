// The plain pairs bootstrap, as users do it by wrapping xtabond2 in Stata's `bootstrap` prefix:
// build each resampled panel (drawn units relabelled 1..N) and re-run the whole estimator. It is
// the reference the batched replications are tested against and the baseline they are timed against.
import type { Panel } from '../../src/panel/panel.ts';
import type { ModelSpec } from '../../src/spec/types.ts';
import type { GmmResult } from '../../src/gmm/result.ts';
import { fitGmm } from '../../src/gmm/fit.ts';

/** The panel of the units drawn counts[i] times each, every copy a unit of its own. */
export function resamplePanel(panel: Panel, counts: ArrayLike<number>): Panel {
  const rows: number[] = [];
  const offsets: number[] = [0];
  for (let u = 0; u < panel.nunits; u++)
    for (let c = 0; c < counts[u]; c++) {
      for (let r = panel.offsets[u]; r < panel.offsets[u + 1]; r++) rows.push(r);
      offsets.push(rows.length);
    }
  return panel.subset(
    rows,
    Array.from({ length: offsets.length - 1 }, (_, i) => i + 1),
    Int32Array.from(offsets),
  );
}

/** Fit every replication of a B×N count matrix from scratch. */
export async function naiveBootstrap(panel: Panel, spec: ModelSpec, counts: Float64Array, reps: number): Promise<GmmResult[]> {
  const n = panel.nunits;
  const out: GmmResult[] = [];
  for (let b = 0; b < reps; b++) out.push(await fitGmm(resamplePanel(panel, counts.subarray(b * n, (b + 1) * n)), spec));
  return out;
}
