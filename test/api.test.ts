// The library API (src/index.ts): estimate returns the --json object with a named covariance matrix,
// predictions, Wald tests and linear combinations; each checked by hand from the reported b and V.
import { describe as suite, expect, it } from 'vitest';
import { describe, estimate, loadPanel, readTable } from '../src/index.ts';
import { toJsonObject } from '../src/report/json.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { chi2Upper, fUpper } from '../src/stats/distributions.ts';

const CMD = 'n L.n L(0/1).(w k) yr*, gmm(L.(n w k), collapse) iv(yr*, eq(level)) twostep robust';
const AT = { id: 'id', time: 'year' };

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

  it('vcovMatrix names both axes', () => {
    const m = r.vcovMatrix();
    expect(m.names).toEqual(r.coefficients.map((c) => c.name));
    expect(m.get('w', 'L1.w')).toBe(r.vcov[at('w') * K + at('L1.w')]);
    expect(m.rows[at('k')][at('k')]).toBeCloseTo(r.coefficients[at('k')].se ** 2, 15);
    expect(() => m.get('w', 'nope')).toThrow(/no coefficient 'nope'/);
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

  it('describe returns the --json description', async () => {
    const d = await describe('data/abdata.csv', { ...AT, vars: ['n', 'w'] });
    expect(d).toMatchObject({ units: 140, observations: 1031 });
  });
});
