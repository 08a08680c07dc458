// `sysgmm bootstrap`: the pairs (cluster) bootstrap of a difference or system GMM fit, re-estimating
// the weight matrix in every replication, and wild score-bootstrap Wald tests.
import { noter } from '../noter.ts';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SpecError } from '../../errors.ts';
import { wholeNumber } from '../../whole-number.ts';
import { bootstrapGmm } from '../../bootstrap/run.ts';
import { WILD_WEIGHTS, type WildWeights } from '../../bootstrap/draws.ts';
import { backendNames, defaultFloat64Backend } from '../../kernels/registry.ts';
import {
  INTERVAL_KINDS,
  bootstrapHistogramSpec,
  bootstrapJson,
  formatBootstrapMarkdown,
  formatBootstrapText,
  type IntervalKind,
} from '../../report/bootstrap.ts';
import { REP_OK } from '../../bootstrap/replicate.ts';
import { loadModel, type ModelInputOptions } from '../../input/load-model.ts';
import { modelInputOptions } from '../data-options.ts';
import { progressBar } from '../progress.ts';
import { checkTableFile, drawsTable, writeTableFile } from '../../data/write-table.ts';
import { checkOutputFolder, checkWritableFolder } from '../../data/write-atomic.ts';
import { figureSlugs } from '../../report/figure-names.ts';
import { makeFolder, removeEmptyFolders } from '../../data/make-folder.ts';
import { optionFault } from '../../file-errors.ts';
import { parseExecutorOptions, withProgress } from '../../run/executor.ts';
import { noteInterrupts } from '../../run/signal-exit.ts';
import { EXECUTORS } from '../../run/executor-names.ts';
import { isPartitionedFolder } from '../../data/partition-manifest.ts';
import { given, outputFormat } from '../option-conflicts.ts';

interface BootstrapCliOptions extends ModelInputOptions {
  reps: string;
  seed: string;
  method: string;
  weights: string;
  ci: string;
  test?: string[];
  backend: string;
  recentre: boolean;
  format: string;
  json?: boolean;
  svg?: string;
  quiet?: boolean;
  threads?: string;
  draws?: string;
  shards?: string;
  executor: string;
  jobs?: string;
  retries: string;
  slurm?: string;
  out?: string;
  resume?: boolean;
}

