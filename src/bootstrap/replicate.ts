// Pairs-bootstrap replications as batched products (DESIGN.md): a replication with unit counts w_b
// is the GMM estimate from Σ_i w_bi·blocks_i, so a chunk of replications is a few batched products
// through a kernel backend plus small float64 solves per replication:
//   sums        C (B×N) · [zw | zhz | ee]                          one product each (zhz: its non-zero entries)
//   S_b         Σ_i w_bi g_bi g_biᵀ, g_bi = zw_i·(1, −δ₁_b)         momentCovariance (units drawn only)
//   Windmeijer  Σ_i w_bi (g_biᵀa_b) Z_i'X_i and Σ_i w_bi g_bi (X_i'Z_i a_b)ᵀ   momentProjections + one product
// Each replication then follows estimateFromBlocks (src/gmm/estimate.ts) step for step: one-step with
// (Σ Z'HZ)⁻, two-step with (Σ g₁g₁ᵀ)⁻, the Windmeijer (2005) correction, the Hansen J, `small`.
import { dot, matmul } from '../linalg/dense.ts';
import { INVSYM_TOL, invsym, symmetrize } from '../linalg/invsym.ts';
import { gmmStepFromXza, splitZw, type GmmStep } from '../gmm/estimate.ts';
import { smallFactor } from '../gmm/covariance.ts';
import type { Conventions } from '../spec/types.ts';
import type { KernelBackend } from '../kernels/types.ts';
import type { BootstrapBlocks } from './blocks.ts';

export interface ReplicationOptions {
  twostep: boolean;
  robust: boolean;
  small: boolean;
  /** c in the σ² divisor c·n, n the σ² count (2 for first differences under h(2)/h(3), else 1). */
  sigmaPerObs: number;
  /** Factor on the moment covariance (Nc/(Nc−1) under cluster() with small), as the fit used. */
  momentScale: number;
  clustered: boolean;
  /** The xtabond2 release whose `small` factor applies (default the current one). */
  conventions?: Conventions;
}

export const REP_OK = 0;
export const REP_SINGULAR = 1;
export const REP_NONFINITE = 2;

export interface Replications {
  reps: number;
  K: number;
  /** reps×K coefficient estimates. */
  beta: Float64Array;
  /** reps×K standard errors of the reported kind (Windmeijer, robust or non-robust; `small` applied). */
  se: Float64Array;
  /** Hansen J of each replication (two-step residuals, weight from one-step residuals); NaN when not formed. */
  hansen: Float64Array;
  /** REP_OK, REP_SINGULAR (a coefficient not identified) or REP_NONFINITE, per replication. */
  status: Uint8Array;
  /** Replications whose moment covariance was singular (a generalized inverse was used, as xtabond2 does). */
  singularWeight: number;
}

/** Elements of per-replication work arrays per chunk; bounds memory at a few hundred MB. */
const CHUNK_ELEMENTS = 12_000_000;

