// A user's spelling of a coefficient read as the model's label (src/spec/coefficient-name.ts): Stata's
// operator forms without numbers, in either order, case and chained; exact names first; ambiguous and
// unknown names refused with the model's coefficient names.
import { describe, expect, it } from 'vitest';
import { coefficientName, lookupCoefficient } from '../src/spec/coefficient-name.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { expandVarlist, stataName } from '../src/spec/varlist.ts';

const ABDATA = ['id', 'year', 'ind', 'emp', 'wage', 'cap', 'indoutpt', 'n', 'w', 'k', 'ys', 'yr1976', 'yr1977', 'yr1978', 'yr1979', 'yr1980', 'yr1981', 'yr1982', 'yr1983', 'yr1984'];

describe('coefficientName', () => {
  it('numbers every operator as the labels do', () => {
    const cases: [string, string][] = [
      ['L.w', 'L1.w'],
      ['l.w', 'L1.w'],
      ['L1.w', 'L1.w'],
      ['L2.w', 'L2.w'],
      ['D.w', 'D1.w'],
      ['D2.w', 'D2.w'],
      ['F.k', 'F1.k'],
      ['F2.k', 'F2.k'],
      ['LD.w', 'L1D1.w'],
      ['DL.w', 'L1D1.w'],
      ['L.D.w', 'L1D1.w'],
      ['ld.w', 'L1D1.w'],
      ['L2D.w', 'L2D1.w'],
      ['D.L2.w', 'L2D1.w'],
      ['LL.w', 'L2.w'],
      ['L.F.w', 'w'],
      ['L0.w', 'w'],
      ['F.D.k', 'F1D1.k'],
      [' L.ys ', 'L1.ys'],
      ['w', 'w'],
      ['yr1978', 'yr1978'],
      ['_cons', '_cons'],
      ['L(1/2).w', 'L(1/2).w'],
    ];
    expect(cases.map(([s]) => coefficientName(s))).toEqual(cases.map(([, label]) => label));
  });

  it('reads every term the spec parser makes, in Stata\'s spelling, as its label', () => {
    const spec = parseXtabond2('n L.n L(0/2).w D.w LD.w L2D.w D2.k F.k F2.k L(0/1).D.ys, gmm(L.n)', ABDATA);
    const labels = spec.regressors.map((t) => t.name);
    expect(labels).toEqual(['L1.n', 'w', 'L1.w', 'L2.w', 'D1.w', 'L1D1.w', 'L2D1.w', 'D2.k', 'F1.k', 'F2.k', 'D1.ys', 'L1D1.ys']);
    // stataName writes them as fvexpand does (L.n, LD.w, L2D.w, F.k): each reads back as the label.
    expect(spec.regressors.map(stataName)).toEqual(['L.n', 'w', 'L.w', 'L2.w', 'D.w', 'LD.w', 'L2D.w', 'D2.k', 'F.k', 'F2.k', 'D.ys', 'LD.ys']);
    expect(spec.regressors.map((t) => coefficientName(stataName(t)))).toEqual(labels);
    expect(labels.map(coefficientName)).toEqual(labels);
    // Any spelling the varlist parser reads as one term reads as that term's label here too.
    for (const spelling of ['L.D.w', 'DL.w', 'l2.d.w', 'D.L.F.k', 'F.L.ys']) expect(coefficientName(spelling)).toBe(expandVarlist(spelling, ABDATA, 'test')[0].name);
  });
});

describe('lookupCoefficient', () => {
  const NAMES = ['L1.n', 'w', 'L1.w', 'L1D1.w', 'F1.k', 'k', '_cons'];

  it('finds the label for an exact name or a Stata spelling', () => {
    expect(['L1.n', 'L.n', 'l.n', 'LD.w', 'DL.w', 'L1D1.w', 'F.k', 'L0.k', 'w', '_cons'].map((s) => lookupCoefficient(s, NAMES).name)).toEqual([
      'L1.n',
      'L1.n',
      'L1.n',
      'L1D1.w',
      'L1D1.w',
      'L1D1.w',
      'F1.k',
      'k',
      'w',
      '_cons',
    ]);
  });

  it('refuses an unknown name, naming its reading and the coefficients', () => {
    expect(lookupCoefficient('L.ys', NAMES)).toEqual({ error: "unknown coefficient 'L.ys' (L1.ys); coefficients are: L1.n, w, L1.w, L1D1.w, F1.k, k, _cons" });
    expect(lookupCoefficient('nope', NAMES)).toEqual({ error: "unknown coefficient 'nope'; coefficients are: L1.n, w, L1.w, L1D1.w, F1.k, k, _cons" });
  });

  it('takes an exact name first, and refuses a spelling several labels read as', () => {
    // Saved results written by hand may label a term both ways.
    const both = ['L.n', 'L1.n', 'w'];
    expect(lookupCoefficient('L.n', both).name).toBe('L.n');
    expect(lookupCoefficient('L1.n', both).name).toBe('L1.n');
    expect(lookupCoefficient('l.n', both)).toEqual({ error: "coefficient 'l.n' is ambiguous: it may be L.n or L1.n; coefficients are: L.n, L1.n, w" });
  });
});
