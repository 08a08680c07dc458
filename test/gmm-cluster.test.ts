// cluster(): the panel id as cluster variable, text cluster variables, and the generalized inverse of
// a singular moment covariance (fewer clusters than instruments), checked by hand.
import { unitClusters } from '../src/gmm/clusters.ts';
import { tableFromArrays } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimateFromBlocks } from '../src/gmm/estimate.ts';
import { unitMoments } from '../src/gmm/passes.ts';
import { estimateOptions, fitGmm, modelBlocks, prepareGmm } from '../src/gmm/fit.ts';
import { invsym } from '../src/linalg/invsym.ts';
import { Panel } from '../src/panel/panel.ts';
import { readTable } from '../src/data/read.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { inv, mul, tr, type Mat } from './helpers/dense.ts';
import { smallPanel } from './helpers/smallPanel.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-300, Math.abs(b));

describe('invsym on singular matrices, against hand computations', () => {
  // S = G'G for G with 2 rows (two clusters) and 4 columns (instruments): rank 2.
  const gram = (g: number[][]) => {
    const n = g[0].length;
    const s = new Float64Array(n * n);
    for (const row of g) for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) s[a * n + b] += row[a] * row[b];
    return s;
  };
  /** The inverse of the 2×2 block of columns (p, q), embedded with zeros elsewhere. */
  const embedded2 = (s: Float64Array, n: number, p: number, q: number) => {
    const [a, b, d] = [s[p * n + p], s[p * n + q], s[q * n + q]];
    const det = a * d - b * b;
    const out = new Float64Array(n * n);
    out[p * n + p] = d / det;
    out[q * n + q] = a / det;
    out[p * n + q] = out[q * n + p] = -b / det;
    return out;
  };

  it('sweeps in column order: keeps the first two independent columns and zeroes the rest', () => {
    const s = gram([
      [1, 2, 3, -1],
      [4, 5, 6, 2],
    ]);
    const r = invsym(s, 4);
    expect(r.rank).toBe(2);
    expect([...r.dropped]).toEqual([0, 0, 1, 1]);
    const hand = embedded2(s, 4, 0, 1);
    r.inv.forEach((x, j) => expect(x).toBeCloseTo(hand[j], 10));
  });

  it('a column collinear with an earlier one is dropped, the next independent one kept', () => {
    // Column 1 = 2 × column 0: the kept pair is (0, 2).
    const s = gram([
      [1, 2, 3, -1],
      [4, 8, 6, 2],
    ]);
    const r = invsym(s, 4);
    expect([...r.dropped]).toEqual([0, 1, 0, 1]);
    const hand = embedded2(s, 4, 0, 2);
    r.inv.forEach((x, j) => expect(x).toBeCloseTo(hand[j], 8));
  });

  it('the drop test is relative to each column: a small-scale dependent column is dropped, a small-scale independent one kept', () => {
    // Column 2 = 1e-4·(column 0 + column 1): dependent, whatever its scale.
    const dep = gram([
      [1, 2, 3e-4],
      [4, 5, 9e-4],
      [7, 1, 8e-4],
    ]);
    expect([...invsym(dep, 3).dropped]).toEqual([0, 0, 1]);
    const indep = gram([
      [1, 2, 3e-4],
      [4, 5, 9e-4],
      [7, 1, 9e-4],
    ]);
    expect([...invsym(indep, 3).dropped]).toEqual([0, 0, 0]);
    // And an all-zero column is dropped without touching the others.
    const z = new Float64Array([4, 0, 1, 0, 0, 0, 1, 0, 3]);
    const rz = invsym(z, 3);
    expect([...rz.dropped]).toEqual([0, 1, 0]);
    const hand = embedded2(z, 3, 0, 2);
    rz.inv.forEach((x, j) => expect(x).toBeCloseTo(hand[j], 14));
  });
});

