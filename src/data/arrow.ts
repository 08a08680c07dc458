// Arrow IPC files (.arrow, .feather v2) and streams, read with apache-arrow (zero-copy over the file bytes).
// Files are read batch by batch from their footer's index, each batch checked, because apache-arrow's
// own whole-file loop never ends on a damaged file whose indexed message is not a record batch.
import { readFileSync } from 'node:fs';
import { RecordBatchReader, Table, tableFromIPC, type RecordBatch, type RecordBatchFileReader } from 'apache-arrow';
import { DataError } from '../errors.ts';

export function readArrowIpc(path: string): Table {
  const bytes = readFileSync(path);
  // Feather v1 starts with "FEA1"; it predates Arrow IPC and is not read here.
  if (bytes.subarray(0, 4).toString('latin1') === 'FEA1')
    throw new DataError(`${path}: Feather v1 is not supported; re-save it as Feather v2 / Arrow IPC`, { file: path });
  const damaged = (what: string): DataError => new DataError(`${path}: not a readable Arrow IPC file (${what})`, { file: path });
  if (bytes.subarray(0, 6).toString('latin1') !== 'ARROW1') {
    try {
      return tableFromIPC(bytes);
    } catch {
      throw damaged('neither an Arrow IPC file nor a stream, or damaged');
    }
  }
  let reader: RecordBatchFileReader;
  try {
    const r = RecordBatchReader.from(bytes);
    if (!r.isFile()) throw new Error('not a file');
    reader = r.open();
  } catch {
    throw damaged('its footer or schema is damaged, or the file is truncated');
  }
  const count = reader.numRecordBatches;
  if (!(count >= 0 && count <= bytes.length / 8)) throw damaged(`its footer indexes ${count} record batches`);
  const batches: RecordBatch[] = [];
  for (let i = 0; i < count; i++) {
    let batch: RecordBatch | null;
    try {
      batch = reader.readRecordBatch(i);
    } catch {
      batch = null;
    }
    if (!batch) throw damaged(`record batch ${i + 1} of ${count} is damaged`);
    batches.push(batch);
  }
  return new Table(reader.schema, batches);
}
