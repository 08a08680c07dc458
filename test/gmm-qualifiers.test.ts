// `if`/`in` qualifiers and level(#) on the xtabond2 command: conditions are parsed by the project's
// expression code (src/spec/condition.ts over src/panel/expression.ts), restrict the observations,
// and leave the data of the other rows to lags and instruments, as xtabond2 does.
import { beforeAll, describe, expect, it } from 'vitest';
import { fitGmm } from '../src/gmm/fit.ts';
import type { Panel } from '../src/panel/panel.ts';
import { evalCondition, inRangeMask } from '../src/spec/condition.ts';
import { parseXtabond2, specToCommand } from '../src/spec/parse.ts';
import { formatResult } from '../src/report/format.ts';
import { loadAbdata } from './helpers/abdata.ts';

let panel: Panel;
let cols: string[];
beforeAll(async () => {
  panel = await loadAbdata();
  cols = [panel.idName, panel.timeName, ...panel.names()];
});

describe('parsing', () => {
  it('reads if and in in either order, and level(#); writes them back', () => {
    const s = parseXtabond2('xtabond2 n L.n w if year >= 1979 & (k > 0 | ys < .) in 1/500, gmm(L.n) iv(w) level(90)', cols);
    expect(s.condition).toBe('year >= 1979 & (k > 0 | ys < .)');
    expect(s.inRange).toEqual({ first: 1, last: 500 });
    expect(s.level).toBe(90);
    expect(s.regressors.map((t) => t.name)).toEqual(['L1.n', 'w']);
    expect(parseXtabond2(specToCommand(s), cols)).toEqual(s);
    const t = parseXtabond2('n L.n in -100/l if id != 3, gmm(L.n)', cols);
    expect(t.inRange).toEqual({ first: -100, last: -1 });
    expect(t.condition).toBe('id != 3');
    expect(parseXtabond2('n L.n, gmm(L.n)', cols).condition).toBeUndefined();
    // Weights before or after the qualifiers, as Stata reads them; written back as they were read.
    const w = parseXtabond2('n L.n if year > 1978 [pweight = emp], gmm(L.n)', cols);
    expect(w.weight).toEqual({ kind: 'pweight', variable: 'emp' });
    expect(w.condition).toBe('year > 1978');
    expect(parseXtabond2(specToCommand(w), cols)).toEqual(w);
    expect(parseXtabond2('n L.n [fw=emp] in 1/50, gmm(L.n)', cols).weight).toEqual({ kind: 'fweight', variable: 'emp' });
  });

  it('refuses what it cannot read, naming the qualifier', () => {
    expect(() => parseXtabond2('n L.n if, gmm(L.n)', cols)).toThrow(/'if' needs a condition/);
    expect(() => parseXtabond2('n L.n in 0/5, gmm(L.n)', cols)).toThrow(/in 0\/5: '0' is not a row position/);
    expect(() => parseXtabond2('n L.n in 1/2/3, gmm(L.n)', cols)).toThrow(/write in f\/l/);
    expect(() => parseXtabond2('n L.n [aw=emp if, gmm(L.n)', cols)).toThrow(/'\[' without '\]'/);
    expect(() => parseXtabond2('n L.n, gmm(L.n) level(5)', cols)).toThrow(/level\(5\) invalid/);
  });
});

