// xtabond2's `pca` option (xtabond2 3.7 (Roodman), after Mehrhoff 2009, Bai and Ng 2010, Kapetanios
// and Marcellino 2010): principal components of the GMM-style instruments replace them. As xtabond2
// 3.7 does it: the analysis is of the correlation matrix of the GMM-style columns of Z over the rows
// that enter the estimation (both equations in system GMM, missing lags = 0); each kept component is
// Σ_j v_jk z_j, the eigenvector applied to the original instruments (neither standardised nor
// de-meaned); the number kept is components(#) when # > 0 (at most the columns analysed), else the
// count of eigenvalues above .999999 or, if larger, k − j_IV (k the regressors kept after the
// collinearity check, j_IV the iv-style columns with the constant), so that instruments are at least
// as many as regressors. Without GMM-style instruments `pca` does nothing (xtabond2: pca = pca & j_GMM).
// Reported with it: the share of the instruments' variance the kept components explain (Σ kept λ / n)
// and the Kaiser-Meyer-Olkin measure of sampling adequacy, Σ r_ij² / (Σ r_ij² + Σ a_ij²) over i ≠ j,
// with a the partial correlations from the (invsym) inverse of the correlation matrix (Kaiser 1974).
import { SpecError } from '../errors.ts';
import { invsym } from '../linalg/invsym.ts';
import { collinearity, type CollinearitySums } from './blocks.ts';
import { UnitRows, type Design } from './design.ts';
import { InstrumentRows, type InstrumentGroup, type InstrumentPlan, type PcaTransform } from './instruments.ts';

/**
 * Eigenvalues (descending) and eigenvectors (columns of `vectors`, n×n row-major) of a symmetric
 * matrix: Householder reduction to tridiagonal form and the implicit QL algorithm (the EISPACK
 * routines tred2 and tql2, Wilkinson and Reinsch 1971), O(n³) once rather than per sweep.
 */
export function symmetricEigen(a0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => a0[i * n + j]));
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n > 0) {
    tred2(V, d, e, n);
    tql2(V, d, e, n);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y] - d[x]);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((i, k) => {
    for (let r = 0; r < n; r++) vectors[r * n + k] = V[r][i];
  });
  return { values, vectors };
}

/** Householder tridiagonalisation: V becomes the orthogonal transform, d the diagonal, e the sub-diagonal. */
function tred2(V: number[][], d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[n - 1][j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[i - 1][j];
        V[i][j] = 0;
        V[j][i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j][i] = f;
        g = e[j] + V[j][j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[k][j] * d[k];
          e[k] += V[k][j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k][j] -= f * e[k] + g * d[k];
        d[j] = V[i - 1][j];
        V[i][j] = 0;
      }
    }
    d[i] = h;
  }
  for (let i = 0; i < n - 1; i++) {
    V[n - 1][i] = V[i][i];
    V[i][i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k][i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k][i + 1] * V[k][j];
        for (let k = 0; k <= i; k++) V[k][j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k][i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[n - 1][j];
    V[n - 1][j] = 0;
  }
  V[n - 1][n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal (d, e), accumulating the rotations into V. */
function tql2(V: number[][], d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      for (let iter = 0; iter < 100; iter++) {
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            h = V[k][i + 1];
            V[k][i + 1] = s * V[k][i] + c * h;
            V[k][i] = c * V[k][i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
        if (!(Math.abs(e[l]) > eps * tst1)) break;
      }
    }
    d[l] += f;
    e[l] = 0;
  }
}

/** Kaiser-Meyer-Olkin measure of a correlation matrix r (n×n). */
export function kmo(r: Float64Array, n: number): number {
  const q = invsym(r, n).inv;
  let rr = 0;
  let aa = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      rr += r[i * n + j] * r[i * n + j];
      const d = q[i * n + i] * q[j * n + j];
      if (d > 0) {
        const a = -q[i * n + j] / Math.sqrt(d);
        aa += a * a;
      }
    }
  return rr / (rr + aa);
}

/** The moments the analysis reads: Σ z and Σ z z' of the GMM-style columns over the rows that enter,
 *  and their count. Sums over units, so shards of a panel add theirs up (src/scale). */
export interface PcaSums {
  sum: Float64Array;
  cross: Float64Array;
  rows: number;
}

/** iv-style columns (and the constant) come first; the GMM-style columns follow them. */
function ivColumns(plan: InstrumentPlan): number {
  return 1 + Math.max(plan.consCol, ...plan.ivTrans.map((e) => e.col), ...plan.ivLevel.map((e) => e.col));
}

/** The GMM-style columns of a plan (before any components replace them): none, and `pca` does nothing. */
export function gmmStyleColumns(plan: InstrumentPlan): number {
  return plan.L - ivColumns(plan);
}

/**
 * Σ z and Σ z z' of the GMM-style columns over the rows that enter. With `coll`, the same rows' sums
 * of the collinearity check are added to it (blocks.ts collinearity; W = [y X], P = 1 + every
 * regressor), for the regressors kept that the default number of components reads.
 */