export async function replicate(
  bb: BootstrapBlocks,
  counts: Float64Array,
  reps: number,
  opts: ReplicationOptions,
  backend: KernelBackend,
  onChunk?: (done: number) => void,
  /** Replications per batch (default: as many as fit the memory bound); results do not depend on it. */
  chunkSize?: number,
): Promise<Replications> {
  const { n, L, K, P } = bb;
  const out: Replications = {
    reps,
    K,
    beta: new Float64Array(reps * K),
    se: new Float64Array(reps * K),
    hansen: new Float64Array(reps).fill(NaN),
    status: new Uint8Array(reps),
    singularWeight: 0,
  };
  const needS = opts.twostep || opts.robust;
  const perRep = needS ? n * (2 * L + P) : 1;
  const chunk = Math.max(1, Math.min(reps, chunkSize ?? Math.floor(CHUNK_ELEMENTS / perRep)));
  const counted = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    counted[i * 3] = bb.obsMain[i];
    counted[i * 3 + 1] = bb.groups[i];
    counted[i * 3 + 2] = bb.obsSigma[i];
  }
  for (let b0 = 0; b0 < reps; b0 += chunk) {
    const cb = Math.min(chunk, reps - b0);
    const w = counts.subarray(b0 * n, (b0 + cb) * n);
    const zwSum = await backend.matmul(w, bb.zw, { m: cb, k: n, n: L * P });
    const nz = bb.zhzAt.length;
    const zhzSum = await backend.matmul(w, bb.zhz, { m: cb, k: n, n: nz });
    const eeSum = needS ? null : await backend.matmul(w, bb.ee, { m: cb, k: n, n: P * P });
    const tallies = matmul(w, counted, cb, n, 3);
    // One-step per replication: A₁ = (Σ_i w_bi Z_i'HZ_i)⁻, applied by batched solves against [Z'y Z'X].
    const zhz = new Float64Array(cb * L * L);
    for (let b = 0; b < cb; b++)
      for (let at = 0; at < nz; at++) {
        const j = bb.zhzAt[at];
        zhz[b * L * L + j] = zhz[b * L * L + (j % L) * L + Math.floor(j / L)] = zhzSum[b * nz + at];
      }
    const solved1 = await weightedSolves(backend, zhz, zwSum, L, P, cb);
    const step1 = [];
    const c1 = new Float64Array(cb * P);
    for (let b = 0; b < cb; b++) {
      const { zy, zx } = splitZw(zwSum, b * L * P, L, P);
      const s1 = gmmStepFromXza(weightedZx(solved1.x, b, L, P), zx, zy, L, K);
      step1.push({ ...s1, zy, zx });
      c1[b * P] = 1;
      for (let k = 0; k < K; k++) c1[b * P + 1 + k] = -s1.beta[k];
    }
    if (!needS) {
      for (let b = 0; b < cb; b++) {
        const s1 = step1[b];
        const nobs = tallies[b * 3];
        const sig2 = quad(eeSum!, b * P * P, c1, b * P, P) / (opts.sigmaPerObs * tallies[b * 3 + 2]);
        const factor = opts.small ? nobs / (nobs - K) : 1;
        store(out, b0 + b, s1.beta, s1.v.map((x) => x * sig2 * factor), bb.centre, K, s1.vZeros);
      }
      onChunk?.(b0 + cb);
      continue;
    }
    const shape = { batch: cb, n, P, L };
    const s = await backend.momentCovariance(bb.zwT, c1, w, shape);
    if (opts.momentScale !== 1) for (let j = 0; j < s.length; j++) s[j] *= opts.momentScale;
    // Two-step: A₂ = S⁻ against [Z'y Z'X] again; A₂Z'e₂ = A₂Z'y − A₂Z'X β₂ for the Hansen J and Windmeijer.
    const solved2 = await weightedSolves(backend, s, zwSum, L, P, cb);
    const step2: GmmStep[] = [];
    const av = new Float64Array(cb * L);
    for (let b = 0; b < cb; b++) {
      if (solved2.singular[b]) out.singularWeight++;
      const { zy, zx } = step1[b];
      const s2 = gmmStepFromXza(weightedZx(solved2.x, b, L, P), zx, zy, L, K);
      let j = 0;
      for (let l = 0; l < L; l++) {
        const o = (b * L + l) * P;
        let ze = zy[l];
        let a = solved2.x[o];
        for (let k = 0; k < K; k++) {
          ze -= zx[l * K + k] * s2.beta[k];
          a -= solved2.x[o + 1 + k] * s2.beta[k];
        }
        av[b * L + l] = a;
        j += ze * a;
      }
      out.hansen[b0 + b] = j;
      step2.push(s2);
    }
    let brackets: Float64Array | null = null;
    if (opts.twostep && opts.robust) {
      // Σ_i w_bi (g_biᵀa_b) zw_i and Σ_i w_bi g_bi (zw_iᵀ a_b)ᵀ, for the Windmeijer bracket; with
      // m_bi = zw_iᵀa_b, g_biᵀa_b = c_bᵀ m_bi (g_bi = zw_i c_b): the scores of momentProjections.
      const { cross: t2, scores } = await backend.momentProjections(bb.zwT, c1, av, w, shape);
      const t1 = await backend.matmul(scores, bb.zw, { m: cb, k: n, n: L * P });
      brackets = new Float64Array(cb * L * K);
      for (let b = 0; b < cb; b++)
        for (let l = 0; l < L; l++)
          for (let k = 0; k < K; k++) {
            const o = (b * L + l) * P + 1 + k;
            brackets[(b * L + l) * K + k] = opts.momentScale * (t1[o] + t2[o]);
          }
    }
    for (let b = 0; b < cb; b++) {
      const s1 = step1[b];
      const sb = s.subarray(b * L * L, (b + 1) * L * L);
      // One-step robust: (V₁X'ZA₁) S (V₁X'ZA₁)' — σ² cancels, so unscaled A₁ and V₁ serve.
      const v1r = sandwich(matmul(s1.v, s1.xza, K, K, L), sb, K, L);
      let beta: Float64Array;
      let v: Float64Array;
      let zeros: number;
      if (opts.twostep) {
        const s2 = step2[b];
        beta = s2.beta;
        zeros = Math.max(s1.vZeros, s2.vZeros);
        if (opts.robust) {
          const dm = matmul(matmul(s2.v, s2.xza, K, K, L), brackets!.subarray(b * L * K, (b + 1) * L * K), K, L, K);
          const dv1d = matmul(matmul(dm, v1r, K, K, K), dm, K, K, K, false, true);
          const dv2 = matmul(dm, s2.v, K, K, K);
          v = new Float64Array(K * K);
          for (let j = 0; j < K * K; j++) v[j] = s2.v[j] + dv1d[j] + 2 * dv2[j];
          v = symmetrize(v, K);
        } else v = s2.v;
      } else {
        beta = s1.beta;
        zeros = s1.vZeros;
        v = symmetrize(v1r, K);
      }
      const nobs = tallies[b * 3];
      const ngroups = tallies[b * 3 + 1];
      const factor = opts.small ? smallFactor({ robust: true, clustered: opts.clustered, nobs, ngroups, k: K, conventions: opts.conventions }) : 1;
      store(out, b0 + b, beta, factor === 1 ? v : v.map((x) => x * factor), bb.centre, K, zeros);
    }
    onChunk?.(b0 + cb);
  }
  return out;
}

