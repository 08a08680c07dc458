// The thread of page-warmer.ts: touches one 32-bit word in each 4 KiB page of the blocks zw and ar
// just ahead of the unit pass, unit by unit, until past the last unit or told to stop. Where the pass
// has overtaken it (it started later), it jumps ahead of the pass: the pages between are the pass's own.
import { parentPort, workerData } from 'node:worker_threads';
import { CONTROL_DONE, CONTROL_STOP, PAGE_WORDS, WARM_STEP_UNITS } from './page-warmer-layout.ts';

const { zw, ar, control, units } = workerData as { zw: SharedArrayBuffer; ar: SharedArrayBuffer; control: SharedArrayBuffer; units: number };
const ctl = new Int32Array(control);
const streams = [new Int32Array(zw), new Int32Array(ar)].map((words) => ({ words, next: 0 }));
let pages = 0;
for (let u = 0; u < units; ) {
  if (Atomics.load(ctl, CONTROL_STOP) !== 0) break;
  const done = Atomics.load(ctl, CONTROL_DONE);
  if (u < done) u = Math.min(units, done + WARM_STEP_UNITS);
  const end = Math.min(units, u + WARM_STEP_UNITS);
  for (const s of streams) {
    const { words } = s;
    if (words.length === 0) continue;
    // The pages holding the words of units [u, end): unit k's start at ⌊k·length/units⌋.
    const first = Math.max(s.next, Math.floor(Math.floor((u * words.length) / units) / PAGE_WORDS));
    const last = Math.floor((Math.floor((end * words.length) / units) - 1) / PAGE_WORDS);
    // An atomic add of 0 leaves the word as it is, whether or not the pass has written it yet, and is a
    // write access: the kernel provides the page writable, as a plain read may not.
    for (let p = first; p <= last; p++) Atomics.add(words, p * PAGE_WORDS, 0);
    if (last >= first) {
      pages += last - first + 1;
      s.next = last + 1;
    }
  }
  u = end;
}
parentPort!.postMessage(pages);
