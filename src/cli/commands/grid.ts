// `sysgmm grid <data> --id <col> --time <col> --grid <grid.json> --out <dir>`: a robustness grid of
// specifications from a command template, with the stability summary and specification curves.
import type { Command } from 'commander';
import { SpecError } from '../../errors.ts';
import { wholeNumber } from '../../whole-number.ts';
import { executorCliOptions, parseExecutorOptions, preparedMessage, type ExecutorCliOptions } from '../../run/executor.ts';
import { readManifest } from '../../run/run-dir.ts';
import { checkOutputFolder } from '../../data/write-atomic.ts';
import { runGrid } from '../../workloads/grid.ts';
import { DATA_FORMATS } from '../../data/read.ts';
import { readOptionsOf } from '../../input/load-model.ts';
import { dataReadOptions } from '../data-options.ts';
import { noter } from '../noter.ts';
import { runWorkloadCli } from '../workload-run.ts';

interface GridCliOptions extends ExecutorCliOptions {
  id: string;
  time: string;
  grid: string;
  out: string;
  bootstrap: string;
  seed: string;
  perTask: string;
  inputFormat?: string;
  sheet?: string;
  delimiter?: string;
}

export function register(program: Command): void {
  executorCliOptions(
    dataReadOptions(
      program
        .command('grid')
        .description('robustness grid: a command template crossed over its placeholders and samples; stability summary and specification curve')
        .argument('<file>', `data file (${DATA_FORMATS.join(', ')}; chosen by extension), or a dataset folder or glob of such files (not -: the tasks read the data again)`)
        .requiredOption('--id <col>', 'unit (panel) identifier column')
        .requiredOption('--time <col>', 'integer time column')
        .requiredOption('--grid <file>', 'the grid (JSON): template with {placeholders}, axes, samples, focus')
        .requiredOption('--out <dir>', 'run directory: task results, grid.json/md/tex/csv, figures/spec-curve-*')
        .option('--bootstrap <B>', 'pairs-bootstrap intervals for every specification with B replications (0: none)', '0')
        .option('--seed <n>', 'seed of the bootstrap draws (specification s draws from the stream keyed by (seed, s))', '1')
        .option('--per-task <k>', 'specifications per task', '10'),
    ),
  ).action(async (file: string, opts: GridCliOptions) => {
    parseExecutorOptions(opts); // refuse bad executor options before reading anything
    // The run writes grid.csv, its tasks and figures into --out: never into the data it reads.
    checkOutputFolder(opts.out, '--out', [file]);
    const read = readOptionsOf(opts, file);
    const bootstrap = wholeNumber(opts.bootstrap, '--bootstrap', 0);
    if (bootstrap === 1) throw new SpecError('--bootstrap must be 0 (none) or at least 2', '--bootstrap');
    const note = noter(opts);
    const result = await runWorkloadCli(opts, 'grid tasks', (run) =>
      runGrid(
        file,
        opts.grid,
        opts.out,
        { id: opts.id, time: opts.time, inputFormat: read.format, sheet: read.sheet, delimiter: read.delimiter, bootstrap, seed: wholeNumber(opts.seed, '--seed', 0), perTask: wholeNumber(opts.perTask, '--per-task', 1) },
        run,
      ),
    );
    if (!result) return void process.stderr.write(preparedMessage(opts.out, (await readManifest(opts.out)).tasks));
    process.stdout.write(result.markdown);
    for (const w of result.warnings) note(`warning: ${w}`, true);
    const failed = result.rows.filter((r) => r.failure).length;
    note(
      `${result.rows.length} specification(s) in ${result.tasks} task(s) (${result.ran} computed now)${failed ? `, ${failed} failed (see the Flags column)` : ''}; ` +
        `wrote grid.json/md/tex/csv and ${result.figures.length} specification curve(s) (SVG, PNG) to ${opts.out}`,
    );
  });
}
