import { describe, expect, it } from 'vitest';
import { formatText } from '../src/report/text.ts';
import { formatJson } from '../src/report/json.ts';
import { formatCsv } from '../src/report/csv.ts';
import { formatMarkdown } from '../src/report/markdown.ts';
import { formatLatex } from '../src/report/latex.ts';
import { latexEscape } from '../src/report/latex-escape.ts';
import { formatResult } from '../src/report/format.ts';
import { stataG } from '../src/report/stata-format.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { loadPanel } from '../src/index.ts';
import { SpecError } from '../src/errors.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import { LOG3_COMMAND, LOG4_COMMAND, LOG4_PRINTED, log3Result, log4Result } from './report-fixtures.ts';

const ABDATA = 'id,year,ind,emp,wage,cap,indoutpt,n,w,k,ys,yr1976,yr1977,yr1978,yr1979,yr1980,yr1981,yr1982,yr1983,yr1984'.split(',');
const context = (command: string) => ({ id: 'id', time: 'year', spec: parseXtabond2(command, ABDATA) });

describe("Stata's %9.0g (stataG)", () => {
  it("reproduces the coefficient, SE and CI strings printed in Roodman (2009)'s log 1", () => {
    // value → as printed in the log
    const printed: [number, string][] = [
      [0.6862261, '.6862261'],
      [-0.0853582, '-.0853582'],
      [0.382548, '.382548'],
      [-1.165321, '-1.165321'],
      [-0.004071, '-.004071'],
      [-0.064128, '-.064128'],
      [0.0077033, '.0077033'],
      [0.069267, '.069267'],
      [0.241168, '.241168'],
      [-0.2570095, '-.2570095'],
    ];
    for (const [x, s] of printed) expect(stataG(x)).toBe(s);
  });
  it('keeps 7 significant digits in 8 characters plus sign, rounding with carry', () => {
    expect(stataG(0.68622614999)).toBe('.6862261');
    expect(stataG(12.345678912)).toBe('12.34568');
    expect(stataG(-1234.56789)).toBe('-1234.568');
    expect(stataG(1234567.8)).toBe('1234568');
    expect(stataG(12345678)).toBe('12345678');
    expect(stataG(9.99999999)).toBe('10');
    expect(stataG(0.999999996)).toBe('1');
    expect(stataG(1)).toBe('1');
    expect(stataG(0)).toBe('0');
    expect(stataG(-0.5)).toBe('-.5');
  });
  it('switches to exponential for 9+ integer digits and below 1e-5', () => {
    expect(stataG(123456789)).toBe('1.23e+08');
    expect(stataG(-123456789)).toBe('-1.23e+08');
    expect(stataG(99999999.6)).toBe('1.00e+08');
    expect(stataG(0.0000123456)).toBe('.0000123');
    expect(stataG(0.00000123456)).toBe('1.23e-06');
    expect(stataG(NaN)).toBe('.');
  });
});

