// The executors a run can use, in a module of its own: commands name them in their options without
// loading the executors (child processes, Slurm, run directories) until a run needs one.
export const EXECUTORS = ['local', 'slurm'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];
