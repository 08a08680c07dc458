// Parquet via parquet-wasm (Rust's parquet crate compiled to WASM; its Node build loads the .wasm
// shipped in the package, offline). The file is opened as a file-backed Blob and streamed record
// batch by record batch, so WASM memory holds one row group's pages and one decoded batch at a time;
// each batch comes back as an Arrow IPC stream that apache-arrow wraps without copying.
import { openAsBlob } from 'node:fs';
import { Table, tableFromIPC, type RecordBatch, type Schema } from 'apache-arrow';
import { ParquetFile, type RecordBatch as WasmBatch } from 'parquet-wasm';
import { DataError } from '../errors.ts';

/** Rows per Arrow record batch (parquet-wasm's default is 1024, far too small for big panels). */
const BATCH_ROWS = 1 << 16;

/**
 * parquet-wasm decodes pages inside WebAssembly futures: a panic there (a damaged page) is thrown
 * outside the awaiting caller, as an uncaught exception that would end the process with a stack
 * trace. While `work` runs, such a WebAssembly error rejects it instead.
 */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  let fail!: (err: unknown) => void;
  const crashed = new Promise<never>((_, reject) => (fail = reject));
  const handler = (err: unknown): void => {
    if (err instanceof WebAssembly.RuntimeError) return fail(err);
    process.off('uncaughtException', handler);
    throw err;
  };
  process.on('uncaughtException', handler);
  try {
    return await Promise.race([work(), crashed]);
  } finally {
    process.off('uncaughtException', handler);
  }
}

export async function readParquet(path: string): Promise<Table> {
  try {
    return await guarded(() => readBatches(path));
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${path}: cannot read the Parquet data (a damaged page? ${String((err as Error)?.message ?? err)})`, { file: path });
  }
}

async function readBatches(path: string): Promise<Table> {
  let file: ParquetFile;
  try {
    file = await ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new DataError(`${path}: not a readable Parquet file (${String((err as Error).message ?? err)})`, { file: path });
  }
  try {
    const reader = (await file.stream({ batchSize: BATCH_ROWS })).getReader();
    const batches: RecordBatch[] = [];
    let schema: Schema | undefined;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = tableFromIPC((value as WasmBatch).intoIPCStream());
      schema ??= part.schema;
      batches.push(...part.batches);
    }
    if (!schema) return tableFromIPC((await file.read()).intoIPCStream());
    return new Table(schema, batches);
  } finally {
    file.free();
  }
}