describe('formatText', () => {
  it('log 4: identical, character for character, to the xtabond2 printout (pydynpd Benchmark/test_1.md)', () => {
    expect(formatText(log4Result(), context(LOG4_COMMAND))).toBe(LOG4_PRINTED);
  });

  it('log 3: header, grouped coefficient table, instruments and tests in xtabond2 layout', () => {
    const lines = formatText(log3Result(), context(LOG3_COMMAND)).split('\n');
    const dash = '-'.repeat(78);
    const expected = [
      'yr1976 dropped due to collinearity',
      'yr1984 dropped due to collinearity',
      '',
      'Dynamic panel-data estimation, one-step system GMM',
      dash,
      'Group variable: id                              Number of obs      =       891',
      'Time variable : year                            Number of groups   =       140',
      'Number of instruments = 113                     Obs per group: min =         6',
      'F(12, 139)    =   1154.36                                      avg =      6.36',
      'Prob > F      =     0.000                                      max =         8',
      dash,
      '             |               Robust',
      '           n |      Coef.   Std. Err.      t    P>|t|     [95% Conf. Interval]',
      '-------------+----------------------------------------------------------------',
      '           n |',
      '         L1. |   .9356053    .026569    35.21   0.000     .8830737    .9881369',
      '             |',
      '           w |',
      '         --. |  -.6309761   .1192834    -5.29   0.000    -.8668206   -.3951315',
      '         L1. |   .4826203   .1383132     3.49   0.001     .2091504    .7560901',
      '             |',
      '           k |',
      '         --. |   .4839299   .0544281     8.89   0.000     .3763159     .591544',
      '         L1. |  -.4243928    .059088    -7.18   0.000    -.5412204   -.3075653',
      '             |',
      '      yr1977 |  -.0240573   .0296969    -0.81   0.419    -.0827734    .0346588',
      '      yr1978 |  -.0176523   .0229277    -0.77   0.443    -.0629845    .0276799',
      '      yr1979 |  -.0026515   .0207492    -0.13   0.899    -.0436764    .0383735',
      '      yr1980 |  -.0173995   .0221715    -0.78   0.434    -.0612366    .0264376',
      '      yr1981 |  -.0435283   .0193348    -2.25   0.026    -.0817565      -.0053',
      '      yr1982 |  -.0096193   .0186829    -0.51   0.607    -.0465588    .0273201',
      '      yr1983 |   .0038132   .0171959     0.22   0.825    -.0301861    .0378126',
      '       _cons |   .5522011   .1971607     2.80   0.006     .1623793    .9420228',
      dash,
      'Instruments for first differences equation',
      '  GMM-type (missing=0, separate instruments for each period unless collapsed)',
      '    L(1/.).(L.n L.w L.k)',
      'Instruments for levels equation',
      '  Standard',
      '    yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984',
      '    _cons',
      '  GMM-type (missing=0, separate instruments for each period unless collapsed)',
      '    D.(L.n L.w L.k)',
      dash,
      'Arellano-Bond test for AR(1) in first differences: z =  -5.46  Pr > z =  0.000',
      'Arellano-Bond test for AR(2) in first differences: z =  -0.25  Pr > z =  0.804',
      dash,
      'Sargan test of overid. restrictions: chi2(100)  = 186.90  Prob > chi2 =  0.000',
      '  (Not robust, but not weakened by many instruments.)',
      'Hansen test of overid. restrictions: chi2(100)  = 110.70  Prob > chi2 =  0.218',
      '  (Robust, but weakened by many instruments.)',
      '',
      'Difference-in-Hansen tests of exogeneity of instrument subsets:',
      '  GMM instruments for levels',
      '    Hansen test excluding group:     chi2(79)   =  84.33  Prob > chi2 =  0.320',
      '    Difference (null H = exogenous): chi2(21)   =  26.37  Prob > chi2 =  0.193',
      '  iv(yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984, eq(level))',
      '    Hansen test excluding group:     chi2(93)   = 107.79  Prob > chi2 =  0.140',
      '    Difference (null H = exogenous): chi2(7)    =   2.91  Prob > chi2 =  0.893',
      '',
    ];
    expect(lines).toEqual(expected);
  });

  it('one-step non-robust: no "Robust" line, Sargan only, difference-in-Sargan block', () => {
    const r: GmmResult = { ...log4Result(), steps: 1, vce: 'unadjusted', hansen: null, warnings: [] };
    const lines = formatText(r, context(LOG4_COMMAND)).split('\n');
    expect(lines[0]).toBe('Dynamic panel-data estimation, one-step difference GMM');
    expect(lines[7]).toBe('-'.repeat(78));
    expect(lines[8]).toBe('           n |      Coef.   Std. Err.      z    P>|z|     [95% Conf. Interval]');
    expect(lines).not.toContain('Hansen test of overid. restrictions: chi2(32)   =  47.86  Prob > chi2 =  0.035');
    expect(lines).toContain('Difference-in-Sargan tests of exogeneity of instrument subsets:');
    expect(lines).toContain('    Sargan test excluding group:     chi2(15)   =  23.75  Prob > chi2 =  0.069');
  });

  it('widens the name column for long names, as Stata 17 prints them', () => {
    const r = log4Result();
    r.coefficients = [{ name: 'lag_avg_rating_month', estimate: 0.0123379, se: 0.0024036, stat: 5.13, p: 0, ciLow: 0.0076161, ciHigh: 0.0170597 }];
    const lines = formatText(r).split('\n');
    // A row of a published Stata 17 xtabond2 table (same column layout after the name).
    expect(lines).toContain('lag_avg_rating_month |   .0123379   .0024036     5.13   0.000     .0076161    .0170597');
    expect(lines).toContain(`${'-'.repeat(21)}+${'-'.repeat(64)}`);
  });

  it('combined operators label as Stata does (LD., L2D.), leads as F1.', () => {
    const r = log4Result();
    r.coefficients = ['w', 'L1D1.w', 'L2D1.w', 'F1.w'].map((name) => ({ name, estimate: 1, se: 1, stat: 1, p: 0.5, ciLow: 0, ciHigh: 2 }));
    const rows = formatText(r).split('\n').filter((l) => /^\s+(--|LD|L2D|F1)\. \|/.test(l)).map((l) => l.slice(0, 14));
    expect(rows).toEqual(['         --. |', '         LD. |', '        L2D. |', '         F1. |']);
  });

  it('prints a warning that repeats a dropped-regressor line once', () => {
    const r = { ...log3Result(), warnings: ['yr1976 dropped due to collinearity', 'Number of instruments may be large relative to number of groups.'] };
    expect(formatText(r).split('\n').slice(0, 4)).toEqual([
      'yr1976 dropped due to collinearity',
      'yr1984 dropped due to collinearity',
      'Warning: Number of instruments may be large relative to number of groups.',
      '',
    ]);
  });

  it("lists timedummies' group and ends an mz group's line as xtabond2 does", async () => {
    const panel = await loadPanel('data/emplUK.csv', { id: 'firm', time: 'year' });
    const listing = async (command: string) => {
      const spec = parseXtabond2(command, panel.names());
      const text = formatText(await fitGmm(panel, spec, command), { spec }).split('\n');
      return text.slice(text.findIndex((l) => l.startsWith('Instruments for')), text.findIndex((l) => l.startsWith('Arellano-Bond')) - 1);
    };
    const dummies = 'yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984';
    expect(await listing('n L.n w k, gmm(L.n) iv(w k) iv(ys, mz) timedummies twostep robust')).toEqual([
      'Instruments for first differences equation',
      '  Standard',
      '    D.ys, missing recoded as zero',
      '    D.(w k)',
      '  GMM-type (missing=0, separate instruments for each period unless collapsed)',
      '    L(1/8).L.n',
      'Instruments for levels equation',
      '  Standard',
      `    ${dummies}`,
      '    ys, missing recoded as zero',
      '    w k',
      '    _cons',
      '  GMM-type (missing=0, separate instruments for each period unless collapsed)',
      '    D.L.n',
    ]);
    expect(await listing('n L.n w k, gmm(L.n) iv(w k) timedummies nolevel')).toEqual([
      'Instruments for first differences equation',
      '  Standard',
      `    D.(${dummies})`,
      '    D.(w k)',
      '  GMM-type (missing=0, separate instruments for each period unless collapsed)',
      '    L(1/8).L.n',
    ]);
  });

  it("prints GMM lag limits as xtabond2 3.7.0 stores them: clamped to the T periods the model spans", async () => {
    // xtabond2 clamps each group's lag(a b) to at most T − 1 lags (T − 2 for an eq(level) group on
    // differences) before it saves e(gmmlaglimits), which its listing prints: on abdata (1976–1984,
    // T = 9) gmm(L.(n w k)) lists as L(1/8).(L.n L.w L.k) in a log of xtabond2 on current Stata.
    const panel = await loadPanel('data/abdata.csv', { id: 'id', time: 'year' });
    const command = 'n L.n w k, gmm(n, lag(2 .) split) gmm(w, lag(0 0) eq(diff)) gmm(k, lag(1 3) eq(level)) gmm(w, lag(2 30) collapse) gmm(k, lag(1 .) eq(level)) gmm(w, lag(3 .) eq(level) passthru) twostep robust';
    /** The GMM-type lines of the instrument listing. */
    const gmmLines = (text: string): string[] => {
      const lines = text.split('\n');
      const list = lines.slice(lines.findIndex((l) => l.startsWith('Instruments for')), lines.findIndex((l) => l.startsWith('Arellano-Bond')) - 1);
      return list.filter((l) => l.startsWith('    ') && l !== '    _cons');
    };
    const listing = async (conventions?: '2009') => {
      const spec = { ...parseXtabond2(command, panel.names()), ...(conventions ? { conventions } : {}) };
      const r = await fitGmm(panel, spec, command);
      expect(r.periods).toBe(9);
      return gmmLines(formatText(r, { spec }));
    };
    expect(await listing()).toEqual(['    L(2/8).w collapsed', '    .w', '    L(2/8).n', '    L(3/8).w', '    DL(1/7).k', '    DL.w collapsed', '    DL(1/3).k', '    DL.n']);
    // The 2009 release printed them as given (Roodman 2009's logs: L(1/.).L.n), and so does a result saved without T.
    const given = ['    L(2/30).w collapsed', '    .w', '    L(2/.).n', '    L(3/.).w', '    DL(1/.).k', '    DL.w collapsed', '    DL(1/3).k', '    DL.n'];
    expect(await listing('2009')).toEqual(given);
    const spec = parseXtabond2(command, panel.names());
    const { periods: _p, ...saved } = await fitGmm(panel, spec, command);
    expect(gmmLines(formatText(saved, { spec }))).toEqual(given);
  });

  it('reports exclusions and names the group and time variables', () => {
    const r = { ...log4Result(), warnings: [], excluded: [{ reason: 'missing values', count: 12 }] };
    const lines = formatText(r, { id: 'firm', time: 'yr' }).split('\n');
    expect(lines[0]).toBe('(12 observations excluded: missing values)');
    expect(lines).toContain('Group variable: firm                            Number of obs      =       611');
    expect(lines).toContain('Time variable : yr                              Number of groups   =       140');
  });
});

