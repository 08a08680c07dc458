// What an estimate on parts of the sample (shards on other processes, src/scale; threads, threaded.ts)
// decides on its parts' merged sums, as one process decides it on its own blocks: the regressors
// kept (blocks.ts collinearity), the identification check (fit.ts modelBlocks) and the sample's
// counts for inference (inference.ts sampleTotals).
import { SpecError } from '../errors.ts';
import { collinearity, type CollinearitySums } from './blocks.ts';
import type { Design } from './design.ts';
import { fitCounts, identified, type SampleTotals } from './inference.ts';
import { sumOf, type PartialSums } from './partial-sums.ts';

/** The regressors kept on the whole sample, from every part's collinearity sums (UnitBlocks.collinearitySums,
 *  or the same as JSON); none kept is an error. */
export function keptRegressors(design: Design, parts: CollinearitySums[]): { keep: number[]; dropped: string[] } {
  const P = parts[0].levW.length;
  const allWW = new Float64Array(P * P);
  const levW = new Float64Array(P);
  let nLev = 0;
  for (const x of parts) {
    for (let j = 0; j < P * P; j++) allWW[j] += x.allWW[j];
    for (let j = 0; j < P; j++) levW[j] += x.levW[j];
    nLev += x.nLev;
  }
  const coll = collinearity(design, { allWW, levW, nLev });
  if (coll.keep.length === 0) throw new SpecError('No regressors (all dropped due to collinearity)', 'varlist');
  return coll;
}

/** modelBlocks's identification check on the merged 'moments' pass: instruments that are not zero everywhere. */
export function checkIdentified(moments: PartialSums, K: number): void {
  const L = moments.dims.L;
  const zhz = sumOf(moments, 'zhz');
  let nonzero = 0;
  for (let c = 0; c < L; c++) if (zhz[c * L + c] !== 0) nonzero++;
  identified(K, nonzero);
}

/** σ²'s count, e(N) and the observation weights' normalization (weights.ts sampleCounts) from the
 *  merged 'moments' pass. */
export function mergedCounts(design: Design, moments: PartialSums): ReturnType<typeof fitCounts> {
  const obs = sumOf(moments, 'obs');
  const w = moments.sums.weightObs ?? [0, 0];
  if (design.weights && !moments.sums.weightObs) throw new Error("merged counts: a weighted model's moments pass carries no weight sums (weightObs)");
  return fitCounts(design, { nMain: obs[0], nTrans: obs[1], wMain: w[0], wTrans: w[1] });
}

/** The sample's counts for inference from the merged 'moments' pass (counts: mergedCounts, what the
 *  estimation divided by). */
export function mergedTotals(
  moments: PartialSums,
  counts: ReturnType<typeof fitCounts>,
  coll: { keep: number[]; dropped: string[] },
  clusters: number | null,
  unclustered: number,
  excluded: SampleTotals['excluded'],
): SampleTotals {
  const obs = sumOf(moments, 'obs');
  return {
    nobs: counts.nobs,
    sigmaObs: counts.sigmaObs,
    ...(counts.weightSum !== null ? { weightSum: counts.weightSum } : {}),
    ngroups: obs[2],
    gmin: moments.min.obsPerGroup,
    gmax: moments.max.obsPerGroup,
    mainWW: sumOf(moments, 'mainWW'),
    P: moments.dims.P,
    keep: coll.keep,
    dropped: coll.dropped,
    clusters,
    unclustered,
    excluded,
  };
}
