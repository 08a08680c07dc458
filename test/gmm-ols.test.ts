// Pooled OLS and within regressions with cluster-robust errors, against a dense computation
// written here (explicit demeaning; V = (X'X)⁻¹ Σ_c u_c u_c' (X'X)⁻¹ · G/(G−1)·(N−1)/(N−k)).
import { describe, expect, it } from 'vitest';
import { fitLinear } from '../src/gmm/ols.ts';
import { tQuantileOf } from '../src/stats/distributions.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { term } from '../src/spec/types.ts';
import type { Panel } from '../src/panel/panel.ts';
import { col, inv, mul, tr, zeros } from './helpers/dense.ts';
import { smallPanel } from './helpers/smallPanel.ts';
import { modelSpec } from './helpers/specs.ts';

/** Rows (y, L.y, x) present, by unit, straight from the panel. */
function rowsOf(p: Panel): { unit: number; region: number; y: number; x: number[] }[] {
  const y = p.column('y');
  const x = p.column('x');
  const region = p.column('region');
  const out: { unit: number; region: number; y: number; x: number[] }[] = [];
  for (let u = 0; u < p.nunits; u++)
    for (let r = p.offsets[u]; r < p.offsets[u + 1]; r++) {
      const prev = r > p.offsets[u] && p.time[r - 1] === p.time[r] - 1 ? y[r - 1] : NaN;
      if ([y[r], prev, x[r]].some(Number.isNaN)) continue;
      out.push({ unit: u, region: region[r], y: y[r], x: [prev, x[r]] });
    }
  return out;
}

function clusterOls(X: number[][], Y: number[], cl: number[]): { b: number[]; se: number[] } {
  const XtXi = inv(mul(tr(X), X));
  const b = mul(mul(XtXi, tr(X)), col(Y)).map((r) => r[0]);
  const k = X[0].length;
  const ids = [...new Set(cl)];
  let meat = zeros(k, k);
  for (const c of ids) {
    const u = new Array(k).fill(0);
    X.forEach((row, j) => {
      if (cl[j] !== c) return;
      const e = Y[j] - row.reduce((s, v, a) => s + v * b[a], 0);
      row.forEach((v, a) => (u[a] += v * e));
    });
    meat = meat.map((r, a) => r.map((v, c2) => v + u[a] * u[c2]));
  }
  const n = X.length;
  const G = ids.length;
  const V = mul(mul(XtXi, meat), XtXi);
  return { b, se: b.map((_, a) => Math.sqrt(V[a][a] * (G / (G - 1)) * ((n - 1) / (n - k)))) };
}