describe('formatJson', () => {
  it('has the interface fields first, in order, then the rest of the result', () => {
    const obj = JSON.parse(formatJson(log4Result()));
    expect(Object.keys(obj).slice(0, 12)).toEqual(['estimator', 'steps', 'vce', 'nobs', 'ngroups', 'ninstruments', 'coefficients', 'ar', 'sargan', 'hansen', 'diffHansen', 'warnings']);
    expect(Object.keys(obj)).toEqual(expect.arrayContaining(['command', 'depvar', 'obsPerGroup', 'small', 'modelTest', 'dropped', 'excluded', 'vcov']));
    expect(obj).toMatchObject({ estimator: 'difference', steps: 2, vce: 'windmeijer', nobs: 611, ngroups: 140, ninstruments: 36 });
    expect(obj.coefficients[0]).toEqual({ name: 'L1.n', estimate: 0.1700616, se: 0.1046652, stat: 1.62, p: 0.104, ciLow: -0.0350784, ciHigh: 0.3752016 });
    expect(Object.keys(obj.coefficients[0]).slice(0, 5)).toEqual(['name', 'estimate', 'se', 'stat', 'p']);
    expect(obj.ar).toEqual([
      { order: 1, z: -1.19, p: 0.235 },
      { order: 2, z: -0.81, p: 0.417 },
    ]);
    expect(obj.sargan).toEqual({ chi2: 91.61, df: 32, p: 0 });
    expect(obj.hansen).toEqual({ chi2: 47.86, df: 32, p: 0.035 });
    expect(obj.diffHansen[2]).toEqual({ group: 'iv(k)', excluding: { chi2: 38.33, df: 31, p: 0.171 }, difference: { chi2: 9.53, df: 1, p: 0.002 } });
  });
  it('writes NaN as null and keeps a null Hansen', () => {
    const obj = JSON.parse(formatJson({ ...log4Result(), hansen: null }));
    expect(obj.modelTest).toEqual({ kind: 'wald', stat: null, df1: 0, df2: null, p: null });
    expect(obj.hansen).toBeNull();
  });
});

