// The block-level API the bootstrap builds on, and the engine's bookkeeping:
// - re-estimation from per-unit blocks with unit weights equals a fit on the panel in which the
//   units are duplicated (weight 2) or left out (weight 0): what a pairs-bootstrap replication is;
// - `timedummies` equals writing the year dummies out (log 3 of the published set);
// - every panel row is either an observation or counted under an exclusion reason;
// - typed errors for what cannot be estimated.
import { tableFromArrays } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { estimateFromBlocks } from '../src/gmm/estimate.ts';
import { estimateOptions, estimatePrepared, fitGmm, fitOnBlocks, modelBlocks, prepareGmm } from '../src/gmm/fit.ts';
import { inference } from '../src/gmm/inference.ts';
import { arSumsRobust } from '../src/gmm/ar-sums.ts';
import { blockLengths, unitBlocks } from '../src/gmm/blocks.ts';
import { Panel } from '../src/panel/panel.ts';
import { term, type ModelSpec } from '../src/spec/types.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { specToCommand } from '../src/spec/to-command.ts';
import { DataError, SpecError } from '../src/errors.ts';
import { UnitRows } from '../src/gmm/design.ts';
import { InstrumentRows } from '../src/gmm/instruments.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { smallPanel } from './helpers/smallPanel.ts';
import { gmmGroup, ivGroup, lags, modelSpec } from './helpers/specs.ts';
import { waldTest } from '../src/api/postestimation.ts';

const sysSpec: ModelSpec = modelSpec({
  depvar: term('y'),
  regressors: [term('y', 1), term('x')],
  gmm: [gmmGroup([term('y')], 'gmm(y, collapse lag(2 4))', { lagMin: 2, lagMax: 4, collapse: true }), gmmGroup([term('x')], 'gmm(x, collapse lag(2 3))', { lagMin: 2, lagMax: 3, collapse: true })],
  iv: [ivGroup([term('w')], 'iv(w)')],
  twostep: true,
  robust: true,
});

/** The panel with unit u repeated w[u] times (copies get fresh ids). */
function resample(p: Panel, w: number[]): Panel {
  const cols = ['y', 'x', 'w', 'region'].map((c) => p.column(c));
  const out: Record<string, number[]> = { id: [], year: [], y: [], x: [], w: [], region: [] };
  let nextId = 1;
  for (let u = 0; u < p.nunits; u++) {
    for (let c = 0; c < w[u]; c++, nextId++) {
      for (let r = p.offsets[u]; r < p.offsets[u + 1]; r++) {
        out.id.push(nextId);
        out.year.push(p.time[r]);
        ['y', 'x', 'w', 'region'].forEach((name, j) => out[name].push(cols[j][r]));
      }
    }
  }
  return Panel.fromTable(tableFromArrays(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float64Array.from(v)]))), { id: 'id', time: 'year' });
}

describe('block-level re-estimation with unit weights', () => {
  let panel: Panel;
  beforeAll(() => {
    panel = smallPanel();
  });

  it('equals the fit on the panel with units duplicated or left out (two-step, Windmeijer)', async () => {
    const w = Array.from({ length: panel.nunits }, (_, u) => (u === 3 || u === 11 ? 2 : u === 5 || u === 20 ? 0 : 1));
    const direct = await fitGmm(resample(panel, w), sysSpec);
    const prep = prepareGmm(panel, sysSpec);
    const blocks = modelBlocks(prep, { keepZHZ: true });
    const wt = Float64Array.from(w);
    const est = estimateFromBlocks(blocks, estimateOptions(prep.design, blocks, wt), wt);
    const K = blocks.K;
    direct.coefficients.forEach((c, k) => expect(est.b2![k]).toBeCloseTo(c.estimate, 12));
    for (let a = 0; a < K; a++)
      for (let b = 0; b < K; b++) {
        const v = 0.5 * (est.v2Robust![a * K + b] + est.v2Robust![b * K + a]);
        expect(Math.abs(v - direct.vcov[a * K + b])).toBeLessThan(1e-12 * Math.abs(direct.vcov[a * K + a]));
      }
    // One-step σ² counts each unit's observations w_i times.
    const s1 = modelSpec({ ...sysSpec, twostep: false, robust: false });
    const d1 = await fitGmm(resample(panel, w), s1);
    const p1 = prepareGmm(panel, s1);
    const b1 = modelBlocks(p1, { keepZHZ: true });
    const e1 = estimateFromBlocks(b1, estimateOptions(p1.design, b1, wt), wt);
    d1.coefficients.forEach((c, k) => expect(Math.sqrt(e1.v1[k * K + k])).toBeCloseTo(c.se, 12));
  });

  it('keeps per-unit Z\'HZ blocks that sum to the chunked total', () => {
    const prep = prepareGmm(panel, sysSpec);
    const kept = modelBlocks(prep, { keepZHZ: true });
    const summed = modelBlocks(prep);
    expect(summed.zhz).toBeNull();
    expect(kept.zhz!.length).toBe(kept.n * (kept.L * (kept.L + 1)) / 2);
    kept.zhzSum.forEach((v, j) => expect(v).toBeCloseTo(summed.zhzSum[j], 10));
  });
});

