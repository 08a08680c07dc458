// Factor variables (src/spec/factor-variables.ts, src/spec/fv-terms.ts): Stata's i., ib#., ibn., #.,
// c.x#c.z and c.x##c.z in the variable list, iv() and gmm(), as xtabond2 takes them through fvexpand.
// The reference: i.year makes the columns the published logs' yr1976 ... yr1984 are (the base 1976
// all zero, as yr1976 is over the sample), so each log refitted with i.year must give the yr* fit's
// numbers, which test/gmm-published.test.ts holds to the printed digits.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitGmm } from '../src/gmm/fit.ts';
import { fitLinear } from '../src/gmm/ols.ts';
import { buildDesign, sampleRows } from '../src/gmm/design.ts';
import { lookupCoefficient } from '../src/spec/coefficient-name.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import { evalTerm } from '../src/panel/operators.ts';
import type { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { specToCommand } from '../src/spec/to-command.ts';
import { modelColumns } from '../src/spec/model-columns.ts';
import { withFactorColumns, expandFactors, MAX_LEVELS } from '../src/spec/factor-variables.ts';
import { parseCombination, parseRestrictions } from '../src/bootstrap/restrictions.ts';
import { formatText } from '../src/report/text.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { smallPanel } from './helpers/smallPanel.ts';

const published: { entries: { id: string; command: string }[] } = JSON.parse(readFileSync(new URL('./fixtures/xtabond2-published.json', import.meta.url), 'utf8'));

let panel: Panel;
beforeAll(async () => {
  panel = await loadAbdata();
});

const fit = (command: string, conventions?: '2009') => fitGmm(panel, { ...parseXtabond2(command, panel.variables()), ...(conventions ? { conventions } : {}) });
const names = (command: string) => {
  const s = parseXtabond2(command, panel.variables());
  return { regressors: s.regressors.map((t) => t.name), iv: s.iv.map((g) => g.vars.map((t) => t.name)), gmm: s.gmm.map((g) => g.vars.map((t) => t.name)) };
};
/** yr1978 → 1978.year: the yr* fit's coefficient names as i.year names them. */
const asLevels = (r: GmmResult) => r.coefficients.map((c) => c.name.replace(/^yr(\d+)$/, '$1.year'));

describe('i.year against the published logs with yr*', () => {
  for (const e of published.entries.filter((x) => x.command.includes('yr*'))) {
    it(e.id, async () => {
      const withYr = await fit(e.command, '2009');
      const withI = await fit(e.command.replace(/yr\*/g, 'i.year'), '2009');
      expect(withI.coefficients.map((c) => c.name)).toEqual(asLevels(withYr));
      // The same columns in the same order: the same sums, to the last bit.
      expect(withI.coefficients.map((c) => [c.estimate, c.se, c.p])).toEqual(withYr.coefficients.map((c) => [c.estimate, c.se, c.p]));
      expect(withI.vcov).toEqual(withYr.vcov);
      expect([withI.nobs, withI.ngroups, withI.ninstruments]).toEqual([withYr.nobs, withYr.ngroups, withYr.ninstruments]);
      expect([withI.sargan, withI.hansen, withI.ar, withI.modelTest]).toEqual([withYr.sargan, withYr.hansen, withYr.ar, withYr.modelTest]);
      expect(withI.diffHansen.map((d) => [d.excluding, d.difference])).toEqual(withYr.diffHansen.map((d) => [d.excluding, d.difference]));
      // xtabond2 prints the expanded list as the group's label, and names the base among the dropped.
      const label = withI.diffHansen.find((d) => d.group.includes('year'))!.group;
      expect(label).toContain('1976b.year 1977.year 1978.year 1979.year 1980.year 1981.year 1982.year 1983.year 1984.year');
      expect(withI.warnings.join('\n')).toMatch(/1976b\.year dropped due to collinearity/);
    });
  }
});

describe('reading factor-variable terms', () => {
  it('i., ib#., ib(last)., ibn. and #. name their terms as fvexpand does', () => {
    expect(names('n L.n w i.year ib1980.ind, gmm(L.n) iv(ibn.ind ib(last).year 1980.year 1977b.year)')).toEqual({
      regressors: ['L1.n', 'w', 'i.year', 'ib1980.ind'],
      iv: [['ibn.ind', 'ib(last).year', '1980.year', '1977b.year']],
      gmm: [['L1.n']],
    });
  });

  it('a product takes each factor under its own operators; an operator before it goes to the first factor, as Stata reads L.c.x#c.z', () => {
    expect(names('n L.n c.w#c.k L.c.w#c.k cL2.w#c.k c.L.w#c.D.k c.w, gmm(L.c.w#c.k, lag(2 3))').regressors).toEqual(['L1.n', 'c.w#c.k', 'cL.w#c.k', 'cL2.w#c.k', 'cL.w#cD.k', 'w']);
    expect(names('n L.n w, gmm(L.n) gmm(L.c.w#c.k, lag(2 3))').gmm[1]).toEqual(['cL.w#c.k']);
    expect(names('n L(0/1).c.w#c.k').regressors).toEqual(['c.w#c.k', 'cL.w#c.k']);
  });

  it("a group's operators reach every factor of a product, as L.(x z) lags both (a tester's report)", () => {
    expect(names('n L.(c.w##c.k)').regressors).toEqual(['L1.w', 'L1.k', 'cL.w#cL.k']);
    expect(names('n L(0/1).(c.w#c.k) D.(c.w#cL.k)').regressors).toEqual(['c.w#c.k', 'cL.w#cL.k', 'cD.w#cLD.k']);
    expect(names('n L.n w, gmm(L.(n c.w#c.k))').gmm[0]).toEqual(['L1.n', 'cL.w#cL.k']);
    // Written before the product, not around it, the operator is the first factor's alone.
    expect(names('n L(0/1).c.w#c.k').regressors).toEqual(['c.w#c.k', 'cL.w#c.k']);
  });

  it('c.x##c.z is x, z and their product; three factors in fvexpand order', () => {
    expect(names('n c.w##c.k').regressors).toEqual(['w', 'k', 'c.w#c.k']);
    expect(names('n c.w##c.k##c.ys').regressors).toEqual(['w', 'k', 'c.w#c.k', 'ys', 'c.w#c.ys', 'c.k#c.ys', 'c.w#c.k#c.ys']);
  });

  it('what is not implemented is refused by name', () => {
    const refused = (command: string, why: RegExp) => expect(() => parseXtabond2(command, panel.variables())).toThrow(why);
    refused('n L.n L.i.year', /operators on a factor variable \(L\.i\.x\)/);
    refused('n L.n i.L.year', /operators on a factor variable \(i\.L\.x\)/);
    refused('n L.n L.(i.ind#c.w)', /'i\.ind#c\.w' in the variable list under operators: operators on a factor variable \(L\.\(i\.a#c\.x\)\) are not supported; lag the continuous variable alone \(i\.a#cL\.x\)/);
    refused('n L.n L.(i.ind)', /'i\.ind' in the variable list under operators: operators on a factor variable \(L\.i\.x\)/);
    refused('n L.n L(0/1).i.ind w', /'i\.ind' in the variable list under operators/);
    refused('n L.n ind#L.year', /'L\.year' in the variable list: operators on a factor variable in an interaction are not supported/);
    refused('n L.n i.ind # c.w', /cannot read '#' in the variable list: an interaction is written without spaces around # \(i\.a#c\.x\)/);
    refused('n L.n i.ind#i.ind', /an interaction in the variable list takes the factor variable 'ind' twice/);
    refused('n L.n 2.ind#i.ind#c.w', /takes the factor variable 'ind' twice/);
    refused('n L.n L.(c.w#i.ind)', /'c\.w#i\.ind' in the variable list under operators: operators on a factor variable \(L\.\(i\.a#c\.x\)\) are not supported; lag the continuous variable alone/);
    refused('n L.n i.ind# c.w', /cannot read '#' in the variable list: an interaction is written without spaces around #/);
    // Each operator combination would list the main effects again (a reviewer: "'i.ind' is listed twice").
    refused('n L.n i.ind##L(0/1).c.w', /'i\.ind##L\(0\/1\)\.c\.w' in the variable list: a full factorial \(##\) takes one operator combination per part/);
    refused('n L.n L.ind#c.w', /operators on a factor variable \(L\.a#c\.x\)/);
    refused('n L.n c.w#L.i.ind', /operators on a factor variable/);
    refused('n L.n i.(ind year)#c.w', /a group in an interaction is not supported/);
    refused('n L.n c.(w k)', /c\.\(x z\) groups are not supported/);
    refused('n L.n c.w#c.k##c.ys', /mixes # and ##/);
    refused('n L.n c.yr198*#c.k', /a wildcard in an interaction must match one variable/);
    refused('n L.n i.ind#yr198*', /a wildcard in an interaction must match one variable/);
    refused('n L.n 2o.ind', /the omitted mark \(o\) is read only in a cell of an interaction/);
    refused('n L.n co.w', /the omitted mark \(o\) is read only in a cell/);
    refused('n L.n 1o.ind##c.w', /a full factorial \(##\) .* with an omitted part/);
    refused('n L.n i.nosuch', /variable 'nosuch' in the variable list not found/);
    refused('n L.n i.ind#nosuch', /variable 'nosuch' in the variable list not found/);
    refused('n L.n x.w', /cannot read the prefix 'x\.'/);
  });

  it('a specification written back as a command reads as the same specification', () => {
    const s = parseXtabond2('n L.n c.w#c.k L.c.w#c.k i.year ib(freq).ind, gmm(L.n) iv(1980.year 1977b.year ibn.ind, eq(level)) gmm(L.c.w#c.k, lag(2 3))', panel.variables());
    expect(parseXtabond2(specToCommand(s), panel.variables())).toEqual(s);
  });

  it('the data columns a model reads are the variables its terms are made from', () => {
    expect(modelColumns(parseXtabond2('n L.n c.w#cL.k i.ind, gmm(L.n) iv(1980.year)', panel.variables())).sort()).toEqual(['ind', 'k', 'n', 'w', 'year']);
  });
});

describe('the columns of factor-variable terms', () => {
  const columnsOf = (command: string) => {
    const { spec } = expandFactors(panel, parseXtabond2(command, panel.variables()));
    const p = withFactorColumns(panel, spec.regressors);
    return { p, spec };
  };

  it('a level is 1 in its rows, 0 elsewhere, missing where the variable is; the base level is all zeros', () => {
    const { p, spec } = columnsOf('n i.ind');
    const ind = panel.column('ind');
    expect(spec.regressors.map((t) => t.name)).toEqual([...new Set(ind)].sort((a, b) => a - b).map((l, j) => `${l}${j === 0 ? 'b' : ''}.ind`));
    const first = Math.min(...ind);
    expect(p.column(`${first}b.ind`).every((v) => v === 0)).toBe(true);
    const col = p.column('5.ind');
    ind.forEach((v, r) => expect(col[r]).toBe(v === 5 ? 1 : 0));
    // ibn.: every level, none the base, the first marked bn as fvexpand marks it (its column an
    // indicator like the others); ib(last).: the highest; ib(freq).: the most frequent.
    const ibn = columnsOf('n ibn.ind');
    const second = [...new Set(ind)].sort((a, b) => a - b)[1];
    expect(ibn.spec.regressors.map((t) => t.name).slice(0, 2)).toEqual([`${first}bn.ind`, `${second}.ind`]);
    ind.forEach((v, r) => expect(ibn.p.column(`${first}bn.ind`)[r]).toBe(v === first ? 1 : 0));
    expect(columnsOf('n ib(last).ind').spec.regressors.at(-1)!.name).toBe(`${Math.max(...ind)}b.ind`);
    const counts = new Map<number, number>();
    for (const v of ind) counts.set(v, (counts.get(v) ?? 0) + 1);
    const freq = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    expect(columnsOf('n ib(freq).ind').spec.regressors.find((t) => t.name.includes('b.'))!.name).toBe(`${freq}b.ind`);
  });

  it('a product is the product of its factors, each lagged in its unit (missing across a unit start)', () => {
    const { p } = columnsOf('n cL.w#c.k');
    const lw = evalTerm(panel, { name: 'L1.w', base: 'w', lag: 1, diff: 0 });
    const k = panel.column('k');
    const col = p.column('cL.w#c.k');
    let missing = 0;
    col.forEach((v, r) => {
      if (Number.isNaN(lw[r])) missing++;
      expect(Object.is(v, lw[r] * k[r])).toBe(true);
    });
    expect(missing).toBe(panel.nunits); // each unit's first row has no lag
  });

  it('levels must be whole numbers from 0 to 32,740 (Stata\'s rule), named by row', () => {
    const bad = panel.withColumn('g', Float64Array.from(panel.column('ind'), (v, r) => (r === 3 ? -1 : v)));
    expect(() => expandFactors(bad, parseXtabond2('n i.g', bad.variables()))).toThrow(/factor variable 'g' has -1 in the row of id 1, year 1980: factor variables take whole numbers from 0 to 32,740, as in Stata/);
    const high = panel.withColumn('g', Float64Array.from(panel.column('ind'), (v, r) => (r === 5 ? 32741 : v)));
    expect(() => expandFactors(high, parseXtabond2('n i.g', high.variables()))).toThrow(/has 32741 in the row/);
    const frac = panel.withColumn('g', Float64Array.from(panel.column('ind'), (v, r) => (r === 0 ? 2.5 : v)));
    expect(() => expandFactors(frac, parseXtabond2('n i.g', frac.variables()))).toThrow(/has 2.5 in the row/);
    expect(() => expandFactors(panel, parseXtabond2('n ib1990.year', panel.variables()))).toThrow(/ib1990\.year: year has no level 1990 \(its levels run from 1976 to 1984\)/);
    // A single level is held to the same rule, and must be a level of the data: a typo such as 1.k
    // for L.k was an all-zero column, dropped as collinear without a word.
    expect(() => expandFactors(panel, parseXtabond2('n 1.n', panel.variables()))).toThrow(/factor variable 'n' has .* factor variables take whole numbers from 0 to 32,740/);
    expect(() => expandFactors(panel, parseXtabond2('n L.n 99999.year', panel.variables()))).toThrow(/99999\.year: year has no level 99999 \(its levels run from 1976 to 1984\)/);
    expect(() => expandFactors(panel, parseXtabond2('n L.n w, gmm(L.n) iv(1990.year)', panel.variables()))).toThrow(/1990\.year: year has no level 1990/);
    const big = smallPanel(1500);
    expect(big.nrows).toBeGreaterThan(MAX_LEVELS);
    const many = big.withColumn('g', Float64Array.from({ length: big.nrows }, (_, r) => r));
    expect(() => expandFactors(many, parseXtabond2('y i.g', many.variables()))).toThrow(new RegExp(`factor variable 'g' has more than ${MAX_LEVELS} levels`));
  });
});

describe('fits with factor variables', () => {
  it('c.w#c.k fits as the product column made in the data', async () => {
    const wk = Float64Array.from(panel.column('w'), (w, r) => w * panel.column('k')[r]);
    const made = panel.withColumn('wk', wk);
    const a = await fitGmm(panel, parseXtabond2('n L.n w k c.w#c.k, gmm(L.n) iv(w k c.w#c.k) twostep robust', panel.variables()));
    const b = await fitGmm(made, parseXtabond2('n L.n w k wk, gmm(L.n) iv(w k wk) twostep robust', made.variables()));
    expect(a.coefficients.map((c) => c.name)).toEqual(['L1.n', 'w', 'k', 'c.w#c.k', '_cons']);
    expect(a.coefficients.map((c) => [c.estimate, c.se])).toEqual(b.coefficients.map((c) => [c.estimate, c.se]));
    expect(a.hansen).toEqual(b.hansen);
  });

  it('the OLS and within comparison fits take i.year as they take yr*', async () => {
    for (const est of ['ols', 'within'] as const) {
      const a = await fitLinear(panel, parseXtabond2('n L.n w k i.year', panel.variables()), est);
      const b = await fitLinear(panel, parseXtabond2('n L.n w k yr1977-yr1984', panel.variables()), est);
      expect(a.coefficients.map((c) => c.name)).toEqual(asLevels(b));
      expect(a.coefficients.map((c) => c.estimate)).toEqual(b.coefficients.map((c) => c.estimate));
    }
  });

  it('a shard of a partitioned panel makes i.<time> over the whole panel\'s periods and refuses i. of another variable', () => {
    const spec = (v: string) => parseXtabond2(`n L.n w i.${v}, gmm(L.n) iv(w)`, panel.variables());
    const layout = { tmin: 1976, tmax: 1984, periods: [1975, 1976, 1977, 1978, 1979, 1980, 1981, 1982, 1983, 1984] };
    expect(buildDesign(panel, spec('year'), layout).regressorNames).toContain('1975b.year');
    expect(() => buildDesign(panel, spec('ind'), layout)).toThrow(/i\.ind on a partitioned panel: each shard holds only some of ind's levels/);
    // The layout stage's sample rows read the levels as the design does (a reviewer: a shard lacking
    // the base period refused ib1975.year although the whole panel has it).
    const ib = parseXtabond2('n L.n w ib1975.year, gmm(L.n) iv(w)', panel.variables());
    expect(() => sampleRows(panel, ib)).toThrow(/ib1975\.year: year has no level 1975/);
    expect(sampleRows(panel, ib, layout.periods).rows.includes(1)).toBe(true);
    // The most frequent level would be the shard's (a tester's 3-shard run took another base per shard).
    expect(() => buildDesign(panel, parseXtabond2('n L.n w ib(freq).year, gmm(L.n) iv(w)', panel.variables()), layout)).toThrow(
      /ib\(freq\)\.year on a partitioned panel: the most frequent level is counted over the whole panel/,
    );
  });

  it('test and lincom read level and product names', async () => {
    const r = await fit('n L.n w k c.w#c.k i.year, gmm(L.n) iv(w k c.w#c.k i.year) twostep robust');
    const names = r.coefficients.map((c) => c.name);
    const R = parseRestrictions('1978.year = 1979.year, 2*c.w#c.k = 0', names);
    expect(R.R[names.indexOf('1978.year')]).toBe(1);
    expect(R.R[names.indexOf('1979.year')]).toBe(-1);
    expect(R.R[names.length + names.indexOf('c.w#c.k')]).toBe(2);
    const { a } = parseCombination('c.w#c.k + w - 1980.year/2', names);
    expect([a[names.indexOf('c.w#c.k')], a[names.indexOf('w')], a[names.indexOf('1980.year')]]).toEqual([1, 1, -0.5]);
    // A lagged product and a marked level in any of Stata's spellings (a tester's report).
    const s = await fit('n L.n w k cL.w#c.k ibn.ind, gmm(L.n) iv(w k ibn.ind) twostep robust nocons');
    const sn = s.coefficients.map((c) => c.name);
    expect(sn).toContain('1bn.ind');
    for (const spelling of ['L.c.w#c.k', 'cL1.w#c.k', 'c.L.w#c.k', 'l.c.w#c.k'])
      expect(parseRestrictions(`${spelling} = 0`, sn).R[sn.indexOf('cL.w#c.k')]).toBe(1);
    expect(parseRestrictions('1.ind = 0', sn).R[sn.indexOf('1bn.ind')]).toBe(1);
    // A base level names no other level's coefficient (a reviewer: 1977b.year found 1977.year).
    expect(lookupCoefficient('1977b.year', ['L1.n', '1977.year'])).toEqual({ error: expect.stringMatching(/^unknown coefficient '1977b\.year'/) });
  });
});

describe('the printed table', () => {
  it('groups a factor variable\'s levels under its name as Stata does, sets products apart, and lists the expanded instruments', async () => {
    const command = 'n L.n w c.w#c.k i.year, gmm(L.n) iv(w c.w#c.k i.year) twostep robust';
    const r = await fit(command);
    const text = formatText(r, { id: 'id', time: 'year', spec: parseXtabond2(command, panel.variables()) });
    const lines = text.split('\n');
    const at = lines.findIndex((l) => /^ +year \|$/.test(l));
    expect(lines[at - 1]).toBe('             |');
    // A level is right-aligned one column short of a variable name, as in Stata's table.
    expect(lines[at + 1]).toMatch(/^ {7}1977  \| +-?\.\d+/);
    expect(lines.find((l) => l.includes('c.w#c.k |'))).toMatch(/^ {5}c\.w#c\.k \| /);
    expect(lines[lines.findIndex((l) => l.includes('c.w#c.k |')) - 1]).toBe('             |');
    expect(text).toContain('    D.(w c.w#c.k 1976b.year 1977.year 1978.year 1979.year 1980.year 1981.year');
    expect(text).not.toContain('i.year');
  });

  it('sizes its name column by the labels it shows: a lagged long name shows as the name and L1.', async () => {
    const long = panel.withColumn('ln_employment', panel.column('n'));
    const r = await fitGmm(long, parseXtabond2('ln_employment L.ln_employment w, gmm(L.ln_employment) iv(w)', long.variables()));
    const text = formatText(r, { id: 'id', time: 'year' });
    // 'L1.ln_employment' (16 characters) is never shown: the column is 'ln_employment' wide (13).
    expect(text).toContain('\nln_employment |      Coef.');
    expect(text).toContain('\n          L1. |');
  });
});

describe('interactions with factor variables (i.a#c.x, a#b, ##)', () => {
  // g: three levels (0, 1, 2) of the industry, so that interactions stay small.
  let gp: Panel;
  beforeAll(() => {
    gp = panel.withColumn('g', Float64Array.from(panel.column('ind'), (v) => v % 3));
  });
  const expanded = (command: string) => {
    const { spec } = expandFactors(gp, parseXtabond2(command, gp.variables()));
    return { regressors: spec.regressors.map((t) => t.name), iv: spec.iv.map((g) => g.vars.map((t) => t.name)), spec };
  };
  const indCells = (g: number, mark: (ind: number) => string) => Array.from({ length: 9 }, (_, j) => `${g}${mark(j + 1)}`);

  it('i.a#c.x is a slope for every level; with x also in the list the base level\'s cell is omitted (co.), as fvexpand writes it', () => {
    // Stata's help ([U] 11.4.3): "sex#c.age: two variables ... if age is also in the model, one of the
    // two virtual variables will be treated as a base"; regress price i.foreign##c.mpg shows
    // 0b.foreign#co.mpg as the base, and a fit of i.foreign i.foreign#c.weight estimates
    // 0b.foreign#c.weight: the base level keeps its b in a cell that is not omitted.
    expect(expanded('n L.n i.g#c.w').regressors).toEqual(['L1.n', '0b.g#c.w', '1.g#c.w', '2.g#c.w']);
    expect(expanded('n L.n w i.g#c.w').regressors).toEqual(['L1.n', 'w', '0b.g#co.w', '1.g#c.w', '2.g#c.w']);
    expect(expanded('n L.n i.g##c.w').regressors).toEqual(['L1.n', '0b.g', '1.g', '2.g', 'w', '0b.g#co.w', '1.g#c.w', '2.g#c.w']);
    // A name without a prefix in an interaction is a factor variable, as Stata reads it; ib#. and ibn.
    // choose the base; a lagged x is present only as L.x.
    expect(expanded('n L.n g#c.w').regressors).toEqual(['L1.n', '0b.g#c.w', '1.g#c.w', '2.g#c.w']);
    // Factor parts first, as Stata orders them: c.w#g is i.g#c.w.
    expect(expanded('n L.n w c.w#g').regressors).toEqual(['L1.n', 'w', '0b.g#co.w', '1.g#c.w', '2.g#c.w']);
    expect(() => parseXtabond2('n L.n i.g#c.w c.w#i.g', gp.variables())).toThrow(/regressor 'i\.g#c\.w' is listed twice/);
    expect(expanded('n L.n w ib2.g#c.w').regressors).toEqual(['L1.n', 'w', '0.g#c.w', '1.g#c.w', '2b.g#co.w']);
    expect(expanded('n L.n w ibn.g#c.w').regressors).toEqual(['L1.n', 'w', '0bn.g#c.w', '1.g#c.w', '2.g#c.w']);
    expect(expanded('n L.n w i.g#cL.w').regressors).toEqual(['L1.n', 'w', '0b.g#cL.w', '1.g#cL.w', '2.g#cL.w']);
    expect(expanded('n L.n L.w i.g#L.c.w').regressors).toEqual(['L1.n', 'L1.w', '0b.g#coL.w', '1.g#cL.w', '2.g#cL.w']);
    // xtabond2 runs fvexpand on its whole variable list, the dependent variable included.
    expect(expanded('w L.w i.g#c.w').regressors).toEqual(['L1.w', '0b.g#co.w', '1.g#c.w', '2.g#c.w']);
  });

  it('a#b is a cell for every pair of levels, only the all-base cell omitted; with the main effects every cell at a base level is (b and o marks)', () => {
    // Stata: regress price i.foreign#i.rep78 has 0b.foreign#1b.rep78 as its base; i.foreign##i.rep78
    // lists 0b.foreign#1b.rep78 0b.foreign#2o.rep78 ... 1o.foreign#1b.rep78 1.foreign#2.rep78 ...
    // (Statalist 2012-11, areg price mpg i.a#ib3.b: five cells estimated, the all-base one omitted, and
    // lincom 1b.a#1.b - 2.a#1.b: a base level keeps its b where the cell is estimated.)
    const alone = expanded('n L.n i.g#i.ind').regressors;
    expect(alone).toEqual(['L1.n', ...indCells(0, (j) => `b.g#${j}${j === 1 ? 'b' : ''}.ind`), ...indCells(1, (j) => `.g#${j}${j === 1 ? 'b' : ''}.ind`), ...indCells(2, (j) => `.g#${j}${j === 1 ? 'b' : ''}.ind`)]);
    expect(expanded('n L.n g#ind').regressors).toEqual(alone);
    const full = expanded('n L.n i.g##i.ind').regressors;
    expect(full.slice(0, 13)).toEqual(['L1.n', '0b.g', '1.g', '2.g', '1b.ind', '2.ind', '3.ind', '4.ind', '5.ind', '6.ind', '7.ind', '8.ind', '9.ind']);
    expect(full.slice(13)).toEqual([
      '0b.g#1b.ind', ...Array.from({ length: 8 }, (_, j) => `0b.g#${j + 2}o.ind`),
      '1o.g#1b.ind', ...Array.from({ length: 8 }, (_, j) => `1.g#${j + 2}.ind`),
      '2o.g#1b.ind', ...Array.from({ length: 8 }, (_, j) => `2.g#${j + 2}.ind`),
    ]);
    // One main effect: the cells at that factor's base are omitted, the other factor's base is not.
    const nested = expanded('n L.n i.g i.g#i.ind').regressors.slice(4);
    expect(nested.slice(0, 3)).toEqual(['0b.g#1b.ind', '0b.g#2.ind', '0b.g#3.ind']);
    expect(nested[9]).toBe('1o.g#1b.ind');
    expect(nested[10]).toBe('1.g#2.ind');
  });

  it('each list is expanded on its own, as xtabond2 runs fvexpand on each; i.(a b) is i.a i.b', () => {
    const e = expanded('n L.n w i.g#c.w, gmm(L.n) iv(i.g#c.w) iv(w i.g#c.w, eq(level))');
    expect(e.regressors).toEqual(['L1.n', 'w', '0b.g#co.w', '1.g#c.w', '2.g#c.w']);
    expect(e.iv).toEqual([
      ['0b.g#c.w', '1.g#c.w', '2.g#c.w'],
      ['w', '0b.g#co.w', '1.g#c.w', '2.g#c.w'],
    ]);
    expect(e.spec.iv.map((g) => g.label)).toEqual(['iv(0b.g#c.w 1.g#c.w 2.g#c.w)', 'iv(w 0b.g#co.w 1.g#c.w 2.g#c.w, eq(level))']);
    expect(expanded('n L.n i.(g ind)').regressors).toEqual(expanded('n L.n i.g i.ind').regressors);
    expect(expanded('n L.n ib2.(g ind)').regressors.slice(1, 4)).toEqual(['0.g', '1.g', '2b.g']);
  });

  it('a cell is its levels\' indicator times x, missing where a part is; an omitted cell is zero', () => {
    const miss = gp.withColumn('w', Float64Array.from(gp.column('w'), (v, r) => (r % 7 === 3 ? NaN : v)));
    const { spec } = expandFactors(miss, parseXtabond2('n L.n w i.g#c.w i.g#L.c.w, iv(i.g#c.w)', miss.variables()));
    const p = withFactorColumns(miss, [...spec.regressors, ...spec.iv[0].vars]);
    const g = miss.column('g');
    const w = miss.column('w');
    const lw = evalTerm(miss, { name: 'L1.w', base: 'w', lag: 1, diff: 0 });
    let seen = 0;
    for (let r = 0; r < miss.nrows; r++) {
      expect(Object.is(p.column('1.g#c.w')[r], g[r] === 1 ? w[r] : Number.isNaN(w[r]) ? NaN : 0 * w[r])).toBe(true);
      expect(Object.is(p.column('2.g#cL.w')[r], (g[r] === 2 ? 1 : 0) * lw[r])).toBe(true);
      expect(Object.is(p.column('0b.g#co.w')[r], Number.isNaN(w[r]) ? NaN : 0)).toBe(true);
      // Not omitted (iv() lists i.g#c.w without w): the slope of w where g is at its base.
      expect(Object.is(p.column('0b.g#c.w')[r], g[r] === 0 ? w[r] : Number.isNaN(w[r]) ? NaN : 0 * w[r])).toBe(true);
      if (g[r] === 1 && !Number.isNaN(w[r])) seen++;
    }
    expect(seen).toBeGreaterThan(100);
    expect(spec.regressors.map((t) => t.name)).toEqual(['L1.n', 'w', '0b.g#co.w', '1.g#c.w', '2.g#c.w', '0b.g#cL.w', '1.g#cL.w', '2.g#cL.w']);
  });

  it('a fit with i.a##c.x is the fit with the same columns made in the data, to the last bit', async () => {
    const g = gp.column('g');
    const w = gp.column('w');
    const made = gp
      .withColumn('g0', Float64Array.from(g, () => 0))
      .withColumn('g1', Float64Array.from(g, (v) => (v === 1 ? 1 : 0)))
      .withColumn('g2', Float64Array.from(g, (v) => (v === 2 ? 1 : 0)))
      .withColumn('g0w', Float64Array.from(w, (v) => 0 * v))
      .withColumn('g1w', Float64Array.from(w, (v, r) => (g[r] === 1 ? v : 0 * v)))
      .withColumn('g2w', Float64Array.from(w, (v, r) => (g[r] === 2 ? v : 0 * v)));
    const a = await fitGmm(gp, parseXtabond2('n L.n k i.g##c.w, gmm(L.n) iv(k i.g##c.w) twostep robust', gp.variables()));
    const b = await fitGmm(made, parseXtabond2('n L.n k g0 g1 g2 w g0w g1w g2w, gmm(L.n) iv(k g0 g1 g2 w g0w g1w g2w) twostep robust', made.variables()));
    expect(a.coefficients.map((c) => c.name)).toEqual(['L1.n', 'k', '1.g', '2.g', 'w', '1.g#c.w', '2.g#c.w', '_cons']);
    expect(a.warnings.join('\n')).toMatch(/0b\.g dropped due to collinearity/);
    expect(a.warnings.join('\n')).toMatch(/0b\.g#co\.w dropped due to collinearity/);
    expect(a.coefficients.map((c) => [c.estimate, c.se])).toEqual(b.coefficients.map((c) => [c.estimate, c.se]));
    expect([a.hansen, a.sargan, a.ar, a.ninstruments]).toEqual([b.hansen, b.sargan, b.ar, b.ninstruments]);
    // The printed slopes: w for g = 0, w + 1.g#c.w for g = 1 (the same as i.g#c.w without w).
    const slopes = await fitGmm(gp, parseXtabond2('n L.n k i.g i.g#c.w, gmm(L.n) iv(k i.g i.g#c.w) twostep robust', gp.variables()));
    const at = (r: GmmResult, name: string) => r.coefficients.find((c) => c.name === name)!.estimate;
    expect(at(slopes, '0b.g#c.w')).toBeCloseTo(at(a, 'w'), 9);
    expect(at(slopes, '1.g#c.w')).toBeCloseTo(at(a, 'w') + at(a, '1.g#c.w'), 9);
  });

  it('the table sets an interaction\'s cells under its variables, each labelled by its levels; test and lincom read the cells', async () => {
    const r = await fitGmm(gp, parseXtabond2('n L.n k i.g##c.w, gmm(L.n) iv(k i.g##c.w) twostep robust', gp.variables()));
    const lines = formatText(r, { id: 'id', time: 'year' }).split('\n');
    const at = lines.findIndex((l) => /^ +g#c\.w \|$/.test(l));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {10}1  \| +-?\.\d+/);
    expect(lines[at + 2]).toMatch(/^ {10}2  \| +-?\.\d+/);
    const names = r.coefficients.map((c) => c.name);
    const R = parseRestrictions('1.g#c.w = 2.g#c.w', names);
    expect([R.R[names.indexOf('1.g#c.w')], R.R[names.indexOf('2.g#c.w')]]).toEqual([1, -1]);
    expect(parseCombination('w + 1.g#c.w', names).a[names.indexOf('1.g#c.w')]).toBe(1);
    // An omitted cell names no coefficient; Stata's other spellings of a cell name the cell.
    expect(lookupCoefficient('0b.g#co.w', names)).toEqual({ error: expect.stringMatching(/^unknown coefficient '0b\.g#co\.w'/) });
    expect(lookupCoefficient('1.g#L0.c.w', names)).toEqual({ name: '1.g#c.w' });
    expect(lookupCoefficient('c.w#2.g', names)).toEqual({ name: '2.g#c.w' });
    // A level spelt b names only a base level's cell (a reviewer: 2b.g#c.w found 2.g#c.w); an omitted
    // cell spelt without its marks is told dropped, as a level's is.
    expect(lookupCoefficient('2b.g#c.w', names)).toEqual({ error: expect.stringMatching(/^unknown coefficient '2b\.g#c\.w'/) });
    expect(lookupCoefficient('0.g#c.w', names, ['0b.g', '0b.g#co.w'])).toEqual({ error: expect.stringMatching(/^0b\.g#co\.w was dropped due to collinearity/) });
    const lagged = ['L1.n', '1bn.g#cL.w', '0b.g#c.k'];
    expect(lookupCoefficient('1.g#L.c.w', lagged)).toEqual({ name: '1bn.g#cL.w' });
    expect(lookupCoefficient('0.g#c.k', lagged)).toEqual({ name: '0b.g#c.k' });
    expect(lookupCoefficient('c.k#0b.g', lagged)).toEqual({ name: '0b.g#c.k' });
  });

  it('a specification with interactions written back as a command reads as the same specification', () => {
    const s = parseXtabond2('n L.n w i.g#c.w g#ind ib2.g##cL.k, gmm(L.n) iv(i.g#c.w 1.g#c.k, eq(level)) gmm(c.w#i.g, lag(2 3))', gp.variables());
    expect(parseXtabond2(specToCommand(s), gp.variables())).toEqual(s);
    // fvexpand's own cells, marks included, read back as themselves.
    const cells = parseXtabond2('n L.n w 0b.g#co.w 1.g#c.w 1o.g#1b.ind 1b.ind#1978.year', gp.variables());
    expect(cells.regressors.map((t) => t.name)).toEqual(['L1.n', 'w', '0b.g#co.w', '1.g#c.w', '1o.g#1b.ind', '1b.ind#1978.year']);
    const p = withFactorColumns(gp, expandFactors(gp, cells).spec.regressors);
    expect(p.column('1o.g#1b.ind').every((v) => v === 0)).toBe(true);
    expect(p.column('0b.g#co.w').every((v) => v === 0 || Number.isNaN(v))).toBe(true);
    // A base level in a cell of Stata's that is not omitted: the indicator of the level, not zero.
    const ind = gp.column('ind');
    const year = gp.column('year');
    p.column('1b.ind#1978.year').forEach((v, r) => expect(v).toBe(ind[r] === 1 && year[r] === 1978 ? 1 : 0));
    // Operators of every continuous part, the first part's varying slowest.
    expect(parseXtabond2('n L.n i.g#L(0/1).c.w#c.k', gp.variables()).regressors.map((t) => t.name)).toEqual(['L1.n', 'i.g#c.w#c.k', 'i.g#cL.w#c.k']);
    expect(parseXtabond2('n L.n L(0/1).c.w#L(1/2).c.k', gp.variables()).regressors.map((t) => t.name)).toEqual(['L1.n', 'c.w#cL.k', 'c.w#cL2.k', 'cL.w#cL.k', 'cL.w#cL2.k']);
  });

  it('refuses a level the data lacks, too many cells, and on a shard an interaction with a factor other than time', () => {
    expect(() => expandFactors(gp, parseXtabond2('n L.n 7.g#c.w', gp.variables()))).toThrow(/7\.g#c\.w: g has no level 7 \(its levels run from 0 to 2\)/);
    // w#k reads both as factors, as Stata does; the message says how to write a continuous one.
    expect(() => expandFactors(gp, parseXtabond2('n L.n w#k', gp.variables()))).toThrow(
      /factor variable 'w' has 2\.57654333114624 in the row of id 1, year 1977: .* \(in i\.w#i\.k a variable without c\. is a factor variable: write c\.w for a continuous one\)/,
    );
    const many = gp.withColumn('r', Float64Array.from({ length: gp.nrows }, (_, r) => r % 200)).withColumn('q', Float64Array.from({ length: gp.nrows }, (_, r) => r % 60));
    expect(() => expandFactors(many, parseXtabond2('n L.n i.r#i.q', many.variables()))).toThrow(/r#q: the interaction has 12000 cells; at most 10000 are made/);
    const layout = { tmin: 1976, tmax: 1984, periods: [1976, 1977, 1978, 1979, 1980, 1981, 1982, 1983, 1984] };
    expect(() => buildDesign(gp, parseXtabond2('n L.n w i.g#c.w, gmm(L.n) iv(w)', gp.variables()), layout)).toThrow(/i\.g#c\.w on a partitioned panel: each shard holds only some of g's levels/);
    expect(buildDesign(gp, parseXtabond2('n L.n w i.year#c.w, gmm(L.n) iv(w)', gp.variables()), layout).regressorNames).toContain('1976b.year#co.w');
  });
});
