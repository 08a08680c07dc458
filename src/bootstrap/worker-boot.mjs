// Worker-thread entry: tsx's loader does not reach worker threads on Node 20, so register it here,
// then load the TypeScript module named in workerData.entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
