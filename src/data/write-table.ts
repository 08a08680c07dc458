// Tables written to a file whose extension names the format: .csv, .arrow/.feather/.ipc (Arrow IPC
// file), .parquet (parquet-wasm, loaded only for it) or .json (an array of row objects; NaN as null).
// Written atomically. Also the tables sysgmm writes: coefficients, bootstrap draws, describe's variables.
import { extname } from 'node:path';
import type { Table } from 'apache-arrow';
import { SpecError } from '../errors.ts';
import type { GmmResult } from '../gmm/result.ts';
import type { VariableSummary } from '../panel/describe.ts';
import { float64Data, int32Data, tableFromColumns, utf8FromStrings } from './build.ts';
import { tableToCsv } from './csv-write.ts';
import { checkOutputFile, writeFileAtomic } from './write-atomic.ts';

export const TABLE_FILE_FORMATS = ['.csv', '.arrow', '.feather', '.ipc', '.parquet', '.json'] as const;

/** Before any work: a SpecError naming the option unless the path's extension is one writeTableFile
 *  knows, and the file-system error unless the path can be written (write-atomic.ts checkOutputFile). */
export function checkTableFile(path: string | undefined, option: string, inputs: readonly string[] = []): void {
  if (path === undefined) return;
  if (!(TABLE_FILE_FORMATS as readonly string[]).includes(extname(path).toLowerCase()))
    throw new SpecError(`${option}: '${path}' must end in ${TABLE_FILE_FORMATS.join(', ')} (the extension names the format)`, option);
  checkOutputFile(path, option, inputs);
}

async function encode(path: string, table: Table, option: string): Promise<string | Uint8Array> {
  switch (extname(path).toLowerCase()) {
    case '.csv':
      return tableToCsv(table);
    case '.arrow':
    case '.feather':
    case '.ipc':
      return (await import('./ipc-encode.ts')).tableToIPC(table, 'file');
    case '.parquet': {
      const { Table: WasmTable, writeParquet } = await import('parquet-wasm');
      const { tableToIPC } = await import('./ipc-encode.ts');
      return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')));
    }
    case '.json': {
      const names = table.schema.fields.map((f) => f.name);
      const rows = Array.from({ length: table.numRows }, (_, r) => Object.fromEntries(names.map((n) => [n, table.getChild(n)!.get(r)])));
      return JSON.stringify(rows, null, 1) + '\n';
    }
    default:
      checkTableFile(path, option);
      throw new SpecError(`${option}: unknown format of '${path}'`, option);
  }
}

/** Write a table to path in the format its extension names; option names the CLI option in errors. */
export async function writeTableFile(path: string, table: Table, option?: string): Promise<void> {
  await writeFileAtomic(path, await encode(path, table, option ?? 'output'), option);
}

const f64 = (values: ArrayLike<number>) => float64Data(Float64Array.from(values));

/** One row per coefficient: name, estimate, se, stat, p, ciLow, ciHigh, level (of the interval, in percent). */
export function coefficientTable(result: GmmResult): Table {
  const c = result.coefficients;
  return tableFromColumns([
    { name: 'name', data: utf8FromStrings(c.map((x) => x.name)) },
    ...(['estimate', 'se', 'stat', 'p', 'ciLow', 'ciHigh'] as const).map((k) => ({ name: k, data: f64(c.map((x) => x[k])) })),
    { name: 'level', data: f64(c.map(() => result.level ?? 95)) },
  ]);
}

/** One row per variable of a description: name, count, missing (Int32), mean, sd, min, max. */
export function variablesTable(variables: VariableSummary[]): Table {
  return tableFromColumns([
    { name: 'name', data: utf8FromStrings(variables.map((v) => v.name)) },
    ...(['count', 'missing'] as const).map((k) => ({ name: k, data: int32Data(Int32Array.from(variables, (v) => v[k])) })),
    ...(['mean', 'sd', 'min', 'max'] as const).map((k) => ({ name: k, data: f64(variables.map((v) => v[k])) })),
  ]);
}

/** One row per replication: rep (1-based, Int32), status (ok, singular, nonfinite), then b_<name> and se_<name> per coefficient (missing for a failed one). */
export function drawsTable(names: string[], draws: { reps: number; K: number; beta: Float64Array; se: Float64Array; hansen: Float64Array; status: Uint8Array }): Table {
  const { reps, K } = draws;
  // A failed replication (status not ok; 'singular': a coefficient not identified) has no estimates:
  // missing, not what its slots happen to hold.
  const column = (src: Float64Array, k: number, stride = K) => f64(Array.from({ length: reps }, (_, b) => (draws.status[b] === 0 ? src[b * stride + k] : NaN)));
  return tableFromColumns([
    { name: 'rep', data: int32Data(Int32Array.from({ length: reps }, (_, b) => b + 1)) },
    { name: 'status', data: utf8FromStrings(Array.from(draws.status, (s) => ['ok', 'singular', 'nonfinite'][s] ?? String(s))) },
    ...names.map((n, k) => ({ name: `b_${n}`, data: column(draws.beta, k) })),
    ...names.map((n, k) => ({ name: `se_${n}`, data: column(draws.se, k) })),
    // The replication's Hansen J*, which the bootstrap J p-value compares with J (missing where not formed).
    { name: 'hansen', data: column(draws.hansen, 0, 1) },
  ]);
}
