// gmm(x, orthogonal): backward orthogonal deviations as instruments (src/gmm/backward-deviations.ts).
// No xtabond2 log with the suboption is at hand, so the reference is the same model with the
// deviations made here, by the definition in xtabond2 3.7's _Orthog (forward = 0), and instrumented
// as an ordinary variable: b_t = √(1 − 1/(n+1))·(x_t − mean of x over the n earlier complete periods
// of the unit), complete meaning y, the regressors (their lags found by time) and the iv-style
// variables without mz present, inside the if/in or not. The panel has gaps and missing values in
// the regressors and in an iv-style variable, so each part of "complete" matters.
import { beforeAll, describe, expect, it } from 'vitest';
import { fitGmm } from '../src/gmm/fit.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import { Panel } from '../src/panel/panel.ts';
import { readTable } from '../src/data/read.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { specToCommand } from '../src/spec/to-command.ts';
import { instrumentLines } from '../src/report/instruments.ts';
import { formatText } from '../src/report/text.ts';

let panel: Panel;
beforeAll(async () => {
  const gaps = Panel.fromTable(await readTable(new URL('./fixtures/gaps-panel.csv', import.meta.url).pathname), { id: 'id', time: 'year' });
  // An iv-style variable missing here and there (the fixture's z is missing from 2005 on).
  panel = gaps.withColumn('zz', Float64Array.from(gaps.column('ys'), (v, r) => (r % 5 === 2 ? NaN : v)));
});

/** Column `name` at period time[r] − lag of row r's unit, NaN where that period has no row. */
function at(p: Panel, name: string, r: number, lag: number): number {
  const unit = p.unitOf[r];
  for (let s = p.offsets[unit]; s < p.offsets[unit + 1]; s++) if (p.time[s] === p.time[r] - lag) return p.column(name)[s];
  return NaN;
}

/** The backward orthogonal deviations of `name`, over rows where every [column, lag] of `needed` is
 *  present (and `keep` holds, when given). */
function deviations(p: Panel, name: string, needed: [string, number][], keep: (r: number) => boolean = () => true): Float64Array {
  const out = new Float64Array(p.nrows).fill(NaN);
  for (let i = 0; i < p.nunits; i++) {
    const earlier: number[] = [];
    for (let r = p.offsets[i]; r < p.offsets[i + 1]; r++) {
      const x = p.column(name)[r];
      if (earlier.length) out[r] = Math.sqrt(1 - 1 / (earlier.length + 1)) * (x - earlier.reduce((a, b) => a + b, 0) / earlier.length);
      if (keep(r) && needed.every(([c, lag]) => !Number.isNaN(at(p, c, r, lag)))) earlier.push(x);
    }
  }
  return out;
}

const fit = (p: Panel, command: string, conventions?: '2009') =>
  fitGmm(p, { ...parseXtabond2(command, p.variables()), ...(conventions ? { conventions } : {}) }, command);

/** Every number of a fit that the instruments decide. */
const numbers = (r: GmmResult) => ({
  b: r.coefficients.map((c) => [c.name, c.estimate, c.se]),
  vcov: r.vcov,
  sargan: r.sargan?.chi2,
  hansen: r.hansen?.chi2,
  ar: r.ar.map((a) => a.z),
  nobs: r.nobs,
  ninstruments: r.ninstruments,
});

/** The largest relative difference between the numbers of two fits. */
function worst(a: GmmResult, b: GmmResult): number {
  const flat = (r: GmmResult) => [...r.coefficients.flatMap((c) => [c.estimate, c.se]), ...r.vcov, r.sargan?.chi2 ?? 0, r.hansen?.chi2 ?? 0, ...r.ar.map((x) => x.z)];
  const x = flat(a);
  const y = flat(b);
  expect(x.length).toBe(y.length);
  return Math.max(...x.map((v, j) => (v === y[j] ? 0 : Math.abs(v - y[j]) / Math.max(Math.abs(v), Math.abs(y[j])))));
}

