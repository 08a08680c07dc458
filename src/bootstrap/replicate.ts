// Pairs-bootstrap replications as batched products (DESIGN.md): a replication with unit counts w_b
// is the GMM estimate from Σ_i w_bi·blocks_i, so a chunk of replications is a few batched products
// through a kernel backend plus small float64 solves per replication:
//   sums        C (B×N) · [zw | zhz | ee]                          one product each (zhz: its non-zero entries)
//   g₁          g_bi = zw_i·(1, −δ₁_b)                             for the units drawn only
//   S_b         Σ_i w_bi g_bi g_biᵀ                                 batched weighted cross-products
//   Windmeijer  Σ_i w_bi (g_biᵀa_b) Z_i'X_i and Σ_i w_bi g_bi (X_i'Z_i a_b)ᵀ   batched
// Each replication then follows estimateFromBlocks (src/gmm/estimate.ts) step for step: one-step with
// (Σ Z'HZ)⁻, two-step with (Σ g₁g₁ᵀ)⁻, the Windmeijer (2005) correction, the Hansen J, `small`.
import { cholesky, choleskySolve, matmul, transpose } from '../linalg/dense.ts';
import { INVSYM_TOL, invsym, symmetrize } from '../linalg/invsym.ts';
import { gmmStepFromXza, splitZw, type GmmStep } from '../gmm/estimate.ts';
import { smallFactor } from '../gmm/covariance.ts';
import type { KernelBackend } from '../kernels/types.ts';
import type { BootstrapBlocks } from './blocks.ts';

export interface ReplicationOptions {
  twostep: boolean;
  robust: boolean;
  small: boolean;
  /** c in the σ² divisor c·NObs (2 for first differences under h(2)/h(3), else 1). */
  sigmaPerObs: number;
  /** Factor on the moment covariance (Nc/(Nc−1) under cluster() with small), as the fit used. */
  momentScale: number;
  clustered: boolean;
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

/**
 * Work arrays reused from batch to batch by one thread: a fresh multi-megabyte typed array per batch
 * costs more (page faults, zeroing) than the arithmetic done in it.
 */
export class Scratch {
  private readonly arrays = new Map<string, Float64Array>();