describe('conditions', () => {
  it("Stata's rules: missing is larger than every number, '.' is missing, & | ! and parentheses", () => {
    const p = panel.withColumn('m', Float64Array.from(panel.time, (t) => (t === 1980 ? NaN : t)));
    const at = (cond: string) => Array.from(evalCondition(p, cond));
    const years = Array.from(p.time);
    expect(at('m > 1982')).toEqual(years.map((t) => (t > 1982 || t === 1980 ? 1 : 0)));
    expect(at('m == .')).toEqual(years.map((t) => (t === 1980 ? 1 : 0)));
    expect(at('m < . & !(year <= 1978 | year >= 1983)')).toEqual(years.map((t) => (t !== 1980 && t > 1978 && t < 1983 ? 1 : 0)));
    expect(at('year - 1980')).toEqual(years.map((t) => (t !== 1980 ? 1 : 0)));
    expect(at('L.n < n')).toEqual(Array.from(evalCondition(p, '(L.n - n) < 0')));
    expect(() => evalCondition(p, 'year = 1980')).toThrow(/compare with '=='/);
    expect(() => evalCondition(p, '1978 < year < 1980')).toThrow(/chained comparisons/);
    expect(() => evalCondition(p, 'nope > 1')).toThrow(/'nope' is not a column/);
    expect(Array.from(inRangeMask({ first: -2, last: -1 }, 5))).toEqual([0, 0, 0, 1, 1]);
    // As Stata ("Obs. nos. out of range"): a row number beyond the data is an error, even when some rows are in range.
    expect(() => inRangeMask({ first: 9, last: 12 }, 5)).toThrow('in 9/12: row numbers out of range: the panel has 5 rows');
    expect(() => inRangeMask({ first: 2, last: 12 }, 5)).toThrow('in 2/12: row numbers out of range: the panel has 5 rows');
    expect(() => inRangeMask({ first: 4, last: 2 }, 5)).toThrow('in 4/2: selects no rows of the 5 in the panel');
  });
});

describe('conditions on text columns', () => {
  // A tester's `if province != "Jiangsu"` was refused ('province' is text); Stata compares strings.
  it('a text column compares with a quoted string, by character codes, a missing text being ""', async () => {
    const { Panel } = await import('../src/panel/panel.ts');
    const { tableFromArrays } = await import('apache-arrow');
    const names = ['Jiangsu', 'Zhejiang, Hangzhou', null, 'Anhui', 'Jiangsu', 'a | b'];
    const p = Panel.fromTable(tableFromArrays({ id: Float64Array.from([1, 1, 2, 2, 3, 3]), year: Float64Array.from([1, 2, 1, 2, 1, 2]), prov: names, x: Float64Array.from([1, 2, 3, 4, 5, 6]) }), { id: 'id', time: 'year' });
    const at = (cond: string) => Array.from(evalCondition(p, cond));
    expect(at('prov == "Jiangsu"')).toEqual([1, 0, 0, 0, 1, 0]);
    expect(at('prov != "Jiangsu" & x > 1')).toEqual([0, 1, 1, 1, 0, 1]);
    expect(at('prov == "Zhejiang, Hangzhou" | prov == "a | b"')).toEqual([0, 1, 0, 0, 0, 1]);
    expect(at('prov == ""')).toEqual([0, 0, 1, 0, 0, 0]);
    expect(at('prov < "B"')).toEqual([0, 0, 1, 1, 0, 0]); // "" and "Anhui"; "a | b" sorts after capitals
    expect(at('!(prov == "Anhui")')).toEqual([1, 1, 1, 0, 1, 1]);
    expect(() => evalCondition(p, 'prov == 3')).toThrow("if prov == 3: type mismatch: 'prov == 3' compares text with a number");
    expect(() => evalCondition(p, 'prov')).toThrow(`'prov' is text: compare it with a string, e.g. prov == "…"`);
    expect(() => evalCondition(p, 'prov == "Jiangsu')).toThrow(/unclosed quote/);
    // Through the command: a comma, an `in` and parentheses inside the string are the string's.
    const s = parseXtabond2('x L.x if prov != "Zhejiang, Hangzhou (in  2)" in 1/5, gmm(L.x)', ['id', 'year', 'prov', 'x']);
    expect(s.condition).toBe('prov != "Zhejiang, Hangzhou (in  2)"');
    expect(s.inRange).toEqual({ first: 1, last: 5 });
    expect(parseXtabond2(specToCommand(s), ['id', 'year', 'prov', 'x'])).toEqual(s);
    // A text id that reads as numbers (a reviewer's "01", "010"): compared with a string, it is its text.
    const q = Panel.fromTable(tableFromArrays({ id: ['01', '01', '010', '010', '1', '1'], year: Float64Array.from([1, 2, 1, 2, 1, 2]), x: Float64Array.from([1, 2, 3, 4, 5, 6]) }), { id: 'id', time: 'year' });
    expect(Array.from(evalCondition(q, 'id != "01"'))).toEqual([0, 0, 1, 1, 1, 1]);
    expect(Array.from(evalCondition(q, '"010" == id'))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(evalCondition(q, 'id == 1'))).toEqual([1, 1, 0, 0, 1, 1]); // as numbers, as before
  });
});