describe('cluster()', () => {
  let panel: Panel;
  const columns = ['id', 'year', 'y', 'x', 'w', 'region', 'coarse', 'label'];
  beforeAll(() => {
    const base = smallPanel();
    // Three coarse clusters (fewer than the instruments) and a text copy of region.
    const coarse = Float64Array.from(base.unitOf, (u) => u % 3);
    panel = base.withColumn('coarse', coarse);
  });

  it('cluster(<panel id>) works and equals the default robust VCE (one- and two-step, with small)', async () => {
    for (const opts of ['robust', 'twostep robust', 'twostep robust small', 'robust small']) {
      const cmd = `y L.y x, gmm(y, lag(2 3)) iv(x) ${opts}`;
      const plain = await fitGmm(panel, parseXtabond2(cmd, columns));
      const byId = await fitGmm(panel, parseXtabond2(`${cmd} cluster(id)`, columns));
      expect(byId.vce).toBe(`${plain.vce}-cluster(id)`);
      byId.coefficients.forEach((c, k) => {
        expect(rel(c.estimate, plain.coefficients[k].estimate)).toBeLessThan(1e-12);
        expect(rel(c.se, plain.coefficients[k].se)).toBeLessThan(1e-10);
      });
      expect(byId.modelTest!.df2).toBe(plain.modelTest!.df2);
    }
  });

  it('a text cluster variable groups like its numeric codes', async () => {
    const text = tableFromArrays({
      id: Float64Array.from(panel.unitOf, (u) => Number(panel.units[u])),
      year: Float64Array.from(panel.time),
      y: panel.column('y'),
      x: panel.column('x'),
      w: panel.column('w'),
      label: Array.from(panel.column('region'), (r) => `region-${r}`),
    });
    const tp = Panel.fromTable(text, { id: 'id', time: 'year' });
    const a = await fitGmm(tp, parseXtabond2('y L.y x, gmm(y, lag(2 3)) iv(x) twostep robust cluster(label)', columns));
    const b = await fitGmm(panel, parseXtabond2('y L.y x, gmm(y, lag(2 3)) iv(x) twostep robust cluster(region)', columns));
    a.coefficients.forEach((c, k) => expect(rel(c.se, b.coefficients[k].se)).toBeLessThan(1e-12));
  });

  it('fewer clusters than instruments: the two-step weight is the inverse of the leading full-rank block of S', async () => {
    const spec = parseXtabond2('y L.y x, gmm(y, lag(2 3)) iv(x) twostep robust cluster(coarse)', columns);
    const prep = prepareGmm(panel, spec);
    const b = modelBlocks(prep);
    const est = estimateFromBlocks(b, estimateOptions(prep.design, b));
    const { L, K } = est.sums;
    const byCluster = unitClusters(b.clustering!, b.n, b.obsMain)!;
    expect(byCluster.n).toBe(3);
    expect(L).toBeGreaterThan(3);
    // By hand: S = Σ_c g_c g_c' over the three clusters of one-step moments; its first three columns
    // are independent, so the generalized inverse is inv(S[0..2, 0..2]) padded with zeros.
    const g1 = unitMoments(b, est.b1);
    const gc: number[][] = [0, 1, 2].map(() => new Array<number>(L).fill(0));
    for (let i = 0; i < b.n; i++) for (let l = 0; l < L; l++) gc[byCluster.index[i]][l] += g1[i * L + l];
    const S: Mat = tr(gc).map((ra) => tr(gc).map((rb) => ra.reduce((s, v, c) => s + v * rb[c], 0)));
    const lead = inv(S.slice(0, 3).map((r) => r.slice(0, 3)));
    const A: Mat = S.map((r, a) => r.map((_, c) => (a < 3 && c < 3 ? lead[a][c] : 0)));
    expect(est.a2Singular).toBe(true);
    const zx: Mat = Array.from({ length: L }, (_, l) => Array.from({ length: K }, (_, k) => est.sums.zx[l * K + k]));
    const zy: Mat = Array.from({ length: L }, (_, l) => [est.sums.zy[l]]);
    const xza = mul(tr(zx), A);
    const beta = mul(inv(mul(xza, zx)), mul(xza, zy)).map((r) => r[0]);
    beta.forEach((bk, k) => expect(rel(est.b2![k], bk)).toBeLessThan(1e-8));
  });

  it("a cluster value on a row outside the sample counts for nothing: same numbers, no warning, and the bootstrap's clusters", async () => {
    // region, but changed (missing, or another value) on each unit's first row, which L.y leaves out.
    const first = (v: number) => Float64Array.from(panel.column('region'), (r, i) => (i === panel.offsets[panel.unitOf[i]] ? v : r));
    const p2 = panel.withColumn('rm', first(NaN)).withColumn('rx', first(99));
    const cols = [...columns, 'rm', 'rx'];
    const cmd = 'y L.y x, gmm(y, lag(2 3)) iv(x) twostep robust';
    const ref = await fitGmm(p2, parseXtabond2(`${cmd} cluster(region)`, cols));
    for (const v of ['rm', 'rx']) {
      const r = await fitGmm(p2, parseXtabond2(`${cmd} cluster(${v})`, cols));
      r.coefficients.forEach((c, k) => expect(rel(c.se, ref.coefficients[k].se)).toBeLessThan(1e-12));
      expect(r.warnings.filter((w) => w.startsWith('cluster('))).toEqual([]);
      expect(r.clusters).toEqual([{ variables: [v], count: ref.clusters![0].count }]);
      // Constant over the sample's rows: whole units to resample.
      const prep = prepareGmm(p2, parseXtabond2(`${cmd} cluster(${v})`, cols));
      const b = modelBlocks(prep);
      expect(unitClusters(b.clustering!, b.n, b.obsMain)!.n).toBe(ref.clusters![0].count);
    }
  });

  it('a negative variance from a two-way clustered covariance: no SE, and a warning that says why', async () => {
    const gaps = Panel.fromTable(await readTable(new URL('./fixtures/gaps-panel.csv', import.meta.url).pathname), { id: 'id', time: 'year' });
    const cmd = 'n L.n w k, gmm(L.n, collapse lag(1 2)) iv(w k) nolevel robust small';
    const two = await fitGmm(gaps, parseXtabond2(`${cmd} cluster(year id)`, gaps.variables()));
    expect(two.coefficients[0].se).toBeNaN();
    expect(two.coefficients.slice(1).every((c) => c.se > 0)).toBe(true);
    expect(two.warnings).toContain('L1.n: negative variance, so no standard error: the multi-way clustered covariance (cluster(year id)) is not positive semidefinite');
    const one = await fitGmm(gaps, parseXtabond2(`${cmd} cluster(id)`, gaps.variables()));
    expect(one.warnings.some((w) => w.includes('negative variance'))).toBe(false);
  });

  it('names the combination with too few clusters', async () => {
    const one = panel.withColumn('one', new Float64Array(panel.nrows).fill(1));
    await expect(fitGmm(one, parseXtabond2('y L.y x, gmm(y, lag(2 3)) iv(x) twostep robust cluster(region one)', [...columns, 'one']))).rejects.toThrow(
      /at least 2 clusters of one; the sample has 1/,
    );
  });
});

// A tester's report: with every SE missing the header printed "Wald chi2(2) = 0.00, Prob > chi2 = 1.000".
describe('the model test with a missing covariance entry', () => {
  it('is missing, as Stata\'s test reports it, not the statistic of what invsym keeps', async () => {
    const { modelTest } = await import('../src/gmm/tests.ts');
    const beta = Float64Array.of(0.5, 0.2, 1);
    const v = Float64Array.of(0.01, 0, 0, 0, NaN, 0, 0, 0, 0.1);
    const t = modelTest(beta, v, 3, 2, 2, false, 100)!;
    expect([Number.isNaN(t.stat), Number.isNaN(t.p)]).toEqual([true, true]);
    const fine = modelTest(beta, Float64Array.of(0.01, 0, 0, 0, 0.04, 0, 0, 0, 0.1), 3, 2, 2, false, 100)!;
    expect(fine.stat).toBeCloseTo(0.25 / 0.01 + 0.04 / 0.04, 12);
  });
});
