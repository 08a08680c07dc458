// pca / components(#): principal components of the GMM-style instruments (src/gmm/pca.ts), checked
// against hand computations: the eigen-decomposition, the KMO formula, a two-instrument case where
// the single component, its variance share and the KMO (1/2 for two variables) are known, and the
// number of components xtabond2 3.7 (Roodman) keeps: components(#) if # > 0, else the eigenvalues
// above .999999 or, if more, k − j_IV (regressors kept less iv-style columns with the constant).
import { beforeAll, describe, expect, it } from 'vitest';
import { fitGmm } from '../src/gmm/fit.ts';
import { kmo, symmetricEigen } from '../src/gmm/pca.ts';
import { lag } from '../src/panel/operators.ts';
import type { Panel } from '../src/panel/panel.ts';
import { formatResult } from '../src/report/format.ts';
import { parseXtabond2, specToCommand } from '../src/spec/parse.ts';
import { inv, type Mat } from './helpers/dense.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { smallPanel } from './helpers/smallPanel.ts';

describe('the pieces', () => {
  it('symmetricEigen: eigenvalues descending, A = V Λ Vᵀ', () => {
    const a = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const { values, vectors } = symmetricEigen(a, 3);
    expect(values[0]).toBeGreaterThanOrEqual(values[1]);
    expect(values[1]).toBeGreaterThanOrEqual(values[2]);
    expect(values.reduce((s, x) => s + x, 0)).toBeCloseTo(12, 12);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += vectors[i * 3 + k] * values[k] * vectors[j * 3 + k];
        expect(s).toBeCloseTo(a[i * 3 + j], 12);
      }
    const two = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect([...two.values].map((x) => Number(x.toFixed(12)))).toEqual([3, 1]);
  });

  it('symmetricEigen on a 40×40 matrix with a repeated eigenvalue: A V = V Λ, VᵀV = I', () => {
    const n = 40;
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
    // A = Q diag(λ) Qᵀ with λ = 5, 5, 3, 2.9, … (a repeated pair) and Q from Gram-Schmidt.
    const q: number[][] = [];
    while (q.length < n) {
      const v = Array.from({ length: n }, rnd);
      for (const u of q) {
        const d = u.reduce((acc, x, i) => acc + x * v[i], 0);
        for (let i = 0; i < n; i++) v[i] -= d * u[i];
      }
      const norm = Math.hypot(...v);
      q.push(v.map((x) => x / norm));
    }
    const lambda = Array.from({ length: n }, (_, k) => (k < 2 ? 5 : 3 - 0.1 * (k - 2)));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += q[k][i] * lambda[k] * q[k][j];
    const { values, vectors } = symmetricEigen(a, n);
    values.forEach((x, k) => expect(x).toBeCloseTo(lambda[k], 11));
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + k];
        expect(av).toBeCloseTo(values[k] * vectors[i * n + k], 11);
        let vv = 0;
        for (let j = 0; j < n; j++) vv += vectors[j * n + i] * vectors[j * n + k];
        expect(vv).toBeCloseTo(i === k ? 1 : 0, 12);
      }
    expect([...symmetricEigen(Float64Array.from([4]), 1).values]).toEqual([4]);
  });

  it('kmo: Σr² / (Σr² + Σa²) with a the partial correlations', () => {
    const r: Mat = [
      [1, 0.5, 0.3],
      [0.5, 1, 0.4],
      [0.3, 0.4, 1],
    ];
    const q = inv(r);
    let rr = 0;
    let aa = 0;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++)
        if (i !== j) {
          rr += r[i][j] ** 2;
          aa += q[i][j] ** 2 / (q[i][i] * q[j][j]);
        }
    expect(kmo(Float64Array.from(r.flat()), 3)).toBeCloseTo(rr / (rr + aa), 14);
    expect(kmo(Float64Array.from([1, 0.7, 0.7, 1]), 2)).toBeCloseTo(0.5, 14);
  });
});

