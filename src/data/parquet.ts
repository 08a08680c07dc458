// Parquet via parquet-wasm (Rust's parquet crate compiled to WASM; its Node build loads the .wasm
// shipped in the package, offline). The file is opened as a file-backed Blob and streamed record
// batch by record batch, so WASM memory holds one row group's pages and one decoded batch at a time;
// each batch comes back as an Arrow IPC stream that apache-arrow wraps without copying.
import { openAsBlob } from 'node:fs';
import { Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
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

/** A DataError naming the file for whatever a read of its data throws (a damaged page, a WebAssembly panic). */
async function readGuarded<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await guarded(work);
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${path}: cannot read the Parquet data (a damaged page? ${String((err as Error)?.message ?? err)})`, { file: path });
  }
}

async function openParquet(path: string): Promise<ParquetFile> {
  try {
    return await ParquetFile.fromFile(await openAsBlob(path));
  } catch (err) {
    throw new DataError(`${path}: not a readable Parquet file (${String((err as Error).message ?? err)})`, { file: path });
  }
}

/**
 * The record batches of a Parquet file, read one row group's pages at a time (parquet-wasm reads a
 * file-backed Blob), so a file far larger than memory can be walked with one batch in hand.
 */
export async function* parquetBatches(path: string, batchRows = BATCH_ROWS): AsyncGenerator<RecordBatch> {
  const file = await openParquet(path);
  try {
    const reader = (await readGuarded(path, () => file.stream({ batchSize: batchRows }))).getReader();
    for (;;) {
      const { done, value } = await readGuarded(path, () => reader.read());
      if (done) break;
      yield* tableFromIPC((value as WasmBatch).intoIPCStream()).batches;
    }
  } finally {
    file.free();
  }
}

/** A Parquet file as one Arrow table (its record batches kept). */
export async function readParquet(path: string): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const b of parquetBatches(path)) batches.push(b);
  if (batches.length) return new Table(batches[0].schema, batches);
  // No rows: the schema alone, from the file's metadata.
  const file = await openParquet(path);
  try {
    return tableFromIPC((await readGuarded(path, () => file.read())).intoIPCStream());
  } finally {
    file.free();
  }
}
