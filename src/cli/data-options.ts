// The command-line options of the commands that read a data file (and of those that fit a model):
// the file argument, its layout and the model. What they are read into is src/input/load-model.ts.
import type { Command } from 'commander';
import { DATA_FORMATS } from '../data/read.ts';

/** The options every model command takes: data file layout and the model. */
export function modelInputOptions(cmd: Command): Command {
  return dataReadOptions(
    cmd
      .argument('<file>', DATA_ARGUMENT)
      .requiredOption('--id <col>', 'unit (panel) identifier column')
      .requiredOption('--time <col>', 'integer time column')
      .requiredOption('--xtabond2 <command>', 'the model as an xtabond2 command, e.g. "n L.n w k, gmm(L.n) iv(w k) twostep robust"'),
  );
}

export const DATA_ARGUMENT = `data file (${DATA_FORMATS.join(', ')}; chosen by extension), a dataset folder or glob of such files (hive key=value folders become columns), or - for standard input (with --input-format)`;

/** How to read the data: the options of every command that reads a data file (README "Data files and errors"). */
export function dataReadOptions(cmd: Command): Command {
  return cmd
    .option('--input-format <fmt>', `read the file as ${DATA_FORMATS.join('|')} whatever its extension`)
    .option('--sheet <name>', 'worksheet of an .xlsx file (default: the first)')
    .option('--delimiter <char>', 'CSV field separator (default: detected from the header line among , ; tab |)');
}
