// Preloaded (NODE_OPTIONS=--require) into the processes of a run under test: a `sysgmm task` worker
// process whose batch holds task SYSGMM_TEST_HOLD_TASK waits, before it computes anything, until the
// file SYSGMM_TEST_GATE exists (two minutes at most); with SYSGMM_TEST_HOLD_STAGE, only a worker of
// the run folder whose name ends with it (a sharded estimate's '-weight' stage). A test can then kill
// that worker, or the run, or look at the run folder, at a known point instead of racing the worker's
// tasks (hold-task.ts).
const { existsSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const task = process.env.SYSGMM_TEST_HOLD_TASK;
const gate = process.env.SYSGMM_TEST_GATE;
const stage = process.env.SYSGMM_TEST_HOLD_STAGE;
if (isMainThread && task !== undefined && gate && process.argv[2] === 'task' && process.argv.slice(4).includes(task) && (!stage || String(process.argv[3]).endsWith(stage))) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 120_000;
  while (!existsSync(gate) && Date.now() < until) Atomics.wait(pause, 0, 0, 20);
}
