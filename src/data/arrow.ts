// Arrow IPC files (.arrow, .feather v2) and streams, read with apache-arrow (zero-copy over the file bytes).
import { readFileSync } from 'node:fs';
import { tableFromIPC, type Table } from 'apache-arrow';
import { DataError } from '../errors.ts';

export function readArrowIpc(path: string): Table {
  const bytes = readFileSync(path);
  // Feather v1 starts with "FEA1"; it predates Arrow IPC and is not read here.
  if (bytes.subarray(0, 4).toString('latin1') === 'FEA1')
    throw new DataError(`${path}: Feather v1 is not supported; re-save it as Feather v2 / Arrow IPC`, { file: path });
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    throw new DataError(`${path}: not a readable Arrow IPC file (${(err as Error).message})`, { file: path });
  }
}
