// The estimate on worker threads (src/gmm/threaded.ts): the sample units split over 2 and 3 threads
// give the one-thread fit to 1e-12 (as shards do: test/partial-sums.test.ts), with the same counts,
// exclusions, dropped regressors and warnings; a worker's error comes back as the same typed error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { fitGmm } from '../src/gmm/fit.ts';
import { estimateThreads } from '../src/gmm/thread-count.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import type { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { DataError, SpecError } from '../src/errors.ts';
import { errorFromWire, errorToWire } from '../src/gmm/threaded.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { smallPanel } from './helpers/smallPanel.ts';
import { fitNumbers, worstRel } from './helpers/compare-fits.ts';
import { bundleForNode } from './helpers/bundle.ts';

const saved = process.env.SYSGMM_THREADS;
afterEach(() => {
  if (saved === undefined) delete process.env.SYSGMM_THREADS;
  else process.env.SYSGMM_THREADS = saved;
});

async function fitOn(threads: number, panel: Panel, command: string): Promise<GmmResult> {
  process.env.SYSGMM_THREADS = String(threads);
  return fitGmm(panel, parseXtabond2(command, [...panel.names(), panel.idName, panel.timeName]), command);
}

/** What must be equal exactly: counts, layout, the words of the result. */
const exact = (r: GmmResult) => ({
  nobs: r.nobs,
  ngroups: r.ngroups,
  obsPerGroup: r.obsPerGroup,
  ninstruments: r.ninstruments,
  names: r.coefficients.map((c) => c.name),
  dropped: r.dropped,
  warnings: r.warnings,
  excluded: r.excluded,
});

async function expectSameOnThreads(panel: Panel, command: string, threadCounts = [3]): Promise<void> {
  const one = await fitOn(1, panel, command);
  for (const threads of threadCounts) {
    const many = await fitOn(threads, panel, command);
    expect(exact(many), `${command}, ${threads} threads`).toEqual(exact(one));
    const { worst, at } = worstRel(fitNumbers(one), fitNumbers(many));
    expect(worst, `${command}, ${threads} threads, ${at}`).toBeLessThan(1e-12);
  }
}

