// The page warmer (src/gmm/page-warmer.ts): a helper thread that touches the pages of a single-threaded
// unit pass's blocks ahead of it. It must touch every page and change no value the pass writes, and a
// fit with it must be the fit without it, bit for bit.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PageWarmer, pagesWarmed, startPageWarmer, WARM_MIN_BYTES } from '../src/gmm/page-warmer.ts';
import { WARM_STEP_UNITS } from '../src/gmm/page-warmer-layout.ts';
import { blockLengths, unitBlocks } from '../src/gmm/blocks.ts';
import { prepareGmm } from '../src/gmm/fit.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { loadAbdata } from './helpers/abdata.ts';

const pages = (values: number): number => Math.ceil((values * 8) / 4096);

describe('page warmer', () => {
  it('touches every page of the blocks while the pass has not overtaken it, and keeps every value written before and while it runs', async () => {
    // 1,000 units of 201 zw values (unit boundaries inside pages) and 5 AR values.
    const lengths = { zw: 201_000, ar: 5_000 };
    const before = await pagesWarmed();
    const w = new PageWarmer(lengths, 1000);
    const zw = new Int32Array(w.storage.zw.buffer);
    const ar = new Int32Array(w.storage.ar.buffer);
    // Half the words before the helper has started (it loads tsx first), the rest in slices while it may
    // run; the progress word stays 0, so the helper never jumps.
    for (let j = 0; j < zw.length / 2; j++) zw[j] = j + 1;
    for (let j = 0; j < ar.length; j++) ar[j] = -(j + 1);
    for (let j0 = zw.length / 2; j0 < zw.length; j0 += 4096) {
      for (let j = j0; j < Math.min(zw.length, j0 + 4096); j++) zw[j] = j + 1;
      await new Promise((r) => setImmediate(r));
    }
    expect((await pagesWarmed()) - before).toBe(pages(lengths.zw) + pages(lengths.ar));
    w.end();
    let wrong = 0;
    for (let j = 0; j < zw.length; j++) if (zw[j] !== j + 1) wrong++;
    for (let j = 0; j < ar.length; j++) if (ar[j] !== -(j + 1)) wrong++;
    expect(wrong).toBe(0);
  });

  it('starts just past the units the pass has written (WARM_STEP_UNITS ahead), leaving the pages before to the pass', async () => {
    const units = 1000;
    const lengths = { zw: units * 201, ar: units * 20 };
    const before = await pagesWarmed();
    const w = new PageWarmer(lengths, units);
    w.storage.progress![0] = 400;
    const from = 400 + WARM_STEP_UNITS;
    // The pages from the one holding unit `from`'s first 32-bit word to the end, in each block of len f64 values.
    const rest = (len: number) => pages(len) - Math.floor(Math.floor((from * 2 * len) / units) / 1024);
    expect((await pagesWarmed()) - before).toBe(rest(lengths.zw) + rest(lengths.ar));
    w.end();
  });

  it('handles empty AR storage (a one-step non-robust fit keeps no AR blocks)', async () => {
    const before = await pagesWarmed();
    const w = new PageWarmer({ zw: 1024, ar: 0 }, 2);
    expect((await pagesWarmed()) - before).toBe(2);
    w.end();
  });

  it('the unit pass writes its progress into the storage it is given, unit by unit', async () => {
    const panel = await loadAbdata();
    const spec = parseXtabond2('n L.n w k, gmm(L.n) iv(w k) twostep robust', panel.names());
    const prep = prepareGmm(panel, spec);
    const lengths = blockLengths(prep.design, prep.plan.L, true);
    const progress = new Int32Array(1);
    const seen: number[] = [];
    // A view whose writes are recorded: the pass must publish every unit, in order.
    const recorder = new Proxy(progress, { set: (t, k, v) => (k === '0' && seen.push(v as number), Reflect.set(t, k, v)) });
    const b = unitBlocks(prep.design, prep.plan, { storage: { zw: new Float64Array(lengths.zw), ar: new Float64Array(lengths.ar), progress: recorder } });
    expect(b.n).toBe(140);
    expect(seen).toEqual(Array.from({ length: 140 }, (_, i) => i + 1));
  });

  it('is not started for blocks under WARM_MIN_BYTES, nor from the TypeScript sources', () => {
    expect(startPageWarmer({ zw: WARM_MIN_BYTES / 8 - 1, ar: 0 }, 1)).toBeNull();
    // These tests run the sources under tsx: the compiled module decides the rest (next test).
    expect(startPageWarmer({ zw: WARM_MIN_BYTES, ar: 0 }, 1)).toBeNull();
  });

  const dir = mkdtempSync(join(tmpdir(), 'sysgmm-page-warmer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(availableParallelism() < 2)('a compiled fit with the helper equals the fit without it, bit for bit (N = 20,000, 59 instruments)', () => {
    const dist = (p: string) => JSON.stringify(pathToFileURL(join(process.cwd(), 'dist', p)).href);
    const script = join(dir, 'fit.mjs');
    writeFileSync(
      script,
      `import { Panel } from ${dist('panel/panel.js')};
       import { arMode, fitGmm, prepareGmm } from ${dist('gmm/fit.js')};
       import { blockLengths } from ${dist('gmm/blocks.js')};
       import { pagesWarmed } from ${dist('gmm/page-warmer.js')};
       import { parseXtabond2 } from ${dist('spec/parse.js')};
       const n = 20000, T = 10;
       let s = 7;
       const unif = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), (s + 0.5) / 4294967296);
       const normal = () => Math.sqrt(-2 * Math.log(unif())) * Math.cos(2 * Math.PI * unif());
       const y = new Float64Array(n * T), x = new Float64Array(n * T), time = new Float64Array(n * T);
       const unitOf = new Int32Array(n * T), offsets = new Int32Array(n + 1);
       for (let i = 0; i < n; i++) {
         const a = normal();
         let yl = a, xl = a;
         for (let t = -5; t < T; t++) {
           xl = 0.7 * xl + 0.5 * a + normal();
           yl = 0.5 * yl + 0.3 * xl + a + normal();
           if (t >= 0) { const r = i * T + t; y[r] = yl; x[r] = xl; time[r] = 2001 + t; unitOf[r] = i; }
         }
         offsets[i + 1] = (i + 1) * T;
       }
       const panel = new Panel('id', 'year', Array.from({ length: n }, (_, i) => i + 1), offsets, unitOf, time, new Map([['y', y], ['x', x]]), new Map());
       const spec = parseXtabond2('y L.y x, gmm(y x, lag(2 4)) twostep robust', ['y', 'x']);
       const prep = prepareGmm(panel, spec);
       const blocks = blockLengths(prep.design, prep.plan.L, arMode(spec) === 'robust');
       const r = await fitGmm(panel, spec);
       console.log(JSON.stringify({ blocks, pages: await pagesWarmed(), instruments: r.ninstruments, b: r.coefficients.map((c) => [c.estimate, c.se]), hansen: r.hansen.chi2, sargan: r.sargan.chi2, ar: r.ar.map((a) => a.z) }));`,
    );
    const run = (env: NodeJS.ProcessEnv) => {
      const { GLIBC_TUNABLES: _g, SYSGMM_THREADS: _t, ...rest } = process.env;
      const p = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...rest, ...env } });
      expect(p.status, p.stderr).toBe(0);
      return JSON.parse(p.stdout) as { blocks: { zw: number; ar: number }; pages: number; instruments: number; b: number[][] };
    };
    const warmed = run({});
    const plain = run({ SYSGMM_THREADS: '1' });
    expect(warmed.instruments).toBe(59);
    // zw_i: the plan's 63 instrument columns (4 of them zero in every unit and not counted) × [y X] (4);
    // ar_i: 2 AR orders × 10 packed entries.
    expect(warmed.blocks).toEqual({ zw: 20_000 * 63 * 4, ar: 20_000 * 2 * 10 });
    // The helper starts after the pass and jumps past the units written by then: some pages, not more than all.
    expect(warmed.pages).toBeGreaterThan(0);
    expect(warmed.pages).toBeLessThanOrEqual(pages(warmed.blocks.zw) + pages(warmed.blocks.ar));
    expect(plain.pages).toBe(0);
    expect({ ...warmed, pages: 0 }).toEqual(plain);
  });
});
