// The map side of an estimate: the partial sums (partial-sums.ts) of one set of units — a whole
// sample, a shard of units, or a sample under unit weights w (bootstrap counts, 0/1 masks, Poisson
// weights) — for each of the three passes estimate.ts asks for. Everything here is a sum over the
// units of `blocks`; the reduce side (estimate.ts) never sees a unit.
import { unpackSymmetric } from '../linalg/invsym.ts';
import { groupSizes, type UnitBlocks } from './blocks.ts';
import type { Design } from './design.ts';
import type { InstrumentPlan } from './instruments.ts';
import { emptyPartial, setSum, type KeyedRows, type PartialSums } from './partial-sums.ts';
import { addCrossRow, addGramGroup, addRow, compensated, compensatedSum, finishGram, GRAM_GROUP, normalize } from './sums.ts';
import { momentRow, residualWeights, zwMomentRow } from './moments.ts';
import { clusterRows, clusterTotals, localCount, localGram, unclusteredUnits, type Clustering } from './clusters.ts';
import { arSumsNonRobust, arSumsRobust, type ArSums } from './ar-sums.ts';
import { correctionOnWasm, gramOnWasm, rowSumOnWasm } from './pass-kernels.ts';
import { countTotals } from './weights.ts';

/** A set of units and what the AR pass needs to walk them again (design and plan; non-robust AR only). */
export interface Shard {
  blocks: UnitBlocks;
  /** Unit weights (null: all ones). */
  w?: Float64Array | null;
  design?: Design;
  plan?: InstrumentPlan;
}

export type ArMode = 'robust' | 'nonrobust' | null;

export type PassRequest =
  | { pass: 'moments' }
  | { pass: 'weight'; beta1: Float64Array }
  | {
      pass: 'correction';
      beta1: Float64Array;
      /** A₂Z'e₂ for the Windmeijer bracket (null: no bracket). */
      aze2: Float64Array | null;
      /** Per-cluster Σ g₁ of the whole sample under cluster() (the merged 'weight' pass), keyed as
       *  clusters.ts keys them. */
      clusterG: KeyedRows | null;
      /** Under cluster(): each combination's factor on its clusters' moments in the bracket (sign and
       *  small-sample factor; clusters.ts); absent: 1 each. */
      clusterFactors?: number[];
      /** β of the reported step, for the AR(m) sums (null: no AR sums). */
      betaAr: Float64Array | null;
      arMode: ArMode;
      /** The observation weights' normalization factor over the whole sample (weights.ts; 1, or absent, without). */
      weightScale?: number;
    };

export { unitMoments } from './moments.ts';

function dims(b: UnitBlocks): PartialSums['dims'] {
  return { L: b.L, P: b.P, artests: b.artests };
}

function momentsPass(s: Shard): PartialSums {
  const b = s.blocks;
  const w = s.w ?? null;
  const { n, L, P } = b;
  const p = emptyPartial('moments', dims(b));
  p.units = n;
  // Σ_i w_i over n rows of m values: on the WebAssembly kernel where there is one (the same sums).
  const sum = (x: Float64Array, m: number) => rowSumOnWasm(x, n, m, w) ?? compensatedSum(x, n, m, w);
  setSum(p, 'zw', sum(b.zw, L * P));
  if (w && (!b.zhz || !b.ee)) throw new Error("the 'moments' pass under unit weights needs the per-unit Z'HZ and ee blocks (modelBlocks with keepZHZ)");
  if (w) {
    const packed = sum(b.zhz!, (L * (L + 1)) / 2);
    setSum(p, 'zhz', { hi: unpackSymmetric(packed.hi, 0, L), lo: unpackSymmetric(packed.lo, 0, L) });
  } else setSum(p, 'zhz', { hi: b.zhzSum, lo: b.zhzSumLo });
  setSum(p, 'ee', w ? sum(b.ee!, P * P) : b.eeSum);
  p.sums.mainWW = b.mainWW;
  let main = 0;
  let trans = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const o = b.obsMain[i];
    main += o;
    trans += b.obsTrans[i];
    weighted += (w ? w[i] : 1) * o;
  }
  const { groups, min, max } = groupSizes(b.obsMain);
  p.sums.obs = Float64Array.of(main, trans, groups, weighted);
  // Under observation weights, their sums over the main and the transformed equation's observations
  // (as the counts above, not multiplied by unit weights).
  if (b.weightSums) {
    const t = countTotals(b);
    p.sums.weightObs = Float64Array.of(t.wMain, t.wTrans);
  }
  p.min.obsPerGroup = min;
  p.max.obsPerGroup = max;
  const c = b.clustering;
  // Units with an observation without a cluster() value (inference.ts warns of them).
  p.sums.unclustered = Float64Array.of(c ? unclusteredUnits(c) : 0);
  if (c) {
    p.keyed.clusterObs = clusterRows(c, c.obs, 1);
    // A local combination's clusters with observations, counted here (none spans units).
    const obs = clusterTotals(c, c.obs, 1);
    c.local.forEach((local, k) => {
      if (!local) return;
      let n = 0;
      for (let code = c.codeStart[k]; code < c.codeStart[k + 1]; code++) if (obs[code] > 0) n++;
      p.sums[localCount(k)] = Float64Array.of(n);
    });
  }
  return p;
}