describe('formatCsv', () => {
  it('one row per coefficient at full precision, in the columns of the saved table', () => {
    expect(formatCsv(log4Result())).toBe(
      [
        'name,estimate,se,stat,p,ciLow,ciHigh,level',
        'L1.n,0.1700616,0.1046652,1.62,0.104,-0.0350784,0.3752016,95',
        'L2.n,-0.0113381,0.0377205,-0.3,0.764,-0.0852688,0.0625926,95',
        'w,-0.9510582,0.1277298,-7.45,0,-1.201404,-0.7007124,95',
        'k,0.4637223,0.0718328,6.46,0,0.3229325,0.6045121,95',
        '',
      ].join('\n'),
    );
    expect(formatCsv(log3Result()).split('\n')[1]).toBe('L1.n,0.9356053,0.026569,35.21,0,0.8830737,0.9881369,95'); // t under small
    const r = log4Result();
    r.coefficients[0] = { ...r.coefficients[0], name: 'a,"b"', se: NaN };
    expect(formatCsv(r).split('\n')[1]).toBe('"a,""b""",0.1700616,,1.62,0.104,-0.0350784,0.3752016,95');
    // The interval's level is in the table, whatever it is (a 90% interval is not a 95% one).
    expect(formatCsv({ ...log4Result(), level: 90 }).split('\n')[1]).toBe('L1.n,0.1700616,0.1046652,1.62,0.104,-0.0350784,0.3752016,90');
  });
});

