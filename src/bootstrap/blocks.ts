// The per-unit GMM blocks as the bootstrap uses them: aggregated to clusters (the resampled units),
// centred at the original estimate, and optionally recentred (Hall and Horowitz 1996).
//
// Centring: with W_i = [y_i X_i], the blocks are re-expressed for W*_i = [y_i − X_i β̂, X_i], so a
// replication solves for δ = β − β̂ and its moments g_i = Z_i'(y_i − X_i β̂) − Z_i'X_i δ start from
// the float64 residual moments; float32 kernels then only multiply small corrections (precision
// contract: centre before float32 accumulation).
// Recentring: g*_i(β) = g_i(β) − ḡ(β̂), ḡ = (1/N) Σ_i g_i(β̂), so the bootstrap population satisfies
// the moment conditions exactly at β̂ and the bootstrap-t and the bootstrap J are valid in
// over-identified models (Hall and Horowitz 1996, eq. 3.3).
// Z_i'HZ_i is mostly structural zeros with uncollapsed instruments (an instrument of period t meets
// only periods t−1..t+1 through H), so only the entries non-zero in some unit are kept: the sum over
// a resample is zero wherever every block is (the bench model's 50 instruments: 16% of the triangle).
// Instruments that are exactly collinear in the sample (those invsym drops from Σ Z'HZ) are removed:
// Z c = 0 row by row holds in every resample, so they are redundant in every replication, and
// removing them keeps float32 rounding from turning an exact dependency into a spurious direction.
import { unitClusters } from '../gmm/clusters.ts';
import { SpecError } from '../errors.ts';
import type { UnitBlocks } from '../gmm/blocks.ts';

export interface BootstrapBlocks {
  /** Resampled units: panel units, or clusters under cluster(). */
  n: number;
  L: number;
  K: number;
  P: number;
  /** n×L×P: column 0 the centred (and recentred) moments Z_i'(y_i − X_i β̂) − ḡ, columns 1..K Z_i'X_i. */
  zw: Float64Array;
  /** n×P×L: zw with the last two axes swapped (for Σ_l zw_i[l,·] a_l in one product). */
  zwT: Float64Array;
  /** n × zhzAt.length: the entries of Z_i'HZ_i's upper triangle that are non-zero in some unit. */
  zhz: Float64Array;
  /** Position a·L + c (a ≤ c) in the L×L matrix of each kept entry. */
  zhzAt: Int32Array;
  /** n×P×P: W*_i'W*_i over the σ² rows. */
  ee: Float64Array;
  /** What each resampled unit adds to e(N): its main-equation observations, or under frequency
   *  weights their weights summed (gmm/weights.ts unitCounts). */
  obsMain: Float64Array;
  /** What each resampled unit adds to σ²'s divisor (UnitBlocks.obsSigma; under frequency weights, as
   *  unitCounts says). */
  obsSigma: Float64Array;
  /** Sample units per resampled unit with at least one observation (for the group count). */
  groups: Float64Array;
  /** The estimate the blocks are centred at. */
  centre: Float64Array;
  recentred: boolean;
}

/**
 * Build bootstrap blocks from the fitted model's unit blocks (which must keep Z_i'HZ_i); keptIv[l] = 1
 * for the instruments the fit kept (Estimation.a1Kept); counts: what each unit adds to N and σ²'s
 * divisor where not its observation counts (frequency weights: gmm/weights.ts unitCounts).
 */
