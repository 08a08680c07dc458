// The Slurm executor: the tasks are submitted with `sbatch --array` (one array element per task,
// argument arrays only: the extra options the user gives are split like a shell would split them,
// without any shell), each element runs `sysgmm task <run dir>` with SLURM_ARRAY_TASK_ID as its
// index and logs to <run dir>/logs/slurm-<job>_<element>.out; the run waits by polling squeue,
// cancels its jobs with scancel on Ctrl-C, and resubmits the tasks that left no valid result (up to
// `retries` times). A hang-up (SIGHUP: the SSH session of a login node dropped) cancels them as Ctrl-C does.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SpecError } from '../errors.ts';
import { sysgmmBin } from './entry.ts';
import { logDir, pendingTasks, readTaskError, type RunManifest } from './run-dir.ts';
import { writeFileAtomic } from '../data/write-atomic.ts';
import type { ExecutorOptions } from './executor.ts';
import { TaskFailure, taskUserError } from './task-failure.ts';
import { signalExit, STOP_SIGNALS } from './signal-exit.ts';

/** Largest array index submitted (Slurm's default MaxArraySize is 1001); later tasks go in further arrays with an offset. */
const MAX_ARRAY_INDEX = 999;

/** Time between squeue polls. */
const POLL_MS = 1000;

/** The batch script: fixed text (nothing from the user); its arguments are node, the bin, the run dir,
 *  the index offset and the run's identity (an element that starts after its run's folder was made
 *  again refuses the new run: task.ts). */
const SCRIPT = `#!/bin/sh
# sysgmm: one Slurm array task. Arguments: node, the sysgmm bin, the run directory, the index offset,
# the run's identity, and (batched arrays) the file listing each element's tasks.
export SYSGMM_TASK_OFFSET="$4"
export SYSGMM_TASK_BATCHES="$6"
exec "$1" "$2" task "$3" --run="$5"
`;

/** sbatch options that the executor sets itself and that would break the run if overridden, and
 *  those that keep sbatch from printing the job id the executor reads (-Q) or from submitting at all. */
const SETS = 'which sysgmm sets itself (array of tasks, per-task logs) and cannot be given';
const SILENCES = 'which keeps sbatch from printing the job id sysgmm reads (or from submitting) and cannot be given';
const RESERVED = [
  ['--array', 'a', SETS],
  ['--output', 'o', SETS],
  ['--error', 'e', SETS],
  ['--wrap', null, SETS],
  ['--parsable', null, SETS],
  ['--quiet', 'Q', SILENCES],
  ['--test-only', null, SILENCES],
] as const;

/** sbatch's short options that take a value (sbatch --help, Slurm 22.05): in a cluster such as
 *  `-vJname` the rest after one of them is its value. Any other letter is read as a flag, so a
 *  reserved letter later in the cluster (`-Ho/x` is `-H -o /x`) is found. */
const SHORT_WITH_VALUE = new Set('AbcCdDFGiJLmMnNpqStwx');

/** The reserved option that sbatch would read `arg` as, if any. sbatch reads long options with
 *  getopt_long, which takes any unambiguous abbreviation (`--out=x` is `--output=x`), so every `--`
 *  option whose name is a prefix of a reserved one is taken for it (a shorter prefix that sbatch
 *  finds ambiguous, such as `--o`, is refused too: sbatch would refuse it anyway). */
function reservedOption(arg: string): (typeof RESERVED)[number] | null {
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split('=')[0];
    return RESERVED.find(([long]) => long.slice(2).startsWith(name)) ?? null;
  }
  if (!arg.startsWith('-')) return null;
  for (const letter of arg.slice(1)) {
    const hit = RESERVED.find(([, short]) => short === letter);
    if (hit) return hit;
    if (SHORT_WITH_VALUE.has(letter)) return null;
  }
  return null;
}

/** Whether the word after `arg` can be its value: only a short option that takes a value, at the end
 *  of its cluster (`-p`, `-vp`). A long option gives its value as `--opt=value`: which of sbatch's long
 *  options are flags is not known here, and taking the next word as a flag's value let a bare word
 *  through (`--requeue job.sh`), which sbatch, stopping at its first non-option, ran as the batch script. */
function takesNextWord(arg: string | undefined): boolean {
  if (!arg?.startsWith('-') || arg === '-') return false;
  if (arg.startsWith('--')) return false;
  const at = [...arg.slice(1)].findIndex((letter) => SHORT_WITH_VALUE.has(letter));
  return at === arg.length - 2;
}

/** sbatch's long options that take no value, or take one only as `--opt=value` (sbatch(1)). Any other
 *  long option must carry its value as `--opt=value`: written bare it takes the next word as its value,
 *  and last in the list that word is sysgmm's own --parsable, so the job id is never printed (a
 *  reviewer's `--comment` submitted an array that no run could track). */
const LONG_FLAGS = ['contiguous', 'exclusive', 'get-user-env', 'hold', 'ignore-pbs', 'nice', 'no-kill', 'no-requeue', 'overcommit', 'oversubscribe', 'propagate', 'reboot', 'requeue', 'spread-job', 'use-min-nodes', 'verbose', 'wait'];

