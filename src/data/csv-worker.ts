// A worker thread of csv-parallel.ts: parses one byte range of a CSV file (workerData, a RangeJob)
// into the shared columns it is then sent (a RangeStorage), and answers with the RangeResult; the
// text columns' arrays are transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { parseRange, type RangeJob, type RangeStorage } from './csv-parse.ts';

parentPort!.once('message', (storage: RangeStorage) => {
  const result = parseRange(workerData as RangeJob, storage);
  const transfer = result.ok ? result.text.flatMap((t) => (t ? [t.offsets.buffer, t.present.buffer, t.bytes.buffer] : [])) : [];
  parentPort!.postMessage(result, transfer as ArrayBuffer[]);
});