  /** A work array of `length` values; its contents are whatever the last user left. */
  take(name: string, length: number): Float64Array {
    let a = this.arrays.get(name);
    if (!a || a.length < length) {
      a = new Float64Array(length);
      this.arrays.set(name, a);
    }
    return a.subarray(0, length);
  }
}

export async function replicate(
  bb: BootstrapBlocks,
  counts: Float64Array,
  reps: number,
  opts: ReplicationOptions,
  backend: KernelBackend,
  onChunk?: (done: number) => void,
  /** Replications per batch (default: as many as fit the memory bound); results do not depend on it. */
  chunkSize?: number,
  scratch = new Scratch(),
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
  const counted = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    counted[i * 2] = bb.obsMain[i];
    counted[i * 2 + 1] = bb.groups[i];
  }
  for (let b0 = 0; b0 < reps; b0 += chunk) {
    const cb = Math.min(chunk, reps - b0);
    const w = counts.subarray(b0 * n, (b0 + cb) * n);
    const zwSum = await backend.matmul(w, bb.zw, { m: cb, k: n, n: L * P });
    const nz = bb.zhzAt.length;
    const zhzSum = await backend.matmul(w, bb.zhz, { m: cb, k: n, n: nz });
    const eeSum = needS ? null : await backend.matmul(w, bb.ee, { m: cb, k: n, n: P * P });
    const tallies = matmul(w, counted, cb, n, 2);
    // One-step per replication (float64).
    const step1 = [];
    const c1 = new Float64Array(cb * P);
    for (let b = 0; b < cb; b++) {
      const { zy, zx } = splitZw(zwSum, b * L * P, L, P);
      const zhz = new Float64Array(L * L);
      for (let at = 0; at < nz; at++) {
        const j = bb.zhzAt[at];
        zhz[j] = zhz[(j % L) * L + Math.floor(j / L)] = zhzSum[b * nz + at];
      }
      const s1 = gmmStepWith(weightSolver(zhz, L), zx, zy, L, K);
      step1.push({ ...s1, zy, zx });
      c1[b * P] = 1;
      for (let k = 0; k < K; k++) c1[b * P + 1 + k] = -s1.beta[k];
    }
    if (!needS) {
      for (let b = 0; b < cb; b++) {
        const s1 = step1[b];
        const nobs = tallies[b * 2];
        const sig2 = quad(eeSum!, b * P * P, c1, b * P, P) / (opts.sigmaPerObs * nobs);
        const factor = opts.small ? nobs / (nobs - K) : 1;
        store(out, b0 + b, s1.beta, s1.v.map((x) => x * sig2 * factor), bb.centre, K, s1.vZeros);
      }
      onChunk?.(b0 + cb);
      continue;
    }
    const g = unitMoments(bb.zwT, c1, w, cb, n, L, P, scratch.take('g', cb * n * L));
    const s = await backend.weightedCross(g, w, g, { batch: cb, n, p: L, q: L });
    if (opts.momentScale !== 1) for (let j = 0; j < s.length; j++) s[j] *= opts.momentScale;
    const step2: GmmStep[] = [];
    const av = new Float64Array(cb * L);
    for (let b = 0; b < cb; b++) {
      const solver = weightSolver(s.subarray(b * L * L, (b + 1) * L * L), L);
      if (solver.singular) out.singularWeight++;
      const { zy, zx } = step1[b];
      const s2 = gmmStepWith(solver, zx, zy, L, K);
      const ze2 = zy.slice();
      for (let l = 0; l < L; l++) for (let k = 0; k < K; k++) ze2[l] -= zx[l * K + k] * s2.beta[k];
      const a = solver.solve(ze2, 1);
      let j = 0;
      for (let l = 0; l < L; l++) j += ze2[l] * a[l];
      out.hansen[b0 + b] = j;
      av.set(a, b * L);
      step2.push(s2);
    }
    let brackets: Float64Array | null = null;
    if (opts.twostep && opts.robust) {
      // Σ_i w_bi (g_biᵀa_b) zw_i and Σ_i w_bi g_bi (zw_iᵀ a_b)ᵀ, for the Windmeijer bracket; with
      // m_bi = zw_iᵀa_b, g_biᵀa_b = c_bᵀ m_bi (g_bi = zw_i c_b), a P-term sum instead of an L-term one.
      const mza = unitProjections(bb.zwT, av, w, cb, n, L, P, scratch.take('mza', cb * n * P));
      const u = scratch.take('u', cb * n);
      for (let b = 0; b < cb; b++)
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let p = 0; p < P; p++) s += c1[b * P + p] * mza[(b * n + i) * P + p];
          u[b * n + i] = w[b * n + i] * s;
        }
      const t1 = await backend.matmul(u, bb.zw, { m: cb, k: n, n: L * P });
      const t2 = await backend.weightedCross(g, w, mza, { batch: cb, n, p: L, q: P });
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
      const vxza = matmul(s1.v, s1.xza, K, K, L);
      const v1r = matmul(matmul(vxza, sb, K, L, L), vxza, K, L, K, false, true);
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
      const nobs = tallies[b * 2];
      const ngroups = tallies[b * 2 + 1];
      const factor = opts.small ? smallFactor({ robust: true, clustered: opts.clustered, nobs, ngroups, k: K, sigmaCount: nobs }) : 1;
      store(out, b0 + b, beta, factor === 1 ? v : v.map((x) => x * factor), bb.centre, K, zeros);
    }
    onChunk?.(b0 + cb);
  }
  return out;
}

interface WeightSolver {
  /** M⁻¹ R for R (L×rhs), M⁻¹ the weight matrix (invsym's generalized inverse when M is singular). */
  solve(r: Float64Array, rhs: number): Float64Array;
  singular: boolean;
}

/**
 * The weight matrix M⁻¹ of a GMM step, applied by Cholesky solves when M is positive definite by
 * invsym's own pivot criterion, else through invsym's generalized inverse: the same result as
 * gmmStep(…, invsym(M).inv, …) without forming an inverse in the common case.
 */
