// Iterated GMM (Hansen, Heaton & Yaron 1996): continue the two-step weight update,
//   A(β) = (Σ_i Z_iᵀe_i(β) e_i(β)ᵀZ_i)⁻¹,   β ← (XᵀZ A ZᵀX)⁻¹ XᵀZ A Zᵀy,
// from xtabond2's two-step estimate until β stops moving (max |Δβ| ≤ tol·(1 + max |β|)).
// Everything comes from the per-unit blocks of the fit (src/gmm/blocks.ts): Z_iᵀe_i = zw_i·(1, −β).
// Reported: β at convergence, its conventional efficient-GMM variance (XᵀZ A ZᵀX)⁻¹ with A at the
// final β (no finite-sample correction), and Hansen's J = ḡᵀAḡ with ḡ = Σ_i Z_iᵀe_i.
import type { Panel } from '../panel/panel.ts';
import type { ModelSpec } from '../spec/types.ts';
import { modelBlocks, prepareGmm } from '../gmm/fit.ts';
import { invsym } from '../linalg/invsym.ts';
import { chi2Upper } from '../stats/distributions.ts';

export interface IteratedGmm {
  names: string[];
  beta: Float64Array;
  se: Float64Array;
  iterations: number;
  converged: boolean;
  hansen: { chi2: number; df: number; p: number };
}

/** start: the two-step estimates in the fit's coefficient order (names); df: the Hansen df of that fit. */
export function iteratedGmm(panel: Panel, spec: ModelSpec, start: { names: string[]; beta: number[]; hansenDf: number }, maxIter: number, tol: number): IteratedGmm {
  const prep = prepareGmm(panel, spec);
  const b = modelBlocks(prep);
  const { n, L, K, P, zw } = b;
  const names = b.keep.map((k) => prep.design.regressorNames[k]);
  if (names.join('\u0000') !== start.names.join('\u0000')) throw new Error('iterated GMM: the blocks do not match the two-step fit');
  // Σ_i zw_i: Z'y in column 0, Z'X in columns 1..K.
  const zwSum = new Float64Array(L * P);
  for (let i = 0; i < n; i++) for (let j = 0; j < L * P; j++) zwSum[j] += zw[i * L * P + j];
  const g = new Float64Array(L);
  const weight = (beta: Float64Array): { a: Float64Array; gbar: Float64Array } => {
    const s = new Float64Array(L * L);
    const gbar = new Float64Array(L);
    for (let i = 0; i < n; i++) {
      const o = i * L * P;
      for (let l = 0; l < L; l++) {
        let v = zw[o + l * P];
        for (let k = 0; k < K; k++) v -= zw[o + l * P + 1 + k] * beta[k];
        g[l] = v;
        gbar[l] += v;
      }
      for (let p = 0; p < L; p++) for (let q = 0; q < L; q++) s[p * L + q] += g[p] * g[q];
    }
    return { a: invsym(s, L).inv, gbar };
  };
  // M = X'Z A Z'X and m = X'Z A Z'y.
  const normal = (a: Float64Array): { m: Float64Array; rhs: Float64Array } => {
    const xza = new Float64Array(K * L);
    for (let k = 0; k < K; k++) for (let q = 0; q < L; q++) for (let p = 0; p < L; p++) xza[k * L + q] += zwSum[p * P + 1 + k] * a[p * L + q];
    const m = new Float64Array(K * K);
    const rhs = new Float64Array(K);
    for (let k = 0; k < K; k++)
      for (let q = 0; q < L; q++) {
        rhs[k] += xza[k * L + q] * zwSum[q * P];
        for (let j = 0; j < K; j++) m[k * K + j] += xza[k * L + q] * zwSum[q * P + 1 + j];
      }
    return { m, rhs };
  };
  let beta = Float64Array.from(start.beta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIter && !converged) {
    const { m, rhs } = normal(weight(beta).a);
    const inv = invsym(m, K).inv;
    const next = new Float64Array(K);
    for (let k = 0; k < K; k++) for (let j = 0; j < K; j++) next[k] += inv[k * K + j] * rhs[j];
    let change = 0;
    let scale = 0;
    for (let k = 0; k < K; k++) {
      change = Math.max(change, Math.abs(next[k] - beta[k]));
      scale = Math.max(scale, Math.abs(next[k]));
    }
    beta = next;
    iterations++;
    converged = change <= tol * (1 + scale);
  }
  const { a, gbar } = weight(beta);
  const v = invsym(normal(a).m, K).inv;
  let j = 0;
  for (let p = 0; p < L; p++) for (let q = 0; q < L; q++) j += gbar[p] * a[p * L + q] * gbar[q];
  const se = Float64Array.from({ length: K }, (_, k) => Math.sqrt(v[k * K + k]));
  return { names, beta, se, iterations, converged, hansen: { chi2: j, df: start.hansenDf, p: chi2Upper(j, start.hansenDf) } };
}
