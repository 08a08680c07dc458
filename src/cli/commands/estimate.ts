// `sysgmm estimate <file> --id <col> --time <col> --xtabond2 "<command>"`: read the data, parse the
// xtabond2 command, fit difference or system GMM, print the result (xtabond2's layout by default).
import type { Command } from 'commander';
import { DataType, type Table } from 'apache-arrow';
import { SpecError } from '../../errors.ts';
import { DATA_FORMATS, readTable, type DataFormat } from '../../data/read.ts';
import { Panel } from '../../panel/panel.ts';
import { parseXtabond2 } from '../../spec/parse.ts';
import type { ModelSpec } from '../../spec/types.ts';
import { fitGmm } from '../../gmm/fit.ts';
import { REPORT_FORMATS, formatResult, type ReportFormat } from '../../report/format.ts';

interface EstimateOptions {
  id: string;
  time: string;
  xtabond2: string;
  format: string;
  json?: boolean;
  inputFormat?: string;
  sheet?: string;
}

export function register(program: Command): void {
  program
    .command('estimate')
    .description('difference or system GMM from an xtabond2 command, with xtabond2-identical numbers')
    .argument('<file>', `data file (${DATA_FORMATS.join(', ')}; chosen by extension)`)
    .requiredOption('--id <col>', 'unit (panel) identifier column')
    .requiredOption('--time <col>', 'integer time column')
    .requiredOption('--xtabond2 <command>', 'the model as an xtabond2 command, e.g. "n L.n w k, gmm(L.n) iv(w k) twostep robust"')
    .option('--format <fmt>', `output: ${REPORT_FORMATS.join('|')}`, 'text')
    .option('--json', 'print the result as one JSON object (same as --format json)')
    .option('--input-format <fmt>', `read the file as ${DATA_FORMATS.join('|')} whatever its extension`)
    .option('--sheet <name>', 'worksheet of an .xlsx file (default: the first)')
    .action(async (file: string, opts: EstimateOptions) => {
      const format = opts.json ? 'json' : opts.format;
      if (!REPORT_FORMATS.includes(format as ReportFormat))
        throw new SpecError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got '${format}'`, '--format');
      if (opts.inputFormat !== undefined && !DATA_FORMATS.includes(opts.inputFormat as DataFormat))
        throw new SpecError(`--input-format must be one of ${DATA_FORMATS.join(', ')}, got '${opts.inputFormat}'`, '--input-format');
      const read = { format: opts.inputFormat as DataFormat | undefined, sheet: opts.sheet };
      let table = await readTable(file, read);
      const spec = parseXtabond2(opts.xtabond2, table.schema.fields.map((f) => f.name));
      // A model variable read as text: read again declaring it numeric, so the reader names the offending row and value.
      const textual = modelColumns(spec).filter((c) => !isNumericColumn(table, c));
      if (textual.length) table = await readTable(file, { ...read, numeric: textual });
      const panel = Panel.fromTable(table, { id: opts.id, time: opts.time, source: file });
      const result = await fitGmm(panel, spec, opts.xtabond2);
      process.stdout.write(formatResult(result, format, { id: opts.id, time: opts.time, spec }));
    });
}

/** Every data column the model's variables and instruments read (a cluster variable may be text). */
function modelColumns(spec: ModelSpec): string[] {
  const terms = [spec.depvar, ...spec.regressors, ...spec.gmm.flatMap((g) => g.vars), ...spec.iv.flatMap((g) => g.vars)];
  return [...new Set(terms.map((t) => t.base))];
}

function isNumericColumn(table: Table, name: string): boolean {
  const t = table.schema.fields.find((f) => f.name === name)?.type;
  return t !== undefined && (DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t) || DataType.isBool(t));
}