describe('engine bookkeeping', () => {
  it('timedummies reproduces log 3 with the dummies written out', async () => {
    const panel = await loadAbdata();
    const yr = Array.from({ length: 9 }, (_, j) => term(`yr${1976 + j}`));
    const common = { depvar: term('n'), gmm: [gmmGroup([term('n', 1), term('w', 1), term('k', 1)], 'gmm(L.(n w k))')], robust: true, small: true };
    const written = await fitGmm(panel, modelSpec({ ...common, regressors: [term('n', 1), ...lags('w', 0, 1), ...lags('k', 0, 1), ...yr], iv: [ivGroup(yr, 'iv(yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984, eq(level))', { equation: 'level' })] }));
    const made = await fitGmm(panel, modelSpec({ ...common, regressors: [term('n', 1), ...lags('w', 0, 1), ...lags('k', 0, 1)], timeDummies: true }));
    expect(made.coefficients.map((c) => c.name)).toEqual(written.coefficients.map((c) => c.name));
    made.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(written.coefficients[k].estimate, 12);
      expect(c.se).toBeCloseTo(written.coefficients[k].se, 12);
    });
    expect(made.hansen!.chi2).toBeCloseTo(written.hansen!.chi2, 9);
    expect(made.diffHansen.map((d) => [d.group, d.difference.df])).toEqual([
      ['GMM instruments for levels', 21],
      ['iv(yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984, eq(level))', 7],
    ]);
  });

  // abdata's own yr1976–yr1984 are those dummies, so the fit above uses them; a column of that name that
  // holds something else was replaced silently (a tester's report).
  it('timedummies refuses a column of a dummy\'s name that is not that dummy', async () => {
    const panel = await loadAbdata();
    const other = panel.withColumn('yr1980', panel.column('w'));
    const spec = modelSpec({ depvar: term('n'), regressors: [term('n', 1), term('w')], gmm: [gmmGroup([term('n', 1)], 'gmm(L.n)')], timeDummies: true });
    await expect(fitGmm(other, spec)).rejects.toThrow('timedummies makes yr1980, the dummy of its period, but the data has a column yr1980 that holds something else; rename that column');
  });

  // A tester's negative years made dummies named yr-2998, which no test or lincom could name.
  it('timedummies names the dummy of a negative period yr_m<t>, usable in a test, the estimates those of years shifted to positive', async () => {
    const ab = await loadAbdata();
    const shifted = (by: number) => {
      const names = ab.numericNames().filter((n) => !n.startsWith('yr'));
      const cols = Object.fromEntries(names.map((n) => [n, ab.column(n)]));
      const id = Float64Array.from(ab.unitOf, (u) => ab.units[u] as number);
      return Panel.fromTable(tableFromArrays({ ...cols, id, year: ab.time.map((t) => t + by) }), { id: 'id', time: 'year' });
    };
    const cmd = 'n L.n w k, gmm(L.n, collapse) iv(w k) timedummies twostep robust';
    const neg = await fitGmm(shifted(-3960), parseXtabond2(cmd, shifted(-3960).names()));
    const pos = await fitGmm(shifted(0), parseXtabond2(cmd, shifted(0).names()));
    expect(neg.coefficients.map((c) => c.name)).toContain('yr_m1980');
    expect(neg.coefficients.map((c) => [c.estimate, c.se])).toEqual(pos.coefficients.map((c) => [c.estimate, c.se]));
    expect(waldTest(neg, 'yr_m1980 = 0').stat).toBe(waldTest(pos, 'yr1980 = 0').stat);
  });

  it('split: the same estimate as the unsplit group, with its two parts tested separately', async () => {
    const panel = smallPanel();
    const unsplit = await fitGmm(panel, sysSpec);
    const g = sysSpec.gmm[0];
    const split = await fitGmm(panel, modelSpec({ ...sysSpec, gmm: [{ ...g, split: true }, sysSpec.gmm[1]] }));
    split.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(unsplit.coefficients[k].estimate, 12);
      expect(c.se).toBeCloseTo(unsplit.coefficients[k].se, 12);
    });
    expect(split.ninstruments).toBe(unsplit.ninstruments);
    expect(split.diffHansen.map((d) => [d.group, d.difference.df])).toEqual([
      ['GMM instruments for levels', 2],
      ['gmm(y, collapse eq(diff) lag(2 4))', 3],
      ['gmm(y, collapse eq(level) lag(1 1))', 1],
      ['gmm(x, collapse lag(2 3))', 3],
      ['iv(w)', 1],
    ]);
  });

  it('accounts for every panel row: observations plus counted exclusions', async () => {
    const panel = smallPanel();
    for (const levelEquation of [true, false]) {
      for (const orthogonal of [false, true]) {
        const r = await fitGmm(panel, modelSpec({ ...sysSpec, levelEquation, orthogonal }));
        const excluded = r.excluded.reduce((s, e) => s + e.count, 0);
        expect(r.nobs + excluded).toBe(panel.nrows);
      }
    }
    // System GMM: the first period of each unit lacks L.y (30), the gap year of unit 8 leaves the
    // next period without L.y (1), unit 9 lacks x in 2003 (1), unit 10 lacks w in 2005 (1).
    const sys = await fitGmm(panel, sysSpec);
    expect(sys.excluded).toEqual([
      { reason: 'missing value in the dependent variable or a regressor', count: 32 },
      { reason: 'missing value in an iv-style instrument', count: 1 },
    ]);
  });

  it("what xtabond2 ignores with a note is dropped with it, in a hand-built spec as in a parsed command: gmm(w, eq(level)) and iv(., eq(level)) under nolevel, split where it has no effect", async () => {
    const panel = smallPanel();
    const plain = await fitGmm(panel, parseXtabond2('y L.y w, gmm(y, lag(2 .)) iv(w) nolevel', panel.names()));
    const ignoring = await fitGmm(panel, parseXtabond2('y L.y w, gmm(y, lag(2 .)) gmm(w, eq(level)) iv(w) iv(w, eq(level)) nolevel', panel.names()));
    const built = modelSpec({
      regressors: [term('y', 1), term('w')],
      gmm: [gmmGroup([term('y')], 'gmm(y, lag(2 .))', { lagMin: 2 }), gmmGroup([term('w')], 'gmm(w, eq(level) lag(1 .))', { equation: 'level' })],
      iv: [{ vars: [term('w')], equation: 'both', passthru: false, mz: false, label: 'iv(w)' }, { vars: [term('w')], equation: 'level', passthru: false, mz: false, label: 'iv(w, eq(level))' }],
      levelEquation: false,
      constant: false,
    });
    const notes = ['gmm(w, eq(level) lag(1 .)): instruments for levels equations only ignored since noleveleq specified', 'iv(w, eq(level)): instruments for levels equations only ignored since noleveleq specified'];
    for (const fit of [ignoring, await fitGmm(panel, built)]) {
      expect(fit.coefficients).toEqual(plain.coefficients);
      expect(fit.ninstruments).toBe(plain.ninstruments);
      expect([...fit.warnings].sort()).toEqual([...plain.warnings, ...notes].sort());
    }
    const unsplit = await fitGmm(panel, parseXtabond2('y L.y w, gmm(y, lag(2 .)) iv(w)', panel.names()));
    const splitDiff = await fitGmm(panel, parseXtabond2('y L.y w, gmm(y, lag(2 .) eq(diff) split) gmm(y, lag(1 1) eq(level)) iv(w)', panel.names()));
    const eqDiff = await fitGmm(panel, parseXtabond2('y L.y w, gmm(y, lag(2 .) eq(diff)) gmm(y, lag(1 1) eq(level)) iv(w)', panel.names()));
    expect(splitDiff.coefficients).toEqual(eqDiff.coefficients);
    expect(splitDiff.warnings).toContain('gmm(y, eq(diff) lag(2 .)): split has no effect in combination with equation(diff)');
    expect(unsplit.warnings.some((w) => w.includes('split'))).toBe(false);
    const diffSplit = await fitGmm(panel, parseXtabond2('y L.y w, gmm(y, lag(2 .) split) iv(w) nolevel', panel.names()));
    expect(diffSplit.coefficients).toEqual(plain.coefficients);
    expect(diffSplit.warnings).toContain('gmm(y, lag(2 .)): split has no effect in difference GMM');
  });

  it('dpds2 changes nothing (xtabond2 3.7\'s Mata code reads it and never uses it), with a note, and survives the command round trip', async () => {
    const panel = smallPanel();
    const command = 'y L.y w, gmm(y, lag(2 .)) iv(w) twostep robust';
    const plain = await fitGmm(panel, parseXtabond2(command, panel.names()));
    const spec = parseXtabond2(`${command} dpds2`, panel.names());
    expect(spec.dpds2).toBe(true);
    expect(parseXtabond2(specToCommand(spec).replace(/^xtabond2 /, ''), panel.names())).toEqual(spec);
    const dpd = await fitGmm(panel, spec);
    expect(dpd.coefficients).toEqual(plain.coefficients);
    expect([dpd.hansen, dpd.sargan, dpd.ar]).toEqual([plain.hansen, plain.sargan, plain.ar]);
    expect(dpd.warnings.filter((w) => !plain.warnings.includes(w))).toEqual([
      "dpds2 ignored: xtabond2 3.7's Mata code, which Stata 11.2 and later run, reads the option and does nothing with it (only its older ado code, under nomata, took σ² from the level equation's residuals)",
    ]);
  });

  it('refuses what it cannot estimate, with typed errors', async () => {
    const panel = smallPanel();
    await expect(fitGmm(panel, modelSpec({ ...sysSpec, regressors: [term('nope')] }))).rejects.toThrow(DataError);
    await expect(fitGmm(panel, modelSpec({ ...sysSpec, gmm: [gmmGroup([term('y')], 'gmm(y, lag(-1 2))', { lagMin: -1, lagMax: 2 })] }))).rejects.toThrow(SpecError);
    await expect(fitGmm(panel, modelSpec({ ...sysSpec, levelEquation: false, arlevels: true }))).rejects.toThrow(/arlevels/);
    await expect(
      fitGmm(panel, modelSpec({ ...sysSpec, levelEquation: false, gmm: [], iv: [ivGroup([term('w')], 'iv(w)')] })),
    ).rejects.toThrow(/not identified/);
    await expect(fitGmm(panel, modelSpec({ ...sysSpec, iv: [ivGroup([term('w')], 'iv(w, passthru)', { passthru: true })] }))).rejects.toThrow(/iv\(w, passthru\): passthru is not valid with equation\(both\) in system GMM/);
  });
});

