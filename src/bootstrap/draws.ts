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

/**
 * The warning for two-point wild weights on few clusters, or null. G clusters have 2^G Rademacher sign
 * draws, and v and −v give the same statistic, so at most 2^(G−1) distinct ones (Mammen's asymmetric
 * two points: 2^G); with fewer than the replications the p-value takes few values, ties among them.
 * Webb's six points give 6^G draws (Webb 2014; MacKinnon & Webb 2017, few clusters).
 */
export function fewClustersWarning(kind: WildWeights, clusters: number, reps: number): string | null {
  if (kind === 'webb') return null;
  const distinct = kind === 'rademacher' ? 2 ** (clusters - 1) : 2 ** clusters;
  if (distinct >= reps) return null;
  const how = kind === 'rademacher' ? ` (2^${clusters} sign draws, v and -v alike)` : ` (2^${clusters} draws)`;
  return `${kind} weights on ${clusters} clusters give at most ${distinct} distinct statistics${how} for ${reps} replications, so the bootstrap p-value takes few values; --weights webb (Webb 2014) has 6^${clusters} draws`;
}

export { createRng };
