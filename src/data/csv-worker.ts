// A worker thread of csv-parallel.ts: parses one byte range of a CSV file (a RangeJob) into the shared
// columns (a RangeStorage), both sent in one message, and answers with the RangeResult; the text
// columns' arrays are transferred, not copied. The worker waits for its message, so it can be started
// before the file is planned (bin/early-csv-worker.mjs).
import { parentPort } from 'node:worker_threads';
import { parseRange, type RangeJob, type RangeStorage } from './csv-parse.ts';

parentPort!.once('message', ({ job, storage }: { job: RangeJob; storage: RangeStorage }) => {
  const result = parseRange(job, storage);
  const transfer = result.ok ? result.text.flatMap((t) => (t ? [t.offsets.buffer, t.present.buffer, t.bytes.buffer] : [])) : [];
  parentPort!.postMessage(result, transfer as ArrayBuffer[]);
});
