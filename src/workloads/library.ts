// The workloads as library functions (README "Library use"). Their modules write figures (vega,
// vega-lite, resvg) and Parquet (parquet-wasm), so they are loaded on the first call, keeping
// `import 'sysgmm'` as cheap as the estimator alone (bench/startup.ts).
import type { Plan } from './plan.ts';
import type { MontecarloResult } from './montecarlo.ts';
import type { GridOptions, GridResult } from './grid.ts';
import type { WorkloadOptions } from './run-workload.ts';

/** A Monte Carlo plan (JSON) read and checked; errors name the file and the key. */
export async function readPlan(path: string): Promise<Plan> {
  return (await import('./montecarlo.ts')).readPlan(path);
}

/** The plan's designs × replications as tasks of the run directory `out`; null when opts.prepare only wrote it. */
export async function runMontecarlo(plan: Plan, out: string, opts: WorkloadOptions): Promise<MontecarloResult | null> {
  return (await import('./montecarlo.ts')).runMontecarlo(plan, out, opts);
}

/** A robustness grid on a data file, dataset folder or glob, as tasks of the run directory `out`; null when exec.prepare only wrote it. */
export async function runGrid(dataPath: string, gridPath: string, out: string, opts: GridOptions, exec: WorkloadOptions): Promise<GridResult | null> {
  return (await import('./grid.ts')).runGrid(dataPath, gridPath, out, opts, exec);
}