describe('pca in a fit', () => {
  let panel: Panel;
  beforeAll(() => {
    panel = smallPanel();
  });
  const cols = ['id', 'year', 'y', 'x', 'w', 'region', 'c'];

  it('two collapsed instruments: one component (z₁ + z₂)/√2, the eigenvector on the raw instruments; variance share (1 + ρ)/2, KMO 1/2', async () => {
    const cmd = 'y L.y x, gmm(y, lag(2 3) collapse) iv(x) nolevel twostep robust';
    const r = await fitGmm(panel, parseXtabond2(`${cmd} pca`, cols));
    // By hand: the differenced rows that enter need y, x at t and t−1 and y at t−2.
    const y = panel.column('y');
    const x = panel.column('x');
    const [y1, y2, y3, x1] = [lag(panel, y, 1), lag(panel, y, 2), lag(panel, y, 3), lag(panel, x, 1)];
    const z1: number[] = [];
    const z2: number[] = [];
    for (let row = 0; row < panel.nrows; row++) {
      if ([y[row], y1[row], y2[row], x[row], x1[row]].some(Number.isNaN)) continue;
      z1.push(y2[row]);
      z2.push(Number.isNaN(y3[row]) ? 0 : y3[row]);
    }
    expect(r.nobs).toBe(z1.length);
    const mean = (v: number[]) => v.reduce((s, a) => s + a, 0) / v.length;
    const [m1, m2] = [mean(z1), mean(z2)];
    const cov = (a: number[], ma: number, b: number[], mb: number) => a.reduce((s, ai, i) => s + (ai - ma) * (b[i] - mb), 0) / (a.length - 1);
    const [s1, s2] = [Math.sqrt(cov(z1, m1, z1, m1)), Math.sqrt(cov(z2, m2, z2, m2))];
    const rho = cov(z1, m1, z2, m2) / (s1 * s2);
    expect(rho).toBeGreaterThan(0);
    expect(r.pca).toMatchObject({ components: 1, columns: 2 });
    expect(r.pca!.varianceExplained).toBeCloseTo((1 + rho) / 2, 12);
    expect(r.pca!.kmo).toBeCloseTo(0.5, 12);
    expect(r.ninstruments).toBe(2);
    // The same fit with that component written out as an instrument column: the eigenvector of
    // [[1 ρ] [ρ 1]] for 1 + ρ is (1, 1)/√2, applied to the instruments as they are (xtabond2 3.7:
    // Z_GMM * eigenvectors), not to the standardised ones, which would span another column when the
    // two spreads differ, as here.
    expect(Math.abs(s1 / s2 - 1)).toBeGreaterThan(0.01);
    const c = new Float64Array(panel.nrows);
    for (let row = 0; row < panel.nrows; row++) c[row] = ((Number.isNaN(y2[row]) ? 0 : y2[row]) + (Number.isNaN(y3[row]) ? 0 : y3[row])) / Math.SQRT2;
    const byHand = await fitGmm(panel.withColumn('c', c), parseXtabond2('y L.y x, iv(c, passthru) iv(x) nolevel twostep robust', cols));
    r.coefficients.forEach((k, j) => {
      expect(k.estimate).toBeCloseTo(byHand.coefficients[j].estimate, 10);
      expect(k.se).toBeCloseTo(byHand.coefficients[j].se, 10);
    });
    expect(r.hansen!.chi2).toBeCloseTo(byHand.hansen!.chi2, 10);
  });

  it('keeping every component spans the original instruments: the fit without pca', async () => {
    const ab = await loadAbdata();
    const cmd = 'n L.n w k, gmm(L.n, lag(1 3) collapse) gmm(w, lag(2 3) collapse) iv(k) twostep robust';
    const plain = await fitGmm(ab, parseXtabond2(cmd, ab.names()));
    const all = await fitGmm(ab, parseXtabond2(`${cmd} pca components(99)`, ab.names()));
    expect(all.pca!.components).toBe(all.pca!.columns);
    expect(all.pca!.varianceExplained).toBeCloseTo(1, 12);
    expect(all.ninstruments).toBe(plain.ninstruments);
    all.coefficients.forEach((k, j) => expect(k.estimate).toBeCloseTo(plain.coefficients[j].estimate, 8));
    const two = await fitGmm(ab, parseXtabond2(`${cmd} pca comp(2)`, ab.names()));
    expect(two.pca!.components).toBe(2);
    expect(two.ninstruments).toBe(plain.ninstruments - all.pca!.columns + 2);
    // xtabond2 runs no difference-in-Sargan/Hansen tests under pca; without pca there are four here (levels, two gmm(), iv(k)).
    expect(plain.diffHansen).toHaveLength(4);
    expect([all.diffHansen, two.diffHansen]).toEqual([[], []]);
    expect(formatResult(two, 'text', {})).not.toMatch(/Difference-in-Hansen/);
    expect(formatResult(two, 'text', {})).toMatch(/Principal components of the GMM-style instruments:\n  Components kept +=  +2 +\(of \d+ instruments analysed\)\n  Variance explained += +0\.\d{4}\n  Kaiser-Meyer-Olkin measure += +0\.\d{4}/);
  });

  it('the default count is max(#eigenvalues > .999999, k − j_IV): the reported system model is identified with 5 components', async () => {
    const ab = await loadAbdata();
    const cmd = 'n L.n L(0/1).(w k), gmm(L.n, collapse) pca twostep robust';
    const r = await fitGmm(ab, parseXtabond2(cmd, ab.names()));
    // The GMM-style columns by hand. Rows that enter: level rows with n, L.n, w, L.w, k, L.k; the
    // differenced rows also need the second lags. Collapsed gmm(L.n): lag j of L.n (n at t−1−j, 0
    // where absent) in differenced rows, D.L.n in level rows; columns zero everywhere are dropped.
    const n = ab.column('n');
    const [w, k] = [ab.column('w'), ab.column('k')];
    const L = (x: Float64Array, j: number) => lag(ab, x, j);
    const have = (...xs: Float64Array[]) => (row: number) => xs.every((x) => !Number.isNaN(x[row]));
    const levelOk = have(n, L(n, 1), w, L(w, 1), k, L(k, 1));
    const diffOk = have(L(n, 2), L(w, 2), L(k, 2));
    const lagsN = Array.from({ length: 9 }, (_, j) => L(n, j));
    const z0 = (x: number) => (Number.isNaN(x) ? 0 : x);
    const rows: number[][] = [];
    let nLevel = 0;
    for (let row = 0; row < ab.nrows; row++) {
      if (!levelOk(row)) continue;
      nLevel++;
      rows.push([...Array(8).fill(0), z0(lagsN[1][row] - lagsN[2][row])]);
      if (diffOk(row)) rows.push([...Array.from({ length: 8 }, (_, j) => z0(lagsN[2 + j]?.[row] ?? NaN)), 0]);
    }
    expect(nLevel).toBe(r.nobs);
    const used = [...rows[0].keys()].filter((c) => rows.some((x) => x[c] !== 0));
    const Z = rows.map((x) => used.map((c) => x[c]));
    const G = used.length;
    const mean = used.map((_, a) => Z.reduce((acc, x) => acc + x[a], 0) / Z.length);
    const cov = (a: number, b: number) => Z.reduce((acc, x) => acc + (x[a] - mean[a]) * (x[b] - mean[b]), 0);
    const R = Array.from({ length: G }, (_, a) => Array.from({ length: G }, (_, b) => cov(a, b) / Math.sqrt(cov(a, a) * cov(b, b))));
    const eig = jacobiEigenvalues(R);
    const above = eig.filter((x) => x > 0.999999).length;
    // k = 6 regressors (L.n, w, L.w, k, L.k, _cons), j_IV = 1 (the constant): at least 5 components.
    expect(G).toBe(8);
    expect(above).toBeLessThan(5); // the floor decides here: eigenvalues alone leave the model unidentified
    expect(r.pca).toMatchObject({ components: 5, columns: G });
    expect(r.pca!.varianceExplained).toBeCloseTo(eig.slice(0, 5).reduce((a, b) => a + b, 0) / G, 10);
    expect(r.ninstruments).toBe(6);
    expect(r.coefficients.map((c) => c.name)).toEqual(['L1.n', 'w', 'L1.w', 'k', 'L1.k', '_cons']);
    for (const c of r.coefficients) expect(Number.isFinite(c.estimate) && Number.isFinite(c.se) && c.se > 0).toBe(true);
    const text = formatResult(r, 'text', {});
    expect(text).toMatch(/Number of instruments = 6 /);
    expect(text).toMatch(/Components kept += +5 +\(of 8 instruments analysed\)/);
    // components(0) is the default; components(#) overrides it, and too few leave it unidentified.
    const zero = await fitGmm(ab, parseXtabond2(`${cmd} components(0)`, ab.names()));
    expect(zero.coefficients).toEqual(r.coefficients);
    const seven = await fitGmm(ab, parseXtabond2(`${cmd} components(7)`, ab.names()));
    expect([seven.pca!.components, seven.ninstruments]).toEqual([7, 8]);
    await expect(fitGmm(ab, parseXtabond2(`${cmd} components(2)`, ab.names()))).rejects.toThrow(/Equation not identified: 6 regressors but 3 instruments/);
  });

  it('k in the default count is the regressors kept after the collinearity check', async () => {
    // Difference GMM: yr1977 … yr1984 in differences sum to zero, so yr1984 is dropped; k = 10
    // (L.n, w, k, yr1977 … yr1983), j_IV = 7: at least 3 components (4 if yr1984 counted).
    const ab = await loadAbdata();
    const r = await fitGmm(ab, parseXtabond2('n L.n w k yr1977-yr1984, gmm(L.n, collapse) iv(yr1978-yr1984) nolevel pca twostep robust', ab.names()));
    expect(r.dropped).toEqual(['yr1984']);
    expect(r.coefficients).toHaveLength(10);
    expect(r.pca).toMatchObject({ components: 3, columns: 7 });
    expect(r.ninstruments).toBe(10);
  });

  it('parses pca and components(#) and writes them back', () => {
    const s = parseXtabond2('y L.y x, gmm(y) pca comp(3)', cols);
    expect([s.pca, s.components]).toEqual([true, 3]);
    expect(parseXtabond2(specToCommand(s), cols)).toEqual(s);
  });

  it('refuses components() without pca and a negative count; components(0) is the default', () => {
    expect(() => parseXtabond2('y L.y x, gmm(y) components(2)', cols)).toThrow(/components\(\) goes with pca/);
    expect(() => parseXtabond2('y L.y x, gmm(y) pca components(-1)', cols)).toThrow(/components\(-1\) invalid/);
    const s = parseXtabond2('y L.y x, gmm(y) pca comp(0)', cols);
    expect(s.components).toBe(0);
    expect(parseXtabond2(specToCommand(s), cols)).toEqual(s);
  });

  it('pca without GMM-style instruments is ignored (xtabond2: pca = pca & j_GMM): the fit without it', async () => {
    const plain = await fitGmm(panel, parseXtabond2('y L.y x, iv(x L.x L2.x)', cols));
    const r = await fitGmm(panel, parseXtabond2('y L.y x, iv(x L.x L2.x) pca', cols));
    expect(r.pca).toBeUndefined();
    expect(r.ninstruments).toBe(plain.ninstruments);
    expect(r.coefficients).toEqual(plain.coefficients);
    expect(formatResult(r, 'text', {})).not.toMatch(/Principal components/);
  });
});

/** Eigenvalues (descending) of a symmetric matrix by cyclic Jacobi rotations: a reference apart from
 *  symmetricEigen's Householder/QL. */
function jacobiEigenvalues(a0: Mat): number[] {
  const a = a0.map((row) => [...row]);
  const n = a.length;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (a[p][q] === 0) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const [akp, akq] = [a[k][p], a[k][q]];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const [apk, aqk] = [a[p][k], a[q][k]];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
  }
  return a.map((row, i) => row[i]).sort((x, y) => y - x);
}
