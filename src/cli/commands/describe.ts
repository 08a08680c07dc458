// `sysgmm describe <file> --id <col> --time <col>`: the panel's shape and descriptive statistics.
import type { Command } from 'commander';
import { DataError, SpecError } from '../../errors.ts';
import { readTable } from '../../data/read.ts';
import { Panel } from '../../panel/panel.ts';
import { checkTableFile, variablesTable, writeTableFile } from '../../data/write-table.ts';
import { describePanel } from '../../panel/describe.ts';
import { DESCRIBE_FORMATS, descriptionNotes, formatDescription, type DescribeFormat } from '../../report/describe-table.ts';
import { outputFormat } from '../option-conflicts.ts';
import { readOptionsOf } from '../../input/load-model.ts';
import { DATA_ARGUMENT, dataReadOptions } from '../data-options.ts';

export function register(program: Command): void {
  dataReadOptions(
    program
      .command('describe')
      .description('units, periods, observations, gaps and per-variable statistics of a panel data file')
      .argument('<file>', DATA_ARGUMENT)
      .requiredOption('--id <col>', 'unit (panel) identifier column')
      .requiredOption('--time <col>', 'integer time column')
      .option('--vars <list>', 'comma-separated variables or expressions, e.g. n,w,log(emp) (default: all numeric columns)')
      .option('--format <fmt>', `output: ${DESCRIBE_FORMATS.join('|')}`, 'text')
      .option('--json', 'print the description as JSON')
      .option('--save <file>', 'also write the variables table to this file (.csv, .arrow, .parquet or .json)'),
  ).action(async (file: string, opts: { id: string; time: string; vars?: string; format: string; json?: boolean; inputFormat?: string; sheet?: string; delimiter?: string; save?: string }, command: Command) => {
    outputFormat(opts, command);
    if (!DESCRIBE_FORMATS.includes(opts.format as DescribeFormat))
      throw new SpecError(`--format must be one of ${DESCRIBE_FORMATS.join(', ')}, got '${opts.format}'`, '--format');
    const read = readOptionsOf(opts, file);
    checkTableFile(opts.save, '--save', [file]);
    const vars = opts.vars?.split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (vars && vars.length === 0) throw new SpecError('--vars names no variables', '--vars');
    // Plain column names must hold numbers: the reader then names the row and value of any that does not.
    // The id and time may be text (the panel reads a text time as integers, naming a row that is not one).
    const plain = (vars ?? []).filter((v) => /^[\p{L}_][\p{L}\p{N}_]*$/u.test(v) && v !== opts.id && v !== opts.time);
    const table = await readTable(file, { ...read, ids: [opts.id], numeric: [...new Set(plain)] });
    const panel = Panel.fromTable(table, { id: opts.id, time: opts.time, source: file });
    let description: ReturnType<typeof describePanel>;
    try {
      description = describePanel(panel, vars);
    } catch (err) {
      // An expression's fault names the option it came from.
      if (err instanceof SpecError && err.message.startsWith('expression ')) throw new SpecError(`--vars: ${err.message}`, '--vars');
      if (err instanceof DataError && err.message.startsWith('expression ')) throw new DataError(`--vars: ${err.message}`, err.where);
      throw err;
    }
    process.stdout.write(opts.json ? JSON.stringify(description, null, 2) + '\n' : formatDescription(description, opts.format as DescribeFormat));
    // csv and latex have no place for the rows excluded and the notes: they go to standard error.
    if (!opts.json && (opts.format === 'csv' || opts.format === 'latex')) for (const line of descriptionNotes(description)) process.stderr.write(`${line}\n`);
    if (opts.save) await writeTableFile(opts.save, variablesTable(description.variables), '--save');
  });
}