/** Whether a bare long option (`--hold`, or getopt_long's unambiguous abbreviation `--ho`) is a flag. */
function isLongFlag(arg: string): boolean {
  const name = arg.slice(2);
  return name.length > 0 && LONG_FLAGS.some((f) => f.startsWith(name));
}

/** Split an option string into arguments as a POSIX shell would (quotes and backslashes), with no expansion of any kind. */
export function splitArguments(text: string, option: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) cur += text[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      cur += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) throw new SpecError(`${option}: unbalanced ${quote} quote in '${text}'`, option);
  if (inWord) out.push(cur);
  for (const [k, arg] of out.entries()) {
    const before = out[k - 1];
    if (!arg.startsWith('-') && before?.startsWith('--') && !before.includes('=') && before !== '--')
      throw new SpecError(`${option}: '${arg}' after '${before}': give a long option's value as ${before}=${arg} (a bare word is refused: sbatch would take it for the batch script)`, option);
    if (!arg.startsWith('-') && !takesNextWord(before))
      throw new SpecError(`${option}: '${arg}' is no option's value: sbatch would take it for the batch script, and sysgmm's own options for its arguments`, option);
    if (arg === '--') throw new SpecError(`${option}: '--' (end of options) cannot be given: sysgmm's own options and batch script follow`, option);
    const reserved = reservedOption(arg);
    if (reserved) throw new SpecError(`${option}: '${arg}' is read by sbatch as ${reserved[0]}, ${reserved[2]}`, option);
  }
  for (const arg of out)
    if (arg.startsWith('--') && !arg.includes('=') && !isLongFlag(arg))
      throw new SpecError(`${option}: '${arg}' has no value: give it as ${arg}=value (sbatch would take the next word for its value; last, sysgmm's own --parsable)`, option);
  // A short option that takes a value, last (`-p`), would take sysgmm's own --parsable as it.
  const last = out[out.length - 1];
  if (last !== undefined && !last.startsWith('--') && takesNextWord(last))
    throw new SpecError(`${option}: '${last}' needs a value (sbatch would take sysgmm's own next option for it)`, option);
  return out;
}

/** "0-4,7,9-12" from sorted indices. */
export function arrayRanges(indices: number[]): string {
  const parts: string[] = [];
  for (let a = 0; a < indices.length; ) {
    let b = a;
    while (b + 1 < indices.length && indices[b + 1] === indices[b] + 1) b++;
    parts.push(a === b ? `${indices[a]}` : `${indices[a]}-${indices[b]}`);
    a = b + 1;
  }
  return parts.join(',');
}

/** Sorted task indices as arrays of at most MAX_ARRAY_INDEX + 1 elements: task = offset + element. */
export function arrayChunks(indices: number[]): { offset: number; local: number[] }[] {
  const out: { offset: number; local: number[] }[] = [];
  for (let a = 0; a < indices.length; ) {
    const offset = indices[a];
    let b = a;
    while (b < indices.length && indices[b] - offset <= MAX_ARRAY_INDEX) b++;
    out.push({ offset, local: indices.slice(a, b).map((i) => i - offset) });
    a = b;
  }
  return out;
}

function capture(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string; missing: boolean } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', missing };
}

/** Fail clearly when Slurm's client commands are not installed here. */
export function requireSlurm(): void {
  if (capture('sbatch', ['--version']).missing)
    throw new SpecError('--executor slurm: sbatch is not on PATH (run on a Slurm login node, or load its module); --executor local runs here', '--executor');
}

/** Tasks dealt round-robin to `elements` array elements (element e runs indices[e], indices[e + elements], …). */
export function taskBatches(indices: number[], elements: number): number[][] {
  const out: number[][] = Array.from({ length: Math.min(elements, indices.length) }, () => []);
  indices.forEach((t, k) => out[k % out.length].push(t));
  return out;
}

function sbatch(args: string[]): string {
  const r = capture('sbatch', args);
  if (r.missing) requireSlurm();
  if (r.code !== 0) throw new SpecError(`sbatch failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`, '--slurm');
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id))
    throw new SpecError(
      `sbatch gave no job id (it printed '${[r.stdout.trim(), r.stderr.trim()].filter(Boolean).join(' ').replace(/\s+/g, ' ')}'): ` +
        '--slurm options that change what sbatch prints or stop it submitting (-Q/--quiet, --test-only) are not supported',
      '--slurm',
    );
  return id;
}

/** sbatch's --output for the run's logs: sbatch reads %-sequences anywhere in the path (%x, %j, …:
 *  "filename pattern" in the sbatch manual), so a % of the run folder's own path is written %%. */
export function logPattern(dir: string): string {
  return `${logDir(dir).replaceAll('%', '%%')}/slurm-%A_%a.out`;
}

