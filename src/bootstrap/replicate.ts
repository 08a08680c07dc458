// Pairs-bootstrap replications on the one engine (src/gmm/engine.ts): a replication with unit counts
// w_b is the estimate from Σ_i w_bi·blocks_i, so each replication runs estimationSteps, the reduce
// side that every estimate runs, and a chunk of replications advances in lockstep: each pass they ask
// for is answered for the whole chunk by batched products on a kernel backend (the map side, batched
// over B instead of the point estimate's B = 1):
//   'moments'     C (B×N) · [zw | zhz | ee]                            one product each (zhz: its non-zero entries)
//   'weight'      S_b = Σ_i w_bi g_bi g_biᵀ, g_bi = zw_i·(1, −δ₁_b)     momentCovariance
//   'correction'  Σ_i w_bi (g_biᵀa_b) zw_i and Σ_i w_bi g_bi (zw_iᵀ a_b)ᵀ  momentProjections + one product
// The blocks are centred at β̂ (blocks.ts), so a replication's coefficients are δ = β − β̂. They are
// the same for every chunk: uploaded to the backend once a run (uploadBlocks), each chunk sends only
// its counts and coefficients.
import { matmul } from '../linalg/dense.ts';
import { symmetrize } from '../linalg/invsym.ts';
import { weightQuad } from '../linalg/weight-factor.ts';
import { estimationSteps, type Estimation } from '../gmm/engine.ts';
import { smallFactor } from '../gmm/covariance.ts';
import { emptyPartial, type PartialSums } from '../gmm/partial-sums.ts';
import type { PassRequest } from '../gmm/passes.ts';
import type { Conventions } from '../spec/types.ts';
import type { KernelBackend, Operand } from '../kernels/types.ts';
import type { BootstrapBlocks } from './blocks.ts';
import { countRows, type PairsDraws } from './draws.ts';
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

type Steps = Generator<PassRequest, Estimation, PartialSums>;

/** The per-unit blocks as the backend holds them for a run (KernelBackend.upload). */
export interface ResidentBlocks {
  zw: Operand;
  zhz: Operand;
  ee: Operand;
  /** Only where the replications form a moment covariance (two-step or robust). */
  zwT: Operand;
}

/** Upload the blocks the replications read (zwT only where options need a moment covariance). */
export async function uploadBlocks(bb: BootstrapBlocks, opts: ReplicationOptions, backend: KernelBackend): Promise<ResidentBlocks> {
  return {
    zw: await backend.upload(bb.zw),
    zhz: await backend.upload(bb.zhz),
    ee: await backend.upload(bb.ee),
    zwT: opts.twostep || opts.robust ? await backend.upload(bb.zwT) : bb.zwT,
  };
}

export async function releaseBlocks(r: ResidentBlocks, backend: KernelBackend): Promise<void> {
  for (const op of [r.zw, r.zhz, r.ee, r.zwT]) if (!(op instanceof Float64Array)) await backend.release(op);
}

export async function replicate(
  bb: BootstrapBlocks,
  /** Each replication's cluster counts: a reps × n array, or the keyed draws to make them from by batch. */
  counts: Float64Array | PairsDraws,
  reps: number,
  opts: ReplicationOptions,
  backend: KernelBackend,
  onChunk?: (done: number) => void,
  /** Replications per batch (default: as many as fit the memory bound); results do not depend on it. */
  chunkSize?: number,
  /** The blocks already uploaded to backend (else they are uploaded here, and released at the end). */
  resident?: ResidentBlocks,
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
  const blocks = resident ?? (await uploadBlocks(bb, opts, backend));
  try {
    for (let b0 = 0; b0 < reps; b0 += chunk) {
      const cb = Math.min(chunk, reps - b0);
      const w = countRows(counts, b0, cb, n);
      await replicateChunk(out, b0, { bb, blocks, backend, w, cb, tallies: matmul(w, counted, cb, n, 3), steps: [] }, opts);
      onChunk?.(b0 + cb);
    }
  } finally {
    if (!resident) await releaseBlocks(blocks, backend);
  }
  return out;
}

/** The chunk's replications, from first = b0, in lockstep: each pass answered for all of them at once. */
async function replicateChunk(out: Replications, b0: number, c: Chunk, opts: ReplicationOptions): Promise<void> {
  const { K, P } = c.bb;
  for (let b = 0; b < c.cb; b++) {
    const sigmaDivisor = opts.sigmaPerObs * c.tallies[b * 3 + 2];
    c.steps.push(estimationSteps({ twostep: opts.twostep, robust: opts.robust, sigmaDivisor, clusterSmall: false, momentScale: opts.momentScale }, K, null));
  }
  for (const st of c.steps) st.next(); // each asks for its 'moments' pass
  let req = await momentsPass(c);
  if (opts.twostep || opts.robust) {
    const c1 = oneStepCoefficients(req, P, K);
    req = await weightPass(c, c1);
    if (opts.twostep && opts.robust) req = await correctionPass(c, c1, req);
  }
  req.forEach((r, b) => {
    if (!r.done) throw new Error(`bootstrap: replication asked for an unexpected '${r.value.pass}' pass`);
    record(out, b0 + b, r.value, opts, { nobs: c.tallies[b * 3], ngroups: c.tallies[b * 3 + 1], sigmaObs: c.tallies[b * 3 + 2] }, c.bb);
  });
}

/** A chunk of replications: their draw counts (cb × n), tallies and engines. */
interface Chunk {
  bb: BootstrapBlocks;
  /** bb's blocks as the backend holds them. */
  blocks: ResidentBlocks;
  backend: KernelBackend;
  w: Float64Array;
  cb: number;
  /** Per replication: main-equation observations, groups, σ² observations. */
  tallies: Float64Array;
  steps: Steps[];
}