describe('estimation with if/in', () => {
  const cmd = 'n L.n w k, gmm(L.n) iv(w k) twostep robust';

  it('a condition on whole units equals the fit on those units alone', async () => {
    const r = await fitGmm(panel, parseXtabond2(cmd.replace(',', ' if id <= 70,'), cols));
    const sub = await fitGmm(panel.selectUnits((u) => Number(panel.units[u]) <= 70), parseXtabond2(cmd, cols));
    expect(r.nobs).toBe(sub.nobs);
    r.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(sub.coefficients[k].estimate, 12);
      expect(c.se).toBeCloseTo(sub.coefficients[k].se, 12);
    });
    const outside = r.excluded.find((e) => e.reason === "outside the command's if/in condition")!;
    expect(outside.count).toBe(Array.from(panel.unitOf).filter((u) => Number(panel.units[u]) > 70).length);
  });

  // xtabond2 3.7.0 marks out only the varlist, if/in and the panel id, and numbers the clusters with
  // `egen group(clustvar) if touse, missing`: rows without a cluster value stay in the sample and
  // form one cluster together. (An earlier release of sysgmm took them out, as `regress` would.)
  it('a missing cluster() value is one more cluster, all such units together, with a warning', async () => {
    const id = panel.column('id');
    const cl = panel.withColumn('cl', id.map((v) => (v <= 20 ? NaN : v % 40))).withColumn('cl99', id.map((v) => (v <= 20 ? 99 : v % 40)));
    const clustered = 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep cluster(cl)';
    const r = await fitGmm(cl, parseXtabond2(clustered, [...cols, 'cl', 'cl99']));
    const as99 = await fitGmm(cl, parseXtabond2(clustered.replace('(cl)', '(cl99)'), [...cols, 'cl', 'cl99']));
    const dropped = await fitGmm(cl, parseXtabond2(clustered.replace(',', ' if id > 20,'), [...cols, 'cl', 'cl99']));
    expect([r.nobs, r.ngroups]).toEqual([as99.nobs, as99.ngroups]);
    expect(r.nobs).toBeGreaterThan(dropped.nobs);
    // The same clusters, numbered in another order: equal up to the order of the sums.
    r.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(as99.coefficients[k].estimate, 12);
      expect(c.se).toBeCloseTo(as99.coefficients[k].se, 12);
      expect(Math.abs(c.se - dropped.coefficients[k].se)).toBeGreaterThan(1e-4);
    });
    expect(r.hansen!.chi2).toBeCloseTo(as99.hansen!.chi2, 10);
    expect(r.excluded.find((e) => e.reason === 'missing value in the cluster() variable')).toBeUndefined();
    expect(r.warnings).toContain('cluster(cl): 20 unit(s) of the sample have no cl value in some period; as in xtabond2 (its clusters are egen group(), missing), those observations form one cluster together');
    expect(as99.warnings.some((w) => w.startsWith('cluster('))).toBe(false);
  });

  it('with an if/in, only the units it keeps count towards the missing-cluster warning', async () => {
    const id = panel.column('id');
    const cl = panel.withColumn('cl', id.map((v) => (v <= 20 ? NaN : v % 40)));
    const r = await fitGmm(cl, parseXtabond2('n L.n w k if id > 10, gmm(L.n, collapse) iv(w k) twostep cluster(cl)', [...cols, 'cl']));
    expect(r.excluded.find((e) => e.reason === "outside the command's if/in condition")?.count).toBe(id.filter((v) => v <= 10).length);
    expect(r.warnings).toContain('cluster(cl): 10 unit(s) of the sample have no cl value in some period; as in xtabond2 (its clusters are egen group(), missing), those observations form one cluster together');
  });

  // A tester's report: with 6 clusters for 11 instruments, w and _cons came out as exactly 0 with SE 0
  // and nothing said why.
  it('coefficients the generalized inverse sets to 0 are named in a warning, with the clusters against the instruments', async () => {
    const id = panel.column('id');
    const six = panel.withColumn('cl', id.map((v) => (v <= 20 ? 99 : v % 5)));
    const r = await fitGmm(six, parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep cluster(cl)', [...cols, 'cl']));
    const zero = r.coefficients.filter((c) => c.estimate === 0 && c.se === 0).map((c) => c.name);
    expect(zero.length).toBeGreaterThan(0);
    expect(r.warnings).toContain(
      `${zero.join(', ')} not identified: X'ZWZ'X is singular, and its generalized inverse (xtabond2's invsym) sets ${zero.length === 1 ? 'its estimate and standard error' : 'their estimates and standard errors'} to 0 (the moment covariance has rank at most the number of clusters, 6, against 11 instruments)`,
    );
    const fine = await fitGmm(panel, parseXtabond2('n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust', cols));
    expect(fine.warnings.filter((w) => w.includes('not identified'))).toEqual([]);
  });

  it('a condition on years keeps the earlier years as instruments and lags', async () => {
    const r = await fitGmm(panel, parseXtabond2(cmd.replace(',', ' if year >= 1980,'), cols));
    const full = await fitGmm(panel, parseXtabond2(cmd, cols));
    const sub = await fitGmm(panel.selectRows((row) => panel.time[row] >= 1980), parseXtabond2(cmd, cols));
    // Level-equation observations: every row from 1980 on with n, L.n, w and k (L.n from 1979 data).
    const n = panel.column('n');
    let count = 0;
    for (let row = 0; row < panel.nrows; row++)
      if (panel.time[row] >= 1980 && row > panel.offsets[panel.unitOf[row]] && !Number.isNaN(n[row - 1])) count++;
    expect(r.nobs).toBe(count);
    expect(sub.nobs).toBeLessThan(r.nobs); // the subset panel loses L.n in 1980
    expect(r.ninstruments).toBeGreaterThan(sub.ninstruments);
    expect(r.coefficients[0].estimate).not.toBeCloseTo(full.coefficients[0].estimate, 4);
    const outside = r.excluded.find((e) => e.reason === "outside the command's if/in condition")!;
    expect(outside.count).toBe(Array.from(panel.time).filter((t) => t < 1980).length);
    // A condition that holds everywhere is no condition.
    const all = await fitGmm(panel, parseXtabond2(cmd.replace(',', ' if year > 0 in 1/l,'), cols));
    all.coefficients.forEach((c, k) => expect(c.estimate).toBe(full.coefficients[k].estimate));
  });

  it('in f/l selects rows in the panel order (unit, then time)', async () => {
    // Rows 1..70 are the first 10 firms (7 years each in abdata's first units? counted here).
    const last = panel.offsets[10];
    const r = await fitGmm(panel, parseXtabond2(cmd.replace(',', ` in 1/${last},`), cols));
    const sub = await fitGmm(panel.selectUnits((u) => u < 10), parseXtabond2(cmd, cols));
    r.coefficients.forEach((c, k) => expect(c.estimate).toBeCloseTo(sub.coefficients[k].estimate, 12));
  });

  it('level(90) gives 90% intervals with the normal (or t) quantile, and the table says so', async () => {
    const r = await fitGmm(panel, parseXtabond2(`${cmd} level(90)`, cols));
    expect(r.level).toBe(90);
    for (const c of r.coefficients) {
      expect(c.ciLow).toBeCloseTo(c.estimate - 1.6448536269514722 * c.se, 12);
      expect(c.ciHigh).toBeCloseTo(c.estimate + 1.6448536269514722 * c.se, 12);
    }
    expect(formatResult(r, 'text', {})).toContain('[90% Conf. Interval]');
    const d = await fitGmm(panel, parseXtabond2(cmd, cols));
    // Always written (the saved --json and the library's result say which level the intervals are at).
    expect(d.level).toBe(95);
    expect(formatResult(d, 'text', {})).toContain('     [95% Conf. Interval]');
  });
});
