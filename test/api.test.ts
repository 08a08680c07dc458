// The library API (src/index.ts): estimate returns the --json object with a named covariance matrix,
// predictions, Wald tests and linear combinations; each checked by hand from the reported b and V.
import { describe as suite, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateDay, Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { bootstrap, describe, estimate, loadPanel, readTable, SpecError } from '../src/index.ts';
import { toJsonObject } from '../src/report/json.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { chi2Upper, fUpper } from '../src/stats/distributions.ts';

const CMD = 'n L.n L(0/1).(w k) yr*, gmm(L.(n w k), collapse) iv(yr*, eq(level)) twostep robust';
const AT = { id: 'id', time: 'year' };
/** The message of what f throws as a SpecError (null when it throws nothing). */
function thrown(f: () => unknown): string | null {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  return null;
}

suite('library API', async () => {
  const r = await estimate('data/abdata.csv', CMD, AT);
  const K = r.coefficients.length;
  const at = (name: string) => r.coefficients.findIndex((c) => c.name === name);

  it('estimate returns the --json object (methods not serialised), from a path, a Table or a Panel alike', async () => {
    const panel = await loadPanel('data/abdata.csv', AT);
    const fit = await fitGmm(panel, parseXtabond2(CMD, panel.names()), CMD);
    expect(JSON.parse(JSON.stringify(r))).toEqual(JSON.parse(JSON.stringify(toJsonObject(fit))));
    const fromTable = await estimate(await readTable('data/abdata.csv'), CMD, AT);
    const fromPanel = await estimate(panel, CMD, AT);
    expect(fromTable.coefficients).toEqual(r.coefficients);
    expect(fromPanel.vcov).toEqual(r.vcov);
    // The bootstrap README example prints this Wald test: chi2(1) = 8.92 for w = 0.
    expect(r.coefficients[at('w')].estimate).toBeCloseTo(-0.8407738, 7);
  });

  it('vcovMatrix names both axes, read as Stata does (L.w is L1.w)', () => {
    const m = r.vcovMatrix();
    expect(m.names).toEqual(r.coefficients.map((c) => c.name));
    expect(m.get('w', 'L1.w')).toBe(r.vcov[at('w') * K + at('L1.w')]);
    expect(m.get('L.w', 'l.k')).toBe(r.vcov[at('L1.w') * K + at('L1.k')]); // spelt as Stata does
    expect(m.rows[at('k')][at('k')]).toBeCloseTo(r.coefficients[at('k')].se ** 2, 15);
    expect(() => m.get('w', 'nope')).toThrow("vcov: unknown coefficient 'nope'; coefficients are: L1.n, w, L1.w, k, L1.k, yr1977,");
  });

  it('test: one restriction is the squared z; a joint one is the quadratic form by hand', () => {
    const one = r.test('w = 0');
    expect(one.kind).toBe('chi2');
    expect(one.stat).toBeCloseTo(r.coefficients[at('w')].stat ** 2, 10);
    expect(one.p).toBeCloseTo(r.coefficients[at('w')].p, 12);
    // L1.w + w = 0, k = 0: d = (b_w + b_L1w, b_k), S = R V R', W = d' S⁻¹ d.
    const b = (n: string) => r.coefficients[at(n)].estimate;
    const v = (x: string, y: string) => r.vcov[at(x) * K + at(y)];
    const d = [b('w') + b('L1.w'), b('k')];
    const s11 = v('w', 'w') + 2 * v('w', 'L1.w') + v('L1.w', 'L1.w');
    const s12 = v('w', 'k') + v('L1.w', 'k');
    const s22 = v('k', 'k');
    const det = s11 * s22 - s12 * s12;
    const w = (d[0] * d[0] * s22 - 2 * d[0] * d[1] * s12 + d[1] * d[1] * s11) / det;
    const joint = r.test('L1.w + w = 0, k = 0');
    expect(joint.stat).toBeCloseTo(w, 9);
    expect(joint.stat).toBeCloseTo(30.33, 2); // as the bootstrap README example prints it
    expect(joint.df1).toBe(2);
    expect(joint.p).toBe(chi2Upper(joint.stat, 2));
    expect(() => r.test('nope = 0')).toThrow(/unknown coefficient 'nope'/);
  });

  it('lincom: a\'b with SE √(a\'Va), and a constant', () => {
    const c = r.lincom('L1.w + w - 1');
    const K2 = (x: string, y: string) => r.vcov[at(x) * K + at(y)];
    expect(c.estimate).toBeCloseTo(r.coefficients[at('w')].estimate + r.coefficients[at('L1.w')].estimate - 1, 14);
    expect(c.se).toBeCloseTo(Math.sqrt(K2('w', 'w') + 2 * K2('w', 'L1.w') + K2('L1.w', 'L1.w')), 14);
    expect(c.ciHigh - c.estimate).toBeCloseTo(1.959963984540054 * c.se, 12);
    expect(() => r.lincom('w = 0')).toThrow(/without '='/);
  });

  it('predict: xb = x\'b by hand, e = y − xb, u the unit mean of e; difference gives first differences', async () => {
    const p = r.predict();
    const table = await readTable('data/abdata.csv');
    const panel = await loadPanel(table, AT);
    const row = panel.offsets[5] + 2; // unit 6, third year: L.n, w, L.w, k, L.k all present
    const col = (name: string, lag = 0) => panel.column(name)[row - lag];
    const b = (n: string) => r.coefficients[at(n)]?.estimate ?? 0;
    const year = panel.time[row];
    const xb = b('L1.n') * col('n', 1) + b('w') * col('w') + b('L1.w') * col('w', 1) + b('k') * col('k') + b('L1.k') * col('k', 1) + b(`yr${year}`) + b('_cons');
    expect(p.xb[row]).toBeCloseTo(xb, 12);
    expect(p.e[row]).toBeCloseTo(col('n') - xb, 12);
    expect(p.id[row]).toBe(panel.units[5]);
    expect(Number.isNaN(p.xb[panel.offsets[5]])).toBe(true); // the first year has no L.n
    const rows = [];
    for (let i = panel.offsets[5]; i < panel.offsets[6]; i++) if (p.inSample[i]) rows.push(p.e[i]);
    expect(p.u[row]).toBeCloseTo(rows.reduce((s, x) => s + x, 0) / rows.length, 14);
    const dp = r.predict({ difference: true });
    expect(dp.e[row]).toBeCloseTo(p.e[row] - p.e[row - 1], 14);
  });

  it("predict's inSample is e(sample): nobs rows, none outside the if/in or without a transformed row in difference GMM", async () => {
    const panel = await loadPanel('data/abdata.csv', AT);
    const cases: [string, (row: number) => boolean][] = [
      ['n L.n w k if year >= 1980, gmm(L.n) iv(w k) twostep robust', (i) => panel.time[i] < 1980],
      ['n L.n w k in 1/500, gmm(L.n) iv(w k) twostep robust', (i) => i >= 500],
      ['n L.n w k, gmm(L.n) iv(w k) nolevel', (i) => i === panel.offsets[panel.unitOf[i]] || i === panel.offsets[panel.unitOf[i]] + 1],
      ['n L.n w k, gmm(L.n) iv(w k) nolevel orthogonal', () => false],
    ];
    for (const [cmd, out] of cases) {
      const fit = await estimate(panel, cmd, AT);
      const flags = fit.predict().inSample;
      let count = 0;
      let outside = 0;
      for (let i = 0; i < flags.length; i++) if (flags[i]) (count++, out(i) && outside++);
      expect([cmd, count, outside]).toEqual([cmd, fit.nobs, 0]);
    }
  });

  // xtabond2 3.7 writes the transformed equation's sample back as e(sample): under orthogonal
  // deviations its row t holds period t−1's deviation (a reviewer's finding, thirteenth session).
  it("predict's inSample under orthogonal difference GMM marks the row that holds each deviation, as xtabond2 3.7's e(sample)", async () => {
    const panel = await loadPanel('data/abdata.csv', AT);
    const r = await estimate(panel, 'n L.n w k if year<=1981, gmm(L.n) iv(w k) nolevel orthogonal', AT);
    const p = r.predict();
    const marked = p.time.filter((_, i) => p.inSample[i] === 1);
    expect([marked.length, r.nobs]).toEqual([638, 638]);
    // The deviations of 1977–1981 (all inside the if) sit on the rows of 1978–1982.
    expect([Math.min(...marked), Math.max(...marked)]).toEqual([1978, 1982]);
    // A gap: firm 1's 1978 deviation enters, but its 1979 row, which would hold it, is absent.
    const gap = panel.selectRows((i) => !(panel.units[panel.unitOf[i]] === 1 && panel.time[i] === 1979));
    const g = await estimate(gap, 'n L.n w k, gmm(L.n) iv(w k) nolevel orthogonal', AT);
    expect([g.predict().inSample.reduce((a, b) => a + b, 0), g.nobs]).toEqual([748, 749]);
  });

  it('under small the test is F with the model test\'s df and the interval uses t', async () => {
    const s = await estimate('data/abdata.csv', CMD + ' small', AT);
    const t = s.test('w = 0, k = 0');
    expect(t.kind).toBe('F');
    expect(t.df2).toBe(s.modelTest!.df2);
    expect(t.p).toBe(fUpper(t.stat, 2, t.df2!));
    const c = s.lincom('w');
    const w = s.coefficients[s.coefficients.findIndex((x) => x.name === 'w')];
    expect([c.se, c.p, c.ciLow, c.ciHigh]).toEqual([w.se, w.p, w.ciLow, w.ciHigh].map((x) => expect.closeTo(x, 12)));
  });

  it('test and lincom read coefficients spelt as Stata does (L.w is L1.w); a lincom error quotes the expression as given', () => {
    expect(r.test('L.w + w = 0, k = 0').stat).toBe(r.test('L1.w + w = 0, k = 0').stat);
    expect(r.test('L.w + w = 0, k = 0').stat).toBeCloseTo(30.33, 2);
    expect(r.lincom('L.w + w').estimate).toBe(r.lincom('L1.w + w').estimate);
    // Division by a number, as Stata's lincom takes it.
    const half = r.lincom('w/2 + L.w/4');
    expect(half.estimate).toBeCloseTo(r.coefficients[at('w')].estimate / 2 + r.coefficients[at('L1.w')].estimate / 4, 15);
    expect(half.se).toBeCloseTo(r.lincom('0.5*w + 0.25*L.w').se, 15);
    expect(thrown(() => r.lincom('w/0'))).toBe("lincom: '/' must be followed by a nonzero number in 'w/0'");
    expect(thrown(() => r.lincom('w/k'))).toBe("lincom: '/' must be followed by a nonzero number in 'w/k'");
    expect(thrown(() => r.lincom('L.ys + w'))).toBe(`lincom 'L.ys + w': unknown coefficient 'L.ys' (L1.ys); coefficients are: ${r.coefficients.map((c) => c.name).join(', ')}`);
    expect(thrown(() => r.lincom('w - w'))).toBe("lincom: 'w - w' combines no coefficient");
    expect(thrown(() => r.test('L.ys = 0'))).toBe(`test 'L.ys = 0': unknown coefficient 'L.ys' (L1.ys); coefficients are: ${r.coefficients.map((c) => c.name).join(', ')}`);
  });

  // A tester's report: a dropped regressor was an "unknown coefficient"; "w = 1e400" gave an infinite
  // statistic, and "w = 0,, k = 0" lost its empty restriction without a word.
  it('test and lincom say a regressor was dropped, and refuse empty restrictions and numbers beyond double precision', () => {
    expect(r.dropped).toContain('yr1976');
    const list = `coefficients are: ${r.coefficients.map((c) => c.name).join(', ')}`;
    expect(thrown(() => r.test('yr1976 = 0'))).toBe(`test 'yr1976 = 0': yr1976 was dropped due to collinearity, so it has no coefficient; ${list}`);
    expect(thrown(() => r.lincom('w + yr1976'))).toBe(`lincom 'w + yr1976': yr1976 was dropped due to collinearity, so it has no coefficient; ${list}`);
    expect(thrown(() => r.test('w = 0,, k = 0'))).toBe("test: an empty restriction between separators in 'w = 0,, k = 0'");
    expect(thrown(() => r.test('w = 1e400'))).toBe("test: the number '1e400' in 'w = 1e400' is beyond double precision");
    expect(thrown(() => r.lincom('w + k/1e400'))).toBe("lincom: the number '1e400' in 'w + k/1e400' is beyond double precision");
    expect(r.test('w = 0, k = 0').df1).toBe(2);
  });

  it('describe returns the --json description', async () => {
    const d = await describe('data/abdata.csv', { ...AT, vars: ['n', 'w'] });
    expect(d).toMatchObject({ units: 140, observations: 1031 });
  });
});

// The report: after this estimate, test('L.w = 0') and the like failed with "unknown coefficient";
// only the labels (L1.w, D1.w, L1D1.w, F1.k) worked. Stata's test and lincom read L.w as L1.w.
suite('coefficients spelt as Stata does, on abdata', async () => {
  const user = await estimate('data/abdata.csv', 'n L.n L(0/1).w k, gmm(L.n) iv(w k) twostep robust', AT);
  // A model with each operator form the report names: D.w, LD.w, F.k, L.ys (and L2.w).
  const ops = await estimate('data/abdata.csv', 'n L.n D.w LD.w L2.w k F.k L.ys, gmm(L.n) iv(D.w LD.w L2.w k F.k L.ys) twostep robust', AT);
  const z2 = (fit: typeof user, name: string) => fit.coefficients.find((c) => c.name === name)!.stat ** 2;

  it('labels the terms with numbered operators', () => {
    expect(user.coefficients.map((c) => c.name)).toEqual(['L1.n', 'w', 'L1.w', 'k', '_cons']);
    expect(ops.coefficients.map((c) => c.name)).toEqual(['L1.n', 'D1.w', 'L1D1.w', 'L2.w', 'k', 'F1.k', 'L1.ys', '_cons']);
  });

  it('test gives the Wald statistic of the label for each spelling', () => {
    const wald = (fit: typeof user, restriction: string) => fit.test(restriction).stat;
    expect(wald(user, 'L.w = 0')).toBe(wald(user, 'L1.w = 0'));
    expect(wald(user, 'L.w = 0')).toBeCloseTo(z2(user, 'L1.w'), 9);
    expect(wald(user, 'L.w = 0')).toBeCloseTo(25.023, 3);
    expect(wald(user, 'l.n = 0')).toBe(wald(user, 'L1.n = 0'));
    const spellings: [string, string][] = [
      ['L.n', 'L1.n'],
      ['D.w', 'D1.w'],
      ['LD.w', 'L1D1.w'],
      ['DL.w', 'L1D1.w'],
      ['L.D.w', 'L1D1.w'],
      ['F.k', 'F1.k'],
      ['L.ys', 'L1.ys'],
      ['L2.w', 'L2.w'],
      ['L0.k', 'k'],
    ];
    for (const [spelling, label] of spellings) {
      expect(wald(ops, `${spelling} = 0`), spelling).toBe(wald(ops, `${label} = 0`));
      expect(wald(ops, `${spelling} = 0`), spelling).toBeCloseTo(z2(ops, label), 9);
    }
    expect(wald(ops, 'D.w = 0, LD.w = 0, F.k = 0, L.ys = 0')).toBe(wald(ops, 'D1.w = 0, L1D1.w = 0, F1.k = 0, L1.ys = 0'));
  });

  it('lincom gives the estimate and SE of the label for each spelling', () => {
    const a = ops.lincom('D.w + LD.w + 2*F.k - L.ys');
    const b = ops.lincom('D1.w + L1D1.w + 2*F1.k - L1.ys');
    expect([a.estimate, a.se]).toEqual([b.estimate, b.se]);
    const est = (n: string) => ops.coefficients.find((c) => c.name === n)!.estimate;
    expect(a.estimate).toBeCloseTo(est('D1.w') + est('L1D1.w') + 2 * est('F1.k') - est('L1.ys'), 14);
    expect(a.expression).toBe('D.w + LD.w + 2*F.k - L.ys');
  });

  it('still refuses a term the model lacks, naming its reading and the coefficients', () => {
    expect(thrown(() => user.test('L.ys = 0'))).toBe("test 'L.ys = 0': unknown coefficient 'L.ys' (L1.ys); coefficients are: L1.n, w, L1.w, k, _cons");
    expect(thrown(() => user.test('D.w = 0'))).toBe("test 'D.w = 0': unknown coefficient 'D.w' (D1.w); coefficients are: L1.n, w, L1.w, k, _cons");
    expect(thrown(() => user.lincom('F.k'))).toBe("lincom 'F.k': unknown coefficient 'F.k' (F1.k); coefficients are: L1.n, w, L1.w, k, _cons");
  });
});

// A tester's report: from a Table or a Panel, cluster(id) and year as a regressor were "not found"
// (the id and time columns were not offered as variables), an infinite value in a Table gave NaN
// standard errors, a Panel ignored options.id, and a Date32 time column became epoch days.
suite('data sources held in memory', async () => {
  const table = await readTable('data/abdata.csv');
  const panel = await loadPanel('data/abdata.csv', AT);
  const columns = () => Object.fromEntries(table.schema.fields.map((f) => [f.name, Float64Array.from(table.getChild(f.name)!.toArray() as ArrayLike<number>)]));

  it('the id and time columns are variables from a Table or a Panel as from a file', async () => {
    for (const cmd of ['n L.n w k, gmm(L.n, collapse) iv(w k) twostep cluster(id)', 'n L.n w k year, gmm(L.n) iv(w k year)']) {
      const fromFile = await estimate('data/abdata.csv', cmd, AT);
      for (const source of [table, panel]) expect((await estimate(source, cmd, AT)).coefficients).toEqual(fromFile.coefficients);
    }
  });

  it('an infinite value in a Table is refused, naming its row and column', async () => {
    const c = columns();
    c.w[10] = Infinity;
    await expect(estimate(tableFromArrays(c), 'n L.n w k, gmm(L.n) iv(w k)', AT)).rejects.toThrow("the Arrow Table: row 11, column 'w': Infinity is not a finite number");
    await expect(describe(tableFromArrays(c), AT)).rejects.toThrow('row 11');
  });

  it("a Panel's own id and time are the ones used: options naming others are refused", async () => {
    await expect(estimate(panel, 'n L.n w k, gmm(L.n)', { id: 'ind', time: 'year' })).rejects.toThrow("the Panel's id column is 'id', not 'ind' (options.id)");
  });

  // A tester's plain-JavaScript call: { level: 90 } gave the 95% interval and { conventions: '2009' } the
  // current Sargan, without a word.
  it('an option a function does not take is refused, saying where a model option belongs; conventions is taken', async () => {
    const cmd = 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) twostep robust';
    const opts = (extra: object) => ({ ...AT, ...extra }) as typeof AT;
    await expect(estimate('data/abdata.csv', cmd, opts({ level: 90 }))).rejects.toThrow('estimate: options.level is not an option of estimate (it takes id, time, inputFormat, sheet, delimiter, conventions); write level(…) in the xtabond2 command');
    await expect(bootstrap('data/abdata.csv', cmd, { ...AT, reps: 5, seed: 1, ...({ small: true } as object) })).rejects.toThrow(/^bootstrap: options\.small is not an option of bootstrap .*; write small in the xtabond2 command$/);
    await expect(describe('data/abdata.csv', opts({ var: ['n'] }))).rejects.toThrow('describe: options.var is not an option of describe');
    await expect(loadPanel('data/abdata.csv', opts({ format: 'csv' }))).rejects.toThrow('loadPanel: options.format is not an option of loadPanel');
    // Log 3 of Roodman (2009) prints Sargan chi2(100) = 186.90 (the 2009 release); the current one gives 157.54.
    const log3 = 'n L.n L(0/1).(w k) yr*, gmm(L.(n w k)) iv(yr*, eq(level)) small';
    expect((await estimate('data/abdata.csv', log3, { ...AT, conventions: '2009' })).sargan!.chi2.toFixed(2)).toBe('186.90');
    expect((await estimate('data/abdata.csv', log3, AT)).sargan!.chi2.toFixed(2)).toBe('157.54');
    await expect(estimate('data/abdata.csv', cmd, opts({ conventions: '2010' }))).rejects.toThrow("estimate: options.conventions must be one of current, 2009, got '2010'");
  });

  // A tester's plain-JavaScript calls (thirteenth session): bad values ran (weights 'foo' as some
  // scheme, threads 0 on one thread, a wild run with no test returning nothing), or failed deep inside
  // with a TypeError; predict ignored a misspelt key; a reading option on a Table was ignored; and
  // changing the result's vcov changed what lincom read.
  it('a value of the wrong kind, a missing options object or command, and reading options for a Table are refused by name', async () => {
    const cmd = 'n L.n w k, gmm(L.n) iv(w k) twostep robust';
    const js = (o: object) => o as typeof AT;
    const boot = (o: object) => bootstrap('data/abdata.csv', cmd, { ...AT, reps: 5, seed: 1, ...o });
    await expect(boot({ weights: 'foo', pairs: false, tests: ['w = 0'] })).rejects.toThrow("bootstrap: options.weights must be one of rademacher, webb, mammen, got 'foo'");
    for (const t of [0, -1, 1.5]) await expect(boot({ threads: t })).rejects.toThrow(`bootstrap: options.threads must be an integer of at least 1, got ${t}`);
    await expect(boot({ pairs: false })).rejects.toThrow('bootstrap: options.pairs false (the wild score tests only) needs at least one restriction in options.tests');
    // A tester's report: weights without a test were accepted and ignored.
    await expect(boot({ weights: 'webb' })).rejects.toThrow('bootstrap: options.weights applies to the wild score tests of options.tests, and there are none');
    await expect(boot({ recentre: 'no' })).rejects.toThrow("bootstrap: options.recentre must be true or false, got 'no'");
    await expect(boot({ tests: 'w = 0' })).rejects.toThrow("bootstrap: options.tests must be an array of restrictions, e.g. [\"w = 0\"], got 'w = 0'");
    await expect(boot({ onProgress: 5 })).rejects.toThrow('bootstrap: options.onProgress must be a function, got 5');
    await expect(boot({ seed: 1.5 })).rejects.toThrow('bootstrap: options.seed must be an integer of at least 0, got 1.5');
    await expect(boot({ reps: 2 ** 60 })).rejects.toThrow(`bootstrap: options.reps must be an integer of at least 2, got ${2 ** 60}`);
    await expect(bootstrap('data/abdata.csv', cmd, js({ ...AT, seed: 1 }) as unknown as { id: string; time: string; reps: number; seed: number })).rejects.toThrow('bootstrap: options.reps (the number of replications) is required');
    await expect(boot({ onProgress: (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })() })).rejects.toThrow('bootstrap: options.onProgress must be a function, got an object');
    await expect(estimate('data/abdata.csv', cmd, undefined as unknown as typeof AT)).rejects.toThrow('estimate: the options ({ id, time, … }) are missing');
    await expect(estimate('data/abdata.csv', undefined as unknown as string, AT)).rejects.toThrow("estimate: the command must be text (an xtabond2 command such as 'n L.n w k, gmm(L.n)'), got undefined");
    await expect(estimate('data/abdata.csv', cmd, js({ time: 'year' }))).rejects.toThrow('estimate: options.id (the unit column) is required');
    await expect(describe('data/abdata.csv', js({ ...AT, vars: 'n,w' }))).rejects.toThrow("describe: options.vars must be an array of variable names or expressions, got 'n,w'");
    const table = await readTable('data/abdata.csv');
    await expect(estimate(table, cmd, { ...AT, delimiter: ';' })).rejects.toThrow('estimate: options.delimiter says how to read a file, and the source is an Arrow Table');
    await expect(estimate(await loadPanel(table, AT), cmd, { ...AT, sheet: 'x' })).rejects.toThrow('estimate: options.sheet says how to read a file, and the source is a Panel');
    // A Panel has its id and time: no options needed.
    expect((await estimate(await loadPanel(table, AT), cmd, undefined as unknown as typeof AT)).nobs).toBe(891);
    const fit = await estimate('data/abdata.csv', cmd, AT);
    expect(thrown(() => fit.predict({ diff: true } as object))).toBe('predict: options.diff is not an option of predict (it takes difference)');
    expect(thrown(() => fit.predict({ difference: 'yes' } as unknown as { difference: boolean }))).toBe('predict: options.difference must be true or false, got "yes"');
    expect(thrown(() => fit.predict(null as unknown as object))).toBe('predict: the options must be an object ({ difference: true }), got null');
    // The result is the caller's copy: changing it changes neither lincom nor test.
    const w = fit.lincom('w');
    const stat = fit.test('w = 0').stat;
    fit.vcov[fit.coefficients.findIndex((c) => c.name === 'w') * (fit.coefficients.length + 1)] = 4;
    fit.coefficients.find((c) => c.name === 'w')!.estimate = 0;
    expect([fit.lincom('w'), fit.test('w = 0').stat]).toEqual([w, stat]);
  });

  // The same tester: a Table's text column said only "is not numeric", and a wrong delimiter "unknown column 'year'; columns are: id,year,…".
  it('a text column of a Table used as a number names its first value and where it is; a header read as one column says so', async () => {
    const t = tableFromArrays({ id: Float64Array.of(1, 1, 2, 2), year: Float64Array.of(1, 2, 1, 2), y: Float64Array.of(1, 2, 3, 4), w: ['', 'abc', 'x', '1'] });
    await expect(estimate(t, 'y w, iv(w, eq(level))', AT)).rejects.toThrow("column 'w' is not numeric (a text column: 'abc' at id 1, year 2)");
    await expect(describe('data/abdata.csv', { ...AT, delimiter: ';' })).rejects.toThrow(
      "data/abdata.csv: unknown column 'year': the header was read as one column, 'id,year,ind,emp,wage,cap,indoutpt,n,w,k,ys,yr1976,yr1977,yr1978,yr1979,yr1980,yr1981,yr1982,yr1983,yr1984'; is the delimiter right?",
    );
    // A file of one column whose name holds no separator is just that: its columns are listed.
    const one = join(mkdtempSync(join(tmpdir(), 'sysgmm-one-column-')), 'one.csv');
    writeFileSync(one, 'value\n1\n2\n');
    await expect(describe(one, AT)).rejects.toThrow(`${one}: unknown column 'year'; columns are: value`);
  });

  it('options.delimiter reaches the CSV reader, as --delimiter does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-api-'));
    const piped = join(dir, 'piped.csv');
    writeFileSync(piped, readFileSync('data/abdata.csv', 'utf8').replaceAll(',', '|'));
    const cmd = 'n L.n w k, gmm(L.n) iv(w k)';
    expect((await estimate(piped, cmd, { ...AT, delimiter: '|' })).coefficients).toEqual((await estimate('data/abdata.csv', cmd, AT)).coefficients);
    await expect(estimate(piped, cmd, { ...AT, delimiter: ';' })).rejects.toThrow("variable 'n' in the variable list not found");
    expect((await describe(piped, { ...AT, delimiter: '|' })).observations).toBe(1031);
    await expect(describe(piped, { ...AT, delimiter: ';' })).rejects.toThrow("unknown column 'year'");
    rmSync(dir, { recursive: true, force: true });
  });

  it('a date-typed time column is refused: its number counts days, not periods', async () => {
    const c = columns();
    const days = Array.from(c.year, (y) => new Date(Date.UTC(y, 0, 1)));
    const t = new Table({ ...Object.fromEntries(Object.entries(c).map(([k, v]) => [k, vectorFromArray(v)])), year: vectorFromArray(days, new DateDay()) });
    await expect(estimate(t, 'n L.n w k, gmm(L.n)', AT)).rejects.toThrow("time column 'year' is of type Date32<DAY>; periods are integers");
  });
});

