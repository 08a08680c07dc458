// The thread of page-warmer.ts: touches one 32-bit word in each 4 KiB page of the buffers it was
// started with, from the end of each towards its start, until done or told to stop.
import { parentPort, workerData } from 'node:worker_threads';

/** 4 KiB in 32-bit words. */
const PAGE_WORDS = 1024;

const { buffers, stop } = workerData as { buffers: SharedArrayBuffer[]; stop: SharedArrayBuffer };
const stopped = new Int32Array(stop);
let pages = 0;
for (const buffer of buffers) {
  const words = new Int32Array(buffer);
  if (words.length === 0) continue;
  for (let i = words.length - 1 - ((words.length - 1) % PAGE_WORDS); i >= 0; i -= PAGE_WORDS) {
    if ((pages & 63) === 0 && Atomics.load(stopped, 0) !== 0) break;
    // An atomic add of 0 leaves the word as it is, whether or not the estimate has written it yet,
    // and is a write access: the kernel provides the page writable, as a plain read may not.
    Atomics.add(words, i, 0);
    pages++;
  }
}
parentPort!.postMessage(pages);
