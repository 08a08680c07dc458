// Bootstrap draws. Pairs replications are counter-based: replication b draws from its own generator
// keyed by (seed, b) (src/stats/streams.ts), so any split of the replications into tasks, on any
// executor, backend, batch size or thread count, draws the same numbers. Wild weights are drawn once
// from the seed's stream and shared by every test of a run, so a test's p-value does not depend on the
// other tests beside it.
import { createRng, type Rng } from '../stats/rng.ts';
import { keyedRng } from '../stats/streams.ts';

/** Key that sets the pairs bootstrap's streams apart from the other keyed streams of a seed. */
const PAIRS_STREAM = 0x7061;

/**
 * Pairs (cluster) bootstrap: for replications first … first+reps−1, draw G clusters with replacement
 * and return how many times each was drawn. Row-major reps×G counts (a replication is a weighted sum
 * of cluster blocks).
 */
export function clusterCounts(seed: number, reps: number, clusters: number, first = 0): Float64Array {
  const counts = new Float64Array(reps * clusters);
  for (let b = 0; b < reps; b++) {
    const rng = keyedRng(seed, PAIRS_STREAM, first + b);
    const row = b * clusters;
    for (let d = 0; d < clusters; d++) counts[row + rng.int(clusters)]++;
  }
  return counts;
}

/** A job's pairs draws: the keyed draws of `seed` from replication `first` on. Each batch makes its own
 *  rows (clusterCounts), so no replications × clusters array is held, or copied to a worker thread. */
export interface PairsDraws {
  seed: number;
  first: number;
}

/** The count rows of a batch: replications b0 … b0+cb−1 of `counts` (a reps × clusters array) or of `draws`. */
export function countRows(counts: Float64Array | PairsDraws, b0: number, cb: number, clusters: number): Float64Array {
  return counts instanceof Float64Array ? counts.subarray(b0 * clusters, (b0 + cb) * clusters) : clusterCounts(counts.seed, cb, clusters, counts.first + b0);
}

export type WildWeights = 'rademacher' | 'webb' | 'mammen';
export const WILD_WEIGHTS: readonly WildWeights[] = ['rademacher', 'webb', 'mammen'];

const WEBB = [-Math.sqrt(1.5), -1, -Math.sqrt(0.5), Math.sqrt(0.5), 1, Math.sqrt(1.5)];
const SQRT5 = Math.sqrt(5);

/**
 * Wild weights, mean 0 and variance 1, one per cluster and replication (B×G): Rademacher ±1;
 * Webb's (2014) six-point distribution; Mammen's (1993) two-point distribution with third moment 1.
 */
export function wildWeights(rng: Rng, reps: number, clusters: number, kind: WildWeights): Float64Array {
  const v = new Float64Array(reps * clusters);
  for (let i = 0; i < v.length; i++) {
    if (kind === 'rademacher') v[i] = rng.uint32() & 1 ? 1 : -1;
    else if (kind === 'webb') v[i] = WEBB[rng.int(6)];
    else v[i] = rng.uniform() < (SQRT5 + 1) / (2 * SQRT5) ? -(SQRT5 - 1) / 2 : (SQRT5 + 1) / 2;
  }
  return v;
}

export { createRng };
