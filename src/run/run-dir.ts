// The run directory of a many-task workload (Monte Carlo plan, robustness grid): everything a task
// needs is in <dir>/run.json, so any process on any machine that sees the folder can compute task i;
// each task's result is one file <dir>/tasks/<i>.json written atomically (temporary name, then
// rename) with a SHA-256 checksum, so a result is either complete and valid or absent/corrupt and
// recomputed. Each run has an identity drawn when it is created (run.json's `id`); every task result
// and error note carries it, and one that carries another is not this run's: a worker of an earlier
// run in the same folder (an orphan of a killed driver, a Slurm element still queued when the folder
// was removed and a new run made there) or a file copied in. Such a result is treated as absent,
// never merged. Layout:
//   run.json            { format, kind, tasks, config, created, id }
//   tasks/000012.json   line 1: {"format","index","run","bytes","sha256"}; then the payload as JSON
//   logs/               one log per local worker process or Slurm array task
import { createHash, randomBytes } from 'node:crypto';
import { lstat, readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError } from '../errors.ts';
import { isTemporaryName, writeFileAtomic } from '../data/write-atomic.ts';
import { makeFolder } from '../data/make-folder.ts';
import { optionFault } from '../file-errors.ts';

export const RUN_FORMAT = 'sysgmm-run/1';
const TASK_FORMAT = 'sysgmm-task/1';

export interface RunManifest {
  format: typeof RUN_FORMAT;
  /** Which workload computes the tasks ('montecarlo', 'grid'). */
  kind: string;
  tasks: number;
  /** Everything a task needs, as the workload wrote it (plan, data path and checksum, ...). */
  config: unknown;
  created: string;
  /** The run's identity, drawn when it is created (a run.json of an older sysgmm has none: one is
   *  added when the run is resumed). Task results and error notes carry it. */
  id: string;
}

/** A task result: missing, corrupt (with why), written by another run (its id; null: none, an older
 *  sysgmm's), or its payload. */
export type TaskState = { state: 'missing' } | { state: 'corrupt'; why: string } | { state: 'foreign'; run: string | null } | { state: 'ok'; payload: unknown };

/** A workload's check that a valid result's payload is the one its task computes (the replications
 *  of its range, the specifications of its block): null when it is, else what is wrong. */
export type PayloadCheck = (payload: unknown, index: number) => string | null;

/** A new run identity: 128 random bits, hex. */
const newRunId = (): string => randomBytes(16).toString('hex');

/** A run identity as messages show it (its first 8 hex digits). */
export const shortId = (id: string): string => id.slice(0, 8);

export function taskPath(dir: string, index: number): string {
  return join(dir, 'tasks', `${String(index).padStart(6, '0')}.json`);
}

export const logDir = (dir: string): string => join(dir, 'logs');

/** Where task i notes the error in the user's data or options that stopped it (task.ts). */
export function taskErrorPath(dir: string, index: number): string {
  return join(dir, 'tasks', `${String(index).padStart(6, '0')}.error.json`);
}

/** Note that task i of run `run` (its identity) stopped on an error in the user's data or options (its message names the file, row, column). */
export async function writeTaskError(dir: string, index: number, run: string, message: string): Promise<void> {
  await writeFileAtomic(taskErrorPath(dir, index), JSON.stringify({ index, run, message }) + '\n');
}

/** The message of the user error task i of run `run` stopped on, or null (none noted, the note
 *  unreadable, or another run's: a worker of an earlier run in the folder). */
export async function readTaskError(dir: string, index: number, run: string): Promise<string | null> {
  try {
    const note = JSON.parse(await readFile(taskErrorPath(dir, index), 'utf8')) as { index?: number; run?: unknown; message?: unknown };
    return note.index === index && note.run === run && typeof note.message === 'string' ? note.message : null;
  } catch {
    return null;
  }
}

/** Refuse a symbolic link at `path`, a folder inside a run directory that the run writes into: the
 *  run writes only inside the folder the user named, and a link there would carry its writes
 *  elsewhere (a linked file needs no check: the atomic rename replaces the link itself). */
