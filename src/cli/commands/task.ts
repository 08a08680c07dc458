// `sysgmm task <run dir> [index...]`: compute tasks of a run directory and write their results. The
// one entry point every executor calls: local worker processes (several indices), Slurm array
// elements, Kubernetes Indexed Jobs and AWS Batch array jobs (no index: read from
// SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX).
import type { Command } from 'commander';
import { indicesFromEnvironment, parseIndex, runTask, INDEX_VARIABLES } from '../../run/task.ts';
import { readManifest } from '../../run/run-dir.ts';
import { montecarloTask } from '../../workloads/montecarlo-task.ts';
import { gridTask } from '../../workloads/grid-task.ts';
import type { TaskHandler } from '../../run/task.ts';

// The sharded workloads load their readers (parquet-wasm) only when one of their tasks runs.
const HANDLERS: Record<string, TaskHandler> = {
  montecarlo: montecarloTask,
  grid: gridTask,
  'sharded-estimate': async (m, i, d) => (await import('../../scale/estimate-task.ts')).shardedEstimateTask(m, i, d),
  'bootstrap-replications': async (m, i) => (await import('../../scale/sharded-bootstrap.ts')).bootstrapTask(m, i),
};

export function register(program: Command): void {
  program
    .command('task')
    .description('compute tasks of a run directory (what executors and array schedulers call)')
    .argument('<run-dir>', 'the run directory (holds run.json)')
    .argument('[index...]', `task indices; none: the scheduler's index (${INDEX_VARIABLES.join(', ')})`)
    .option('--run <id>', "the identity of the run the tasks belong to (run.json's id; the executors pass it): a folder that holds another run is refused, nothing written (default: the run in the folder when this process starts)")
    .action(async (dir: string, indices: string[], opts: { run?: string }) => {
      const list = indices.length ? indices.map((i) => parseIndex(i, 'index')) : await indicesFromEnvironment();
      // Every task of this process belongs to one run: the folder's run when it starts, unless the
      // executor named it (a worker that starts late, after its run's folder was made again).
      const run = opts.run ?? (await readManifest(dir)).id;
      for (const i of list) await runTask(dir, i, HANDLERS, run);
    });
}
