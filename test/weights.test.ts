// Observation weights ([aw=v], [pw=v], [fw=v]) checked by properties that hold in xtabond2 3.7's
// Mata source: constant analytic weights change nothing (they are normalized to the observation
// count); frequency weights in a one-step non-robust fit are the same as the units written out that
// many times (NObs and σ²'s divisor are the weights' sum there); sampling weights make a one-step fit
// robust. The numbers of weighted fits against the numpy port of xtabond2 are in gmm-port.test.ts.
import { tableFromArrays } from 'apache-arrow';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DataError, SpecError } from '../src/errors.ts';
import { bootstrapGmm } from '../src/bootstrap/run.ts';
import { clusterCounts } from '../src/bootstrap/draws.ts';
import { REP_OK } from '../src/bootstrap/replicate.ts';
import { fitLinear } from '../src/gmm/ols.ts';
import { naiveBootstrap } from './helpers/naive-bootstrap.ts';
import { fitGmm, prepareGmm } from '../src/gmm/fit.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { predictGmm } from '../src/api/predict.ts';
import { dataSha256 } from '../src/data/checksum.ts';
import { parseGrid } from '../src/workloads/grid-spec.ts';
import { formatResultsTable, resultsTable } from '../src/report/results-table.ts';
import { formatMarkdown } from '../src/report/markdown.ts';
import { bootstrapJson } from '../src/report/bootstrap.ts';
import { useWasmPasses } from '../src/gmm/pass-kernels.ts';
import { UnitKernel } from '../src/gmm/unit-kernel.ts';
import { unitBlocks } from '../src/gmm/blocks.ts';
import { gridTask, type GridConfig } from '../src/workloads/grid-task.ts';

let ab: Panel;
/** abdata with weight columns: cw = 2.5; wu = 1 + id mod 4 (whole, constant within a unit); wv varying. */
let weighted: Panel;
/** abdata with every unit written out wu times, under new ids. */
let duplicated: Panel;

beforeAll(async () => {
  ab = await loadAbdata();
  const id = ab.column('id');
  const year = ab.column('year');
  const wu = id.map((i) => 1 + (i % 4));
  weighted = ab
    .withColumn('cw', new Float64Array(ab.nrows).fill(2.5))
    .withColumn('wu', wu)
    .withColumn('wv', id.map((i, r) => 0.5 + ((7 * i + 3 * year[r]) % 11) / 5));
  const cols = ['n', 'w', 'k', 'ind'] as const;
  const out: Record<string, number[]> = { id: [], year: [] };
  for (const c of cols) out[c] = [];
  for (let r = 0; r < ab.nrows; r++)
    for (let c = 0; c < wu[r]; c++) {
      out.id.push(id[r] * 10 + c);
      out.year.push(year[r]);
      for (const v of cols) out[v].push(ab.column(v)[r]);
    }
  duplicated = Panel.fromTable(tableFromArrays(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float64Array.from(v)]))), { id: 'id', time: 'year' });
});

const fit = (panel: Panel, command: string) => fitGmm(panel, parseXtabond2(command, panel.variables()));

/** Every reported statistic of b against a, relative difference at most tol. */
function same(b: GmmResult, a: GmmResult, tol = 1e-10): void {
  const close = (x: number, y: number, what: string) => expect(Math.abs(x - y) / Math.max(Math.abs(y), 1e-9), `${what}: ${x} against ${y}`).toBeLessThanOrEqual(tol);
  expect(b.coefficients.map((c) => c.name)).toEqual(a.coefficients.map((c) => c.name));
  b.coefficients.forEach((c, k) => {
    close(c.estimate, a.coefficients[k].estimate, `b[${c.name}]`);
    close(c.se, a.coefficients[k].se, `se[${c.name}]`);
  });
  close(b.sargan!.chi2, a.sargan!.chi2, 'Sargan');
  if (a.hansen) close(b.hansen!.chi2, a.hansen.chi2, 'Hansen');
  a.ar.forEach((t, m) => close(b.ar[m].z, t.z, `AR(${t.order})`));
  close(b.modelTest!.stat, a.modelTest!.stat, 'Wald');
  expect(b.modelTest!.df2).toBe(a.modelTest!.df2);
  a.diffHansen.forEach((d, k) => close(b.diffHansen[k].difference.chi2, d.difference.chi2, `difference-in-Hansen ${d.group}`));
}