describe('the other VCE of a robust fit', () => {
  it('equals the SEs of the same model fitted without robust (one- and two-step, small or not, both conventions)', async () => {
    const panel = await loadAbdata();
    for (const command of [
      'n L.n w k, gmm(L.(n w k), collapse) twostep robust',
      'n L.n w k yr*, gmm(L.n) iv(w k yr*) robust small',
      'n L.n w k, gmm(L.n, lag(2 4)) iv(w k) twostep robust small',
      'n L.n L(0/1).w, gmm(L.n) iv(L(0/1).w) nolevel robust',
    ]) {
      for (const conventions of ['current', '2009'] as const) {
        const spec = { ...parseXtabond2(command, panel.names()), conventions };
        const robust = await fitGmm(panel, spec);
        const plain = await fitGmm(panel, { ...spec, robust: false });
        expect(robust.otherSe?.vce, command).toBe(spec.twostep ? 'uncorrected' : 'unadjusted');
        plain.coefficients.forEach((c, k) => expect(Math.abs(robust.otherSe!.se[k] - c.se) / c.se, `${command} ${c.name}`).toBeLessThan(1e-12));
      }
    }
    expect((await fitGmm(panel, parseXtabond2('n L.n w k, gmm(L.(n w k), collapse) twostep', panel.names()))).otherSe).toBeUndefined();
  });
});