export function register(program: Command): void {
  modelInputOptions(program.command('bootstrap').description('pairs (cluster) bootstrap of GMM, every replication re-estimating the weight matrix; wild score-bootstrap Wald tests'))
    .option('--reps <B>', 'replications', '999')
    .option('--seed <n>', 'seed of the draws (same draws on every backend and batch size)', '1')
    .option('--method <m>', 'pairs (re-estimate; with --test also the wild tests) or wild (score tests only)', 'pairs')
    .option('--weights <w>', `wild weights: ${WILD_WEIGHTS.join('|')}`, 'rademacher')
    .option('--ci <kind>', `intervals to print: ${INTERVAL_KINDS.join('|')}|all`, 'all')
    .option('--test <restriction...>', 'Wald test by the wild score bootstrap, e.g. "w = 0", "L.w + w = 0" or "w = 0, k = 0" (joint)')
    .option('--backend <name>', `kernel backend: auto|${backendNames().join('|')} (auto: the fastest measured on a batch of bootstrap work)`, defaultFloat64Backend())
    .option('--no-recentre', 'do not recentre the moments (Hall-Horowitz); the bootstrap-t and J p-value then lose their justification')
    .option('--format <fmt>', 'text|markdown|json', 'text')
    .option('--json', 'same as --format json')
    .option('--svg <dir>', 'write an SVG and PNG histogram of each coefficient\'s replications into this folder')
    .option('--threads <n>', 'threads for the replications (default: one per core on the CPU backends); results do not depend on it')
    .option('--draws <file>', 'write every replication (status, coefficients, SEs) to this file (.csv, .arrow, .parquet or .json)')
    .option('--quiet', 'no progress bar')
    .option('--shards <S>', 'split the pairs replications into S tasks of a run directory (--out), run by --executor; the same numbers as unsplit')
    .option('--executor <name>', `with --shards: where the tasks run: ${EXECUTORS.join('|')}`, 'local')
    .option('--jobs <J>', 'with --shards: local worker processes (default one per core); slurm: array tasks running at once')
    .option('--retries <n>', 'with --shards: times a failed task is retried', '2')
    .option('--slurm <options>', 'with --shards: extra sbatch options, e.g. "--partition=short --mem=4G"')
    .option('--out <run-dir>', 'with --shards: the run directory (task results, logs)')
    .option('--resume', 'with --shards: continue the run in --out, keeping every valid task result')
    .action(async (file: string, opts: BootstrapCliOptions, command: Command) => {
      checkTableFile(opts.draws, '--draws', [file]);
      if (opts.svg) (checkOutputFolder(opts.svg, '--svg', [file]), checkWritableFolder(opts.svg, '--svg'));
      const reps = wholeNumber(opts.reps, '--reps', 2);
      const seed = wholeNumber(opts.seed, '--seed', 0);
      const threads = opts.threads === undefined ? undefined : wholeNumber(opts.threads, '--threads', 1);
      if (opts.method !== 'pairs' && opts.method !== 'wild') throw new SpecError(`--method must be pairs or wild, got '${opts.method}'`, '--method');
      if (opts.method === 'wild' && !opts.test?.length) throw new SpecError('--method wild needs at least one --test restriction', '--test');
      // The wild score bootstrap re-estimates nothing: there are no replications to write or draw.
      for (const o of ['draws', 'svg'] as const)
        if (opts.method === 'wild' && opts[o] !== undefined) throw new SpecError(`--${o} applies to --method pairs: the wild score bootstrap does not re-estimate the coefficients`, `--${o}`);
      // Options of the one method that the other would ignore without a word.
      if (given(command, 'weights') && !opts.test?.length) throw new SpecError('--weights applies to the wild score tests of --test: give a --test or leave --weights out', '--weights');
      if (opts.method === 'wild' && given(command, 'ci')) throw new SpecError('--ci applies to --method pairs: the wild score bootstrap computes tests, not intervals', '--ci');
      if (!WILD_WEIGHTS.includes(opts.weights as WildWeights)) throw new SpecError(`--weights must be one of ${WILD_WEIGHTS.join(', ')}, got '${opts.weights}'`, '--weights');
      const kinds: readonly IntervalKind[] = opts.ci === 'all' ? INTERVAL_KINDS : [opts.ci as IntervalKind];
      if (!INTERVAL_KINDS.includes(kinds[0])) throw new SpecError(`--ci must be one of ${INTERVAL_KINDS.join(', ')}, all; got '${opts.ci}'`, '--ci');
      const format = outputFormat(opts, command);
      if (!['text', 'markdown', 'json'].includes(format)) throw new SpecError(`--format must be text, markdown or json, got '${format}'`, '--format');
      const shards = opts.shards === undefined ? undefined : wholeNumber(opts.shards, '--shards', 1);
      if (shards === undefined) {
        for (const o of ['out', 'resume', 'jobs', 'slurm'] as const) if (opts[o] !== undefined) throw new SpecError(`--${o} applies only with --shards`, `--${o}`);
        if (given(command, 'retries')) throw new SpecError('--retries applies only with --shards', '--retries');
        if (opts.executor !== 'local') throw new SpecError('--executor applies only with --shards', '--executor');
      } else {
        if (opts.method !== 'pairs') throw new SpecError('--shards splits the pairs replications: it needs --method pairs', '--shards');
        if (!opts.out) throw new SpecError('--shards needs --out <run-dir> for the tasks and their results', '--out');
        checkOutputFolder(opts.out, '--out', [file]);
        if (opts.backend === 'auto') throw new SpecError('--shards needs a named --backend (auto measures on each machine and could choose differently)', '--backend');
      }
      const { panel, spec } = await (isPartitionedFolder(file) ? (await import('../../scale/partition-panel.ts')).loadPartitionedModel(file, opts) : loadModel(file, opts));
      const bar = progressBar('bootstrap', reps, opts.quiet || opts.method === 'wild');
      const exec = shards === undefined ? null : parseExecutorOptions(opts);
      const replications =
        shards === undefined
          ? undefined
          : () =>
              noteInterrupts(() =>
                withProgress(opts.out!, (done) => bar.update(Math.round((done / shards) * reps)), async () =>
                  (await import('../../scale/sharded-bootstrap.ts')).shardedReplications(
                    opts.out!,
                    { file, id: opts.id, time: opts.time, inputFormat: opts.inputFormat, sheet: opts.sheet, delimiter: opts.delimiter, command: opts.xtabond2, seed, reps, recentre: opts.recentre, backend: opts.backend, shards },
                    { ...exec!, resume: opts.resume, onNote: noter(opts) },
                  ),
                ),
              );
      const result = await bootstrapGmm(
        panel,
        spec,
        {
          reps,
          seed,
          backend: opts.backend,
          recentre: opts.recentre,
          tests: opts.test,
          weights: opts.weights as WildWeights,
          pairs: opts.method === 'pairs',
          threads,
          onProgress: (done) => bar.update(done),
          replications,
        },
        opts.xtabond2,
      );
      bar.stop();
      if (format === 'json') process.stdout.write(JSON.stringify(bootstrapJson(result), null, 2) + '\n');
      else process.stdout.write(format === 'markdown' ? formatBootstrapMarkdown(result, kinds) : formatBootstrapText(result, kinds));
      if (opts.draws && result.draws) await writeTableFile(opts.draws, drawsTable(result.coefficients.map((c) => c.name), result.draws), '--draws');
      if (opts.svg && result.draws) {
        const made = await makeFolder(opts.svg).catch((err: unknown) => {
          throw optionFault(err, '--svg');
        });
        const K = result.coefficients.length;
        try {
          // The figure code (vega, d3, resvg: most of the modules bootstrap would load) only for figures.
          const { writeFigure } = await import('../../report/figures.ts');
          const slugs = figureSlugs(result.coefficients.map((c) => c.name));
          for (const [k, c] of result.coefficients.entries()) {
            const draws: number[] = [];
            for (let b = 0; b < result.reps; b++) if (result.draws.status[b] === REP_OK) draws.push(result.draws.beta[b * K + k]);
            const base = join(opts.svg, `bootstrap-${slugs[k]}`);
            await writeFigure(bootstrapHistogramSpec(c.name, draws, c), base, '--svg');
          }
        } catch (err) {
          await removeEmptyFolders(made);
          throw err;
        }
        if (!opts.quiet) process.stderr.write(`wrote ${K} histograms (SVG and PNG) to ${opts.svg}\n`);
      }
    });
}