export async function refuseLink(path: string, option = '--out'): Promise<void> {
  if ((await lstat(path).catch(() => null))?.isSymbolicLink()) throw linkRefused(path, option);
}

/** The error for a symbolic link where a run would write (a folder here, a worker's log in local.ts). */
export function linkRefused(path: string, option = '--out'): SpecError {
  return new SpecError(`${option}: ${path} is a symbolic link; a run writes only inside its own folder (remove the link)`, option);
}

/** The folder `name` inside the run directory `dir`, made if missing; a symbolic link is refused. */
export async function runSubfolder(dir: string, name: string, option = '--out'): Promise<string> {
  const path = join(dir, name);
  await refuseLink(path, option);
  try {
    await makeFolder(path);
  } catch (err) {
    throw optionFault(err, option);
  }
  return path;
}

export async function readManifest(dir: string): Promise<RunManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'run.json'), 'utf8');
  } catch {
    throw new SpecError(`${dir}: not a run directory (no run.json)`, 'run dir');
  }
  const path = join(dir, 'run.json');
  let m: RunManifest;
  try {
    m = JSON.parse(text) as RunManifest;
  } catch (err) {
    throw new SpecError(`${path}: damaged, not JSON (${(err as Error).message}); the run cannot go on: remove the folder or choose another --out`, 'run dir');
  }
  if (m?.format !== RUN_FORMAT) throw new SpecError(`${path}: format '${m?.format}' is not ${RUN_FORMAT}`, 'run dir');
  return m;
}

/** What a run is: its workload, task count and configuration. `locations` names the settings of the
 *  configuration (dotted keys: 'file', 'data.path') that say where the data is found, not what it is:
 *  the configuration also holds the data's identity (its SHA-256), which a resumed run compares; the
 *  path may differ (the data reached through a symbolic link or another relative path, the run folder
 *  moved), and the resumed run then reads the data where this invocation names it. */
export interface RunSpec {
  kind: string;
  tasks: number;
  config: unknown;
  locations?: string[];
}

/** The configuration without its locations (compared on resume). */
function withoutLocations(config: unknown, locations: string[] = []): unknown {
  if (locations.length === 0 || typeof config !== 'object' || config === null) return config;
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const key of locations) {
    const path = key.split('.');
    let at: unknown = copy;
    for (const k of path.slice(0, -1)) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[k] : undefined;
    if (typeof at === 'object' && at !== null) delete (at as Record<string, unknown>)[path[path.length - 1]];
  }
  return copy;
}

/**
 * Create the run directory, or with resume reopen it. A fresh run refuses a folder that already
 * holds one; a resumed run refuses one whose configuration differs from this invocation's (its
 * results would belong to another workload), its `locations` aside: when only they differ, run.json
 * takes this invocation's (the same data found at another path).
 */