describe('pooled OLS and within with cluster-robust errors', () => {
  const p = smallPanel();
  const spec = modelSpec({ depvar: term('y'), regressors: [term('y', 1), term('x')] });
  const rows = rowsOf(p);

  it('OLS matches the dense formula (clustered by unit, and by region)', async () => {
    for (const cluster of [null, 'region']) {
      const r = await fitLinear(p, { ...spec, cluster: cluster === null ? null : [cluster] }, 'ols');
      const ref = clusterOls(rows.map((q) => [...q.x, 1]), rows.map((q) => q.y), rows.map((q) => (cluster ? q.region : q.unit)));
      expect(r.coefficients.map((c) => c.name)).toEqual(['L1.y', 'x', '_cons']);
      expect(r.nobs).toBe(rows.length);
      r.coefficients.forEach((c, k) => {
        expect(c.estimate).toBeCloseTo(ref.b[k], 11);
        expect(c.se).toBeCloseTo(ref.se[k], 11);
      });
      expect(r.modelTest!.df2).toBe(cluster ? 14 : 29);
    }
  });

  // As in the GMM design: a row without a cluster value leaves the sample, counted; a value beyond ±1e75 is refused.
  it('rows without a cluster value are excluded and counted; huge values refused', async () => {
    const region = p.column('region');
    const gone = (r: number) => p.unitOf[r] < 3;
    const q = p.withColumn('region', region.map((v, r) => (gone(r) ? NaN : v)));
    for (const estimator of ['ols', 'within'] as const) {
      const r = await fitLinear(q, { ...spec, cluster: ['region'] }, estimator);
      const sub = await fitLinear(p.selectUnits((u) => u >= 3), { ...spec, cluster: ['region'] }, estimator);
      expect(r.coefficients).toEqual(sub.coefficients);
      expect(r.excluded.find((e) => e.reason === 'missing value in the cluster() variable')?.count).toBe(Array.from(p.unitOf).filter((u) => u < 3).length);
    }
    const huge = p.withColumn('x', p.column('x').map((v, r) => (r === 7 ? 1e80 : v)));
    await expect(fitLinear(huge, spec, 'ols')).rejects.toThrow("column 'x' has 1e+80 in the row of");
  });

  // fitLinear added a constant under noconstant.
  it('noconstant: OLS without the constant matches the dense formula, its F test on every coefficient; within refuses it', async () => {
    const r = await fitLinear(p, { ...spec, constant: false }, 'ols');
    const ref = clusterOls(rows.map((q) => [...q.x]), rows.map((q) => q.y), rows.map((q) => q.unit));
    expect(r.coefficients.map((c) => c.name)).toEqual(['L1.y', 'x']);
    r.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(ref.b[k], 11);
      expect(c.se).toBeCloseTo(ref.se[k], 11);
    });
    expect(r.modelTest!.df1).toBe(2);
    await expect(fitLinear(p, { ...spec, constant: false }, 'within')).rejects.toThrow('noconstant does not apply to the within estimator');
  });

  // fitLinear ignored the command's if/in (every row entered) and its level(#) (intervals at 95%).
  it("the command's if/in and level(#) apply: the fit on the units an if keeps, counted; 90% intervals", async () => {
    const cmd = (text: string) => parseXtabond2(text, p.names());
    for (const estimator of ['ols', 'within'] as const) {
      const r = await fitLinear(p, cmd('y L.y x if region != 1, gmm(y) level(90)'), estimator);
      const sub = await fitLinear(p.selectUnits((u) => p.column('region')[p.offsets[u]] !== 1), cmd('y L.y x, gmm(y)'), estimator);
      expect(r.coefficients.map((c) => [c.estimate, c.se])).toEqual(sub.coefficients.map((c) => [c.estimate, c.se]));
      expect(r.nobs).toBe(sub.nobs);
      const outside = p.column('region').filter((v) => v === 1).length;
      expect(outside).toBeGreaterThan(0);
      expect(r.excluded.find((e) => e.reason === "outside the command's if/in condition")?.count).toBe(outside);
      const t90 = tQuantileOf(0.95, r.modelTest!.df2!);
      r.coefficients.forEach((c) => expect(c.ciHigh - c.estimate).toBeCloseTo(t90 * c.se, 12));
      expect(r.level).toBe(90);
    }
  });

  it('within matches explicit demeaning plus grand means, and is biased down against OLS for L.y', async () => {
    const r = await fitLinear(p, spec, 'within');
    const grand = [0, 0, 0];
    rows.forEach((q) => [q.y, ...q.x].forEach((v, j) => (grand[j] += v / rows.length)));
    const byUnit = new Map<number, number[]>();
    rows.forEach((q) => {
      const m = byUnit.get(q.unit) ?? [0, 0, 0, 0];
      [q.y, ...q.x].forEach((v, j) => (m[j] += v));
      m[3]++;
      byUnit.set(q.unit, m);
    });
    const dm = rows.map((q) => {
      const m = byUnit.get(q.unit)!;
      return [q.y, ...q.x].map((v, j) => v - m[j] / m[3] + grand[j]);
    });
    const ref = clusterOls(dm.map((v) => [v[1], v[2], 1]), dm.map((v) => v[0]), rows.map((q) => q.unit));
    r.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(ref.b[k], 11);
      expect(c.se).toBeCloseTo(ref.se[k], 11);
    });
    const ols = await fitLinear(p, spec, 'ols');
    // True coefficient 0.5: pooled OLS is pulled up by the unit effect, within down (Nickell).
    expect(ols.coefficients[0].estimate).toBeGreaterThan(0.5);
    expect(r.coefficients[0].estimate).toBeLessThan(0.5);
    expect(r.estimator).toBe('within');
    expect(r.excluded).toEqual([{ reason: 'missing value in the dependent variable or a regressor', count: p.nrows - rows.length }]);
  });
});

describe('collinear regressors in OLS', () => {
  it('a full set of year dummies with the constant: the last dummy is dropped and named, the constant kept', async () => {
    const p = smallPanel();
    const years = [...new Set(p.time)].sort((a, b) => a - b);
    let q = p;
    for (const t of years) q = q.withColumn(`yr${t}`, Float64Array.from(q.time, (s) => (s === t ? 1 : 0)));
    const full = await fitLinear(q, modelSpec({ depvar: term('y'), regressors: [term('x'), ...years.map((t) => term(`yr${t}`))] }), 'ols');
    const last = `yr${years[years.length - 1]}`;
    expect(full.dropped).toEqual([last]);
    expect(full.warnings).toContain(`${last} dropped due to collinearity`);
    // Same fit as writing the dummies without the last one: identical coefficients and SEs.
    const written = await fitLinear(q, modelSpec({ depvar: term('y'), regressors: [term('x'), ...years.slice(0, -1).map((t) => term(`yr${t}`))] }), 'ols');
    expect(full.coefficients.map((c) => c.name)).toEqual(written.coefficients.map((c) => c.name));
    full.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(written.coefficients[k].estimate, 10);
      expect(c.se).toBeCloseTo(written.coefficients[k].se, 10);
    });
    expect(full.coefficients.find((c) => c.name === '_cons')!.se).toBeGreaterThan(0);
  });
});
