// Identification counts only instruments that are non-zero somewhere (and their rank); a collapsed
// level-equation instrument that is zero for every observation stays where it is, a column that does
// not count, as in xtabond2 3.7.0.
import { tableFromArrays } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { fitGmm } from '../src/gmm/fit.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { movedInstrumentColumns } from './helpers/smallPanel.ts';

describe('identification check', () => {
  let panel: Panel;
  beforeAll(async () => {
    panel = await loadAbdata();
  });

  it('refuses the system model whose only non-zero instruments are iv(w) and the constant', async () => {
    // xtabond2 prints "Number of instruments = 2" for three parameters here: lags 20-22 do not exist
    // on the 9-year grid, so every gmm-style column is zero.
    const cmd = 'n L.n w, gmm(n, lag(20 22)) iv(w) twostep robust';
    await expect(fitGmm(panel, parseXtabond2(cmd, panel.names()))).rejects.toThrow('Equation not identified: 3 regressors but 2 instruments');
    await expect(fitGmm(panel, parseXtabond2(`${cmd} nolevel`, panel.names()))).rejects.toThrow('Equation not identified: 2 regressors but 1 instruments');
  });

  it('exactly collinear instruments do not identify either', async () => {
    // iv(w w2) with w2 = 2w spans one direction: with the constant, 2 instruments for 3 parameters.
    const p = panel.withColumn('w2', panel.column('w').map((x) => 2 * x));
    await expect(fitGmm(p, parseXtabond2('n L.n w, gmm(n, lag(20 22)) iv(w w2) twostep robust', p.names()))).rejects.toThrow(
      'Equation not identified: 3 regressors but 2 instruments',
    );
  });
});

describe('all-zero collapsed level instrument', () => {
  // 40 units × 6 periods; x changes only between periods 0 and 1, and the regressor w is missing in
  // period 2, so the level rows in use (periods 1, 3, 4, 5) never see Δx at lag 1: gmm(x, lag(2 4)
  // collapse)'s level instrument Δx_{t−1} is zero everywhere.
  const panel = Panel.fromTable(tableFromArrays(movedInstrumentColumns()), { id: 'id', time: 'year' });
  const cols = ['id', 'year', 'y', 'x', 'w'];

  // xtabond2 3.7.0's _MakeGMMinsts has a loop meant to move such a column to a deeper lag, but it
  // starts past the columns it was to search (SubscriptsInst[1,2] is advanced before it), so it never
  // runs: the column stays at lag 1, all zero. (An earlier sysgmm moved it, as the loop's comment says.)
  it('stays at Δx lag 1, a zero column that does not count: the fit equals the one with that instrument written out', async () => {
    const r = await fitGmm(panel, parseXtabond2('y x w, gmm(x, lag(2 4) collapse) iv(w) twostep robust', cols));
    const atLag1 = await fitGmm(panel, parseXtabond2('y x w, gmm(x, lag(2 4) collapse eq(diff)) gmm(x, lag(1 1) collapse eq(level)) iv(w) twostep robust', cols));
    const atLag2 = await fitGmm(panel, parseXtabond2('y x w, gmm(x, lag(2 4) collapse eq(diff)) gmm(x, lag(2 2) collapse eq(level)) iv(w) twostep robust', cols));
    expect(r.ninstruments).toBe(atLag1.ninstruments);
    expect(r.ninstruments).toBe(atLag2.ninstruments - 1);
    r.coefficients.forEach((c, k) => {
      expect(c.estimate).toBeCloseTo(atLag1.coefficients[k].estimate, 12);
      expect(c.se).toBeCloseTo(atLag1.coefficients[k].se, 12);
      expect(Math.abs(c.estimate - atLag2.coefficients[k].estimate)).toBeGreaterThan(1e-6);
    });
    expect(r.hansen!.chi2).toBeCloseTo(atLag1.hansen!.chi2, 10);
    expect(r.hansen!.df).toBe(atLag1.hansen!.df);
  });

  it('stays within the lag limits: with lag(2 2) there is no deeper lag to move to', async () => {
    const r = await fitGmm(panel, parseXtabond2('y x w, gmm(x, lag(2 2) collapse) iv(w) twostep robust', cols));
    const explicit = await fitGmm(panel, parseXtabond2('y x w, gmm(x, lag(2 2) collapse eq(diff)) iv(w) twostep robust', cols));
    // The level column stays at lag 1, all zero, and does not count.
    expect(r.ninstruments).toBe(explicit.ninstruments);
    r.coefficients.forEach((c, k) => expect(c.estimate).toBeCloseTo(explicit.coefficients[k].estimate, 12));
  });
});