describe('the estimate on worker threads', () => {
  it('equals one thread on abdata: Roodman (2009) logs, one-step non-robust AR, orthogonal deviations, collinear year dummies, an if condition', async () => {
    const ab = await loadAbdata();
    for (const command of [
      'xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust',
      'xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) twostep robust',
      'xtabond2 n L.n w k yr*, gmm(L.n) iv(w k yr*)',
      'xtabond2 n L.n w k, gmm(L.(n w k), collapse) orthogonal twostep robust artests(3)',
      'xtabond2 n L.n w k if year > 1977, gmm(L.n, lag(2 4)) iv(w k) twostep robust cluster(ind) small',
    ])
      await expectSameOnThreads(ab, command, command.includes('cluster') ? [2, 3] : [3]);
  }, 120_000);

  it('equals one thread under observation weights: the weights summed over the parts, the AR scale of the whole sample', async () => {
    const ab = await loadAbdata();
    const id = ab.column('id');
    const year = ab.column('year');
    const wv = id.map((i, r) => 0.5 + ((7 * i + 3 * year[r]) % 11) / 5);
    const panel = ab
      .withColumn('wv', wv)
      .withColumn('wu', id.map((i) => 1 + (i % 4)))
      .withColumn('wz', wv.map((v, r) => (id[r] % 13 === 0 && year[r] === 1980 ? NaN : v)));
    for (const command of [
      'xtabond2 n L.n w k [aw=wv], gmm(L.n) iv(w k) twostep robust',
      // One step, not robust, orthogonal deviations: the AR test reads the weights' normalization factor.
      'xtabond2 n L.n w k [aw=wv], gmm(L.n) iv(w k) orthogonal nolevel',
      'xtabond2 n L.n w k [fw=wu], gmm(L.n) iv(w k) small',
      'xtabond2 n L.n w k [pw=wz], gmm(L.n, lag(2 4)) iv(w k) cluster(ind) small',
    ]) {
      await expectSameOnThreads(panel, command, [2]);
      const one = (await fitOn(1, panel, command)).weights!;
      const two = (await fitOn(2, panel, command)).weights!;
      expect([two.kind, two.variable]).toEqual([one.kind, one.variable]);
      expect(Math.abs(two.sum / one.sum - 1)).toBeLessThan(1e-14);
    }
  }, 120_000);

  it('equals one thread on a generated panel with gaps, missing values and cluster() over regions that span the parts', async () => {
    const panel = smallPanel(60, 777);
    for (const command of [
      'xtabond2 y L.y x w, gmm(y x, lag(2 4)) iv(w) twostep robust',
      'xtabond2 y L.y x w, gmm(y x, lag(2 3) collapse) iv(w) twostep cluster(region) small',
      'xtabond2 y L.y x, gmm(y, lag(2 .)) iv(x) nolevel robust h(1)',
    ])
      await expectSameOnThreads(panel, command);
  }, 120_000);

  it('a worker has the unit labels where cluster() reads them: cluster(id); clusters that change within units, and multi-way', async () => {
    const ab = await loadAbdata();
    await expectSameOnThreads(ab, 'xtabond2 n L.n w k, gmm(L.n) iv(w k) twostep robust cluster(id) small', [2]);
    // A cluster variable constant within firms but one, in the second thread's part: that firm's
    // observations fall in two clusters (clusters.ts pieces).
    const odd = ab.nunits - 3;
    const c = new Float64Array(ab.nrows);
    for (let i = 0; i < ab.nunits; i++) c.fill(i % 7, ab.offsets[i], ab.offsets[i + 1]);
    c[ab.offsets[odd] + 3] = 99;
    const panel = ab.withColumn('c', c);
    for (const cl of ['c', 'id year', 'ind year c'])
      await expectSameOnThreads(panel, `xtabond2 n L.n w k, gmm(L.n) iv(w k) twostep robust cluster(${cl}) small`, [2, 3]);
  }, 60_000);

  it("a worker's error reaches the calling thread as the same kind, with its message and where", () => {
    const spec = errorFromWire(errorToWire(new SpecError('cluster(x): something', 'cluster')));
    expect(spec).toBeInstanceOf(SpecError);
    expect([spec.message, (spec as SpecError).option]).toEqual(['cluster(x): something', 'cluster']);
    const data = errorFromWire(errorToWire(new DataError('bad value', { column: 'w', row: 7 })));
    expect(data).toBeInstanceOf(DataError);
    expect([data.message, (data as DataError).where]).toEqual(['bad value', { column: 'w', row: 7 }]);
    expect(errorFromWire(errorToWire(new Error('internal')))).not.toBeInstanceOf(SpecError);
  });

  it('SYSGMM_THREADS is checked; without it, one thread below THREAD_MIN_WORK', async () => {
    const ab = await loadAbdata();
    const command = 'xtabond2 n L.n w k, gmm(L.n) iv(w k)';
    process.env.SYSGMM_THREADS = 'two';
    await expect(fitGmm(ab, parseXtabond2(command, ab.names()))).rejects.toThrow(/SYSGMM_THREADS must be a whole number/);
    delete process.env.SYSGMM_THREADS;
    expect(estimateThreads({ units: new Int32Array(140), T: 9 }, 41)).toBe(1);
    // T = 10, work units × T × (1 + L/20): with 9 instruments 100,000 units are 1.45e6, 50,000 are 7.25e5; with 59, 40,000 are 1.58e6, 20,000 are 7.9e5.
    expect(estimateThreads({ units: new Int32Array(200_000), T: 10 }, 9)).toBe(availableParallelism());
    expect(estimateThreads({ units: new Int32Array(100_000), T: 10 }, 9)).toBe(availableParallelism());
    expect(estimateThreads({ units: new Int32Array(50_000), T: 10 }, 9)).toBe(1);
    expect(estimateThreads({ units: new Int32Array(40_000), T: 10 }, 59)).toBe(availableParallelism());
    expect(estimateThreads({ units: new Int32Array(20_000), T: 10 }, 59)).toBe(1);
    process.env.SYSGMM_THREADS = '8';
    // Never more threads than sample units.
    expect(estimateThreads({ units: new Int32Array(3), T: 9 }, 41)).toBe(3);
  });

  it('a worker that cannot start leaves its part to the calling thread (a program bundled without thread-worker.js)', async () => {
    // Inside node_modules, so that the bundle finds the packages it leaves out (optional backends, parquet-wasm).
    const dir = mkdtempSync(join(process.cwd(), 'node_modules', '.sysgmm-threads-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const src = (p: string) => JSON.stringify(join(process.cwd(), 'src', p));
      writeFileSync(
        join(dir, 'entry.ts'),
        `import { readTable } from ${src('data/read.ts')};
         import { Panel } from ${src('panel/panel.ts')};
         import { fitGmm } from ${src('gmm/fit.ts')};
         import { parseXtabond2 } from ${src('spec/parse.ts')};
         const panel = Panel.fromTable(await readTable(process.argv[2]), { id: 'id', time: 'year' });
         const r = await fitGmm(panel, parseXtabond2(process.argv[3], panel.names()));
         console.log(JSON.stringify({ b: r.coefficients.map((c) => [c.estimate, c.se]), hansen: r.hansen?.chi2, nobs: r.nobs }));`,
      );
      await bundleForNode(join(dir, 'entry.ts'), join(dir, 'fit.js'), ['webgpu', '@tensorflow/*', '@resvg/resvg-js', 'parquet-wasm', 'highs', 'exceljs', 'vega', 'vega-lite']);
      const command = 'n L.n w k, gmm(L.(n w k), collapse) twostep robust cluster(ind)';
      const run = (threads: string) => spawnSync(process.execPath, [join(dir, 'fit.js'), 'data/abdata.csv', command], { encoding: 'utf8', env: { ...process.env, SYSGMM_THREADS: threads } });
      const one = run('1');
      const two = run('2');
      expect(one.status, one.stderr).toBe(0);
      expect(two.status, two.stderr).toBe(0);
      const a = JSON.parse(one.stdout) as { b: number[][]; hansen: number; nobs: number };
      const b = JSON.parse(two.stdout) as typeof a;
      expect(b.nobs).toBe(a.nobs);
      a.b.flat().forEach((x, j) => expect(Math.abs(x - b.b.flat()[j])).toBeLessThanOrEqual(1e-12 * Math.abs(x)));
      expect(Math.abs(b.hansen - a.hansen)).toBeLessThanOrEqual(1e-12 * a.hansen);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('the compiled CLI on two threads prints what it prints on one', () => {
    const args = ['bin/sysgmm.mjs', 'estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) twostep robust'];
    const run = (threads: string) => spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, SYSGMM_THREADS: threads } });
    const one = run('1');
    const two = run('2');
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toContain('Hansen test of overid. restrictions');
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toBe(one.stderr);
  });
});
