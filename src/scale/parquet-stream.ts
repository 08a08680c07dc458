// A Parquet file as a stream of Arrow record batches (parquet-wasm reads a file-backed Blob one row
// group's pages at a time), so a file far larger than memory can be walked with one batch in hand.
import { openAsBlob } from 'node:fs';
import { tableFromIPC, type RecordBatch } from 'apache-arrow';
import { ParquetFile, type RecordBatch as WasmBatch } from 'parquet-wasm';
import { DataError } from '../errors.ts';

export async function* parquetBatches(path: string, batchRows = 1 << 16): AsyncGenerator<RecordBatch> {
  let file: ParquetFile;
  try {
    file = await ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new DataError(`${path}: not a readable Parquet file (${String((err as Error).message ?? err)})`, { file: path });
  }
  try {
    const reader = (await file.stream({ batchSize: batchRows })).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* tableFromIPC((value as WasmBatch).intoIPCStream()).batches;
    }
  } finally {
    file.free();
  }
}