describe('gmm(x, orthogonal): backward orthogonal deviations as instruments', () => {
  // y = n; regressors L.n, w, k; iv(zz) without mz.
  const needed: [string, number][] = [['n', 0], ['n', 1], ['w', 0], ['k', 0], ['zz', 0]];

  it('equals the same model on deviations made in the data, in the transformed equation (system, orthogonal, if)', async () => {
    const made = panel.withColumn('bodn', deviations(panel, 'n', needed)).withColumn('bodw', deviations(panel, 'w', needed));
    for (const [sub, hand] of [
      ['gmm(n w, lag(1 3) orthogonal eq(diff))', 'gmm(bodn bodw, lag(1 3) eq(diff))'],
      ['gmm(n, lag(1 .) collapse orthogonal eq(diff))', 'gmm(bodn, lag(1 .) collapse eq(diff))'],
    ]) {
      const rest = 'iv(zz) iv(k, eq(level)) orthogonal twostep robust';
      const a = await fit(panel, `n L.n w k, ${sub} ${rest}`);
      const b = await fit(made, `n L.n w k, ${hand} ${rest}`);
      expect(numbers(a)).toEqual(numbers(b));
      expect(a.ninstruments).toBeGreaterThan(4);
      // The means run over periods outside the if as well (xtabond2 3.7's Complete ignores it).
      if (sub.includes('collapse')) continue;
      const c = await fit(panel, `n L.n w k if year >= 2002, ${sub} ${rest}`);
      const d = await fit(made, `n L.n w k if year >= 2002, ${hand} ${rest}`);
      expect(numbers(c)).toEqual(numbers(d));
    }
  });

  it('under the 2009 release\'s conventions takes the means inside the if/in, as that release takes the forward ones', async () => {
    const inside = panel.withColumn('bodn', deviations(panel, 'n', needed, (r) => panel.time[r] >= 2002));
    const sub = 'n L.n w k if year >= 2002, gmm(n, lag(1 3) orthogonal eq(diff)) iv(zz) orthogonal twostep robust';
    const hand = 'n L.n w k if year >= 2002, gmm(bodn, lag(1 3) eq(diff)) iv(zz) orthogonal twostep robust';
    const a = await fit(panel, sub, '2009');
    expect(numbers(a)).toEqual(numbers(await fit(inside, hand, '2009')));
    // Not the current release's means (over every complete period).
    expect(Math.abs(a.coefficients[0]!.estimate - (await fit(panel, sub)).coefficients[0]!.estimate)).toBeGreaterThan(1e-3);
  });

  it('takes them in difference GMM, and keeps differences for the extra level instruments of eq(both)', async () => {
    const made = panel.withColumn('bodn', deviations(panel, 'n', needed));
    const a = await fit(panel, 'n L.n w k, gmm(n, lag(1 4) orthogonal) iv(zz) noleveleq orthogonal twostep robust');
    const b = await fit(made, 'n L.n w k, gmm(bodn, lag(1 4)) iv(zz) noleveleq orthogonal twostep robust');
    expect(numbers(a)).toEqual(numbers(b));
    // An iv-style variable under mz does not decide which periods are complete.
    const mz = panel.withColumn('bodn', deviations(panel, 'n', needed.filter(([c]) => c !== 'zz')));
    const m1 = await fit(panel, 'n L.n w k, gmm(n, lag(1 4) orthogonal) iv(zz, mz) noleveleq orthogonal twostep robust');
    const m2 = await fit(mz, 'n L.n w k, gmm(bodn, lag(1 4)) iv(zz, mz) noleveleq orthogonal twostep robust');
    expect(numbers(m1)).toEqual(numbers(m2));
    // System GMM, eq(both): the transformed equation's lags 2..4 are deviations, the level equation's
    // extra instrument is Δn at lag 1, as gmm(n, lag(1 1) eq(level)) makes it (a different column
    // order, so equal to rounding).
    const c = await fit(panel, 'n L.n w k, gmm(n, lag(2 4) orthogonal) iv(zz) orthogonal twostep robust');
    const d = await fit(made, 'n L.n w k, gmm(n, lag(1 1) eq(level)) gmm(bodn, lag(2 4) eq(diff)) iv(zz) orthogonal twostep robust');
    expect(c.nobs).toBe(d.nobs);
    expect(worst(c, d)).toBeLessThan(1e-9);
    // Not the model without the suboption.
    const e = await fit(panel, 'n L.n w k, gmm(n, lag(2 4)) iv(zz) orthogonal twostep robust');
    expect(Math.abs(e.coefficients[0]!.estimate - c.coefficients[0]!.estimate)).toBeGreaterThan(1e-3);
  });

  it('reads, writes and prints the suboption as xtabond2 does, and warns without the orthogonal option', async () => {
    const command = 'n L.n w k, gmm(n, collapse orthogonal lag(1 3)) iv(zz) twostep robust';
    const spec = parseXtabond2(command, panel.variables());
    expect(spec.gmm[0]!.orthogonal).toBe(true);
    expect(spec.gmm[0]!.label).toBe('gmm(n, collapse orthogonal lag(1 3))');
    expect(parseXtabond2('n L.n, gmm(n, o)', panel.variables()).gmm[0]!.orthogonal).toBe(true);
    expect(parseXtabond2('n L.n, gmm(n)', panel.variables()).gmm[0]!.orthogonal).toBeUndefined();
    const again = parseXtabond2(specToCommand(spec).replace(/^xtabond2 /, ''), panel.variables());
    expect(again).toEqual(spec);
    expect(instrumentLines(spec)).toContain('    BOD.L(1/3).n collapsed');
    expect(instrumentLines(spec)).toContain('    D.n collapsed');
    // As xtabond2's display writes lags: L for lag 1, nothing for lag 0 (its "." follows the empty
    // operator all the same), no D on a passthru level group.
    const lines = instrumentLines(parseXtabond2('n L.n w k, gmm(n, lag(1 1) orthogonal eq(diff)) gmm(k, lag(0 0) eq(diff)) gmm(w, lag(1 2) eq(level) passthru orthogonal) orthogonal', panel.variables()));
    expect(lines).toEqual(expect.arrayContaining(['    BOD.L.n', '    .k', '    L(1/2).w']));
    const r = await fit(panel, command);
    expect(r.warnings.filter((w) => w.includes('backward-orthogonal-deviations'))).toEqual([
      'gmm(n, collapse orthogonal lag(1 3)): backward-orthogonal-deviations are usually not valid unless forward-orthogonal-deviations regressors are specified, i.e., the orthogonal option should accompany the orthogonal suboption of gmmstyle()',
    ]);
    expect(formatText(r)).toContain('gmm(n, collapse orthogonal lag(1 3))');
    const quiet = await fit(panel, 'n L.n w k, gmm(n, collapse orthogonal lag(1 3)) iv(zz) orthogonal twostep robust');
    expect(quiet.warnings.some((w) => w.includes('backward-orthogonal-deviations'))).toBe(false);
  });
});

