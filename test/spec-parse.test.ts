import { describe, expect, it } from 'vitest';
import { parseXtabond2, specToCommand } from '../src/spec/parse.ts';
import { splitGroup } from '../src/spec/validate.ts';
import { SpecError } from '../src/errors.ts';
import type { ModelSpec, Term } from '../src/spec/types.ts';

// The columns of data/abdata.csv, in file order.
const ABDATA = 'id,year,ind,emp,wage,cap,indoutpt,n,w,k,ys,yr1976,yr1977,yr1978,yr1979,yr1980,yr1981,yr1982,yr1983,yr1984'.split(',');

const T = (name: string, base: string, lag = 0, diff = 0): Term => ({ name, base, lag, diff });
const n = T('n', 'n');
const L1n = T('L1.n', 'n', 1);
const L2n = T('L2.n', 'n', 2);
const w = T('w', 'w');
const L1w = T('L1.w', 'w', 1);
const k = T('k', 'k');
const L1k = T('L1.k', 'k', 1);
const L2k = T('L2.k', 'k', 2);
const ys = T('ys', 'ys');
const L1ys = T('L1.ys', 'ys', 1);
const L2ys = T('L2.ys', 'ys', 2);
const YEARS = [1976, 1977, 1978, 1979, 1980, 1981, 1982, 1983, 1984].map((y) => T(`yr${y}`, `yr${y}`));
const YEAR_NAMES = YEARS.map((t) => t.name).join(' ');

const DEFAULTS = {
  orthogonal: false,
  h: 3 as const,
  twostep: false,
  robust: false,
  small: false,
  artests: 2,
  arlevels: false,
  diffSargan: true,
  cluster: null,
  timeDummies: false,
};

const parse = (cmd: string) => parseXtabond2(cmd, ABDATA);