export async function openRunDir(dir: string, run: RunSpec, resume: boolean): Promise<RunManifest> {
  // A run.json that is there but unreadable or damaged is refused (readManifest), never replaced.
  const existing = (await stat(join(dir, 'run.json')).catch(() => null)) ? await readManifest(dir) : null;
  if (existing) {
    if (!resume) throw new SpecError(`${dir} already holds a ${existing.kind} run; pass --resume to continue it, or choose another --out`, '--out');
    const was = withoutLocations(existing.config, run.locations);
    const now = withoutLocations(run.config, run.locations);
    if (existing.kind !== run.kind || existing.tasks !== run.tasks || JSON.stringify(was) !== JSON.stringify(now)) {
      const what = existing.kind !== run.kind ? `it is a ${existing.kind} run, this is ${run.kind}` : (configDifference(was, now) ?? `${existing.tasks} tasks in the run, ${run.tasks} now`);
      throw new SpecError(`--resume: ${dir} holds a different ${existing.kind} run (${what}); choose another --out`, '--resume');
    }
    await runSubfolder(dir, 'tasks');
    await runSubfolder(dir, 'logs');
    // A run made by an older sysgmm has no identity: it gets one now (its results, which carry none,
    // are then recomputed: nothing tells them from another run's). The data's locations are this
    // invocation's, for the tasks still to run.
    const moved = JSON.stringify(existing.config) !== JSON.stringify(run.config);
    if (typeof existing.id !== 'string' || !existing.id || moved) {
      if (typeof existing.id !== 'string' || !existing.id) existing.id = newRunId();
      existing.config = run.config;
      await writeFileAtomic(join(dir, 'run.json'), JSON.stringify(existing, null, 1) + '\n');
    }
    return existing;
  }
  const manifest: RunManifest = { format: RUN_FORMAT, kind: run.kind, tasks: run.tasks, config: run.config, created: new Date().toISOString(), id: newRunId() };
  if ((await stat(dir).catch(() => null))?.isDirectory() === false) throw new SpecError(`--out: ${dir} is a file, not a folder`, '--out');
  await runSubfolder(dir, 'tasks');
  await runSubfolder(dir, 'logs');
  await writeFileAtomic(join(dir, 'run.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}

/** The first place where two run configurations differ, for people: "plan.reps: 100 in the run, 120
 *  now"; a checksum is said to be the data's. Null when they are the same. */
export function configDifference(was: unknown, now: unknown, path = ''): string | null {
  if (JSON.stringify(was) === JSON.stringify(now)) return null;
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (isObject(was) && isObject(now) && Array.isArray(was) === Array.isArray(now)) {
    if (Array.isArray(was) && Array.isArray(now) && was.length !== now.length) return `${path || 'the list'}: ${was.length} entries in the run, ${now.length} now`;
    for (const k of new Set([...Object.keys(was), ...Object.keys(now)])) {
      const at = Array.isArray(was) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
      const d = configDifference(was[k], now[k], at);
      if (d) return d;
    }
  }
  // A checksum (a data file's, a partition manifest's): its value says nothing to people.
  if (/sha256$/.test(path) || (typeof was === 'string' && typeof now === 'string' && /^[0-9a-f]{64}$/.test(was) && /^[0-9a-f]{64}$/.test(now)))
    return `the data changed: their checksum ${path} differs`;
  const show = (x: unknown) => (x === undefined ? 'not set' : JSON.stringify(x));
  return `${path || 'the configuration'}: ${show(was)} in the run, ${show(now)} now`;
}

/**
 * Undo openRunDir for a run in which no task ran (its submission failed): remove what it wrote, and
 * the folder itself when this call made it (`folderExisted` false), so that the same command can be
 * run again as it was. Anything else in the folder stays.
 */
export async function discardRunDir(dir: string, folderExisted: boolean): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names)
    if (['run.json', 'tasks', 'logs', 'slurm-task.sh'].includes(name) || /^slurm-batches-\d+\.json$/.test(name)) await rm(join(dir, name), { recursive: true, force: true });
  if (!folderExisted) await rmdir(dir).catch(() => undefined);
}

/** Whether no task of the run has left anything: no result, no error note, no log. */
export async function nothingRan(dir: string): Promise<boolean> {
  const entries = async (sub: string) => (await readdir(join(dir, sub)).catch(() => [] as string[])).length;
  return (await entries('tasks')) + (await entries('logs')) === 0;
}

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** Write task i's result of run `run` (its identity; complete, checksummed, atomically). Non-finite numbers are written as null. */
export async function writeResult(dir: string, index: number, payload: unknown, run: string): Promise<void> {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const header = JSON.stringify({ format: TASK_FORMAT, index, run, bytes: body.length, sha256: sha256(body) });
  await writeFileAtomic(taskPath(dir, index), Buffer.concat([Buffer.from(header + '\n', 'utf8'), body]));
}

/** Task i's result for run `run` (its identity): missing, corrupt (with why), another run's, or its payload. */
export async function readResult(dir: string, index: number, run: string): Promise<TaskState> {
  let bytes: Buffer;
  try {
    bytes = await readFile(taskPath(dir, index));
  } catch {
    return { state: 'missing' };
  }
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) return { state: 'corrupt', why: 'no header line' };
  let header: { format?: string; index?: number; run?: string; bytes?: number; sha256?: string };
  try {
    header = JSON.parse(bytes.subarray(0, nl).toString('utf8'));
  } catch {
    return { state: 'corrupt', why: 'unreadable header' };
  }
  const body = bytes.subarray(nl + 1);
  if (header.format !== TASK_FORMAT || header.index !== index) return { state: 'corrupt', why: `header is not that of task ${index}` };
  if (header.bytes !== body.length) return { state: 'corrupt', why: `${body.length} bytes where ${header.bytes} were written` };
  if (header.sha256 !== sha256(body)) return { state: 'corrupt', why: 'checksum mismatch' };
  if (header.run !== run) return { state: 'foreign', run: typeof header.run === 'string' ? header.run : null };
  return { state: 'ok', payload: JSON.parse(body.toString('utf8')) };
}

