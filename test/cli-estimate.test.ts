// `sysgmm estimate` end to end: a child process on the bundled data, checked against the numbers
// xtabond2 printed for log 1 of test/fixtures/xtabond2-published.json (Roodman 2009, 3.3).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { stataG } from '../src/report/stata-format.ts';

const LOG1 = 'xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust';

function sysgmm(...args: string[]) {
  const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** x as xtabond2 displays it (%9.0g). */
const shown = (x: number) => Number(stataG(x));
const round = (x: number, d: number) => Number(x.toFixed(d));

// Log 1 as printed: name, coefficient, SE, z, p.
const COEFS: [string, number, number, number, number][] = [
  ['L1.n', 0.6862261, 0.1445943, 4.75, 0.0],
  ['L2.n', -0.0853582, 0.0560155, -1.52, 0.128],
  ['w', -0.6078208, 0.1782055, -3.41, 0.001],
  ['L1.w', 0.3926237, 0.1679931, 2.34, 0.019],
  ['k', 0.3568456, 0.0590203, 6.05, 0.0],
  ['L1.k', -0.0580012, 0.0731797, -0.79, 0.428],
  ['L2.k', -0.0199475, 0.0327126, -0.61, 0.542],
  ['ys', 0.6085073, 0.1725313, 3.53, 0.0],
  ['L1.ys', -0.7111651, 0.2317163, -3.07, 0.002],
  ['L2.ys', 0.1057969, 0.1412021, 0.75, 0.454],
  ['yr1978', 0.0077033, 0.0314106, 0.25, 0.806],
  ['yr1979', 0.0172578, 0.0290922, 0.59, 0.553],
  ['yr1980', 0.0297185, 0.0276617, 1.07, 0.283],
  ['yr1981', -0.004071, 0.0298987, -0.14, 0.892],
  ['yr1982', -0.0193555, 0.0228436, -0.85, 0.397],
  ['yr1983', -0.0136171, 0.0188263, -0.72, 0.469],
];

describe('sysgmm estimate', () => {
  it('--json on log 1 prints the published numbers', () => {
    const r = sysgmm('estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', LOG1, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ estimator: 'difference', steps: 1, vce: 'robust', nobs: 611, ngroups: 140, ninstruments: 41 });
    expect(out.dropped).toEqual(['yr1976', 'yr1977', 'yr1984']);
    expect([out.modelTest.kind, out.modelTest.df1, round(out.modelTest.stat, 2), round(out.modelTest.p, 3)]).toEqual(['wald', 16, 1727.45, 0.0]);
    expect(out.coefficients.map((c: { name: string }) => c.name)).toEqual(COEFS.map((c) => c[0]));
    out.coefficients.forEach((c: { estimate: number; se: number; stat: number; p: number }, i: number) => {
      const [, b, se, z, p] = COEFS[i];
      expect([shown(c.estimate), shown(c.se), round(c.stat, 2), round(c.p, 3)]).toEqual([b, se, z, p]);
    });
    expect(out.ar.map((a: { order: number; z: number; p: number }) => [a.order, round(a.z, 2), round(a.p, 3)])).toEqual([
      [1, -3.6, 0.0],
      [2, -0.52, 0.606],
    ]);
    expect([round(out.sargan.chi2, 2), out.sargan.df, round(out.sargan.p, 3)]).toEqual([67.59, 25, 0.0]);
    expect([round(out.hansen.chi2, 2), out.hansen.df, round(out.hansen.p, 3)]).toEqual([31.38, 25, 0.177]);
    expect(out.diffHansen).toHaveLength(1);
    const d = out.diffHansen[0];
    expect(d.group).toBe('iv(w L.w k L.k L2.k ys L.ys L2.ys yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984)');
    expect([round(d.excluding.chi2, 2), d.excluding.df, round(d.excluding.p, 3)]).toEqual([12.01, 11, 0.363]);
    expect([round(d.difference.chi2, 2), d.difference.df, round(d.difference.p, 3)]).toEqual([19.37, 14, 0.151]);
  });

  it('prints the xtabond2 layout by default', () => {
    const r = sysgmm('estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', LOG1);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain('Dynamic panel-data estimation, one-step difference GMM');
    expect(lines).toContain('Number of instruments = 41                      Obs per group: min =         4');
    expect(lines).toContain('Wald chi2(16) =   1727.45                                      avg =      4.36');
    expect(lines).toContain('         L1. |   .6862261   .1445943     4.75   0.000     .4028266    .9696257');
    expect(lines).toContain('Arellano-Bond test for AR(1) in first differences: z =  -3.60  Pr > z =  0.000');
  });

  it('a bad option exits non-zero, naming the option', () => {
    const r = sysgmm('estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', `${LOG1} svmat`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("sysgmm: option 'svmat' is not supported (results are returned as an object; see --json)\n");
  });

  it('an unknown variable exits non-zero, naming it and its close matches', () => {
    const r = sysgmm('estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n wage2, gmm(L.n)');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sysgmm: variable 'wage2' in the variable list not found; did you mean 'wage'/);
  });
});
