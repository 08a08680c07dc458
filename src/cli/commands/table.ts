// `sysgmm table a.json b.json ...`: an esttab-style table across saved results.
import { extname } from 'node:path';
import type { Command } from 'commander';
import { SpecError } from '../../errors.ts';
import { checkOutputFile, writeFileAtomic } from '../../data/write-atomic.ts';
import { formatResultsTable, readSavedResult, resultsTable, TABLE_FORMATS, type TableFormat } from '../../report/results-table.ts';
import { given } from '../option-conflicts.ts';

interface TableOptions {
  format: string;
  titles?: string;
  title?: string;
  keep?: string;
  digits: string;
  out?: string;
}

const BY_EXTENSION: Record<string, TableFormat> = { '.txt': 'text', '.md': 'markdown', '.tex': 'latex', '.csv': 'csv', '.json': 'json' };

const list = (s: string | undefined) => s?.split(',').map((x) => x.trim()).filter((x) => x !== '');

export function register(program: Command): void {
  program
    .command('table')
    .description('an esttab-style table across models saved by `estimate --save`: coefficients, SEs, stars, AR(2) p, Hansen p, instruments, N')
    .argument('<files...>', 'saved results (JSON), one column each')
    .option('--format <fmt>', `output: ${TABLE_FORMATS.join('|')}`, 'text')
    .option('--titles <list>', 'comma-separated column headings (default: the file names)')
    .option('--title <text>', 'table title (default: the dependent variable)')
    .option('--keep <list>', 'comma-separated coefficients to show, in order, as L1.n or L.n (default: all)')
    .option('--digits <n>', 'decimals of estimates and standard errors', '3')
    .option('--out <file>', 'write the table to this file instead of standard output')
    .action(async (files: string[], opts: TableOptions, command: Command) => {
      // Without --format, a --out file's extension names the format (t.tex is LaTeX), as --save's does.
      if (opts.out && !given(command, 'format')) opts.format = BY_EXTENSION[extname(opts.out).toLowerCase()] ?? opts.format;
      if (!TABLE_FORMATS.includes(opts.format as TableFormat)) throw new SpecError(`--format must be one of ${TABLE_FORMATS.join(', ')}, got '${opts.format}'`, '--format');
      const digits = Number(opts.digits);
      if (!Number.isInteger(digits) || digits < 0 || digits > 10) throw new SpecError(`--digits must be an integer from 0 to 10, got '${opts.digits}'`, '--digits');
      if (opts.out) checkOutputFile(opts.out, '--out', files);
      const results = await Promise.all(files.map((f) => readSavedResult(f)));
      const table = resultsTable(files, results, { titles: list(opts.titles), title: opts.title, keep: list(opts.keep), digits });
      const text = formatResultsTable(table, opts.format as TableFormat);
      if (opts.out) await writeFileAtomic(opts.out, text, '--out');
      else process.stdout.write(text);
    });
}