/** Why a result that is there is not taken, for the note that it is recomputed ("task 3: <why>; recomputing"). */
function notTaken(s: TaskState, run: string): string {
  if (s.state === 'corrupt') return `result corrupt (${s.why})`;
  if (s.state === 'foreign')
    return `result written by another run in this folder (${s.run ? `run ${shortId(s.run)}` : 'no run identity: an older sysgmm'}; this run is ${shortId(run)}), not used`;
  return 'no result';
}

/** Indices of the tasks with no complete, valid result of this run; a corrupt result, one of another
 *  run, and one whose payload fails `check` are removed (and named through onStale, with why), and
 *  so are the error notes of earlier attempts at those tasks. The results an older sysgmm left (no run
 *  identity; every result of a run it began) are named once, with their count. */
export async function pendingTasks(dir: string, manifest: RunManifest, onStale?: (index: number, why: string) => void, check?: PayloadCheck): Promise<number[]> {
  const { tasks, id } = manifest;
  const pending: number[] = [];
  const older: number[] = [];
  // Temporary files of results whose writer was killed mid-write: their tasks run again.
  const names = await readdir(join(dir, 'tasks')).catch(() => [] as string[]);
  for (const f of names) if (isTemporaryName(f)) await rm(join(dir, 'tasks', f), { force: true });
  for (let i = 0; i < tasks; i++) {
    const s = await readResult(dir, i, id);
    const wrong = s.state === 'ok' ? check?.(s.payload, i) : null;
    if (s.state === 'ok' && !wrong) continue;
    if (s.state !== 'missing') {
      if (s.state === 'foreign' && s.run === null) older.push(i);
      else onStale?.(i, wrong ? `result does not fit its task (${wrong})` : notTaken(s, id));
      await rm(taskPath(dir, i), { force: true });
    }
    await rm(taskErrorPath(dir, i), { force: true });
    pending.push(i);
  }
  if (older.length)
    onStale?.(older[0], `${notTaken({ state: 'foreign', run: null }, id)}${older.length === 2 ? ', nor is the other result it left' : older.length > 2 ? `, nor are the ${older.length - 1} other results it left` : ''}`);
  return pending;
}

/** Number of result files present (progress only; validity is checked by pendingTasks). */
export async function resultsPresent(dir: string): Promise<number> {
  try {
    return (await readdir(join(dir, 'tasks'))).filter((f) => /^\d+\.json$/.test(f)).length;
  } catch {
    return 0;
  }
}

/** Every task's payload of this run, in task order; throws naming the first task without a valid result. */
export async function allResults(dir: string, manifest: RunManifest, check?: PayloadCheck): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let i = 0; i < manifest.tasks; i++) {
    const s = await readResult(dir, i, manifest.id);
    const wrong = s.state === 'ok' ? check?.(s.payload, i) : null;
    if (s.state !== 'ok' || wrong)
      throw new SpecError(`${taskPath(dir, i)}: task ${i} has no valid result (${wrong ? `it does not fit its task: ${wrong}` : s.state === 'missing' ? 'missing' : notTaken(s, manifest.id)}); rerun with --resume`, '--resume');
    out.push(s.payload);
  }
  return out;
}
