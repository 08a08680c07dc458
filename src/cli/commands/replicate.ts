// `sysgmm replicate`: the haze study from the raw city panel to tables, effects, figures and report.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { SpecError } from '../../errors.ts';
import { backendNames, defaultFloat64Backend } from '../../kernels/registry.ts';
import { engineEstimators, replicate, type ProgressEvent } from '../../study/replicate.ts';
import { readOptionsOf } from '../../input/load-model.ts';
import { dataReadOptions } from '../data-options.ts';
import { missingFolders, removeEmptyFolders } from '../../data/make-folder.ts';

interface Options {
  data?: string;
  config?: string;
  out: string;
  bootstrap?: string;
  backend: string;
  quiet?: boolean;
  inputFormat?: string;
  sheet?: string;
  delimiter?: string;
}

/** Progress on stderr: a bar when stderr is a terminal, otherwise one line per step. */
function progressReporter(quiet: boolean): { onProgress?: (e: ProgressEvent) => void; stop(): void } {
  if (quiet) return { stop() {} };
  const start = performance.now();
  const elapsed = () => ((performance.now() - start) / 1000).toFixed(1);
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'replicate [{bar}] {value}/{total} {step}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      onProgress(e) {
        if (!started) {
          bar.start(e.total, e.done, { step: e.step });
          started = true;
        } else bar.update(e.done, { step: e.step });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  return {
    onProgress(e) {
      process.stderr.write(`replicate [${String(e.done).padStart(2)}/${e.total}] ${elapsed().padStart(6)}s ${e.step}\n`);
    },
    stop() {},
  };
}

export function register(program: Command): void {
  const cmd = program
    .command('replicate')
    .description('run the haze study: indices, efficiency, tables T1-T6, derived effects, figures and report.md')
    .option('--data <file>', 'city panel (default: the config\'s "data", data/city_panel.csv)')
    .option('--config <file>', 'study.json naming columns and choices (default: built-in defaults for the bundled panel)')
    .option('--out <dir>', 'output directory', 'out')
    .option('--bootstrap <B>', 'pairs-bootstrap replications for the GMM columns (intervals in brackets)')
    .option('--backend <name>', `kernel backend of the bootstrap: auto|${backendNames().join('|')}`, defaultFloat64Backend())
    .option('--quiet', 'no progress on stderr');
  dataReadOptions(cmd).action(async (opts: Options) => {
    const read = readOptionsOf(opts);
    let reps = 0;
    if (opts.bootstrap !== undefined) {
      reps = Number(opts.bootstrap);
      if (!Number.isInteger(reps) || reps < 2) throw new SpecError(`--bootstrap must be an integer >= 2, got '${opts.bootstrap}'`, '--bootstrap');
    }
    const progress = progressReporter(!!opts.quiet);
    // Folders of --out that the run makes; a run that fails before writing into them removes them.
    const missing = missingFolders(opts.out);
    let outcome;
    try {
      outcome = await replicate({
        data: opts.data,
        read,
        config: opts.config,
        out: opts.out,
        bootstrap: reps,
        estimators: engineEstimators({ backend: opts.backend }),
        onProgress: progress.onProgress,
      });
    } catch (err) {
      await removeEmptyFolders(missing);
      throw err;
    } finally {
      progress.stop();
    }
    // Every warning of report.md (configuration, measures, derived variables, models) also here, where
    // a run that is not read in full still shows it.
    for (const w of outcome.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(outcome.t2Text);
    const total = outcome.seconds.reduce((s, x) => s + x.seconds, 0);
    if (!opts.quiet) process.stderr.write(`replicate: wrote ${outcome.files.length} files to ${opts.out} in ${total.toFixed(1)} s (report: ${opts.out}/report.md)\n`);
  });
}