describe('formatMarkdown', () => {
  it('log 3: summary, coefficient table and tests', () => {
    const lines = formatMarkdown(log3Result(), context(LOG3_COMMAND)).split('\n');
    expect(lines[0]).toBe('### Dynamic panel-data estimation, one-step system GMM');
    expect(lines).toContain('Observations: 891. Groups: 140 (obs per group: min 6, avg 6.36, max 8). Instruments: 113.');
    expect(lines).toContain('F(12, 139) = 1154.36, Prob > F = 0.000.');
    expect(lines).toContain('| n | Coef. | Robust Std. Err. | t | P>\\|t\\| | [95% Conf. | Interval] |');
    expect(lines).toContain('| L1.n | 0.9356053 | 0.026569 | 35.21 | 0.000 | 0.8830737 | 0.9881369 |');
    expect(lines).toContain('| yr1981 | -0.0435283 | 0.0193348 | -2.25 | 0.026 | -0.0817565 | -0.0053 |');
    expect(lines).toContain('| Arellano-Bond AR(2) in first differences | z = -0.25 |  | 0.804 |');
    expect(lines).toContain('| Hansen test of overid. restrictions | chi2 = 110.70 | 100 | 0.218 |');
    expect(lines).toContain('| GMM instruments for levels: difference (null H = exogenous) | chi2 = 26.37 | 21 | 0.193 |');
    expect(lines).toContain('- yr1976 dropped due to collinearity');
  });
});

describe('formatLatex', () => {
  it('log 3: booktabs table with escaped names and typeset minus signs', () => {
    const lines = formatLatex(log3Result(), context(LOG3_COMMAND)).split('\n');
    expect(lines[0]).toBe('\\begin{table}[htbp]');
    expect(lines).toContain(' & Coef. & Robust Std.\\ Err. & $t$ & $P>|t|$ & \\multicolumn{2}{c}{95\\% Conf.\\ Interval} \\\\');
    expect(lines).toContain('L1.n & 0.9356053 & 0.026569 & 35.21 & 0.000 & 0.8830737 & 0.9881369 \\\\');
    expect(lines).toContain('yr1981 & $-$0.0435283 & 0.0193348 & $-$2.25 & 0.026 & $-$0.0817565 & $-$0.0053 \\\\');
    expect(lines).toContain('\\_cons & 0.5522011 & 0.1971607 & 2.80 & 0.006 & 0.1623793 & 0.9420228 \\\\');
    expect(lines).toContain('F(12, 139) & \\multicolumn{6}{l}{1154.36 ($p$ = 0.000)} \\\\');
    expect(lines).toContain('Hansen test of overid. restrictions & \\multicolumn{6}{l}{$\\chi^2(100)$ = 110.70 ($p$ = 0.218)} \\\\');
    expect(lines.at(-2)).toBe('\\end{table}');
  });
  it('escapes LaTeX specials', () => {
    expect(latexEscape('a_b & 50% #1 $x {y} ~ ^ \\')).toBe('a\\_b \\& 50\\% \\#1 \\$x \\{y\\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}');
    expect(latexEscape('ρ × β − 1 ≥ 0 ≤ 2')).toBe('$\\rho$ $\\times$ $\\beta$ $-$ 1 $\\geq$ 0 $\\leq$ 2');
  });
});

describe('formatResult', () => {
  it('dispatches by name and refuses an unknown format by name', () => {
    expect(formatResult(log4Result(), 'text', context(LOG4_COMMAND))).toBe(LOG4_PRINTED);
    expect(formatResult(log4Result(), 'csv')).toBe(formatCsv(log4Result()));
    expect(() => formatResult(log4Result(), 'html')).toThrow(SpecError);
    expect(() => formatResult(log4Result(), 'html')).toThrow(/--format 'html' is not one of text, markdown, latex, csv, json/);
  });
});