export function bootstrapBlocks(
  b: UnitBlocks,
  centre: Float64Array,
  recentre: boolean,
  keptIv: Uint8Array,
  counts: { obsMain: ArrayLike<number>; obsSigma: ArrayLike<number> } | null = null,
): BootstrapBlocks {
  if (!b.zhz || !b.ee) throw new Error('bootstrapBlocks needs the per-unit Z\'HZ and ee blocks (unitBlocks keepZHZ)');
  const { K, P } = b;
  const L0 = b.L;
  const ivs: number[] = [];
  for (let l = 0; l < L0; l++) if (keptIv[l]) ivs.push(l);
  const L = ivs.length;
  const nPacked = (L * (L + 1)) / 2;
  const packed0 = (L0 * (L0 + 1)) / 2;
  // Position in the fit's packed triangle of each entry of the kept instruments' triangle.
  const from = new Int32Array(nPacked);
  for (let a = 0, j = 0; a < L; a++) for (let d = a; d < L; d++) from[j++] = ivs[a] * L0 - (ivs[a] * (ivs[a] - 1)) / 2 + ivs[d] - ivs[a];
  const byCluster = b.clustering && unitClusters(b.clustering, b.n, b.obsMain);
  if (b.clustering && !byCluster)
    throw new SpecError('the bootstrap resamples (or draws weights for) whole clusters of panel units: it takes one cluster() variable that is constant within each unit', 'cluster');
  const n = byCluster ? byCluster.n : b.n;
  const target = (i: number) => (byCluster ? byCluster.index[i] : i);
  const zw = new Float64Array(n * L * P);
  // The kept triangle's entries non-zero in some unit: their positions in the fit's triangle (source)
  // and in the L×L matrix (zhzAt).
  const any = new Uint8Array(nPacked);
  for (let i = 0; i < b.n; i++) for (let j = 0; j < nPacked; j++) if (b.zhz[i * packed0 + from[j]] !== 0) any[j] = 1;
  const source: number[] = [];
  const at: number[] = [];
  for (let a = 0, j = 0; a < L; a++)
    for (let d = a; d < L; d++, j++)
      if (any[j]) {
        source.push(from[j]);
        at.push(a * L + d);
      }
  const nz = source.length;
  const zhz = new Float64Array(n * nz);
  const ee = new Float64Array(n * P * P);
  const obsMain = new Float64Array(n);
  const obsSigma = new Float64Array(n);
  const groups = new Float64Array(n);
  // T = [[1, 0], [−β̂, I]] maps [y X] to [y − Xβ̂, X]: zw* = zw·T, ee* = T'·ee·T.
  const te = new Float64Array(P * P);
  for (let i = 0; i < b.n; i++) {
    const c = target(i);
    for (let l = 0; l < L; l++) {
      const src = (i * L0 + ivs[l]) * P;
      const dst = (c * L + l) * P;
      let g = b.zw[src];
      for (let k = 0; k < K; k++) g -= b.zw[src + 1 + k] * centre[k];
      zw[dst] += g;
      for (let k = 0; k < K; k++) zw[dst + 1 + k] += b.zw[src + 1 + k];
    }
    const zo = c * nz;
    const so = i * packed0;
    for (let j = 0; j < nz; j++) zhz[zo + j] += b.zhz[so + source[j]];
    // ee* = T'·ee·T: with e the block, t_p = e[0,p] − Σ_k β̂_k e[1+k,p] (row 0 of T'e) and the rows 1+k
    // unchanged; then the same on the columns.
    const eo = i * P * P;
    for (let p = 0; p < P; p++) {
      let t = b.ee[eo + p];
      for (let k = 0; k < K; k++) t -= centre[k] * b.ee[eo + (1 + k) * P + p];
      te[p] = t;
      for (let r = 1; r < P; r++) te[r * P + p] = b.ee[eo + r * P + p];
    }
    const out = c * P * P;
    for (let r = 0; r < P; r++) {
      let t = te[r * P];
      for (let k = 0; k < K; k++) t -= centre[k] * te[r * P + 1 + k];
      ee[out + r * P] += t;
      for (let q = 1; q < P; q++) ee[out + r * P + q] += te[r * P + q];
    }
    obsMain[c] += (counts ?? b).obsMain[i];
    obsSigma[c] += (counts ?? b).obsSigma[i];
    if (b.obsMain[i] > 0) groups[c] += 1;
  }
  if (recentre) {
    const gbar = new Float64Array(L);
    for (let c = 0; c < n; c++) for (let l = 0; l < L; l++) gbar[l] += zw[(c * L + l) * P];
    for (let l = 0; l < L; l++) gbar[l] /= n;
    for (let c = 0; c < n; c++) for (let l = 0; l < L; l++) zw[(c * L + l) * P] -= gbar[l];
  }
  const zwT = new Float64Array(n * P * L);
  for (let c = 0; c < n; c++) for (let l = 0; l < L; l++) for (let p = 0; p < P; p++) zwT[(c * P + p) * L + l] = zw[(c * L + l) * P + p];
  return { n, L, K, P, zw, zwT, zhz, zhzAt: Int32Array.from(at), ee, obsMain, obsSigma, groups, centre: centre.slice(), recentred: recentre };
}
