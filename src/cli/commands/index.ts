// Every subcommand: its name, arguments and one-line summary (what `sysgmm --help` lists without
// loading it) and the module that registers it in full. Only the command being run is loaded, so a
// command pays for its own dependencies alone (apache-arrow, vega, the readers, ...).
import type { Command } from 'commander';

export interface CommandEntry {
  name: string;
  /** Its arguments as the listing shows them, e.g. '<file>'. */
  args: string;
  /** Must equal the description the module registers (test/cli-conventions.test.ts checks it). */
  summary: string;
  load: () => Promise<{ register(program: Command): void }>;
}

export const commands: readonly CommandEntry[] = [
  { name: 'backends', args: '', summary: 'kernel backends present here: precision, measured GFLOP/s and bootstrap replications a second', load: () => import('./backends.ts') },
  {
    name: 'bootstrap',
    args: '<file>',
    summary: 'pairs (cluster) bootstrap of GMM, every replication re-estimating the weight matrix; wild score-bootstrap Wald tests',
    load: () => import('./bootstrap.ts'),
  },
  { name: 'describe', args: '<file>', summary: 'units, periods, observations, gaps and per-variable statistics of a panel data file', load: () => import('./describe.ts') },
  { name: 'estimate', args: '<file>', summary: 'difference or system GMM from an xtabond2 command, with xtabond2-identical numbers', load: () => import('./estimate.ts') },
  {
    name: 'grid',
    args: '<file>',
    summary: 'robustness grid: a command template crossed over its placeholders and samples; stability summary and specification curve',
    load: () => import('./grid.ts'),
  },
  {
    name: 'indices',
    args: '<file>',
    summary:
      'location quotients and co-agglomeration (CA1, CA2) of producer services and manufacturing per city-year, for the whole and each segment, plus manufacturing efficiency; writes a CSV',
    load: () => import('./indices.ts'),
  },
  {
    name: 'montecarlo',
    args: '<plan>',
    summary: 'Monte Carlo benchmark of estimators: bias, RMSE, size, coverage and test rejection rates over the designs of a plan',
    load: () => import('./montecarlo.ts'),
  },
  {
    name: 'partition',
    args: '<input>',
    summary: 'split a panel of any size into Parquet shards of whole units, sorted by (unit, time), with a manifest',
    load: () => import('./partition.ts'),
  },
  { name: 'replicate', args: '', summary: 'run the haze study: indices, efficiency, tables T1-T6, derived effects, figures and report.md', load: () => import('./replicate.ts') },
  {
    name: 'simulate',
    args: '',
    summary:
      'simulate a Chinese prefecture-city panel (sector employment, manufacturing inputs/output, controls, PM2.5) whose ln PM2.5 follows a known dynamic model in co-agglomeration and efficiency; writes a CSV',
    load: () => import('./simulate.ts'),
  },
  {
    name: 'table',
    args: '<files...>',
    summary: 'an esttab-style table across models saved by `estimate --save`: coefficients, SEs, stars, AR(2) p, Hansen p, instruments, N',
    load: () => import('./table.ts'),
  },
  { name: 'task', args: '<run-dir> [index...]', summary: 'compute tasks of a run directory (what executors and array schedulers call)', load: () => import('./task.ts') },
];

/** Register the command named on the command line in full and the others by name and summary only. */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const wanted = argv[0] === 'help' ? argv[1] : argv.find((a) => !a.startsWith('-'));
  for (const entry of commands) {
    if (entry.name === wanted) (await entry.load()).register(program);
    else {
      const stub = program.command(entry.name).description(entry.summary);
      if (entry.args) stub.arguments(entry.args);
    }
  }
}