describe('fitOnBlocks: specifications that differ only in steps, robust, small or level share blocks', () => {
  it('gives the fit of each specification exactly, and refuses one that needs other blocks', async () => {
    const panel = await loadAbdata();
    const base = parseXtabond2('n L.n w k, gmm(L.(n w k), collapse) iv(w) twostep robust', panel.names());
    const prep = prepareGmm(panel, base);
    const blocks = modelBlocks(prep);
    for (const over of [{}, { twostep: false }, { robust: false }, { twostep: false, robust: false, small: true }, { level: 90 }]) {
      const spec = { ...base, ...over };
      const shared = fitOnBlocks(prep, blocks, spec);
      const own = await fitGmm(panel, spec);
      expect(shared.coefficients).toEqual(own.coefficients);
      expect([shared.hansen, shared.sargan, shared.ar]).toEqual([own.hansen, own.sargan, own.ar]);
    }
    expect(() => fitOnBlocks(prep, blocks, { ...base, h: 2 })).toThrow(/needs other blocks/);
  });

  // A tester's grid: every specification with timedummies, or with what xtabond2 ignores with a note
  // (split in difference GMM), failed with "needs other blocks" (the design resolves the specification).
  it('shares the blocks of a specification the design rewrites: timedummies, split in difference GMM', async () => {
    const panel = await loadAbdata();
    for (const command of ['n L.n w k, gmm(L.n, collapse) iv(w k) timedummies twostep robust', 'n L.n w k, gmm(L.n, collapse split) iv(w k) noleveleq twostep robust']) {
      const base = parseXtabond2(command, panel.names());
      const prep = prepareGmm(panel, base);
      const blocks = modelBlocks(prep);
      for (const over of [{}, { twostep: false, small: true }, { level: 90 }]) {
        const spec = { ...base, ...over };
        const shared = fitOnBlocks(prep, blocks, spec);
        const own = await fitGmm(panel, spec);
        expect(shared.coefficients).toEqual(own.coefficients);
        expect([shared.hansen, shared.sargan, shared.ar, shared.warnings, shared.level]).toEqual([own.hansen, own.sargan, own.ar, own.warnings, own.level]);
      }
    }
  });
});

