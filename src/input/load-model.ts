// From a data file and an xtabond2 command to a Panel and a ModelSpec, for every caller that fits a
// model (the CLI commands, the library's estimate, grid tasks, sharded bootstrap tasks): read the data
// file, parse the command against its columns, and build the panel; a model variable read as text is
// read again declared numeric, so the reader names the offending row and value.
import { SpecError } from '../errors.ts';
import { DATA_FORMATS, formatOf, readTable, type DataFormat } from '../data/read.ts';
import { Panel } from '../panel/panel.ts';
import { prestartThreads } from '../gmm/spare-threads.ts';
import { prestartCount } from '../gmm/thread-count.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { modelColumns } from '../spec/model-columns.ts';
import { isNumericColumn } from '../data/columns.ts';
import type { ModelSpec } from '../spec/types.ts';

export interface ModelInputOptions {
  id: string;
  time: string;
  xtabond2: string;
  inputFormat?: string;
  sheet?: string;
  delimiter?: string;
}

/** The reader's options from --input-format, --sheet and --delimiter, the format checked. */
export function readOptionsOf(opts: { inputFormat?: string; sheet?: string; delimiter?: string }, file?: string): { format?: DataFormat; sheet?: string; delimiter?: string } {
  if (opts.inputFormat !== undefined && !DATA_FORMATS.includes(opts.inputFormat as DataFormat))
    throw new SpecError(`--input-format must be one of ${DATA_FORMATS.join(', ')}, got '${opts.inputFormat}'`, '--input-format');
  // A worksheet named for a file that has none would be ignored without a word.
  const format = opts.inputFormat ?? (file === undefined ? undefined : formatOf(file));
  if (opts.sheet !== undefined && format !== undefined && format !== 'xlsx')
    throw new SpecError(`--sheet applies to .xlsx files; ${file} is read as ${format}`, '--sheet');
  return { format: opts.inputFormat as DataFormat | undefined, sheet: opts.sheet, delimiter: opts.delimiter === '\\t' ? '\t' : opts.delimiter };
}

/** Read the data and parse the model. `fit`: the model is fitted next (fitGmm), so on large data its
 *  worker threads start now, while this thread builds the panel (spare-threads.ts). */
export async function loadModel(file: string, opts: ModelInputOptions, { fit = false } = {}): Promise<{ panel: Panel; spec: ModelSpec }> {
  const read = { ...readOptionsOf(opts, file), ids: [opts.id] };
  let table = await readTable(file, read);
  const spec = parseXtabond2(opts.xtabond2, table.schema.fields.map((f) => f.name));
  const textual = modelColumns(spec).filter((c) => !isNumericColumn(table, c));
  if (textual.length) table = await readTable(file, { ...read, numeric: textual });
  if (fit) prestartThreads(prestartCount(table.numRows));
  const panel = Panel.fromTable(table, { id: opts.id, time: opts.time, source: file });
  for (const note of panel.notes) process.stderr.write(`Warning: ${note}\n`);
  return { panel, spec };
}
