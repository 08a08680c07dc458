// xtabond2's `pca` option (Roodman, Statalist, 9 July 2012, after Mehrhoff 2009): principal
// components of the GMM-style instruments replace them. The analysis is of the correlation matrix of
// the GMM-style columns of Z over the rows that enter the estimation (both equations in system GMM,
// missing lags = 0); the components kept are those with eigenvalue above 1, or the `components(#)`
// largest. Each kept component is a combination of the original, not de-meaned, instruments,
// Σ_j v_jk z_j / sd_j, so that no constant enters the instrument set. Reported with it: the share of
// the instruments' total variance the kept components explain (Σ kept λ / Σ λ) and the
// Kaiser-Meyer-Olkin measure of sampling adequacy, Σ r_ij² / (Σ r_ij² + Σ a_ij²) over i ≠ j, with a
// the partial correlations from the (invsym) inverse of the correlation matrix (Kaiser 1974).
import { SpecError } from '../errors.ts';
import { invsym } from '../linalg/invsym.ts';
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

export function pcaSums(d: Design, plan: InstrumentPlan): PcaSums {
  const ivCols = ivColumns(plan);
  const G = plan.L - ivCols;
  const sum = new Float64Array(G);
  const cross = new Float64Array(G * G);
  let rows = 0;
  const u = new UnitRows(d);
  const z = new InstrumentRows(plan, d);
  for (const unit of d.units) {
    u.load(unit);
    z.fill(u);
    const T = d.T;
    for (let r = 0; r < z.nrows; r++) {
      const used = r >= T ? u.useL[r - T] : u.useT[r];
      if (!used) continue;
      rows++;
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

/** The components of the GMM-style columns from their moments (the whole sample's). */
export function pcaTransform(plan: InstrumentPlan, sums: PcaSums, requested: number | null): PcaTransform {
  const ivCols = ivColumns(plan);
  const G = plan.L - ivCols;
  if (G === 0) throw new SpecError('pca: the model has no GMM-style instruments to analyse', 'pca');
  const { sum, cross, rows } = sums;
  // Columns that vary over those rows enter the correlation matrix; the others are left out.
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
  let m = requested ?? values.filter((x) => x > 1).length;
  if (requested !== null && requested > n) m = n;
  m = Math.max(1, m);
  let total = 0;
  let kept = 0;
  values.forEach((x, k) => {
    total += x;
    if (k < m) kept += x;
  });
  const index = new Int32Array(G).fill(-1);
  const weights = new Float64Array(n * m);
  keep.forEach((a, i) => {
    index[a] = i;
    for (let k = 0; k < m; k++) weights[i * m + k] = vectors[i * n + k] / sd[a];
  });
  return { rawL: plan.L, ivCols, index, weights, m, columns: n, varianceExplained: kept / total, kmo: kmo(corr, n), requested };
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

/** The plan with its GMM-style columns replaced by their principal components. */
export function principalComponents(d: Design, plan: InstrumentPlan, requested: number | null): InstrumentPlan {
  if (plan.L === ivColumns(plan)) throw new SpecError('pca: the model has no GMM-style instruments to analyse', 'pca');
  return withComponents(plan, pcaTransform(plan, pcaSums(d, plan), requested));
}