/** The SpecError a command raises (fails the test if it raises none). */
function specError(cmd: string, columns: readonly string[] = ABDATA): SpecError {
  try {
    parseXtabond2(cmd, columns);
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error(`no error for: ${cmd}`);
}

describe('timedummies and a named dummy', () => {
  const cols = ['n', 'w', 'k', 'year'];
  it('says that timedummies makes the dummies after the command is read, so it cannot name them (a tester got only "not found")', () => {
    const msg = (cmd: string) => {
      try {
        parseXtabond2(cmd, cols);
      } catch (e) {
        return (e as Error).message;
      }
      return 'parsed';
    };
    expect(msg('n L.n w yr1980, gmm(L.n) iv(w) timedummies')).toBe(
      "variable 'yr1980' in the variable list not found: timedummies makes yr1980 and every other period's dummy when the model is fitted, and adds them to the regressors and an iv() itself, so a command cannot name them; leave yr1980 out, or give the data year-dummy columns and leave timedummies out",
    );
    expect(msg('n L.n w, gmm(L.n) iv(w yr_m3) timedummies')).toMatch(/^variable 'yr_m3' in ivstyle\(w yr_m3\) not found: timedummies makes yr_m3 /);
    // Without timedummies, the usual message with the columns.
    expect(msg('n L.n w yr1980, gmm(L.n) iv(w)')).toBe("variable 'yr1980' in the variable list not found; columns are: n, w, k, year");
  });
});

describe('the four published commands (test/fixtures/xtabond2-published.json)', () => {
  it('log 1: Arellano-Bond one-step difference GMM (Roodman 2009, 3.3)', () => {
    const expected: ModelSpec = {
      ...DEFAULTS,
      depvar: n,
      regressors: [L1n, L2n, w, L1w, k, L1k, L2k, ys, L1ys, L2ys, ...YEARS],
      gmm: [{ vars: [L1n], lagMin: 1, lagMax: null, collapse: false, equation: 'both', passthru: false, split: false, label: 'gmm(L.n, lag(1 .))' }],
      iv: [
        {
          vars: [w, L1w, k, L1k, L2k, ys, L1ys, L2ys, ...YEARS],
          equation: 'both',
          passthru: false,
          mz: false,
          // As printed in Roodman (2009), 3.3 (the log wraps it over two lines).
          label: 'iv(w L.w k L.k L2.k ys L.ys L2.ys yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984)',
        },
      ],
      levelEquation: false,
      robust: true,
      constant: false,
    };
    expect(parse('xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust')).toEqual(expected);
  });

  it('log 2: gmm(L.(n w k)), one-step difference GMM, small', () => {
    const expected: ModelSpec = {
      ...DEFAULTS,
      depvar: n,
      regressors: [L1n, L2n, w, L1w, k, L1k, L2k, ys, L1ys, L2ys, ...YEARS],
      gmm: [{ vars: [L1n, L1w, L1k], lagMin: 1, lagMax: null, collapse: false, equation: 'both', passthru: false, split: false, label: 'gmm(L.n L.w L.k, lag(1 .))' }],
      iv: [{ vars: [ys, L1ys, L2ys, ...YEARS], equation: 'both', passthru: false, mz: false, label: `iv(ys L.ys L2.ys ${YEAR_NAMES})` }],
      levelEquation: false,
      robust: true,
      small: true,
      constant: false,
    };
    expect(parse('xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.(n w k)) iv(L(0/2).ys yr*) nolevel robust small')).toEqual(expected);
  });

  it('log 3: Blundell-Bond one-step system GMM, small (Roodman 2009, 3.4)', () => {
    const expected: ModelSpec = {
      ...DEFAULTS,
      depvar: n,
      regressors: [L1n, w, L1w, k, L1k, ...YEARS],
      gmm: [{ vars: [L1n, L1w, L1k], lagMin: 1, lagMax: null, collapse: false, equation: 'both', passthru: false, split: false, label: 'gmm(L.n L.w L.k, lag(1 .))' }],
      iv: [{ vars: YEARS, equation: 'level', passthru: false, mz: false, label: `iv(${YEAR_NAMES}, eq(level))` }],
      levelEquation: true,
      robust: true,
      small: true,
      constant: true,
    };
    expect(parse('xtabond2 n L.n L(0/1).(w k) yr*, gmmstyle(L.(n w k)) ivstyle(yr*, equation(level)) robust small')).toEqual(expected);
  });

  it('log 4: two-step difference GMM with lag limits (pydynpd benchmark)', () => {
    const expected: ModelSpec = {
      ...DEFAULTS,
      depvar: n,
      regressors: [L1n, L2n, w, k],
      gmm: [
        { vars: [n], lagMin: 2, lagMax: 4, collapse: false, equation: 'both', passthru: false, split: false, label: 'gmm(n, lag(2 4))' },
        { vars: [w], lagMin: 1, lagMax: 3, collapse: false, equation: 'both', passthru: false, split: false, label: 'gmm(w, lag(1 3))' },
      ],
      iv: [{ vars: [k], equation: 'both', passthru: false, mz: false, label: 'iv(k)' }],
      levelEquation: false,
      twostep: true,
      robust: true,
      constant: false,
    };
    expect(parse('xtabond2 n L(1/2).n w k , gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k ) nolevel twostep robust')).toEqual(expected);
  });

  it('labels agree with the transcribed difference-in-Hansen groups (which elide year runs as "yr1976 ... yr1984")', () => {
    const cases: [string, string[]][] = [
      ['n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust', ['iv(w L.w k L.k L2.k ys L.ys L2.ys yr1976 ... yr1984)']],
      ['n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.(n w k)) iv(L(0/2).ys yr*) nolevel robust small', ['iv(ys L.ys L2.ys yr1976 ... yr1984)']],
      ['n L.n L(0/1).(w k) yr*, gmmstyle(L.(n w k)) ivstyle(yr*, equation(level)) robust small', ['iv(yr1976 ... yr1984, eq(level))']],
      ['n L(1/2).n w k , gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k ) nolevel twostep robust', ['gmm(n, lag(2 4))', 'gmm(w, lag(1 3))', 'iv(k)']],
    ];
    for (const [cmd, groups] of cases) {
      const spec = parse(cmd);
      const labels = [...spec.gmm, ...spec.iv].map((g) => g.label);
      for (const g of groups) {
        const expanded = g.replace('yr1976 ... yr1984', YEAR_NAMES);
        expect(labels).toContain(expanded);
      }
    }
  });
});

describe('varlist syntax', () => {
  const regs = (varlist: string, columns: readonly string[] = ABDATA) => parseXtabond2(`n ${varlist}, gmm(L.n)`, columns).regressors.map((t) => t.name);
  it('L. L2. F. D. D2. LD. and chained L.D.', () => {
    expect(parseXtabond2('n L.n L2.w F.k F2.k D.w D2.w LD.w L2D.w L.D.k D.L.ys', ABDATA).regressors).toEqual([
      T('L1.n', 'n', 1),
      T('L2.w', 'w', 2),
      T('F1.k', 'k', -1),
      T('F2.k', 'k', -2),
      T('D1.w', 'w', 0, 1),
      T('D2.w', 'w', 0, 2),
      T('L1D1.w', 'w', 1, 1),
      T('L2D1.w', 'w', 2, 1),
      T('L1D1.k', 'k', 1, 1),
      T('L1D1.ys', 'ys', 1, 1),
    ]);
  });
  it('lower-case operators and L0.', () => {
    expect(regs('l.w l2.k L0.ys')).toEqual(['L1.w', 'L2.k', 'ys']);
  });
  it('L(1/2). and L(0/2).(a b): each variable with all its lags, as tsunab orders them', () => {
    expect(regs('L(1/2).w')).toEqual(['L1.w', 'L2.w']);
    expect(regs('L(0/2).(w k)')).toEqual(['w', 'L1.w', 'L2.w', 'k', 'L1.k', 'L2.k']);
    expect(regs('L(0/1).(w k)')).toEqual(['w', 'L1.w', 'k', 'L1.k']);
    expect(regs('L(1 3).w')).toEqual(['L1.w', 'L3.w']);
    // Negative orders of L() and F() are the other operator, as in Stata; a difference's cannot be negative.
    expect(regs('L(-1/1).w F(-1 2).k')).toEqual(['F1.w', 'w', 'L1.w', 'L1.k', 'F2.k']);
    expect(() => regs('D(-1/1).w')).toThrow("operator 'D(-1/1).' in the variable list: cannot read numlist '-1/1' (a difference order cannot be negative)");
  });
  it('operators distribute over nested groups and combine with inner ones', () => {
    expect(regs('L.(w D.k)')).toEqual(['L1.w', 'L1D1.k']);
    expect(regs('D.(L(0/1).w)')).toEqual(['D1.w', 'L1D1.w']);
  });
  it('wildcards expand in column order (not alphabetical)', () => {
    const cols = ['id', 'year', 'n', 'yr2', 'yr10', 'yr1', 'w'];
    expect(regs('yr*', cols)).toEqual(['yr2', 'yr10', 'yr1']);
    expect(regs('yr?', cols)).toEqual(['yr2', 'yr1']);
    expect(regs('L.yr*', ABDATA)).toEqual(YEARS.map((t) => `L1.${t.name}`));
    expect(regs('*s', ABDATA)).toEqual(['ys']);
  });
  it('ranges run in column order, with or without spaces around the dash', () => {
    expect(regs('yr1980-yr1984')).toEqual(['yr1980', 'yr1981', 'yr1982', 'yr1983', 'yr1984']);
    expect(regs('w - ys')).toEqual(['w', 'k', 'ys']);
    expect(regs('L.(yr1983-yr1984)')).toEqual(['L1.yr1983', 'L1.yr1984']);
  });
  it('the dependent variable may carry operators (L(0/1).y y-first convention)', () => {
    const s = parse('L(0/1).n w, gmm(L.n)');
    expect(s.depvar).toEqual(n);
    expect(s.regressors.map((t) => t.name)).toEqual(['L1.n', 'w']);
    expect(parse('D.n LD.n, gmm(L2.n)').depvar).toEqual(T('D1.n', 'n', 0, 1));
  });
  it('accepts the command without the leading xtabond2, and do-file line continuations', () => {
    expect(parse('n L.n, gmm(L.n)')).toEqual(parse('xtabond2 n L.n, gmm(L.n)'));
    expect(parse('xtabond2 n L.n w ///\n  , gmm(L.n) ///\n  iv(w) twostep')).toEqual(parse('xtabond2 n L.n w, gmm(L.n) iv(w) twostep'));
    // A comment that quotes a word (a reviewer: the quote hid the comment's end from its removal).
    expect(parse('xtabond2 n L.n /// the "main" spec\n w k, gmm(L.n)')).toEqual(parse('xtabond2 n L.n w k, gmm(L.n)'));
  });
});

describe('options', () => {
  it('defaults: gmm laglimits(1 .) equation(both), h(3), artests(2), constant in system GMM', () => {
    const s = parse('n L.n w, gmm(n)');
    expect(s.gmm[0]).toMatchObject({ lagMin: 1, lagMax: null, equation: 'both', collapse: false, passthru: false, split: false, label: 'gmm(n, lag(1 .))' });
    expect(s).toMatchObject({ h: 3, artests: 2, levelEquation: true, constant: true, robust: false, twostep: false, diffSargan: true, cluster: null });
  });
  it('full names and documented abbreviations give the same spec', () => {
    const full = parse(
      'n L.n w k, gmmstyle(n, laglimits(2 4) collapse equation(diff)) ivstyle(w, equation(level) mz) ivstyle(k, passthru equation(diff)) orthogonal h(2) twostep robust small noconstant artests(3) arlevels nodiffsargan',
    );
    const short = parse('n L.n w k, gmm(n, lag(2 4) c eq(d)) iv(w, eq(lev) mz) iv(k, p eq(diff)) orth h(2) two r sm nocons ar(3) arl nod');
    expect(short).toEqual(full);
    expect(full).toMatchObject({ orthogonal: true, h: 2, twostep: true, robust: true, small: true, constant: false, artests: 3, arlevels: true, diffSargan: false });
    expect(full.gmm[0]).toMatchObject({ lagMin: 2, lagMax: 4, collapse: true, equation: 'diff', label: 'gmm(n, collapse eq(diff) lag(2 4))' });
    expect(full.iv.map((g) => g.label)).toEqual(['iv(w, mz eq(level))', 'iv(k, passthru eq(diff))']);
    expect(full.iv[0]).toMatchObject({ equation: 'level', mz: true, passthru: false });
  });
  it('noleveleq, nolevel and nol all select difference GMM (and no constant)', () => {
    for (const opt of ['noleveleq', 'nolevel', 'nol']) expect(parse(`n L.n, gmm(L.n) ${opt}`)).toMatchObject({ levelEquation: false, constant: false });
  });
  it('laglimits: "." open, ". b" means 1, reversed limits are swapped (as xtabond2 does)', () => {
    expect(parse('n L.n, gmm(n, lag(2 .))').gmm[0]).toMatchObject({ lagMin: 2, lagMax: null, label: 'gmm(n, lag(2 .))' });
    expect(parse('n L.n, gmm(n, lag(. 3))').gmm[0]).toMatchObject({ lagMin: 1, lagMax: 3 });
    expect(parse('n L.n, gmm(n, lag(4 2))').gmm[0]).toMatchObject({ lagMin: 2, lagMax: 4 });
    expect(parse('n L.n, gmm(n, lag (3 3))').gmm[0]).toMatchObject({ lagMin: 3, lagMax: 3, label: 'gmm(n, lag(3 3))' });
  });
  it('split stays one group; splitGroup gives the differenced part lag(a b) and the level part lag(a-1 a-1), as xtabond2 builds them', () => {
    const [g] = parse('n L.n w, gmm(n w, lag(2 5) collapse split)').gmm;
    expect(g).toEqual({ vars: [n, w], lagMin: 2, lagMax: 5, collapse: true, equation: 'both', passthru: false, split: true, label: 'gmm(n w, collapse lag(2 5))' });
    expect(splitGroup(g)).toEqual([
      { vars: [n, w], lagMin: 2, lagMax: 5, collapse: true, equation: 'diff', passthru: false, split: false, label: 'gmm(n w, collapse eq(diff) lag(2 5))' },
      { vars: [n, w], lagMin: 1, lagMax: 1, collapse: true, equation: 'level', passthru: false, split: false, label: 'gmm(n w, collapse eq(level) lag(1 1))' },
    ]);
  });
  it('passthru is fine with eq(diff)/eq(level) and in difference GMM', () => {
    expect(parse('n L.n, gmm(n, lag(2 .) passthru eq(level))').gmm[0]).toMatchObject({ passthru: true, equation: 'level', label: 'gmm(n, passthru eq(level) lag(2 .))' });
    expect(parse('n L.n, gmm(n, passthru) nolevel').gmm[0].passthru).toBe(true);
  });
  it('cluster(var) implies robust', () => {
    expect(parse('n L.n, gmm(L.n) cluster(ind)')).toMatchObject({ cluster: ['ind'], robust: true });
    expect(parse('n L.n, gmm(L.n) cl(ind) twostep')).toMatchObject({ cluster: ['ind'], robust: true, twostep: true });
  });
  it('timedummies, h(1), artests(0)', () => {
    expect(parse('n L.n, gmm(L.n) timedummies h(1) artests(0)')).toMatchObject({ timeDummies: true, h: 1, artests: 0 });
  });
  it('several gmm() and iv() groups keep their order', () => {
    const s = parse('n L.n w k, iv(k) gmm(n, lag(2 .)) iv(w) gmm(w, lag(1 1))');
    expect(s.gmm.map((g) => g.label)).toEqual(['gmm(n, lag(2 .))', 'gmm(w, lag(1 1))']);
    expect(s.iv.map((g) => g.label)).toEqual(['iv(k)', 'iv(w)']);
  });
});

describe('specToCommand round trips', () => {
  const commands = [
    'xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust',
    'xtabond2 n L.n L(0/1).(w k) yr*, gmmstyle(L.(n w k)) ivstyle(yr*, equation(level)) robust small',
    'xtabond2 n L(1/2).n w k , gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k ) nolevel twostep robust',
    'n L.n D.w LD.k F.ys, gmm(n w, lag(2 .) collapse split) gmm(k, eq(level) passthru lag(1 1)) iv(ys, mz eq(diff)) orth h(1) two cluster(ind) small nocons ar(3) arlevels nodiffsargan timedummies',
  ];
  for (const cmd of commands) {
    it(cmd.slice(0, 60), () => {
      const spec = parse(cmd);
      const back = specToCommand(spec);
      expect(parse(back)).toEqual(spec);
    });
  }
  it('writes expanded, canonical xtabond2 syntax', () => {
    expect(specToCommand(parse('n L(1/2).n w k , gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k ) nolevel twostep robust'))).toBe(
      'xtabond2 n L.n L2.n w k, gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k) noleveleq twostep robust',
    );
  });
});

describe('errors name the fault', () => {
  const cases: [string, RegExp][] = [
    // unsupported xtabond2 options, refused by name (full or abbreviated)
    ['n L.n, gmm(L.n) svmat', /option 'svmat' is not supported/],
    ['n L.n, gmm(L.n) svm', /option 'svmat' is not supported/],
    ['n L.n, gmm(L.n) svvar', /option 'svvar' is not supported/],
    ['n L.n, gmm(L.n) comp(3)', /components\(\) goes with pca/],
    ['n L.n, gmm(L.n) pca comp(-1)', /components\(-1\) invalid/],
    ['n L.n, gmm(L.n) level(100)', /level\(100\) invalid/],
    ['n L.n, gmm(L.n, orthogonal orth) orthogonal', /suboption 'orthogonal' is given twice in gmmstyle\(L.n, orthogonal orth\)/],
    // unknown options
    ['n L.n, gmm(L.n) robustt', /unknown option 'robustt'/],
    ['n L.n, gmm(L.n) bogus(1)', /unknown option 'bogus'/],
    ['n L.n, gmm(L.n, foo)', /unknown suboption 'foo' in gmmstyle\(L.n, foo\)/],
    ['n L.n, iv(w, collapse)', /unknown suboption 'collapse' in ivstyle\(w, collapse\)/],
    ['n L.n, gmm(L.n) collapse', /option 'collapse' belongs inside gmmstyle\(\)/],
    ['n L.n, gmm(L.n) lag(2 4)', /option 'lag' belongs inside gmmstyle\(\)/],
    // abbreviation shorter than allowed
    ['n L.n, gmm(L.n) tw', /unknown option 'tw'/],
    ['n L.n, gm(L.n)', /unknown option 'gm'/],
    // malformed options name themselves
    ['n L.n, gmm(n, lag(2))', /laglimits\(2\) in gmmstyle\(n, lag\(2\)\) must have two arguments/],
    ['n L.n, gmm(n, lag(2 x))', /laglimits\(2 x\) in gmmstyle\(n, lag\(2 x\)\) invalid/],
    ['n L.n, gmm(n, lag(-1 2))', /laglimits\(-1 2\) .* invalid/],
    ['n L.n, gmm(n, eq(sideways))', /equation\(sideways\) invalid in gmmstyle\(n, eq\(sideways\)\)/],
    ['n L.n, gmm(L.n) h(4)', /h\(4\) invalid: h must be 1, 2 or 3/],
    ['n L.n, gmm(L.n) h(x)', /h\(x\) invalid: expected a whole number/],
    ['n L.n, gmm(L.n) h', /option 'h' needs an argument/],
    ['n L.n, gmm(L.n) artests(-1)', /artests\(-1\) invalid/],
    ['n L.n, gmm(L.n) ar(1.5)', /artests\(1.5\) invalid/],
    ['n L.n, gmm(L.n) robust(1)', /option 'robust' takes no argument/],
    ['n L.n, gmm', /option 'gmmstyle' needs an argument/],
    ['n L.n, gmm()', /gmmstyle\(\) needs a variable list/],
    ['n L.n, iv(, eq(level))', /ivstyle\(, eq\(level\)\) needs a variable list/],
    ['n L.n, gmm(L.n) h(2) h(3)', /option 'h' is given twice/],
    ['n L.n, gmm(n, c collapse)', /suboption 'collapse' is given twice/],
    ['n L.n, gmm(L.n) cluster(ind ind)', /cluster\(ind ind\) invalid: ind given twice/],
    ['n L.n, gmm(L.n) cluster(ind id year n w)', /at most 4 variables/],
    ['n L.n, gmm(L.n) cluster(indd)', /variable 'indd' in cluster\(\) not found; did you mean 'ind'/],
    ['n L.n, gmm(L.n', /unbalanced parentheses/],
    ['n L.n, gmm(L.n))', /unbalanced parentheses: stray '\)'/],
    ['n L.n, gmm(L.n) robust,small', /unexpected ',' after 'robust'/],
    // combinations xtabond2 rejects or would silently ignore
    ['n L.n, gmm(L.n, passthru)', /passthru is not valid with equation\(both\) in system GMM/],
    ['n L.n, gmm(n, lag(0 2) split)', /split needs a lower lag limit of 1 or more/],
    ['n L.n, gmm(L.n) arlevels nolevel', /arlevels is invalid for difference GMM/],
    ['n L.n, gmm(L.n) nomata', /option 'nomata' is not supported \(it selects xtabond2's older ado code, which gives the same numbers; leave it out\)/],
    // xtabond2's help spells it nom:ata.
    ['n L.n, gmm(L.n) nom', /option 'nomata' is not supported/],
    // variables
    ['nn L.n, gmm(L.n)', /variable 'nn' in the variable list not found; did you mean 'n'/],
    ['n L.n wage2, gmm(L.n)', /variable 'wage2' in the variable list not found; did you mean 'wage'/],
    ['n L.n, gmm(L.kk)', /variable 'kk' in gmmstyle\(L.kk\) not found; did you mean 'k'/],
    ['n L.n, gmm(L.n) iv(yz*)', /'yz\*' in ivstyle\(yz\*\) matches no variable/],
    ['n L.n yr1984-yr1980, gmm(L.n)', /range 'yr1984-yr1980'.*'yr1980' comes before 'yr1984'/],
    ['n L.n yr1980-yr1999, gmm(L.n)', /variable 'yr1999' in the variable list not found/],
    ['n L.n L.ind#c.w, gmm(L.n)', /'L\.ind#c\.w' in the variable list: operators on a factor variable \(L\.a#c\.x\) are not supported/],
    // A tester's log(pm25): it read "variable 'log' not found; columns are: …"
    ['log(n) L.log(n), gmm(L.n)', /^'log\(' in the variable list: a variable list takes variables, not expressions such as log\(…\); add the transformed variable to the data/],
    ['n L.n, gmm(sqrt(w))', /^'sqrt\(' in gmmstyle\(sqrt\(w\)\): a variable list takes variables, not expressions/],
    // A column named like the function (here 'k'): k(w) read as the regressors k and w (a reviewer).
    ['n L.n k(w), gmm(L.n)', /^'k\(' in the variable list: .*\(for the column 'k' and a group after it, put a space before the parenthesis\)$/],
    ['n L.n w#, gmm(L.n)', /cannot read '#' in the variable list: each part of an interaction is a variable/],
    ['n S.w, gmm(L.n)', /seasonal-difference operator 'S.' is not supported/],
    ['n L(2/1).w, gmm(L.n)', /range 2\/1 runs backwards/],
    ['n L.n L.n, gmm(L.n)', /regressor 'L.n' is listed twice/],
    ['n n, gmm(L.n)', /dependent variable 'n' is also listed as a regressor/],
    [', gmm(L.n)', /no dependent variable/],
    // qualifiers and weights
    ['n L.n if year > 1978 if n > 0, gmm(L.n)', /'if' is given twice/],
    ['n L.n in, gmm(L.n)', /'in' needs a row range/],
    ['n L.n [iw=emp], gmm(L.n)', /importance weights \[iw=\.\.\.\] are not allowed: xtabond2 takes aweights, pweights and fweights/],
    ['n L.n [aw=1/emp], gmm(L.n)', /the weight must be a column of the data, not an expression \('1\/emp'\)/],
    ['n L.n [aw=empp], gmm(L.n)', /weight variable 'empp' not found; did you mean 'emp'/],
    ['n L.n [xw=emp], gmm(L.n)', /'xw' is not a weight type/],
    ['n L.n [aw=emp] [fw=emp], gmm(L.n)', /weights are given twice/],
    ['n L.n [aw=emp, gmm(L.n)', /'\[' without '\]'/],
    ['n L.n [aw=emp] w k, gmm(L.n)', /weights go after the whole variable list: 'w' follows \[aw=emp\]/],
    ['n L.n [aw=], gmm(L.n)', /weights \[aw=\] need a variable: \[aw=v\]/],
  ];
  for (const [cmd, message] of cases) {
    it(cmd, () => {
      expect(specError(cmd).message).toMatch(message);
    });
  }
  it('a column whose name a variable list cannot spell is named as the cause (a tester renamed n to L.n)', () => {
    const columns = ['id', 'year', 'L.n', 'w', 'k', 'gdp growth', 'net income'];
    expect(specError('w L.w L.n k, gmm(L.w)', columns).message).toBe(
      "variable 'n' in the variable list not found; the column 'L.n' cannot be named in a model (a name is letters, digits and _; '.' reads as an operator): rename it in the data",
    );
    expect(specError('w L.w growth, gmm(L.w)', columns).message).toMatch(/the column 'gdp growth' cannot be named in a model/);
    // A name that is only a part of a word of such a column gets the usual suggestions.
    expect(specError('w L.w nn, gmm(L.w)', columns).message).toMatch(/^variable 'nn' in the variable list not found; (did you mean|columns are)/);
  });
  it('SpecError.option names the option or variable at fault', () => {
    expect(specError('n L.n, gmm(L.n) svmat').option).toBe('svmat');
    expect(specError('n L.n, gmm(L.n) h(4)').option).toBe('h');
    expect(specError('n L.n zz, gmm(L.n)').option).toBe('zz');
  });
});
