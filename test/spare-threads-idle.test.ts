// How long workers wait between fits (src/gmm/spare-threads.ts): one a fit gave back is ended after
// WORKER_IDLE_MS without a fit (it still holds the memory of its last fit), one started ahead of a fit
// waits WORKER_FIRST_JOB_MS for it (both in module-worker.ts). A file of its own: no other test's
// workers wait in this module's list.
import { describe, expect, it, vi } from 'vitest';
import { giveBackThread, prestartThreads, spareThreadCount, takeSpareThread } from '../src/gmm/spare-threads.ts';
import { WORKER_FIRST_JOB_MS, WORKER_IDLE_MS as IDLE_MS } from '../src/module-worker.ts';

describe('workers waiting between fits', () => {
  it('a worker given back is ended after IDLE_MS; one started ahead still waits', async () => {
    expect(IDLE_MS).toBe(2_000);
    expect(WORKER_FIRST_JOB_MS).toBe(60_000);
    prestartThreads(1);
    const used = takeSpareThread()!;
    expect(spareThreadCount()).toBe(0);
    prestartThreads(1);
    giveBackThread(used.worker);
    expect(spareThreadCount()).toBe(2);
    const exited = new Promise<number>((resolve) => used.worker.once('exit', resolve));
    await new Promise((r) => setTimeout(r, IDLE_MS + 500));
    expect(spareThreadCount()).toBe(1);
    await exited;
    // Taken before IDLE_MS, a worker given back is not ended.
    const ahead = takeSpareThread()!;
    giveBackThread(ahead.worker);
    await new Promise((r) => setTimeout(r, IDLE_MS / 2));
    const again = takeSpareThread()!;
    expect(again.worker).toBe(ahead.worker);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    expect(again.worker.threadId).toBeGreaterThan(0); // still running: its timer was cleared when taken
    await again.worker.terminate();
  }, 20_000);

  it('a waiting worker does not keep the process alive; one a fit has taken does', async () => {
    prestartThreads(1);
    const spare = takeSpareThread()!;
    const unref = vi.spyOn(spare.worker, 'unref');
    const ref = vi.spyOn(spare.worker, 'ref');
    giveBackThread(spare.worker);
    expect(unref).toHaveBeenCalledTimes(1);
    expect(ref).not.toHaveBeenCalled();
    expect(takeSpareThread()!.worker).toBe(spare.worker);
    expect(ref).toHaveBeenCalledTimes(1);
    await spare.worker.terminate();
  });
});