describe('the per-unit blocks are the dense per-unit products, term for term', () => {
  // blocks.ts walks W's rows over their nonzero columns and compacts dropped regressors in place;
  // here every product is formed the plain way (all columns, then the kept ones picked out), on a
  // model with an all-zero column (the differenced first year dummies), dummies that are zero in most
  // rows, and a regressor dropped for collinearity: every number must be the same double.
  it('zw_i = Z_i′W_i, ee_i = W_i′W_i and the AR lag blocks, difference GMM on abdata', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust', panel.names());
    const prep = prepareGmm(panel, spec);
    const b = modelBlocks(prep, { keepZHZ: true });
    const d = prep.design;
    const { T } = d;
    const rows = new UnitRows(d);
    const z = new InstrumentRows(prep.plan, d);
    const P = 1 + rows.kAll;
    const cols = [0, ...b.keep.map((k) => 1 + k)];
    expect(b.dropped.length).toBeGreaterThan(0);
    const nSym = (b.P * (b.P + 1)) / 2;
    d.units.forEach((unit, i) => {
      rows.load(unit);
      z.fill(rows);
      const w = Array.from({ length: T }, (_, t) => (rows.useT[t] ? [rows.yT[t], ...rows.xT.subarray(t * rows.kAll, (t + 1) * rows.kAll)] : new Array<number>(P).fill(0)));
      const zw = Array.from({ length: b.L }, () => new Array<number>(P).fill(0));
      for (let r = 0; r < T; r++)
        for (let p = z.start[r]; p < z.start[r + 1]; p++) for (let a = 0; a < P; a++) zw[z.col[p]][a] += z.val[p] * w[r][a];
      const cross = (lag: number) => {
        const m = Array.from({ length: P }, () => new Array<number>(P).fill(0));
        for (let r = lag; r < T; r++) for (let a = 0; a < P; a++) for (let c = 0; c < P; c++) m[a][c] += w[r][a] * w[r - lag][c];
        return m;
      };
      expect(Array.from(b.zw.subarray(i * b.L * b.P, (i + 1) * b.L * b.P))).toEqual(zw.flatMap((row) => cols.map((c) => row[c])));
      const ee = cross(0);
      expect(Array.from(b.ee!.subarray(i * b.P * b.P, (i + 1) * b.P * b.P))).toEqual(cols.flatMap((r) => cols.map((c) => ee[Math.min(r, c)][Math.max(r, c)])));
      for (let m = 1; m <= b.artests; m++) {
        const ar = cross(m);
        const sym = cols.flatMap((r, x) => cols.slice(x).map((c) => (r === c ? ar[r][r] : 0.5 * (ar[r][c] + ar[c][r]))));
        const o = (i * b.artests + m - 1) * nSym;
        expect(Array.from(b.ar.subarray(o, o + nSym))).toEqual(sym);
      }
    });
  });
});

