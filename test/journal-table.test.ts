import { describe, expect, it } from 'vitest';
import type { GmmResult } from '../src/gmm/result.ts';
import { buildJournalTable, fixed, stars, toCsv, toJson, toLatex, toMarkdown, toText } from '../src/report/journal-table.ts';

function result(estimator: GmmResult['estimator'], coefs: [string, number, number, number][], extra: Partial<GmmResult> = {}): GmmResult {
  return {
    estimator,
    steps: estimator === 'system' || estimator === 'difference' ? 2 : 1,
    vce: estimator === 'system' || estimator === 'difference' ? 'windmeijer' : 'cluster',
    command: 'test',
    depvar: 'y',
    nobs: 3705,
    ngroups: 285,
    obsPerGroup: { min: 13, avg: 13, max: 13 },
    ninstruments: 0,
    small: false,
    coefficients: coefs.map(([name, estimate, se, p]) => ({ name, estimate, se, stat: estimate / se, p, ciLow: NaN, ciHigh: NaN })),
    vcov: [],
    modelTest: null,
    ar: [],
    sargan: null,
    hansen: null,
    diffHansen: [],
    dropped: [],
    warnings: [],
    excluded: [],
    ...extra,
  };
}

const ols = result('ols', [
  ['L1.y', 0.91234, 0.0105, 0.0],
  ['ca', -0.0456, 0.0228, 0.0455],
]);
const sys = result(
  'system',
  [
    ['L1.y', 0.8, 0.05, 1e-9],
    ['ca', -0.0004, 0.01, 0.968],
    ['eff', -0.12, 0.0699, 0.086],
  ],
  {
    ninstruments: 48,
    nobs: 3420,
    ar: [
      { order: 1, z: -5, p: 0.0000012 },
      { order: 2, z: 0.4, p: 0.6891 },
    ],
    hansen: { chi2: 40, df: 40, p: 0.47321 },
  },
);

describe('stars', () => {
  it('uses strict 1/5/10% thresholds', () => {
    expect(stars(0.0099)).toBe('***');
    expect(stars(0.01)).toBe('**');
    expect(stars(0.0499)).toBe('**');
    expect(stars(0.05)).toBe('*');
    expect(stars(0.0999)).toBe('*');
    expect(stars(0.1)).toBe('');
    expect(stars(NaN)).toBe('');
  });
  it('never prints negative zero', () => {
    expect(fixed(-0.0004, 3)).toBe('0.000');
    expect(fixed(-0.0005001, 3)).toBe('-0.001');
    expect(fixed(1.23456, 2)).toBe('1.23');
  });
});

