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
import { InstrumentRows, type InstrumentGroup, type InstrumentPlan } from './instruments.ts';

/** Eigenvalues (descending) and eigenvectors (columns of vectors, n×n row-major) by cyclic Jacobi. */
export function symmetricEigen(a0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = a0.slice();
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (i !== j) off += a[i * n + j] * a[i * n + j];
        scale += a[i * n + j] * a[i * n + j];
      }
    if (off <= 1e-30 * scale) break;
    for (let p = 0; p < n - 1; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((i, k) => {
    for (let r = 0; r < n; r++) vectors[r * n + k] = v[r * n + i];
  });
  return { values, vectors };
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

/** The plan with its GMM-style columns replaced by their principal components. */
export function principalComponents(d: Design, plan: InstrumentPlan, requested: number | null): InstrumentPlan {
  // iv-style columns (and the constant) come first; the GMM-style columns follow them.
  const ivCols = 1 + Math.max(plan.consCol, ...plan.ivTrans.map((e) => e.col), ...plan.ivLevel.map((e) => e.col));
  const G = plan.L - ivCols;
  if (G === 0) throw new SpecError('pca: the model has no GMM-style instruments to analyse', 'pca');
  // Moments of the GMM-style columns over the rows that enter.
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
  const groups: InstrumentGroup[] = plan.groups
    .map((g) => ({ label: g.label, cols: Int32Array.from([...g.cols].filter((c) => c < ivCols)) }))
    .filter((g) => g.cols.length && g.label.startsWith('iv('));
  groups.unshift({ label: 'GMM-style instruments (principal components)', cols: Int32Array.from({ length: m }, (_, k) => ivCols + k) });
  return {
    ...plan,
    L: ivCols + m,
    groups,
    pca: { rawL: plan.L, ivCols, index, weights, m, columns: n, varianceExplained: kept / total, kmo: kmo(corr, n), requested },
  };
}
