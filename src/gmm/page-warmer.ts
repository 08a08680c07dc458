// Pages of the per-unit blocks provided ahead of the unit pass, on the idle core.
//
// A single-threaded estimate writes its per-unit blocks zw_i and ar_i (blocks.ts) into memory the
// process has not touched before: 43.5 MB at N = 20,000, T = 10 with 59 instruments (63 plan
// columns). The operating system provides each 4 KiB page at its first write, and on the virtual
// machine of bench/RESULTS.md ("Page faults, counted") that costs 12–15 µs a page, a third of that
// fit. Faults of two threads are served side by side there, so a helper thread touches the pages
// just ahead of the unit pass, which publishes how many units it has written (BlockStorage.progress;
// bench/RESULTS.md "The helper just ahead of the pass"). glibc's huge pages (hugetlb=1 or 2) make the
// helper needless.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../module-worker.ts';
import type { BlockStorage } from './blocks.ts';
import { CONTROL_DONE, CONTROL_STOP } from './page-warmer-layout.ts';

/** Bytes of blocks from which a helper pays: below it the pass is about over by the time a thread
 *  has started (~50 ms there), and the thread's start delays V8's compiler threads on the other core. */
export const WARM_MIN_BYTES = 16 << 20;

/** Pages touched by the helpers of this process that have answered, and those yet to answer (for the tests). */
let touched = 0;
const pending = new Set<Promise<void>>();

export class PageWarmer {
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  /** Shared storage for the unit pass, which the helper touches, and the pass's progress word. */
  readonly storage: BlockStorage;

  /** Blocks of these lengths for `units` units, each unit's zw and ar of equal size. */
  constructor(lengths: { zw: number; ar: number }, units: number) {
    const zw = new SharedArrayBuffer(lengths.zw * 8);
    const ar = new SharedArrayBuffer(lengths.ar * 8);
    this.storage = { zw: new Float64Array(zw), ar: new Float64Array(ar), progress: this.control.subarray(CONTROL_DONE, CONTROL_DONE + 1) };
    // A helper that cannot start (a program bundled without page-warmer-worker.js) touches nothing.
    this.worker = startModuleWorker(import.meta.url, 'page-warmer-worker', { zw, ar, control: this.control.buffer, units });
    this.worker.unref();
    const answer: Promise<void> = new Promise<number>((resolve) => {
      this.worker.once('message', (pages: number) => resolve(pages));
      this.worker.once('error', () => resolve(0));
      this.worker.once('exit', () => resolve(0));
    }).then((pages) => {
      touched += pages;
      pending.delete(answer);
    });
    pending.add(answer);
  }

  /** Stops the helper at its next check, and its thread. */
  end(): void {
    Atomics.store(this.control, CONTROL_STOP, 1);
    void this.worker.terminate();
  }
}

/** A helper for a single-threaded unit pass with blocks of these lengths (blockLengths), or null where
 *  none pays: one core; blocks under WARM_MIN_BYTES; SYSGMM_THREADS set (the user chose the threads);
 *  glibc's huge pages on (bin/huge-pages.mjs: 2 MiB a fault); the TypeScript sources, whose worker
 *  loads tsx first, longer than the pass it would help. */
export function startPageWarmer(lengths: { zw: number; ar: number }, units: number): PageWarmer | null {
  if (!import.meta.url.endsWith('.js') || (lengths.zw + lengths.ar) * 8 < WARM_MIN_BYTES || availableParallelism() < 2) return null;
  if (process.env.SYSGMM_THREADS || /glibc\.malloc\.hugetlb=[12]/.test(process.env.GLIBC_TUNABLES ?? '')) return null;
  return new PageWarmer(lengths, units);
}

/** The pages touched by every helper started in this process, once each has answered or ended. */
export async function pagesWarmed(): Promise<number> {
  await Promise.all(pending);
  return touched;
}