function weightSolver(m: Float64Array, L: number): WeightSolver {
  const l = cholesky(m, L, INVSYM_TOL);
  if (l) return { solve: (r, rhs) => choleskySolve(l, r, L, rhs), singular: false };
  const g = invsym(m, L);
  return { solve: (r, rhs) => matmul(g.inv, r, L, L, rhs), singular: g.rank < L };
}

/** One GMM solve, β = (X'Z M⁻¹ Z'X)⁻¹ X'Z M⁻¹ Z'y, with M⁻¹ applied by the solver. */
function gmmStepWith(w: WeightSolver, zx: Float64Array, zy: Float64Array, L: number, K: number): GmmStep {
  return gmmStepFromXza(transpose(w.solve(zx, K), L, K), zx, zy, L, K);
}

/**
 * Per-unit moments g_bi = Z_i'[y_i X_i]·c_b = Σ_p c_b[p]·zwT_i[p,·] for the units drawn in replication b
 * (B×N×L, written into out); units not drawn (weight 0, about a third) are set to zero, as every sum
 * they enter is weighted.
 */
function unitMoments(zwT: Float64Array, c: Float64Array, w: Float64Array, batch: number, n: number, L: number, P: number, out: Float64Array): Float64Array {
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < n; i++) {
      const o = (b * n + i) * L;
      if (w[b * n + i] === 0) {
        out.fill(0, o, o + L);
        continue;
      }
      // Four blocks per pass over g_bi (one pass per block is 2–3× slower in V8); the first pass writes.
      for (let p = 0; p < P; p += 4) {
        const r0 = (i * P + p) * L;
        const c0 = c[b * P + p];
        const c1 = p + 1 < P ? c[b * P + p + 1] : 0;
        const c2 = p + 2 < P ? c[b * P + p + 2] : 0;
        const c3 = p + 3 < P ? c[b * P + p + 3] : 0;
        const r1 = p + 1 < P ? r0 + L : r0;
        const r2 = p + 2 < P ? r0 + 2 * L : r0;
        const r3 = p + 3 < P ? r0 + 3 * L : r0;
        if (p === 0) for (let l = 0; l < L; l++) out[o + l] = c0 * zwT[r0 + l] + c1 * zwT[r1 + l] + c2 * zwT[r2 + l] + c3 * zwT[r3 + l];
        else for (let l = 0; l < L; l++) out[o + l] += c0 * zwT[r0 + l] + c1 * zwT[r1 + l] + c2 * zwT[r2 + l] + c3 * zwT[r3 + l];
      }
    }
  return out;
}

/** m_bi = [y_i X_i]'Z_i·a_b (B×N×P, written into out; zero for units not drawn). */
function unitProjections(zwT: Float64Array, a: Float64Array, w: Float64Array, batch: number, n: number, L: number, P: number, out: Float64Array): Float64Array {
  for (let b = 0; b < batch; b++) {
    const ao = b * L;
    for (let i = 0; i < n; i++) {
      const o = (b * n + i) * P;
      if (w[b * n + i] === 0) {
        for (let p = 0; p < P; p++) out[o + p] = 0;
        continue;
      }
      // Four dot products at a time: independent sums, not one long chain of dependent additions.
      let p = 0;
      for (; p + 4 <= P; p += 4) {
        const r0 = (i * P + p) * L;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let l = 0; l < L; l++) {
          const al = a[ao + l];
          s0 += zwT[r0 + l] * al;
          s1 += zwT[r0 + L + l] * al;
          s2 += zwT[r0 + 2 * L + l] * al;
          s3 += zwT[r0 + 3 * L + l] * al;
        }
        out[o + p] = s0;
        out[o + p + 1] = s1;
        out[o + p + 2] = s2;
        out[o + p + 3] = s3;
      }
      for (; p < P; p++) {
        const row = (i * P + p) * L;
        let s = 0;
        for (let l = 0; l < L; l++) s += zwT[row + l] * a[ao + l];
        out[o + p] = s;
      }
    }
  }
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