describe('observation weights', () => {
  it.each([
    'nolevel',
    'twostep robust',
    'robust small',
    'orthogonal twostep robust artests(3)',
    'cluster(ind) twostep small',
    'h(2) small arlevels',
  ])('constant aweights (2.5) give the unweighted fit: %s', async (opts) => {
    const a = await fit(weighted, `n L.n w k, gmm(L.n) iv(w k) ${opts}`);
    const b = await fit(weighted, `n L.n w k [aw=cw], gmm(L.n) iv(w k) ${opts}`);
    same(b, a);
    expect(b.nobs).toBe(a.nobs);
    expect(b.weights).toEqual({ kind: 'aweight', variable: 'cw', sum: 2.5 * a.nobs });
    expect(a.weights).toBeUndefined();
  });

  it('constant aweights move the one AR statistic xtabond2 forms from weights as given and as normalized', async () => {
    // Orthogonal deviations, one step, not robust: the differenced residuals are weighted as given,
    // H and ψ by the normalized weights (xtabond2 3.7.0 _ARTests; the port's W12 and W36 agree).
    const a = await fit(weighted, 'n L.n w k, gmm(L.n) iv(w k) orthogonal nolevel');
    const b = await fit(weighted, 'n L.n w k [aw=cw], gmm(L.n) iv(w k) orthogonal nolevel');
    same(b, { ...a, ar: [] });
    expect(a.ar[0].z).toBeCloseTo(-2.8569, 4);
    expect(b.ar[0].z).toBeCloseTo(-3.5366, 4);
  });

  it.each(['', 'h(1)', 'h(2) small', 'nolevel small', 'orthogonal', 'orthogonal nolevel artests(3)', 'arlevels artests(3)'])(
    'fweights in a one-step non-robust fit are the units written out that many times: %s',
    async (opts) => {
      const a = await fit(duplicated, `n L.n w k, gmm(L.n) iv(w k) ${opts}`);
      const b = await fit(weighted, `n L.n w k [fw=wu], gmm(L.n) iv(w k) ${opts}`);
      same(b, a);
      expect(b.nobs).toBe(a.nobs);
      expect(b.ngroups).toBe(140);
    },
  );

  it('fweights beyond a one-step non-robust fit are normalized like aweights (xtabond2), except in N', async () => {
    const f = await fit(weighted, 'n L.n w k [fw=wu], gmm(L.n) iv(w k) nolevel twostep robust');
    const a = await fit(weighted, 'n L.n w k [aw=wu], gmm(L.n) iv(w k) nolevel twostep robust');
    same(f, a);
    expect(a.nobs).toBe(751);
    expect(f.nobs).toBe(f.weights!.sum);
    expect(f.nobs).toBeGreaterThan(751);
    // The units written out would count each one's moments several times: other standard errors.
    const d = await fit(duplicated, 'n L.n w k, gmm(L.n) iv(w k) nolevel twostep robust');
    expect(Math.abs(d.coefficients[0].se / f.coefficients[0].se - 1)).toBeGreaterThan(0.01);
  });

  it('sampling weights make a one-step fit robust (and leave a two-step one as asked)', async () => {
    const p1 = await fit(weighted, 'n L.n w k [pw=wv], gmm(L.n) iv(w k)');
    const a1 = await fit(weighted, 'n L.n w k [aw=wv], gmm(L.n) iv(w k) robust');
    same(p1, a1);
    expect(p1.vce).toBe('robust');
    const p2 = await fit(weighted, 'n L.n w k [pw=wv], gmm(L.n) iv(w k) twostep');
    const a2 = await fit(weighted, 'n L.n w k [aw=wv], gmm(L.n) iv(w k) twostep');
    same(p2, a2);
    expect(p2.vce).toBe('unadjusted');
  });

  it('rows whose weight is missing or zero are not observations, counted by reason', async () => {
    const id = weighted.column('id');
    const year = weighted.column('year');
    const wv = weighted.column('wv');
    const wz = wv.map((v, r) => (id[r] % 13 === 0 && year[r] === 1980 ? NaN : id[r] % 17 === 0 && year[r] === 1981 ? 0 : v));
    const p = weighted.withColumn('wz', wz);
    const r = await fit(p, 'n L.n w k [aw=wz], gmm(L.n) iv(w k) twostep robust');
    const left = wz.filter((v, q) => (v !== v || v === 0) && !Number.isNaN(ab.column('n')[q]) && !Number.isNaN(ab.column('w')[q]) && !Number.isNaN(ab.column('k')[q])).length;
    expect(left).toBeGreaterThan(0);
    expect(r.excluded).toContainEqual({ reason: 'missing or zero weight', count: left });
    // The same rows left out by an if condition give the same fit.
    const q = await fit(p, 'n L.n w k [aw=wv] if wz > 0 & wz < ., gmm(L.n) iv(w k) twostep robust');
    same(r, q);
    expect(r.nobs).toBe(q.nobs);
  });

  it.each([
    'n L.n w k [aw=wz], gmm(L.n) iv(w k) twostep robust artests(3)',
    'n L.n w k [fw=wu], gmm(L.n, lag(2 4)) iv(w k) nolevel twostep robust',
    'n L.n w k [pw=wz], gmm(L.n, collapse) iv(w k) arlevels small',
    'n L.n w k [aw=wz], gmm(L.n, collapse) iv(w k) orthogonal nolevel robust',
  ])('the unit pass on the WebAssembly kernel gives the TypeScript loops\' weighted fit: %s', async (command) => {
    const id = weighted.column('id');
    const year = weighted.column('year');
    const p = weighted.withColumn('wz', weighted.column('wv').map((v, r) => (id[r] % 13 === 0 && year[r] === 1980 ? NaN : v)));
    const open = vi.spyOn(UnitKernel, 'open');
    const onKernel = await fit(p, command);
    expect(open.mock.results.some((r) => r.value !== null)).toBe(true);
    open.mockRestore();
    useWasmPasses(false);
    try {
      const loops = await fit(p, command);
      same(onKernel, loops, 1e-13);
      expect([onKernel.nobs, onKernel.excluded, onKernel.weights]).toEqual([loops.nobs, loops.excluded, loops.weights]);
    } finally {
      useWasmPasses(true);
    }
  });

  it('the collinearity check reads the unweighted regressors (xtabond2 checks X before it weights it)', () => {
    for (const command of ['n L.n w k yr*, gmm(L.n) iv(w k yr*)', 'n L.n w k, gmm(L.n) iv(w k) orthogonal nolevel']) {
      const plain = prepareGmm(weighted, parseXtabond2(command, weighted.variables()));
      const heavy = prepareGmm(weighted, parseXtabond2(command.replace(',', ' [aw=wv],'), weighted.variables()));
      const a = unitBlocks(plain.design, plain.plan).collinearitySums;
      const b = unitBlocks(heavy.design, heavy.plan).collinearitySums;
      expect([b.nLev, Array.from(b.levW)]).toEqual([a.nLev, Array.from(a.levW)]);
      b.allWW.forEach((x, j) => expect(Math.abs(x - a.allWW[j])).toBeLessThanOrEqual(1e-12 * Math.abs(a.allWW[j])));
      // The weighted main-equation cross-product is another (the Wald df reads its rank).
      expect(unitBlocks(heavy.design, heavy.plan).mainWW).not.toEqual(unitBlocks(plain.design, plain.plan).mainWW);
    }
  });

  it('with the 2009 release\'s conventions or pca, weights are refused', async () => {
    await expect(fitGmm(weighted, { ...parseXtabond2('n L.n w k [aw=wv], gmm(L.n)', weighted.variables()), conventions: '2009' })).rejects.toThrow(/the 2009 release's conventions are not reproduced with weights/);
    expect(() => parseXtabond2('n L.n w k [aw=wv], gmm(L.n) pca', weighted.variables())).toThrow(/pca with weights is not supported/);
  });

  it('analytic weights scaled by 1e15 give the same fit; beyond 1e20 they are refused, as the sums would overflow', async () => {
    const a = await fit(weighted, 'n L.n w k [aw=wv], gmm(L.n, collapse) iv(w k) twostep robust');
    const big = weighted.withColumn('big', weighted.column('wv').map((v) => v * 1e15));
    same(await fit(big, 'n L.n w k [aw=big], gmm(L.n, collapse) iv(w k) twostep robust'), a, 1e-12);
    const huge = weighted.withColumn('huge', weighted.column('wv').map((v) => v * 1e25));
    await expect(fit(huge, 'n L.n w k [aw=huge], gmm(L.n)')).rejects.toThrow(/weight column 'huge' has .*: weights must lie between 1e-20 and 1e20 /);
    const tiny = weighted.withColumn('tiny', weighted.column('wv').map((v) => v * 1e-25));
    await expect(fit(tiny, 'n L.n w k [aw=tiny], gmm(L.n)')).rejects.toThrow(DataError);
  });

  it('says so when the weights leave no observation', async () => {
    const zero = weighted.withColumn('z0', new Float64Array(weighted.nrows));
    await expect(fit(zero, 'n L.n w k [aw=z0], gmm(L.n)')).rejects.toThrow("No observations: every row with the dependent variable and all regressors present has a missing or zero weight in 'z0'");
    await expect(fit(zero, 'n L.n w k [aw=z0] if year > 1979, gmm(L.n)')).rejects.toThrow(/present that the if\/in keeps has a missing or zero weight in 'z0'/);
  });

  it('a table of results and the markdown report say which fits are weighted', async () => {
    const a = await fit(weighted, 'n L.n w k [fw=wu], gmm(L.n) iv(w k)');
    const b = await fit(weighted, 'n L.n w k, gmm(L.n) iv(w k)');
    const table = formatResultsTable(resultsTable(['a.json', 'b.json'], [a, b]), 'text');
    expect(table).toMatch(/Weights\s+\[fw=wu\]\s*\n/);
    expect(formatMarkdown(a)).toContain(`- sum of weights is ${a.nobs} ([fweight=wu])`);
  });

  it('refuses a negative weight, fweights that are not whole or vary within a unit, naming the row', async () => {
    const neg = weighted.withColumn('bad', weighted.column('wv').map((v, r) => (r === 5 ? -1 : v)));
    await expect(fit(neg, 'n L.n w k [aw=bad], gmm(L.n)')).rejects.toThrow(/weight column 'bad' has -1 in the row of id 1, year 1982: weights may not be negative/);
    await expect(fit(weighted, 'n L.n w k [fw=cw], gmm(L.n)')).rejects.toThrow(/has 2\.5 .*: frequency weights must be whole numbers/);
    const varying = weighted.withColumn('wi', weighted.column('wu').map((v, r) => (r === 3 ? v + 1 : v)));
    await expect(fit(varying, 'n L.n w k [fw=wi], gmm(L.n)')).rejects.toThrow(DataError);
    await expect(fit(varying, 'n L.n w k [fw=wi], gmm(L.n)')).rejects.toThrow(
      /weight column 'wi' has 3 in the row of id 1, year 1980: frequency weights must be constant over time within a unit for xtabond2 \(2 at year 1978\)/,
    );
  });

  it('e(sample) leaves out the rows whose weight is missing; a robustness grid fits each weighted specification as estimate does', async () => {
    const id = weighted.column('id');
    const p = weighted.withColumn('wz', weighted.column('wv').map((v, r) => (id[r] % 13 === 0 ? NaN : v)));
    const spec = parseXtabond2('n L.n w k [aw=wz], gmm(L.n) iv(w k) twostep robust', p.variables());
    const r = await fitGmm(p, spec);
    const pred = predictGmm(p, spec, r);
    expect(pred.inSample.reduce((a, b) => a + b, 0)).toBe(r.nobs);
    pred.inSample.forEach((s, q) => id[q] % 13 === 0 && expect(s).toBe(0));

    const data = 'data/abdata.csv';
    const grid = parseGrid({ template: 'xtabond2 n L.n w k [aw=emp], gmm(L.n, {lags}) iv(w k) {steps}', axes: { lags: ['lag(1 .)', 'lag(1 2)'], steps: ['twostep robust', 'robust'] }, samples: { all: null }, focus: ['L.n'] }, ab.variables());
    const config: GridConfig = { data: { path: data, sha256: await dataSha256(data), id: 'id', time: 'year' }, grid, bootstrap: 0, seed: 1, perTask: 4 };
    const rows = await gridTask({ format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' }, 0);
    for (const s of grid.specs) {
      const direct = await fit(ab, s.command);
      expect(rows[s.index].failure).toBeNull();
      expect(rows[s.index].focus['L1.n']).toMatchObject({ estimate: direct.coefficients[0].estimate, se: direct.coefficients[0].se });
      expect(rows[s.index].nobs).toBe(direct.nobs);
    }
  });

  it.each([
    'n L.n L(0/1).(w k) [aw=wv], gmm(L.(n w k), collapse) twostep robust',
    'n L.n L(0/1).(w k) [pw=wv], gmm(L.(n w k), collapse) small',
    'n L.n L(0/1).(w k) [fw=wu], gmm(L.(n w k), collapse) small',
    'n L.n L(0/1).(w k) [fw=wu], gmm(L.(n w k), collapse) nolevel small',
    'n L.n L(0/1).(w k) [fw=wu], gmm(L.(n w k), collapse) nolevel twostep robust small',
  ])('a pairs bootstrap replication is the weighted fit of its resampled panel (B = 20): %s', async (command) => {
    const spec = parseXtabond2(command, weighted.variables());
    const reps = 20;
    const boot = await bootstrapGmm(weighted, spec, { reps, seed: 3, recentre: false, backend: 'float64-ts', threads: 1 });
    const naive = await naiveBootstrap(weighted, spec, clusterCounts(3, reps, weighted.nunits), reps);
    const K = boot.fit.coefficients.length;
    let worst = 0;
    for (let b = 0; b < reps; b++) {
      expect(boot.draws!.status[b]).toBe(REP_OK);
      for (let k = 0; k < K; k++) {
        worst = Math.max(worst, Math.abs(boot.draws!.beta[b * K + k] / naive[b].coefficients[k].estimate - 1));
        worst = Math.max(worst, Math.abs(boot.draws!.se[b * K + k] / naive[b].coefficients[k].se - 1));
      }
    }
    expect(worst).toBeLessThan(1e-8);
    expect(bootstrapJson(boot).fit).toMatchObject({ nobs: boot.fit.nobs, weights: boot.fit.weights });
  });

  it('constant analytic weights give the unweighted pairs and wild score bootstraps', async () => {
    const command = 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust';
    for (const opts of [{ reps: 49, seed: 5 }, { reps: 49, seed: 5, pairs: false, tests: ['w = 0'] }]) {
      const a = await bootstrapGmm(weighted, parseXtabond2(command, weighted.variables()), { ...opts, backend: 'float64-ts', threads: 1 });
      const b = await bootstrapGmm(weighted, parseXtabond2(command.replace(',', ' [aw=cw],'), weighted.variables()), { ...opts, backend: 'float64-ts', threads: 1 });
      if (opts.pairs === false) expect(Math.abs(b.tests[0].bootstrapP - a.tests[0].bootstrapP)).toBe(0);
      else b.coefficients.forEach((c, k) => expect(Math.abs(c.bootSe / a.coefficients[k].bootSe - 1)).toBeLessThan(1e-10));
    }
  });

  it('is refused where it is not applied: the OLS and within comparison fits', async () => {
    const spec = parseXtabond2('n L.n w k [aw=wv], gmm(L.n) iv(w k)', weighted.variables());
    await expect(fitLinear(weighted, spec, 'ols')).rejects.toThrow(/the pooled OLS comparison fit does not take observation weights \(\[aweight=wv\]\)/);
    await expect(fitLinear(weighted, spec, 'within')).rejects.toThrow(SpecError);
  });
});
