// The environment of a run whose worker process for task `task` waits at its start until `gate`
// exists (hold-task.cjs; with `stage`, a worker of that stage only), and the release: a test kills
// that worker, or the run, while it is held.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function holdTask(task: number, gate: string, stage?: string): { env: NodeJS.ProcessEnv; release: () => void } {
  const preload = fileURLToPath(new URL('./hold-task.cjs', import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require "${preload}"`.trim(), SYSGMM_TEST_HOLD_TASK: String(task), SYSGMM_TEST_GATE: gate };
  // Only a worker of the run folder whose name ends with `stage` (hold-task.cjs).
  if (stage) env.SYSGMM_TEST_HOLD_STAGE = stage;
  return { env, release: () => writeFileSync(gate, '') };
}