/** Each cluster piece's moments g = zw·c (pieces × L), times its unit's weight. */
function pieceMoments(b: UnitBlocks, c: Clustering, cw: Float64Array, w: Float64Array | null): Float64Array {
  const { L, P } = b;
  const n = c.pieceUnit.length;
  const g = new Float64Array(n * L);
  for (let q = 0; q < n; q++) {
    zwMomentRow(c.zw ?? b.zw, L, P, cw, q, g, q * L);
    if (w) for (let l = 0; l < L; l++) g[q * L + l] *= w[c.pieceUnit[q]];
  }
  return g;
}

function weightPass(s: Shard, beta1: Float64Array): PartialSums {
  const b = s.blocks;
  const w = s.w ?? null;
  const p = emptyPartial('weight', dims(b));
  p.units = b.n;
  const cl = b.clustering;
  if (cl) {
    const g = pieceMoments(b, cl, residualWeights(b, beta1), w);
    p.keyed.g = clusterRows(cl, g, b.L);
    // A local combination's Σ_c g_c g_c' here, by groups of GRAM_GROUP clusters (sums.ts addGramGroup).
    const totals = clusterTotals(cl, g, b.L);
    const L = b.L;
    cl.local.forEach((local, k) => {
      if (!local) return;
      const gram = compensated(L * L);
      // Combination k's clusters are rows codeStart[k] .. of the totals: groups of them in place.
      for (let i0 = cl.codeStart[k]; i0 < cl.codeStart[k + 1]; i0 += GRAM_GROUP) {
        const m = Math.min(GRAM_GROUP, cl.codeStart[k + 1] - i0);
        const group = totals.subarray(i0 * L, (i0 + m) * L);
        addGramGroup(gram, group, group, m, L);
      }
      setSum(p, localGram(k), finishGram(gram, L));
    });
    return p;
  }
  // Σ_i w_i g_i g_i' by groups of GRAM_GROUP consecutive units (sums.ts addGramGroup; no n×L array): on
  // the WebAssembly kernel where there is one (pass-kernels.ts, the same sums to the bit), else here.
  const c = residualWeights(b, beta1);
  let s2 = gramOnWasm(b, c, w);
  if (!s2) {
    const L = b.L;
    s2 = compensated(L * L);
    const g = new Float64Array(GRAM_GROUP * L);
    const a = w ? new Float64Array(GRAM_GROUP * L) : g;
    for (let i0 = 0; i0 < b.n; i0 += GRAM_GROUP) {
      let k = 0;
      for (let i = i0; i < Math.min(b.n, i0 + GRAM_GROUP); i++) {
        const wi = w ? w[i] : 1;
        if (wi === 0) continue;
        momentRow(b, c, i, g, k * L);
        if (w) for (let l = 0; l < L; l++) a[k * L + l] = wi * g[k * L + l];
        k++;
      }
      if (k > 0) addGramGroup(s2, a, g, k, L);
    }
  }
  setSum(p, 's', finishGram(s2, b.L));
  return p;
}

/** For each cluster piece of b, Σ_k f_k g_k over its clusters in the combinations k (pieces × L):
 *  g_k the merged moments of the piece's cluster in combination k, f_k its factor (1 when absent). */
