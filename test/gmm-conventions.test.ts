// The current xtabond2 release's conventions (the default) against the 2009 release's (which print
// the published logs, test/gmm-published.test.ts), from the same fit on data/abdata.csv: each
// difference is computed here by hand from the observation counts.
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitGmm, modelBlocks, prepareGmm } from '../src/gmm/fit.ts';
import type { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { term, type ModelSpec } from '../src/spec/types.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { gmmGroup, ivGroup, lags, modelSpec } from './helpers/specs.ts';

const yr = Array.from({ length: 9 }, (_, j) => term(`yr${1976 + j}`));
// Log 3 of the published logs: xtabond2 n L.n L(0/1).(w k) yr*, gmmstyle(L.(n w k)) ivstyle(yr*, equation(level)) robust small
const log3: ModelSpec = modelSpec({
  depvar: term('n'),
  regressors: [term('n', 1), ...lags('w', 0, 1), ...lags('k', 0, 1), ...yr],
  gmm: [gmmGroup([term('n', 1), term('w', 1), term('k', 1)], 'gmm(L.(n w k))')],
  iv: [ivGroup(yr, 'iv(yr1976 ... yr1984, eq(level))', { equation: 'level' })],
  robust: true,
  small: true,
});

describe('xtabond2 conventions: current release (default) and 2009', () => {
  let panel: Panel;
  let nDiff: number;
  let nLevel: number;
  beforeAll(async () => {
    panel = await loadAbdata();
    const b = modelBlocks(prepareGmm(panel, log3));
    nDiff = b.obsTrans.reduce((s, x) => s + x, 0);
    nLevel = b.obsMain.reduce((s, x) => s + x, 0);
  });

  it('the default is the current release', async () => {
    const a = await fitGmm(panel, log3);
    const b = await fitGmm(panel, { ...log3, conventions: 'current' });
    expect(a.sargan!.chi2).toBe(b.sargan!.chi2);
    expect(a.vcov).toEqual(b.vcov);
  });

  it('system GMM Sargan: σ² over the differenced count, so the statistic scales by N_diff/N_level', async () => {
    const old = await fitGmm(panel, { ...log3, conventions: '2009' });
    const now = await fitGmm(panel, log3);
    expect([nDiff, nLevel]).toEqual([751, 891]);
    expect(now.nobs).toBe(891);
    expect(old.sargan!.chi2).toBeCloseTo(186.9, 2); // as log 3 prints it
    expect(now.sargan!.chi2 / old.sargan!.chi2).toBeCloseTo(nDiff / nLevel, 12);
    expect(now.sargan!.chi2).toBeCloseTo(157.54, 2);
    expect(now.sargan!.df).toBe(old.sargan!.df);
    // Coefficients, the Hansen test (no σ²) and the robust AR tests do not move.
    expect(now.coefficients.map((c) => c.estimate)).toEqual(old.coefficients.map((c) => c.estimate));
    expect(now.hansen!.chi2).toBeCloseTo(old.hansen!.chi2, 10);
    expect(now.ar[1].z).toBeCloseTo(old.ar[1].z, 10);
  });

  it('small: (NObs−1)/(NObs−k)·N/(N−1) today against N/(N−1)·NObs/(NObs−k+1) in 2009', async () => {
    const old = await fitGmm(panel, { ...log3, conventions: '2009' });
    const now = await fitGmm(panel, log3);
    const n = now.nobs;
    const k = now.coefficients.length;
    expect(k).toBe(13);
    const ratio = Math.sqrt(((n - 1) * (n - k + 1)) / ((n - k) * n));
    now.coefficients.forEach((c, j) => expect(c.se / old.coefficients[j].se).toBeCloseTo(ratio, 10)); // σ² cancels in the robust V only to rounding
    expect(ratio).not.toBeCloseTo(1, 6);
  });

  it('one-step non-robust system GMM: every SE differs by √(N_level/N_diff), the AR z and Wald follow', async () => {
    const spec = { ...log3, robust: false, small: false };
    const old = await fitGmm(panel, { ...spec, conventions: '2009' });
    const now = await fitGmm(panel, spec);
    const ratio = Math.sqrt(nLevel / nDiff);
    expect(1 / ratio).toBeCloseTo(0.9181, 4);
    now.coefficients.forEach((c, j) => {
      expect(c.estimate).toBe(old.coefficients[j].estimate);
      expect(c.se / old.coefficients[j].se).toBeCloseTo(ratio, 12);
    });
    // Wald chi2 = b'V⁻¹b with V scaled by N_level/N_diff.
    expect(now.modelTest!.stat / old.modelTest!.stat).toBeCloseTo(nDiff / nLevel, 10);
    expect(now.ar[0].z).not.toBeCloseTo(old.ar[0].z, 3);
  });

  it('small, one-step non-robust system GMM: V and σ² scale by wttot/(wttot−k), wttot the differenced count σ² divides by', async () => {
    // xtabond2 3.7 (Roodman), xtabond2_mata(): tmp = wttot/(wttot - k); V = V * tmp (one-step
    // non-robust); sig2 = sig2 * tmp, with wttot = sum(touse[|.\NT|]) in system GMM under h(2)/h(3).
    // Expected digits from the fit without small: .0290475 · √(751/747) = .0291251 (not √(891/887): .0291129).
    const cmd = 'n L.n w k, gmm(L.n) iv(w k)';
    const plain = await fitGmm(panel, parseXtabond2(cmd, panel.names()));
    const small = await fitGmm(panel, parseXtabond2(`${cmd} small`, panel.names()));
    const k = small.coefficients.length;
    expect([k, nDiff, small.nobs]).toEqual([4, 751, 891]);
    expect(plain.coefficients[0].se.toFixed(7)).toBe('0.0290475');
    small.coefficients.forEach((c, j) => expect(c.se / plain.coefficients[j].se).toBeCloseTo(Math.sqrt(nDiff / (nDiff - k)), 12));
    expect(small.coefficients[0].se.toFixed(7)).toBe('0.0291251');
    // F = Wald/DFm on the scaled V, with DFr = NObs − DFm − 1 (NObs, not wttot: xtabond2's NObsEff).
    expect(small.modelTest!.df1).toBe(3);
    expect(small.modelTest!.df2).toBe(891 - 3 - 1);
    expect(small.modelTest!.stat).toBeCloseTo((plain.modelTest!.stat / 3) * ((nDiff - k) / nDiff), 6);
    // The AR tests read σ² scaled the same way, so they move with small.
    expect(small.ar[0].z).not.toBeCloseTo(plain.ar[0].z, 3);
    // The 2009 release divides σ² by NObs, and small's factor with it: NObs/(NObs−k).
    const old = await fitGmm(panel, { ...parseXtabond2(cmd, panel.names()), conventions: '2009' });
    const oldSmall = await fitGmm(panel, { ...parseXtabond2(`${cmd} small`, panel.names()), conventions: '2009' });
    oldSmall.coefficients.forEach((c, j) => expect(c.se / old.coefficients[j].se).toBeCloseTo(Math.sqrt(nLevel / (nLevel - k)), 12));
  });

  it('difference GMM and h(1) system GMM are the same under both', async () => {
    const diff = { ...log3, levelEquation: false, constant: false, iv: [], robust: false };
    const a = await fitGmm(panel, diff);
    const b = await fitGmm(panel, { ...diff, conventions: '2009' });
    expect(a.sargan!.chi2).toBe(b.sargan!.chi2);
    expect(a.vcov).toEqual(b.vcov);
    const h1 = { ...log3, h: 1 as const, robust: false, small: false };
    const c = await fitGmm(panel, h1);
    const d = await fitGmm(panel, { ...h1, conventions: '2009' });
    expect(c.sargan!.chi2).toBe(d.sargan!.chi2);
  });

  it('sysgmm estimate --conventions 2009 prints log 3 as published; a bad value is a usage error', () => {
    const cmd = 'xtabond2 n L.n L(0/1).(w k) yr*, gmmstyle(L.(n w k)) ivstyle(yr*, equation(level)) robust small';
    const run = (...extra: string[]) =>
      spawnSync('npx', ['tsx', 'src/cli/main.ts', 'estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', cmd, '--json', ...extra], {
        encoding: 'utf8',
        timeout: 120_000,
      });
    const old = run('--conventions', '2009');
    expect(old.status).toBe(0);
    expect(Number(JSON.parse(old.stdout).sargan.chi2.toFixed(2))).toBe(186.9);
    const now = run();
    expect(Number(JSON.parse(now.stdout).sargan.chi2.toFixed(2))).toBe(157.54);
    const bad = run('--conventions', '2011');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--conventions must be one of current, 2009');
  });
});

// xtabond2 3.7.0 takes "Obs per group: min" over every unit of its id-sample (TiMinMax =
// minmax(rowsum(tmp))), units without a transformed observation included; the group count and the
// average leave them out. A reviewer's port of the 3.7.0 source prints min 0 here, where sysgmm said 1.
describe('obs per group: min over the sample units, those without an observation included', () => {
  it('abdata if year <= 1978, difference GMM: 80 observations in 80 groups, min 0 (60 units have none)', async () => {
    const panel = await loadAbdata();
    const r = await fitGmm(panel, parseXtabond2('n L.n w k if year <= 1978, gmm(L.n) iv(w k) nolevel', panel.names()));
    expect([r.nobs, r.ngroups]).toEqual([80, 80]);
    expect(r.obsPerGroup).toEqual({ min: 0, avg: 1, max: 1 });
    const all = await fitGmm(panel, parseXtabond2('n L.n w k, gmm(L.n) iv(w k) nolevel', panel.names()));
    expect(all.obsPerGroup.min).toBe(5);
  });
});

// A reviewer's port of xtabond2 3.7.0 gave other difference-in-Hansen statistics (not other estimates)
// for `gmm(L.n, collapse) gmm(w, lag(3 4))`: its test loop takes each group's columns at offsets that
// count T level columns for gmm(w, lag(3 4)) where T − 2 were filled. sysgmm keeps each group's own
// columns and says that xtabond2 differs; with that group first in the command nothing moves there.
describe('difference-in-Hansen groups xtabond2 3.7.0 misplaces', () => {
  const warning = (r: { warnings: string[] }) => r.warnings.find((w) => w.startsWith('Difference-in-Hansen/Sargan: xtabond2 3.7.0 prints other statistics'));
  it('are named in a warning when an uncollapsed eq(both) group with lag limit a ≥ 2 follows another gmm() group in system GMM', async () => {
    const panel = await loadAbdata();
    const fit = (cmd: string) => fitGmm(panel, parseXtabond2(cmd, panel.names()));
    expect(warning(await fit('n L.n w k, gmm(L.n, collapse) gmm(w, lag(3 4)) twostep robust'))).toContain('each variable of gmm(w, lag(3 4)) but fills');
    expect(warning(await fit('n L.n w k, gmm(w, lag(3 4)) gmm(L.n, collapse) twostep robust'))).toBeUndefined();
    expect(warning(await fit('n L.n w k, gmm(L.n, collapse) gmm(w, lag(3 4) collapse) twostep robust'))).toBeUndefined();
    expect(warning(await fit('n L.n w k, gmm(L.n, collapse) gmm(w, lag(3 4)) twostep robust nodiffsargan'))).toBeUndefined();
    expect(warning(await fit('n L.n w k, gmm(L.n) gmm(w, lag(1 3)) nolevel twostep robust'))).toBeUndefined();
  });
});