describe('journal table', () => {
  const t = buildJournalTable({
    id: 'T2',
    title: 'Baseline',
    columns: [
      { label: 'OLS', result: ols },
      { label: 'Sys-GMM', result: sys },
    ],
    rows: [
      { name: 'L1.y', label: 'L.y' },
      { name: 'ca', label: 'CA' },
      { name: 'eff', label: 'EFF' },
      { name: 'absent', label: 'Never shown' },
    ],
    extraRows: [{ label: 'Year dummies', values: ['Yes', 'Yes'] }],
  });

  it('lays out coefficients, SEs and statistics', () => {
    expect(t.rows.map((r) => [r.label, ...r.cells])).toEqual([
      ['L.y', '0.912***', '0.800***'],
      ['', '(0.011)', '(0.050)'],
      ['CA', '-0.046**', '0.000'],
      ['', '(0.023)', '(0.010)'],
      ['EFF', '', '-0.120*'],
      ['', '', '(0.070)'],
      ['AR(1) p', '', '0.000'],
      ['AR(2) p', '', '0.689'],
      ['Hansen p', '', '0.473'],
      ['Instruments', '', '48'],
      ['Cities', '285', '285'],
      ['Observations', '3705', '3420'],
      ['Year dummies', 'Yes', 'Yes'],
    ]);
    expect(t.columns[1].coefficients.map((c) => c.stars)).toEqual(['***', '', '*']);
    expect(t.columns[0].ar2p).toBeNull();
    expect(t.columns[1].hansenP).toBe(0.47321);
  });

  it('renders Markdown exactly', () => {
    const md = toMarkdown(t);
    expect(md.split('\n').slice(0, 7)).toEqual([
      '**T2. Baseline**',
      '',
      '|  | (1) OLS | (2) Sys-GMM |',
      '|---|---:|---:|',
      '| L.y | 0.912*** | 0.800*** |',
      '|  | (0.011) | (0.050) |',
      '| CA | -0.046** | 0.000 |',
    ]);
    expect(md).toContain('*Standard errors in parentheses. \\*\\*\\* p<0.01, \\*\\* p<0.05, \\* p<0.1.*');
  });

  it('renders booktabs LaTeX with stars as superscripts', () => {
    const tex = toLatex(t);
    expect(tex).toContain('\\begin{tabular}{l*{2}{c}}');
    expect(tex).toContain(' & (1) & (2) \\\\\n & OLS & Sys-GMM \\\\\n\\midrule');
    expect(tex).toContain('L.y & 0.912$^{***}$ & 0.800$^{***}$ \\\\');
    expect(tex).toContain('EFF &  & -0.120$^{*}$ \\\\');
    expect(tex).toContain('\\midrule\nAR(1) p &  & 0.000 \\\\');
    expect(tex).toContain('\\midrule\nYear dummies & Yes & Yes \\\\\n\\bottomrule');
  });

  it('renders CSV and JSON', () => {
    const csv = toCsv(t).split('\n');
    expect(csv[0]).toBe(',(1) OLS,(2) Sys-GMM');
    expect(csv[1]).toBe('L.y,0.912***,0.800***');
    expect(csv[2]).toBe(',(0.011),(0.050)');
    const j = JSON.parse(toJson(t));
    expect(j.columns[0].coefficients[1]).toEqual({ name: 'ca', label: 'CA', estimate: -0.0456, se: 0.0228, p: 0.0455, stars: '**', bootLow: null, bootHigh: null });
    expect(j.rows).toHaveLength(13);
  });

  it('aligns plain text', () => {
    const lines = toText(t).split('\n');
    expect(lines[0]).toBe('T2. Baseline');
    expect(lines[2]).toBe(' '.repeat(19) + '(1)' + ' '.repeat(7) + '(2)');
    expect(lines[5]).toBe('L.y' + ' '.repeat(11) + '0.912***  0.800***');
  });

  it('marks a GMM coefficient the generalized inverse set to 0 with SE 0 "not identified", and notes every such one by column, shown or not (a tester saw a plain 0.000 (0.000))', () => {
    const lostCa = result('system', [['ca', 0, 0, NaN], ['eff', -0.4, 0.05, 0.001], ['lngdp', 0, 0, NaN], ['_cons', 0, 0, NaN]]);
    const fine = result('system', [['ca', -0.3, 0.1, 0.003], ['eff', 0, 0.02, 1]]);
    const b = buildJournalTable({
      id: 'T6',
      title: 't',
      columns: [{ label: 'A', result: fine }, { label: 'B', result: lostCa, bootstrap: [{ name: 'ca', low: 0, high: 0 }] }],
      rows: [{ name: 'ca', label: 'CA' }, { name: 'eff', label: 'EFF' }],
    });
    expect(b.rows.slice(0, 6).map((r) => r.cells)).toEqual([
      ['-0.300***', 'not identified'],
      ['(0.100)', ''],
      ['', ''],
      ['0.000', '-0.400***'],
      ['(0.020)', '(0.050)'],
      ['', ''],
    ]);
    expect(b.notes[0]).toBe("Not identified (X'ZWZ'X singular; its generalized inverse, xtabond2's invsym, sets the estimate and standard error to 0): (2) ca, lngdp, _cons.");
    expect(b.columns.map((c) => c.notIdentified)).toEqual([[], ['ca', 'lngdp', '_cons']]);
    expect(toMarkdown(b)).toContain('| CA | -0.300*** | not identified |');
  });

  it('adds a bracketed bootstrap row when intervals are given', () => {
    const b = buildJournalTable({
      id: 'T',
      title: 't',
      columns: [{ label: 'Sys', result: sys, bootstrap: [{ name: 'ca', low: -0.021, high: 0.0193 }] }],
      rows: [{ name: 'ca', label: 'CA' }],
    });
    expect(b.rows.slice(0, 3).map((r) => r.cells[0])).toEqual(['0.000', '(0.010)', '[-0.021, 0.019]']);
    expect(b.notes.at(-1)).toContain('bootstrap 95% intervals in brackets');
  });
});
