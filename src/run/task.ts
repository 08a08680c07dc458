// One task of a run: `sysgmm task <run dir> <index>` computes task <index> from <run dir>/run.json
// and writes its result; the same command serves every executor (local worker processes, Slurm
// arrays) and other array schedulers, whose index variable is read when no index is given.
import { readFile } from 'node:fs/promises';
import { DataError, SpecError } from '../errors.ts';
import { readManifest, shortId, writeResult, writeTaskError, type RunManifest } from './run-dir.ts';
import { TaskFailure } from './task-failure.ts';

/** Computes one task's payload from the run's manifest. */
export type TaskHandler = (manifest: RunManifest, index: number, dir: string) => Promise<unknown>;

/** Array-task index variables of the schedulers the entry point serves, in the order they are read. */
export const INDEX_VARIABLES = ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/** The task index from the first scheduler variable that is set (plus SYSGMM_TASK_OFFSET, for arrays over a later range). */
export function indexFromEnvironment(env: NodeJS.ProcessEnv = process.env): number {
  const name = INDEX_VARIABLES.find((v) => env[v] !== undefined && env[v] !== '');
  if (!name) throw new SpecError(`no task index: give one, or run under a scheduler that sets ${INDEX_VARIABLES.join(', ')}`, 'index');
  const offset = env.SYSGMM_TASK_OFFSET ? parseIndex(env.SYSGMM_TASK_OFFSET, 'SYSGMM_TASK_OFFSET') : 0;
  return parseIndex(env[name]!, name) + offset;
}

/** The tasks this process runs when none is given: the scheduler's index, or, in a batched Slurm
 *  array (slurm.ts), the tasks its element is listed with in SYSGMM_TASK_BATCHES (a JSON file of
 *  index lists written by the executor). */
export async function indicesFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<number[]> {
  const element = indexFromEnvironment(env);
  const file = env.SYSGMM_TASK_BATCHES;
  if (!file) return [element];
  let batches: unknown;
  try {
    batches = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new SpecError(`SYSGMM_TASK_BATCHES: cannot read ${file}: ${(err as Error).message}`, 'SYSGMM_TASK_BATCHES');
  }
  const list = Array.isArray(batches) ? (batches[element] as unknown) : undefined;
  if (!Array.isArray(list) || !list.every((t) => Number.isInteger(t) && t >= 0))
    throw new SpecError(`SYSGMM_TASK_BATCHES: ${file} lists no tasks for element ${element}`, 'SYSGMM_TASK_BATCHES');
  return list as number[];
}

export function parseIndex(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new SpecError(`${what}: task index must be a non-negative integer, got '${text}'`, what);
  return Number(text.trim());
}

/** Compute task `index` of the run in `dir` and write its result. An error in the user's data or
 *  options (DataError, SpecError) is noted in the run directory for the executor, which then stops
 *  the run with that message instead of retrying a task that would fail the same way.
 *  `run` is the identity of the run the worker was started for (run.json's id when it started): a
 *  folder that now holds another run (the first one removed and a new one made in its place while
 *  this worker ran) is refused, before the task and again before its result or note is written, and
 *  nothing is written into it. The result carries the identity, so that one written in the moment
 *  between that check and the rename is still known for another run's (run-dir.ts). */
export async function runTask(dir: string, index: number, handlers: Record<string, TaskHandler>, run?: string): Promise<void> {
  const manifest = await readManifest(dir);
  const id = run ?? manifest.id;
  refuseOtherRun(dir, manifest, id, index);
  if (index >= manifest.tasks) throw new SpecError(`task ${index}: the run in ${dir} has tasks 0 to ${manifest.tasks - 1}`, 'index');
  const handler = handlers[manifest.kind];
  if (!handler) throw new SpecError(`${dir}: unknown run kind '${manifest.kind}'`, 'run dir');
  let payload: unknown;
  try {
    payload = await handler(manifest, index, dir);
  } catch (err) {
    if (err instanceof DataError || err instanceof SpecError) {
      refuseOtherRun(dir, await readManifest(dir), id, index);
      await writeTaskError(dir, index, id, err.message);
    }
    throw err;
  }
  refuseOtherRun(dir, await readManifest(dir), id, index);
  await writeResult(dir, index, payload, id);
}

/** Stop a worker whose run folder holds another run than the one it was started for (exit 1, nothing written). */
function refuseOtherRun(dir: string, manifest: RunManifest, id: string, index: number): void {
  if (typeof manifest.id !== 'string' || !manifest.id)
    throw new TaskFailure(`${dir}: run.json has no run identity (an older sysgmm made it); give the command that made the run again with --resume before its tasks are run`, []);
  if (manifest.id !== id)
    throw new TaskFailure(`${dir} now holds another run (run ${shortId(manifest.id)}; this worker was started for run ${shortId(id)}): task ${index} not computed, nothing written`, []);
}