export function pcaSums(d: Design, plan: InstrumentPlan, coll?: CollinearitySums & { allWW: Float64Array; levW: Float64Array }): PcaSums {
  const ivCols = ivColumns(plan);
  const G = plan.L - ivCols;
  const sum = new Float64Array(G);
  const cross = new Float64Array(G * G);
  let rows = 0;
  const u = new UnitRows(d);
  const z = new InstrumentRows(plan, d);
  const kAll = u.kAll;
  const P = kAll + 1;
  const w = new Float64Array(P);
  for (const unit of d.units) {
    u.load(unit);
    z.fill(u);
    const T = d.T;
    for (let r = 0; r < z.nrows; r++) {
      const level = r >= T;
      const t = level ? r - T : r;
      const used = level ? u.useL[t] : u.useT[t];
      if (!used) continue;
      rows++;
      if (coll) {
        const x = level ? u.xL : u.xT;
        w[0] = level ? u.yL[t] : u.yT[t];
        for (let k = 0; k < kAll; k++) w[1 + k] = x[t * kAll + k];
        for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) coll.allWW[a * P + b] += w[a] * w[b];
        if (level) {
          for (let a = 0; a < P; a++) coll.levW[a] += w[a];
          coll.nLev++;
        }
      }
      for (let e = z.start[r]; e < z.start[r + 1]; e++) {
        const a = z.col[e] - ivCols;
        if (a < 0) continue;
        const x = z.val[e];
        sum[a] += x;
        for (let f = z.start[r]; f < z.start[r + 1]; f++) {
          const b = z.col[f] - ivCols;
          if (b >= 0) cross[a * G + b] += x * z.val[f];
        }
      }
    }
  }
  return { sum, cross, rows };
}

/**
 * The components of the GMM-style columns from their moments (the whole sample's). requested:
 * components(#), null or 0 for the default number; K: the regressors kept after the collinearity
 * check (xtabond2's k, the constant included).
 */
export function pcaTransform(plan: InstrumentPlan, sums: PcaSums, requested: number | null, K: number): PcaTransform {
  const ivCols = ivColumns(plan);
  const G = plan.L - ivCols;
  if (G === 0) throw new SpecError('pca: the model has no GMM-style instruments to analyse', 'pca');
  if (requested !== null && !(Number.isInteger(requested) && requested >= 0)) throw new SpecError(`components(${requested}) invalid: expected a whole number, 0 for the default`, 'components');
  const { sum, cross, rows } = sums;
  // Columns that vary over those rows enter the correlation matrix; the others are left out.
  // (xtabond2 drops the columns that are zero on every row; a column that is a nonzero constant
  // would give it missing correlations.)
  const keep: number[] = [];
  const sd = new Float64Array(G);
  for (let a = 0; a < G; a++) {
    const variance = (cross[a * G + a] - (sum[a] * sum[a]) / rows) / (rows - 1);
    sd[a] = Math.sqrt(Math.max(0, variance));
    if (variance > 1e-14 * (cross[a * G + a] / rows)) keep.push(a);
  }
  const n = keep.length;
  if (n === 0) throw new SpecError('pca: every GMM-style instrument is constant over the estimation sample', 'pca');
  const corr = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const [a, b] = [keep[i], keep[j]];
      const cov = (cross[a * G + b] - (sum[a] * sum[b]) / rows) / (rows - 1);
      corr[i * n + j] = i === j ? 1 : cov / (sd[a] * sd[b]);
    }
  const { values, vectors } = symmetricEigen(corr, n);
  // xtabond2 3.7 (Roodman), xtabond2_mata(): _edittozerotol(eigenvalues, 1e-12), then
  //   j_GMM = components? min((components, j_GMM)) : max((sum(eigenvalues:>.999999), k-j_IV))
  // The default can ask for more components than there are columns (xtabond2 then stops on a
  // subscript error): all are kept and the model is refused as not identified.
  const lambda = Array.from(values, (x) => (Math.abs(x) <= 1e-12 ? 0 : x));
  const m = Math.min(n, requested ? requested : Math.max(lambda.filter((x) => x > 0.999999).length, K - ivCols));
  let kept = 0;
  for (let k = 0; k < m; k++) kept += lambda[k];
  const index = new Int32Array(G).fill(-1);
  const weights = new Float64Array(n * m);
  keep.forEach((a, i) => {
    index[a] = i;
    for (let k = 0; k < m; k++) weights[i * m + k] = vectors[i * n + k];
  });
  return { rawL: plan.L, ivCols, index, weights, m, columns: n, varianceExplained: kept / n, kmo: kmo(corr, n), requested };
}

/** The plan with its GMM-style columns replaced by the components of `pca`. */
export function withComponents(plan: InstrumentPlan, pca: PcaTransform): InstrumentPlan {
  const { ivCols, m } = pca;
  const groups: InstrumentGroup[] = plan.groups
    .map((g) => ({ label: g.label, cols: Int32Array.from([...g.cols].filter((c) => c < ivCols)) }))
    .filter((g) => g.cols.length && g.label.startsWith('iv('));
  groups.unshift({ label: 'GMM-style instruments (principal components)', cols: Int32Array.from({ length: m }, (_, k) => ivCols + k) });
  return { ...plan, L: ivCols + m, groups, pca };
}

/** The plan with its GMM-style columns replaced by their principal components; unchanged when it has
 *  no GMM-style columns (xtabond2 3.7 (Roodman) ignores pca then, without a note). */
export function principalComponents(d: Design, plan: InstrumentPlan, requested: number | null): InstrumentPlan {
  if (gmmStyleColumns(plan) === 0) return plan;
  const P = 1 + d.k0 + (d.hasConstant ? 1 : 0);
  const coll = { allWW: new Float64Array(P * P), levW: new Float64Array(P), nLev: 0 };
  const sums = pcaSums(d, plan, coll);
  return withComponents(plan, pcaTransform(plan, sums, requested, collinearity(d, coll).keep.length));
}
