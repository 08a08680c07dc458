// `sysgmm estimate <file> --id <col> --time <col> --xtabond2 "<command>"`: read the data, parse the
// xtabond2 command, fit difference or system GMM, print the result (xtabond2's layout by default).
import type { Command } from 'commander';
import { EXECUTORS } from '../../run/executor-names.ts';
import { SpecError } from '../../errors.ts';
import { fitGmm } from '../../gmm/fit.ts';
import { writeFileAtomic } from '../../data/write-atomic.ts';
import { checkTableFile, coefficientTable, writeTableFile } from '../../data/write-table.ts';
import type { GmmResult } from '../../gmm/result.ts';
import type { ReportContext } from '../../report/context.ts';
import { REPORT_FORMATS, formatResult, type ReportFormat } from '../../report/format.ts';
import { noteLines } from '../../report/text.ts';
import { CONVENTIONS, conventionsOf } from '../../spec/types.ts';
import { isPartitionedFolder } from '../../data/partition-manifest.ts';
import { loadModel, type ModelInputOptions } from '../../input/load-model.ts';
import { modelInputOptions } from '../data-options.ts';
import { given, outputFormat } from '../option-conflicts.ts';
import { noter } from '../noter.ts';

interface EstimateOptions extends ModelInputOptions {
  format: string;
  json?: boolean;
  conventions: string;
  save?: string;
  executor: string;
  jobs?: string;
  retries: string;
  slurm?: string;
  resume?: boolean;
  out?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  modelInputOptions(program.command('estimate').description('difference or system GMM from an xtabond2 command, with xtabond2-identical numbers'))
    .option('--format <fmt>', `output: ${REPORT_FORMATS.join('|')}`, 'text')
    .option('--json', 'print the result as one JSON object (same as --format json)')
    .option('--conventions <release>', `xtabond2 release whose conventions decide the last digits: ${CONVENTIONS.join('|')} (2009: the release of Roodman 2009's printed logs)`, 'current')
    .option('--save <file>', 'also write the result to this file: .json the --json object (for `sysgmm table`); .csv, .arrow, .parquet the coefficient table')
    .option('--executor <name>', `partitioned data (sysgmm partition): where the per-shard tasks run: ${EXECUTORS.join('|')}`, 'local')
    .option('--jobs <J>', 'partitioned data: local worker processes (default one per core); slurm: array tasks running at once')
    .option('--retries <n>', 'partitioned data: times a failed task is retried', '2')
    .option('--slurm <options>', 'partitioned data: extra sbatch options, e.g. "--partition=short --mem=4G"')
    .option('--out <run-dir>', 'partitioned data: run directory (default <data>/runs/estimate-<hash of the command, --conventions and the partition>)')
    .option('--resume', 'partitioned data: continue the run in the run directory, keeping every valid task result')
    .option('--quiet', 'partitioned data: no notes on stderr (the run directory, jobs submitted); warnings still shown')
    .action(async (file: string, opts: EstimateOptions, command: Command) => {
      const format = outputFormat(opts, command);
      if (!REPORT_FORMATS.includes(format as ReportFormat))
        throw new SpecError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got '${format}'`, '--format');
      const conventions = conventionsOf(opts.conventions, '--conventions', '--conventions');
      checkTableFile(opts.save, '--save', [file]);
      if (isPartitionedFolder(file)) {
        const exec = (await import('../../run/executor.ts')).parseExecutorOptions(opts);
        const { shardedEstimate } = await import('../../scale/sharded-estimate.ts');
        const { noteInterrupts } = await import('../../run/signal-exit.ts');
        const { result, spec } = await noteInterrupts(() => shardedEstimate(file, {
          ...exec,
          command: opts.xtabond2,
          id: opts.id,
          time: opts.time,
          conventions,
          out: opts.out,
          resume: opts.resume,
          onNote: noter(opts),
          // Said when the run starts, so that its logs can be found while it runs.
          onStart: (dir) => noter(opts)(`run directory: ${dir}`),
        }));
        writeResult(result, format, { id: opts.id, time: opts.time, spec });
        await saveResult(result, opts.save);
        return;
      }
      for (const o of ['jobs', 'slurm', 'out', 'resume', 'quiet'] as const)
        if (opts[o] !== undefined) throw new SpecError(`--${o} applies only to partitioned data (a folder written by sysgmm partition)`, `--${o}`);
      if (given(command, 'retries')) throw new SpecError('--retries applies only to partitioned data (a folder written by sysgmm partition)', '--retries');
      if (opts.executor !== 'local') throw new SpecError('--executor applies only to partitioned data (a folder written by sysgmm partition)', '--executor');
      const loaded = await loadModel(file, opts, { fit: true });
      const { panel } = loaded;
      const spec = { ...loaded.spec, conventions };
      const result = await fitGmm(panel, spec, opts.xtabond2);
      writeResult(result, format, { id: opts.id, time: opts.time, spec });
      await saveResult(result, opts.save);
    });
}

/** The result on standard output; beside csv and latex, which have no place for them, the dropped
 *  regressors, warnings and exclusions go to standard error (nothing excluded goes unreported). */
function writeResult(result: GmmResult, format: string, context: ReportContext): void {
  process.stdout.write(formatResult(result, format, context));
  if (format === 'csv' || format === 'latex') for (const line of noteLines(result)) process.stderr.write(`${line}\n`);
}

/** --save: the --json object to a .json file (what `sysgmm table` reads), else the coefficient table. */
async function saveResult(result: GmmResult, path: string | undefined): Promise<void> {
  if (path?.toLowerCase().endsWith('.json')) await writeFileAtomic(path, formatResult(result, 'json'), '--save');
  else if (path) await writeTableFile(path, coefficientTable(result), '--save');
}