function clusterRowsOf(b: UnitBlocks, c: Clustering, g: KeyedRows, factors: number[] | undefined, beta1: Float64Array, w: Float64Array | null): Float64Array {
  const at = new Map<string, number>();
  g.keys.forEach((k, j) => at.set(k, j));
  const merged = Int32Array.from(c.clusterKeys, (key) => {
    if (key === '') return -1;
    const j = at.get(key);
    if (j === undefined) throw new Error(`correction pass: cluster ${key} is missing from the merged weight pass`);
    return j;
  });
  const { L } = b;
  const nk = c.combinations.length;
  // A local combination's cluster moments are this set's own (its clusters lie within one unit).
  const own = c.local.includes(true) ? clusterTotals(c, pieceMoments(b, c, residualWeights(b, beta1), w), L) : null;
  const out = new Float64Array(c.pieceUnit.length * L);
  for (let q = 0; q < c.pieceUnit.length; q++)
    for (let k = 0; k < nk; k++) {
      const code = c.codes[q * nk + k];
      const src = c.local[k] ? own! : g.rows;
      const j = c.local[k] ? code : merged[code];
      const f = factors ? factors[k] : 1;
      for (let l = 0; l < L; l++) out[q * L + l] += f * src[j * L + l];
    }
  return out;
}

function correctionPass(s: Shard, req: Extract<PassRequest, { pass: 'correction' }>): PartialSums {
  const b = s.blocks;
  const w = s.w ?? null;
  const { n, L, P } = b;
  const p = emptyPartial('correction', dims(b));
  p.units = n;
  if (req.aze2) {
    // Windmeijer (2005) bracket, ∂S/∂β applied to a = A₂Z'e₂: Σ_i w_i (h_i'a) zw_i + Σ_i w_i h_i (zw_i'a)',
    // h_i = g₁ᵢ; under cluster() the sum runs over the cluster pieces (clusters.ts), h the moments of
    // the piece's clusters (so Σ over clusters of g_c…). Block by block: t1 += (w_i h_i'a) zw_i,
    // t2 += w_i h_i (zw_i'a)' (compensatedSum and compensatedCross's sums, without n×L arrays).
    const a = req.aze2;
    const cl = req.clusterG ? b.clustering : null;
    if (req.clusterG && !cl) throw new Error('correction pass: per-cluster moments for blocks built without cluster()');
    const hAll = cl ? clusterRowsOf(b, cl, req.clusterG!, req.clusterFactors, req.beta1, w) : null;
    const c1 = residualWeights(b, req.beta1);
    // Without cluster(), on the WebAssembly kernel where there is one (pass-kernels.ts, the same sums).
    const onWasm = hAll ? null : correctionOnWasm(b, c1, a, w);
    const hOwn = new Float64Array(L);
    const zwa = new Float64Array(P);
    const t1 = onWasm?.t1 ?? compensated(L * P);
    const t2 = onWasm?.t2 ?? compensated(L * P);
    const zw = cl?.zw ?? b.zw;
    const blocks = cl ? cl.pieceUnit.length : n;
    if (!onWasm)
      for (let i = 0; i < blocks; i++) {
        const h = hAll ?? hOwn;
        const ho = hAll ? i * L : 0;
        if (!hAll) momentRow(b, c1, i, hOwn);
        const wi = w ? w[cl ? cl.pieceUnit[i] : i] : 1;
        let ha = 0;
        for (let l = 0; l < L; l++) {
          const v = h[ho + l];
          if (v !== 0) ha += v * a[l];
        }
        if (w) ha *= wi;
        addRow(t1, zw, i * L * P, L * P, ha);
        zwa.fill(0);
        for (let l = 0; l < L; l++) {
          const al = a[l];
          const z = (i * L + l) * P;
          for (let q = 0; q < P; q++) {
            const v = zw[z + q];
            if (v !== 0) zwa[q] += v * al;
          }
        }
        addCrossRow(t2, h, ho, L, zwa, 0, P, wi);
      }
    setSum(p, 't1', normalize(t1));
    setSum(p, 't2', normalize(t2));
  }
  if (req.betaAr && req.arMode) {
    let ar: ArSums;
    if (req.arMode === 'robust') ar = arSumsRobust(b, req.betaAr, w);
    else {
      if (!s.design || !s.plan) throw new Error('non-robust AR sums need the design and plan of the shard');
      if (w) throw new Error('non-robust AR sums take no unit weights');
      ar = arSumsNonRobust(s.design, s.plan, b.keep, req.betaAr, L, req.weightScale ?? 1);
    }
    setSum(p, 'ar.sum', ar.sum);
    setSum(p, 'ar.wHw', ar.wHw);
    setSum(p, 'ar.tmp', ar.tmp);
    setSum(p, 'ar.zhw', ar.zhw);
    p.sums['ar.nonzero'] = ar.nonzero;
  }
  return p;
}

/** The partial sums of a shard for one pass. */
export function computePass(s: Shard, req: PassRequest): PartialSums {
  if (req.pass === 'moments') return momentsPass(s);
  if (req.pass === 'weight') return weightPass(s, req.beta1);
  return correctionPass(s, req);
}
