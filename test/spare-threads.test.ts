// Worker threads started ahead of a fit (src/gmm/spare-threads.ts): a threaded fit takes them instead
// of starting its own, a fit on one thread ends them, and the data size decides how many start.
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../src/input/load-model.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import { prestartThreads, spareThreadCount } from '../src/gmm/spare-threads.ts';
import { PRESTART_MIN_ROWS, prestartCount } from '../src/gmm/thread-count.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { fitNumbers, worstRel } from './helpers/compare-fits.ts';

/** Worker threads started through startModuleWorker, counted. */
const started = vi.hoisted(() => ({ n: 0 }));
vi.mock('../src/module-worker.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../src/module-worker.ts')>();
  return {
    ...m,
    startModuleWorker: (...args: Parameters<typeof m.startModuleWorker>) => {
      started.n++;
      return m.startModuleWorker(...args);
    },
  };
});

const saved = process.env.SYSGMM_THREADS;
afterEach(() => {
  if (saved === undefined) delete process.env.SYSGMM_THREADS;
  else process.env.SYSGMM_THREADS = saved;
});

const command = 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust';

describe('worker threads started ahead of a fit', () => {
  it('a fit on two threads takes the worker started ahead (one worker in all) and gives the one-thread numbers', async () => {
    const ab = await loadAbdata();
    const spec = parseXtabond2(command, ab.names());
    process.env.SYSGMM_THREADS = '1';
    started.n = 0;
    const one = await fitGmm(ab, spec, command);
    expect(started.n).toBe(0);

    process.env.SYSGMM_THREADS = '2';
    prestartThreads(1);
    expect(spareThreadCount()).toBe(1);
    const two = await fitGmm(ab, spec, command);
    expect(started.n).toBe(1);
    expect(spareThreadCount()).toBe(0);
    const { worst, at } = worstRel(fitNumbers(one), fitNumbers(two));
    expect(worst, at).toBeLessThan(1e-12);

    // Without a spare, fitGmm starts the worker itself ahead of its design, and still only one.
    started.n = 0;
    await fitGmm(ab, spec, command);
    expect(started.n).toBe(1);
  }, 60_000);

  it('a fit on one thread ends the workers started ahead', async () => {
    delete process.env.SYSGMM_THREADS;
    const ab = await loadAbdata();
    prestartThreads(1);
    expect(spareThreadCount()).toBe(1);
    const r = await fitGmm(ab, parseXtabond2(command, ab.names()), command);
    expect(r.nobs).toBe(891);
    expect(spareThreadCount()).toBe(0);
  }, 60_000);

  it('the data size decides how many start: none below PRESTART_MIN_ROWS, one per further core from it; SYSGMM_THREADS when set', async () => {
    delete process.env.SYSGMM_THREADS;
    expect(PRESTART_MIN_ROWS).toBe(550_000);
    expect(prestartCount(PRESTART_MIN_ROWS - 1)).toBe(0);
    expect(prestartCount(PRESTART_MIN_ROWS)).toBe(availableParallelism() - 1);
    process.env.SYSGMM_THREADS = '3';
    expect(prestartCount(10)).toBe(2);
    process.env.SYSGMM_THREADS = '1';
    expect(prestartCount(10_000_000)).toBe(0);
    // An invalid value starts none (estimateThreads then refuses it).
    process.env.SYSGMM_THREADS = 'two';
    expect(prestartCount(10_000_000)).toBe(0);

    // loadModel(…, { fit: true }) starts them as soon as the rows are read.
    process.env.SYSGMM_THREADS = '2';
    const path = new URL('../data/abdata.csv', import.meta.url).pathname;
    const opts = { id: 'id', time: 'year', xtabond2: command };
    await loadModel(path, opts);
    expect(spareThreadCount()).toBe(0);
    const { panel, spec } = await loadModel(path, opts, { fit: true });
    expect(spareThreadCount()).toBe(1);
    await fitGmm(panel, spec, command);
    expect(spareThreadCount()).toBe(0);
  }, 60_000);
});
