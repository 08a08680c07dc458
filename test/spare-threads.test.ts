// Worker threads kept between fits (src/gmm/spare-threads.ts): started ahead of a fit, taken by a
// threaded fit instead of starting its own, given back when it is done (its part's blocks released)
// for the next fit, and left waiting by a fit on one thread; the data size decides how many start.
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../src/input/load-model.ts';
import { giveBackThread, prestartThreads, spareThreadCount, takeSpareThread } from '../src/gmm/spare-threads.ts';
import { PRESTART_MIN_ROWS, prestartCount } from '../src/gmm/thread-count.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { fitGmm, prepareGmm } from '../src/gmm/fit.ts';
import { Part } from '../src/gmm/threaded.ts';
import { loadAbdata } from './helpers/abdata.ts';
import { fitNumbers, worstRel } from './helpers/compare-fits.ts';

/** Worker threads started through startModuleWorker, counted; `broken`: the next one answers every
 *  request with an error that is neither the data's nor the model's; `failPass`: the next one answers
 *  its first pass request at once with a DataError, before any other part can answer its own. */
const started = vi.hoisted(() => ({ n: 0, broken: false, failPass: false }));
vi.mock('../src/module-worker.ts', async (importOriginal) => {
  const m = await importOriginal<typeof import('../src/module-worker.ts')>();
  const { Worker } = await import('node:worker_threads');
  const { EventEmitter } = await import('node:events');
  /** A real thread worker whose first 'pass' request is answered here, in a microtask, with a DataError. */
  class FailingPass extends EventEmitter {
    private failed = false;
    constructor(private readonly real: InstanceType<typeof Worker>) {
      super();
      for (const event of ['message', 'error', 'exit']) real.on(event, (v: unknown) => this.emit(event, v));
    }
    postMessage(req: { op: string }) {
      if (req.op === 'pass' && !this.failed) {
        this.failed = true;
        queueMicrotask(() => this.emit('message', { error: { kind: 'DataError', message: 'boom in one part' } }));
      } else this.real.postMessage(req);
    }
    terminate() {
      return this.real.terminate();
    }
    ref() {
      this.real.ref();
    }
    unref() {
      this.real.unref();
    }
    get threadId() {
      return this.real.threadId;
    }
  }
  return {
    ...m,
    startModuleWorker: (...args: Parameters<typeof m.startModuleWorker>) => {
      started.n++;
      if (started.broken) {
        started.broken = false;
        const answer = "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage({ error: { kind: 'Error', message: 'broken' } }))";
        return new Worker(answer, { eval: true });
      }
      if (started.failPass) {
        started.failPass = false;
        return new FailingPass(m.startModuleWorker(...args)) as unknown as InstanceType<typeof Worker>;
      }
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
/** Another model, on other blocks (more instruments, AR blocks of a robust one-step fit). */
const other = 'xtabond2 n L.n w k, gmm(L.(n w), lag(1 3)) iv(k) robust';

describe('worker threads kept between fits', () => {
  it('a fit on two threads takes the waiting worker and gives it back, and the next fits use it again: one worker started in all, the one-thread numbers each time', async () => {
    const ab = await loadAbdata();
    const spec = parseXtabond2(command, ab.names());
    const spec2 = parseXtabond2(other, ab.names());
    process.env.SYSGMM_THREADS = '1';
    started.n = 0;
    const one = await fitGmm(ab, spec, command);
    const one2 = await fitGmm(ab, spec2, other);
    expect(started.n).toBe(0);

    process.env.SYSGMM_THREADS = '2';
    prestartThreads(1);
    const waiting = spareThreadCount();
    expect(waiting).toBeGreaterThanOrEqual(1);
    const two = await fitGmm(ab, spec, command);
    expect(spareThreadCount()).toBe(waiting);
    // The worker released the first fit's blocks: the next model's numbers are its own.
    const two2 = await fitGmm(ab, spec2, other);
    const again = await fitGmm(ab, spec, command);
    expect(started.n).toBe(waiting);
    expect(spareThreadCount()).toBe(waiting);
    for (const [a, b] of [[one, two], [one2, two2], [one, again]] as const) {
      const { worst, at } = worstRel(fitNumbers(a), fitNumbers(b));
      expect(worst, at).toBeLessThan(1e-12);
    }
  }, 60_000);

  it('without a waiting worker a threaded fit starts its own, and leaves it waiting', async () => {
    const ab = await loadAbdata();
    process.env.SYSGMM_THREADS = String(spareThreadCount() + 2);
    started.n = 0;
    const before = spareThreadCount();
    await fitGmm(ab, parseXtabond2(command, ab.names()), command);
    expect(started.n).toBe(1);
    expect(spareThreadCount()).toBe(before + 1);
  }, 60_000);

  it('a worker that fails its requests, its release too, is ended, not kept, and this thread does its part', async () => {
    const ab = await loadAbdata();
    const spec = parseXtabond2(command, ab.names());
    process.env.SYSGMM_THREADS = '1';
    const one = await fitGmm(ab, spec, command);
    process.env.SYSGMM_THREADS = String(spareThreadCount() + 2);
    const before = spareThreadCount();
    started.n = 0;
    started.broken = true;
    const two = await fitGmm(ab, spec, command);
    expect(started.n).toBe(1);
    expect(spareThreadCount()).toBe(before);
    const { worst, at } = worstRel(fitNumbers(one), fitNumbers(two));
    expect(worst, at).toBeLessThan(1e-12);
  }, 60_000);

  it('a worker still computing when another part fails is ended, not kept: its late answer would answer the next fit', async () => {
    const ab = await loadAbdata();
    const spec = parseXtabond2(command, ab.names());
    process.env.SYSGMM_THREADS = '1';
    const one = await fitGmm(ab, spec, command);
    // Every waiting worker and two new ones, the first new one failing its first pass at once, while
    // the others still compute theirs.
    const before = spareThreadCount();
    process.env.SYSGMM_THREADS = String(before + 3);
    started.n = 0;
    started.failPass = true;
    await expect(fitGmm(ab, spec, command)).rejects.toThrow('boom in one part');
    expect(started.n).toBe(2);
    // Those still computing were ended; the failing one (a DataError: it is sound) waits.
    expect(spareThreadCount()).toBe(1);
    // The next fits, on every waiting worker, answer their own requests.
    process.env.SYSGMM_THREADS = String(spareThreadCount() + 1);
    for (let k = 0; k < 2; k++) {
      const r = await fitGmm(ab, spec, command);
      const { worst, at } = worstRel(fitNumbers(one), fitNumbers(r));
      expect(worst, at).toBeLessThan(1e-12);
    }
  }, 60_000);

  it('a fit on one thread leaves the waiting workers for the next fit', async () => {
    delete process.env.SYSGMM_THREADS;
    const ab = await loadAbdata();
    prestartThreads(1);
    const waiting = spareThreadCount();
    started.n = 0;
    const r = await fitGmm(ab, parseXtabond2(command, ab.names()), command);
    expect(r.nobs).toBe(891);
    expect(started.n).toBe(0);
    expect(spareThreadCount()).toBe(waiting);
  }, 60_000);

  it('a part given back drops its blocks: asked again before a new build, it refuses', async () => {
    const ab = await loadAbdata();
    const { design, plan } = prepareGmm(ab, parseXtabond2(command, ab.names()));
    const { panel, ...rest } = design;
    const part = new Part();
    part.handle({ op: 'build', panel: panel.toWire([]), design: rest, plan, arBlocks: true });
    expect(part.handle({ op: 'pass', request: { pass: 'moments' } })).not.toBeNull();
    expect(part.handle({ op: 'release' })).toBeNull();
    expect(() => part.handle({ op: 'pass', request: { pass: 'moments' } })).toThrow('a part was asked before its blocks were built');
  });

  it('a waiting worker keeps no listener from earlier waits, and one that ends leaves the list', async () => {
    prestartThreads(1);
    const n = spareThreadCount();
    let spare = takeSpareThread()!;
    const listeners = spare.worker.listenerCount('exit') + spare.worker.listenerCount('error');
    for (let i = 0; i < 15; i++) {
      giveBackThread(spare.worker);
      spare = takeSpareThread()!;
    }
    expect(spare.worker.listenerCount('exit') + spare.worker.listenerCount('error')).toBe(listeners);
    giveBackThread(spare.worker);
    expect(spareThreadCount()).toBe(n);
    await spare.worker.terminate();
    await new Promise((r) => setImmediate(r));
    expect(spareThreadCount()).toBe(n - 1);
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

    // loadModel(…, { fit: true }) has them waiting as soon as the rows are read: as many as the fit will
    // take (counting those waiting already).
    const want = spareThreadCount() + 1;
    process.env.SYSGMM_THREADS = String(want + 1);
    const path = new URL('../data/abdata.csv', import.meta.url).pathname;
    const opts = { id: 'id', time: 'year', xtabond2: command };
    started.n = 0;
    await loadModel(path, opts);
    expect(started.n).toBe(0);
    const { panel, spec } = await loadModel(path, opts, { fit: true });
    expect(started.n).toBe(1);
    expect(spareThreadCount()).toBe(want);
    await fitGmm(panel, spec, command);
    expect(started.n).toBe(1);
    expect(spareThreadCount()).toBe(want);
  }, 60_000);
});