describe('per-unit AR blocks', () => {
  it('a one-step non-robust fit builds none (its AR sums walk the design) and gets the result of full blocks', async () => {
    const ab = await loadAbdata();
    const command = 'xtabond2 n L.n w k, gmm(L.n) iv(w k) nolevel';
    const spec = parseXtabond2(command, ab.names());
    const prep = prepareGmm(ab, spec);
    const lean = modelBlocks(prep, { arBlocks: false });
    const full = modelBlocks(prep);
    expect(lean.ar.length).toBe(0);
    expect(full.ar.length).toBe(full.n * full.artests * ((full.P * (full.P + 1)) / 2));
    const viaFull = inference(prep, full, estimatePrepared(prep, full), command);
    // This engine's AR z on full blocks (no published log has a one-step non-robust model).
    expect(viaFull.ar.map((a) => a.z.toFixed(2))).toEqual(['-4.54', '-0.79']);
    expect(inference(prep, lean, estimatePrepared(prep, lean), command)).toEqual(viaFull);
    expect(await fitGmm(ab, spec, command)).toEqual(viaFull);
    expect(() => arSumsRobust(lean, new Float64Array(lean.K), null)).toThrow(/per-unit AR blocks/);
  });
});

describe('blocks in storage the caller provides (a threaded estimate allocates its workers\')', () => {
  it('fills the given zw and ar, the same values as blocks of its own, and refuses storage of other lengths', async () => {
    const ab = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n, lag(1 3)) iv(w k) twostep robust', ab.names());
    const prep = prepareGmm(ab, spec);
    const own = unitBlocks(prep.design, prep.plan);
    const len = blockLengths(prep.design, prep.plan.L, true);
    expect([len.zw, len.ar]).toEqual([own.zw.length, own.ar.length]);
    expect(len.ar).toBeGreaterThan(0);
    const storage = { zw: new Float64Array(new SharedArrayBuffer(8 * len.zw)), ar: new Float64Array(new SharedArrayBuffer(8 * len.ar)) };
    const given = unitBlocks(prep.design, prep.plan, { storage });
    expect(given.zw.buffer).toBe(storage.zw.buffer);
    expect(given.ar.buffer).toBe(storage.ar.buffer);
    expect([...given.zw]).toEqual([...own.zw]);
    expect([...given.ar]).toEqual([...own.ar]);
    expect(blockLengths(prep.design, prep.plan.L, false).ar).toBe(0);
    const short = { zw: storage.zw.subarray(1), ar: storage.ar };
    expect(() => unitBlocks(prep.design, prep.plan, { storage: short })).toThrow(/storage for/);
  });
});