/**
 * X_b = M_b⁻¹·[Z'y Z'X]_b (L×P) for each replication's weight-matrix inverse M_b (batch×L×L): batched
 * Cholesky solves on the backend when M_b is positive definite by invsym's own pivot criterion,
 * else invsym's generalized inverse (flagged when M_b is rank-deficient) — the same result as
 * gmmStep(…, invsym(M_b).inv, …), without forming an inverse in the common case.
 */
async function weightedSolves(backend: KernelBackend, m: Float64Array, zw: Float64Array, L: number, P: number, batch: number): Promise<{ x: Float64Array; singular: Uint8Array }> {
  const x = await backend.solveSymmetric(m, zw, L, P, batch, INVSYM_TOL);
  const singular = new Uint8Array(batch);
  for (let b = 0; b < batch; b++) {
    if (!Number.isNaN(x[b * L * P])) continue;
    const g = invsym(m.subarray(b * L * L, (b + 1) * L * L), L);
    x.set(matmul(g.inv, zw.subarray(b * L * P, (b + 1) * L * P), L, L, P), b * L * P);
    if (g.rank < L) singular[b] = 1;
  }
  return { x, singular };
}

/** X'Z A (K×L) from X_b = A·[Z'y Z'X] (L×P, item b): the transpose of its Z'X columns. */
function weightedZx(x: Float64Array, b: number, L: number, P: number): Float64Array {
  const K = P - 1;
  const out = new Float64Array(K * L);
  for (let l = 0; l < L; l++) for (let k = 0; k < K; k++) out[k * L + l] = x[(b * L + l) * P + 1 + k];
  return out;
}

/** M S Mᵀ (K×K) for M (K×L) and a symmetric S (L×L), by dot products along rows (S's row j is its column j). */
function sandwich(m: Float64Array, s: Float64Array, K: number, L: number): Float64Array {
  const ms = new Float64Array(K * L);
  for (let k = 0; k < K; k++) for (let j = 0; j < L; j++) ms[k * L + j] = dot(m, k * L, s, j * L, L);
  const out = new Float64Array(K * K);
  for (let k = 0; k < K; k++) for (let q = 0; q < K; q++) out[k * K + q] = dot(ms, k * L, m, q * L, L);
  return out;
}

/** cᵀ·E·c for E (P×P) at offset eo and c at offset co. */
function quad(e: Float64Array, eo: number, c: Float64Array, co: number, P: number): number {
  let s = 0;
  for (let a = 0; a < P; a++) for (let q = 0; q < P; q++) s += c[co + a] * e[eo + a * P + q] * c[co + q];
  return s;
}

/** Record one replication: β = centre + δ, SEs from the diagonal of V, and its status. */
function store(out: Replications, r: number, delta: Float64Array, v: Float64Array, centre: Float64Array, K: number, zeros: number): void {
  let finite = true;
  for (let k = 0; k < K; k++) {
    const beta = centre[k] + delta[k];
    const se = Math.sqrt(v[k * K + k]);
    out.beta[r * K + k] = beta;
    out.se[r * K + k] = se;
    if (!Number.isFinite(beta) || !Number.isFinite(se)) finite = false;
  }
  out.status[r] = zeros > 0 ? REP_SINGULAR : finite ? REP_OK : REP_NONFINITE;
}