describe('the deviations themselves', () => {
  it('are xtabond2\'s on a unit written out by hand', async () => {
    const { backwardDeviations } = await import('../src/gmm/backward-deviations.ts');
    // One unit, periods 1..5, the third not complete: b_2 = √(1/2)(x_2 − x_1), b_3 = √(2/3)(x_3 − (x_1+x_2)/2),
    // b_4 as b_3 (period 3 not complete), b_5 = √(3/4)(x_5 − (x_1+x_2+x_4)/3).
    const p = new Panel('id', 't', [1], Int32Array.from([0, 5]), new Int32Array(5), Float64Array.from([1, 2, 3, 4, 5]), new Map([['x', Float64Array.from([1, 4, 10, 2, 8])]]), new Map());
    const b = backwardDeviations(p, p.column('x'), Uint8Array.from([1, 1, 0, 1, 1]));
    expect([...b]).toEqual([NaN, Math.sqrt(1 - 1 / 2) * 3, Math.sqrt(1 - 1 / 3) * 7.5, Math.sqrt(1 - 1 / 3) * -0.5, Math.sqrt(1 - 1 / 4) * (8 - 7 / 3)]);
    // A missing value at a complete period leaves the rest of the unit without deviations; at a period
    // that is not complete, only its own.
    const x = Float64Array.from([1, NaN, 10, 2, 8]);
    expect([...backwardDeviations(p, x, Uint8Array.from([1, 1, 1, 1, 1]))].map(Number.isNaN)).toEqual([true, true, true, true, true]);
    expect([...backwardDeviations(p, x, Uint8Array.from([1, 0, 1, 1, 1]))]).toEqual([NaN, NaN, Math.sqrt(1 - 1 / 2) * 9, Math.sqrt(1 - 1 / 3) * -3.5, Math.sqrt(1 - 1 / 4) * (8 - 13 / 3)]);
  });
});