async function submit(dir: string, manifest: RunManifest, indices: number[], opts: ExecutorOptions, attempt: number): Promise<{ ids: string[]; logs: Map<number, string> }> {
  const script = join(dir, 'slurm-task.sh');
  await writeFileAtomic(script, SCRIPT);
  await chmod(script, 0o755);
  const ids: string[] = [];
  const logs = new Map<number, string>();
  // The user's options go after the job name (which they may change) and before the options the run
  // depends on, which sbatch then reads last: ours win even over an option the check above missed.
  // --error too, to the same log: sbatch would otherwise send standard error where an SBATCH_ERROR in
  // the user's environment says, and a failed task's message would not be in the log the run names.
  const common = (array: string) => [`--job-name=sysgmm-${manifest.kind}`, ...(opts.slurm ?? []), '--parsable', `--array=${array}`, `--output=${logPattern(dir)}`, `--error=${logPattern(dir)}`, script, process.execPath, sysgmmBin(), dir];
  if (opts.jobs && indices.length > opts.jobs) {
    // At most `jobs` elements at a time anyway: one array of `jobs` elements, each running its share
    // of the tasks in one process (as the local executor's workers do), instead of waves of
    // one-task elements that each pay Slurm's dispatch and a Node start.
    const batches = taskBatches(indices, opts.jobs);
    const file = join(dir, `slurm-batches-${attempt}.json`);
    await writeFileAtomic(file, JSON.stringify(batches));
    const id = sbatch([...common(`0-${batches.length - 1}`), '0', manifest.id, file]);
    ids.push(id);
    batches.forEach((b, e) => b.forEach((t) => logs.set(t, join(logDir(dir), `slurm-${id}_${e}.out`))));
    opts.onNote?.(`submitted Slurm job array ${id} (${indices.length} task(s) in ${batches.length} element(s))`);
    return { ids, logs };
  }
  for (const { offset, local } of arrayChunks(indices)) {
    const id = sbatch([...common(`${arrayRanges(local)}${opts.jobs ? `%${opts.jobs}` : ''}`), String(offset), manifest.id]);
    ids.push(id);
    for (const e of local) logs.set(e + offset, join(logDir(dir), `slurm-${id}_${e}.out`));
    opts.onNote?.(`submitted Slurm job array ${id} (${local.length} task(s)${offset ? `, offset ${offset}` : ''})`);
  }
  return { ids, logs };
}

/** True while any element of the jobs is pending or running. */
async function queued(ids: string[]): Promise<boolean> {
  return new Promise((done) => {
    const child = spawn('squeue', ['--noheader', '--array', `--jobs=${ids.join(',')}`, '--format=%i'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    // squeue forgets finished jobs after MinJobAge and then answers "Invalid job id": none queued.
    child.on('close', (code) => done(code === 0 ? out.trim().length > 0 : !/invalid job id/i.test(err)));
    child.on('error', () => done(false));
  });
}

export async function runSlurm(dir0: string, pending: number[], manifest: RunManifest, opts: ExecutorOptions): Promise<void> {
  requireSlurm();
  const dir = resolve(dir0);
  // A backslash anywhere in an --output pattern turns off every replacement (sbatch manual,
  // "filename pattern"), %A_%a included: the logs would not be where the run says.
  if (dir.includes('\\')) throw new SpecError(`--executor slurm: the run folder ${dir} has a backslash in its path, which sbatch's log file names cannot hold; choose another --out`, '--out');
  const retries = opts.retries ?? 2;
  let todo = pending;
  for (let attempt = 0; ; attempt++) {
    const { ids, logs } = await submit(dir, manifest, todo, opts, attempt);
    let interrupted: NodeJS.Signals | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      interrupted = signal;
      capture('scancel', ids);
    };
    for (const s of STOP_SIGNALS) process.once(s, onSignal);
    try {
      while (!interrupted && (await queued(ids))) await new Promise((r) => setTimeout(r, POLL_MS));
    } finally {
      for (const s of STOP_SIGNALS) process.removeListener(s, onSignal);
    }
    if (interrupted) throw new TaskFailure(`interrupted: Slurm job(s) ${ids.join(', ')} cancelled; continue with --resume`, [], signalExit(interrupted));
    // A task stopped by an error in the user's data or options would fail the same way again.
    for (const i of todo) {
      const message = await readTaskError(dir, i, manifest.id);
      if (message !== null) throw taskUserError(dir, i, message, logs.get(i)!);
    }
    const left = new Set(await pendingTasks(dir, manifest, (i, why) => opts.onNote?.(`task ${i}: ${why}; recomputing`, true)));
    todo = todo.filter((i) => left.has(i));
    if (todo.length === 0) return;
    if (attempt >= retries)
      throw new TaskFailure(
        `${todo.length} task(s) failed on Slurm after ${retries} retries`,
        // Slurm makes an element's log when the element starts: without one, it never ran (cancelled,
        // or failed to start), and no log is named that is not there.
        todo.map((i) => ({ index: i, log: existsSync(logs.get(i)!) ? logs.get(i)! : null })),
      );
    opts.onNote?.(`${todo.length} task(s) left no valid result; resubmitting (retry ${attempt + 1} of ${retries})`, true);
  }
}
