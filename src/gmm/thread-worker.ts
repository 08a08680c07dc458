// A worker thread of a threaded estimate (threaded.ts): holds one part of the sample units and
// answers the driver's requests for it in order, errors as plain data.
import { parentPort } from 'node:worker_threads';
import { errorToWire, Part, type PartRequest } from './threaded.ts';

const part = new Part();
parentPort!.on('message', (req: PartRequest) => {
  try {
    parentPort!.postMessage({ ok: part.handle(req) });
  } catch (e) {
    parentPort!.postMessage({ error: errorToWire(e) });
  }
});