type Request = IteratorResult<PassRequest, Estimation>;

const dimsOf = (bb: BootstrapBlocks) => ({ L: bb.L, P: bb.P, artests: 0 });
const shapeOf = (c: Chunk) => ({ batch: c.cb, n: c.bb.n, P: c.bb.P, L: c.bb.L });

/** Pass 1 for the chunk: each replication's Σ w·zw, Σ w·Z'HZ (its kept entries) and Σ w·ee. */
async function momentsPass(c: Chunk): Promise<Request[]> {
  const { bb, backend, w, cb } = c;
  const { n, L, P } = bb;
  const zwSum = await backend.matmul(w, c.blocks.zw, { m: cb, k: n, n: L * P });
  const nz = bb.zhzAt.length;
  const zhzSum = await backend.matmul(w, c.blocks.zhz, { m: cb, k: n, n: nz });
  const eeSum = await backend.matmul(w, c.blocks.ee, { m: cb, k: n, n: P * P });
  // Each kept entry's mirror position below the diagonal.
  const mirror = Int32Array.from(bb.zhzAt, (j) => (j % L) * L + Math.floor(j / L));
  return c.steps.map((st, b) => {
    const p = emptyPartial('moments', dimsOf(bb));
    p.sums.zw = zwSum.subarray(b * L * P, (b + 1) * L * P);
    const zhz = new Float64Array(L * L);
    for (let at = 0; at < nz; at++) zhz[bb.zhzAt[at]] = zhz[mirror[at]] = zhzSum[b * nz + at];
    p.sums.zhz = zhz;
    p.sums.ee = eeSum.subarray(b * P * P, (b + 1) * P * P);
    return st.next(p);
  });
}

/** c₁ = (1, −δ₁) of each replication, from its 'weight' request (chunk × P). */
function oneStepCoefficients(req: Request[], P: number, K: number): Float64Array {
  const c1 = new Float64Array(req.length * P);
  req.forEach((r, b) => {
    const beta1 = (r.value as Extract<PassRequest, { pass: 'weight' }>).beta1;
    c1[b * P] = 1;
    for (let k = 0; k < K; k++) c1[b * P + 1 + k] = -beta1[k];
  });
  return c1;
}

/** Pass 2: S_b = Σ_i w_bi g_bi g_biᵀ from each replication's one-step coefficients. */
async function weightPass(c: Chunk, c1: Float64Array): Promise<Request[]> {
  const L = c.bb.L;
  const s = await c.backend.momentCovariance(c.blocks.zwT, c1, c.w, shapeOf(c));
  return c.steps.map((st, b) => {
    const p = emptyPartial('weight', dimsOf(c.bb));
    p.sums.s = s.subarray(b * L * L, (b + 1) * L * L);
    return st.next(p);
  });
}

/**
 * Pass 3: the Windmeijer bracket of each replication, a_b = A₂Z'e₂; with m_bi = zw_iᵀa_b,
 * g_biᵀa_b = c_bᵀ m_bi (g_bi = zw_i c_b): the scores of momentProjections.
 */
async function correctionPass(c: Chunk, c1: Float64Array, req: Request[]): Promise<Request[]> {
  const { bb, backend, w, cb } = c;
  const { n, L, P } = bb;
  const av = new Float64Array(cb * L);
  req.forEach((r, b) => av.set((r.value as Extract<PassRequest, { pass: 'correction' }>).aze2!, b * L));
  const { cross: t2, scores } = await backend.momentProjections(c.blocks.zwT, c1, av, w, shapeOf(c));
  const t1 = await backend.matmul(scores, c.blocks.zw, { m: cb, k: n, n: L * P });
  return c.steps.map((st, b) => {
    const p = emptyPartial('correction', dimsOf(bb));
    p.sums.t1 = t1.subarray(b * L * P, (b + 1) * L * P);
    p.sums.t2 = t2.subarray(b * L * P, (b + 1) * L * P);
    return st.next(p);
  });
}

/** The reported coefficients and covariance of one replication (as the fit reports them), stored at r. */
function record(out: Replications, r: number, est: Estimation, opts: ReplicationOptions, counts: { nobs: number; ngroups: number; sigmaObs: number }, bb: BootstrapBlocks): void {
  const K = bb.K;
  const { nobs, ngroups, sigmaObs } = counts;
  if (!opts.twostep && !opts.robust) {
    const factor = opts.small ? smallFactor({ robust: false, clustered: false, nobs, ngroups, k: K, sigmaObs, conventions: opts.conventions }) : 1;
    store(out, r, est.b1, factor !== 1 ? est.v1.map((x) => x * factor) : est.v1, bb.centre, K, est.step1.vZeros);
    return;
  }
  if (est.a2Singular) out.singularWeight++;
  out.hansen[r] = weightQuad(est.w2!, est.ze2!);
  const beta = opts.twostep ? est.b2! : est.b1;
  const zeros = opts.twostep ? Math.max(est.step1.vZeros, est.v2Zeros) : est.step1.vZeros;
  let v = symmetrize(opts.twostep ? (opts.robust ? est.v2Robust! : est.v2!) : est.v1Robust!, K);
  const factor = opts.small ? smallFactor({ robust: true, clustered: opts.clustered, nobs, ngroups, k: K, sigmaObs, conventions: opts.conventions }) : 1;
  if (factor !== 1) v = v.map((x) => x * factor);
  store(out, r, beta, v, bb.centre, K, zeros);
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