// A tester's report: lincom(expr, 90) gave NaN interval ends (it took a fraction), bootstrap({ level: 90 })
// NaN percentile intervals, and level(90) in the command was ignored by the bootstrap.
suite('confidence levels, in percent as Stata writes them or as a fraction', async () => {
  const cmd = 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust';
  const fit = await estimate('data/abdata.csv', cmd, AT);
  const fit90 = await estimate('data/abdata.csv', `${cmd} level(90)`, AT);

  it('lincom reads 90 and 0.9 alike, defaults to the model\'s level, and refuses a level out of range', () => {
    const c = fit.lincom('w', 90);
    expect(c).toEqual(fit.lincom('w', 0.9));
    expect(c.ciHigh - c.ciLow).toBeCloseTo(2 * 1.6448536269514722 * c.se, 12);
    expect(fit90.lincom('w')).toEqual(c);
    expect(fit.lincom('w').ciHigh - fit.lincom('w').ciLow).toBeCloseTo(2 * 1.959963984540054 * c.se, 12);
    expect(thrown(() => fit.lincom('w', -1))).toBe("lincom: the confidence level must be a percentage from 10 to 99.99 (as Stata's level()) or a fraction between 0 and 1, got -1");
    expect(thrown(() => fit.lincom('w', 100))).toMatch(/got 100$/);
  });

  it("the bootstrap's intervals take level(90) from the command, or options.level as 90 or 0.9", async () => {
    const run = (command: string, level?: number) => bootstrap('data/abdata.csv', command, { ...AT, reps: 49, seed: 5, ...(level === undefined ? {} : { level }) });
    const fromCommand = await run(`${cmd} level(90)`);
    expect(fromCommand.level).toBe(0.9);
    expect((await run(cmd, 90)).coefficients).toEqual(fromCommand.coefficients);
    expect((await run(cmd, 0.9)).coefficients).toEqual(fromCommand.coefficients);
    const at95 = await run(cmd);
    expect(at95.level).toBe(0.95);
    const w = (r: typeof at95) => r.coefficients.find((c) => c.name === 'w')!.percentile;
    expect(w(at95).high - w(at95).low).toBeGreaterThan(w(fromCommand).high - w(fromCommand).low);
    await expect(run(cmd, 150)).rejects.toThrow('level: the confidence level must be a percentage');
  });
});

// A tester's report: on an uncollapsed model with more instruments than a resample holds clusters,
// float64-wasm and float64-ts failed different replications (163 against 186 of 499), silently.
suite('bootstrap replications on a rank decision are flagged', () => {
  it('names the singular and failed counts, and why every replication is singular', async () => {
    const wide = await bootstrap('data/abdata.csv', 'n L.n L(0/1).(w k) yr*, gmm(L.(n w k)) iv(yr*, eq(level)) twostep robust', { ...AT, reps: 19, seed: 3 });
    const warning = wide.warnings.find((w) => w.includes('generalized inverse'))!;
    expect(warning).toMatch(/^19 of 19 replications used a generalized inverse of a singular moment covariance and \d+ failed/);
    expect(warning).toContain(': 113 instruments against about 89 distinct clusters in a resample of 140');
    const narrow = await bootstrap('data/abdata.csv', 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust', { ...AT, reps: 19, seed: 3 });
    expect(narrow.warnings.filter((w) => w.includes('generalized inverse'))).toEqual([]);
  });
});
