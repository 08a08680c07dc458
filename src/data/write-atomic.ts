// Every output file is written atomically: the bytes go to a temporary file beside the target, which is
// then renamed over it, so an interrupted run leaves the old file or the new one, never half of one. A
// failure names the path the user gave (not the temporary name) and leaves no temporary file behind.
// A device, FIFO or open descriptor named as the output is written in place instead (inPlaceTarget).
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { SpecError } from '../errors.ts';
import { optionFault } from '../file-errors.ts';
import { globMatches, isGlob, pathBelow, realPathOf } from './glob.ts';

function temporaryName(path: string): string {
  // A name near the file system's 255-byte limit keeps its first 200 characters, so the suffix fits.
  return join(dirname(path), `.${basename(path).slice(0, 200)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
}

/** Whether a file name is one temporaryName gives: what a writer killed between writing and renaming leaves. */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.\d+\.[0-9a-z]+\.tmp$/.test(name);
}

/** Report a failure on the temporary file as a failure on the target. A failed write on an open file
 *  (EFBIG past a file-size limit, ENOSPC on a full disk) names no file: it gets the target's too. */
function onTarget(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (e instanceof Error && (typeof e.syscall === 'string' || typeof e.path === 'string' || typeof e.errno === 'number')) {
    e.path = path;
    e.syscall = 'write';
    delete e.dest;
    e.message = `${e.code ?? 'error'}: cannot write ${path}`;
  }
  return err;
}

/**
 * Write every byte of `parts`, in order, at the current position of the open file `fh`. A write may
 * write fewer bytes than asked and say so only by its count (under a file-size limit, `ulimit -f`, or
 * on a filling disk, write(2) writes what fits; the next write then fails with EFBIG or ENOSPC), so
 * the rest is written again until all is. A failure is reported on `path` ("cannot write PATH: file
 * too large"), and so is a write that wrote nothing, which would otherwise be retried for ever.
 */
export async function writeAll(fh: Pick<FileHandle, 'writev'>, parts: readonly Uint8Array[], path: string): Promise<void> {
  const rest = parts.filter((p) => p.length > 0);
  let first = 0;
  try {
    while (first < rest.length) {
      let { bytesWritten } = await fh.writev(rest.slice(first));
      if (bytesWritten === 0) throw Object.assign(new Error('a write wrote no byte'), { code: 'EIO', errno: -5, syscall: 'write' });
      for (; first < rest.length && bytesWritten >= rest[first].length; first++) bytesWritten -= rest[first].length;
      if (bytesWritten > 0) rest[first] = rest[first].subarray(bytesWritten);
    }
  } catch (err) {
    throw onTarget(err, path);
  }
}

/** A write to `path` that failed, as the target's failure; with `option`, that option's fault
 *  ("--save: cannot write r.json: no space left on the device"). */
export function writeFailure(err: unknown, path: string, option?: string): unknown {
  const e = onTarget(err, path);
  return option === undefined ? e : optionFault(e, option);
}

/**
 * Whether `path` is written in place rather than atomically: a character device (/dev/null, a
 * terminal), a FIFO, or an open descriptor (/dev/stdout) is written into, as the user means by naming
 * one; a rename over it would replace the device or link with a regular file (and, as root, /dev/null
 * for every program). A block device or a socket is refused: neither is an output file. False for a
 * regular file, a folder or nothing (the atomic write, or its own error). In place, the bytes are
 * appended (O_APPEND): a descriptor open on a file (`>> log`) is never truncated.
 */
function inPlaceTarget(path: string, option: string | undefined): boolean {
  let s;
  try {
    s = statSync(path, { throwIfNoEntry: false });
  } catch {
    return false; // ENOTDIR, EACCES, a loop: the write reports it
  }
  if (s === undefined || s.isDirectory()) return false;
  // /dev/stdout, /dev/fd/1: links into /proc/<pid>/fd, written in place whatever the descriptor is
  // open on (a regular file when standard output is redirected): renamed over, the link would go.
  if (s.isFile()) return throughProcFd(path);
  if (s.isCharacterDevice() || s.isFIFO()) return true;
  const what = s.isBlockDevice() ? 'a block device' : s.isSocket() ? 'a socket' : 'not a regular file';
  throw new SpecError(`${option === undefined ? '' : `${option}: `}cannot write ${path}: it is ${what}, not a file; name a file`, option);
}

/** Whether `path` names an open file descriptor: it, or a symbolic link it leads through, lies in /proc. */
function throughProcFd(path: string): boolean {
  let at = resolve(path);
  for (let hop = 0; hop < 16; hop++) {
    try {
      const p = join(realpathSync(dirname(at)), basename(at));
      if (p.startsWith('/proc/')) return true;
      if (!lstatSync(p).isSymbolicLink()) return false;
      at = resolve(dirname(p), readlinkSync(p));
    } catch {
      return false;
    }
  }
  return false;
}

/** Write `data` to `path` atomically; a failure names `path`, and `option` when given (writeFailure).
 *  A character device, FIFO or open descriptor at `path` is written in place, never replaced (inPlaceTarget). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, option?: string): Promise<void> {
  if (inPlaceTarget(path, option)) {
    try {
      await writeFile(path, data, { flag: 'a' });
    } catch (err) {
      throw writeFailure(err, path, option);
    }
    return;
  }
  const tmp = temporaryName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeFailure(err, path, option);
  }
}

export function writeFileAtomicSync(path: string, data: string | Uint8Array, option?: string): void {
  if (inPlaceTarget(path, option)) {
    try {
      writeFileSync(path, data, { flag: 'a' });
    } catch (err) {
      throw writeFailure(err, path, option);
    }
    return;
  }
  const tmp = temporaryName(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw writeFailure(err, path, option);
  }
}

/** Write and remove an empty temporary file at `probe`; a failure is reported on `target`. */
function probeWrite(probe: string, target: string): void {
  try {
    writeFileSync(probe, '');
  } catch (err) {
    throw onTarget(err, target);
  }
  rmSync(probe, { force: true });
}

/**
 * Check, before a long run, that writeFileAtomic can write `path`: a path that is a folder, or a
 * missing or read-only folder, then fails at once (with the error writeFileAtomic would give, naming
 * `path`) instead of after the work. It writes an empty temporary file beside the target and removes it.
 */
export function checkWritable(path: string, option?: string): void {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory())
    throw Object.assign(new Error(`EISDIR: cannot write ${path}`), { code: 'EISDIR', path, syscall: 'write' });
  if (inPlaceTarget(path, option)) {
    // Written in place: opening a FIFO here would wait for its reader, so only the permission is asked.
    try {
      accessSync(path, constants.W_OK);
    } catch (err) {
      throw onTarget(err, path);
    }
    return;
  }
  probeWrite(temporaryName(path), path);
}

/** checkWritable with the failure a SpecError naming `option` (e.g. "--out: cannot write x.csv: no such file or folder");
 *  an output that is one of the command's input files is refused (it would be replaced by the results). */
export function checkOutputFile(path: string, option: string, inputs: readonly string[] = []): void {
  let out;
  try {
    out = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    // A file where a folder of the path should be (ENOTDIR): the output cannot be written there.
    throw optionFault(Object.assign(err as Error, { syscall: 'write' }), option);
  }
  const input = out && inputs.find((f) => {
    const s = statSync(f, { throwIfNoEntry: false });
    return s !== undefined && s.dev === out.dev && s.ino === out.ino;
  });
  if (input !== undefined) throw new SpecError(`${option}: ${path} is the input file ${input}; write the output to another file`, option);
  refuseAmongInputs(path, option, inputs, false);
  try {
    checkWritable(path, option);
  } catch (err) {
    throw optionFault(err, option);
  }
}

/** Whether `path` is inside the folder `folder` (with `orAt`, or is it): by the names as given, and
 *  by their real paths, so that a symbolic link to the folder is no way into it. */
function inFolder(folder: string, path: string, orAt: boolean): boolean {
  const within = (f: string, p: string) => pathBelow(f, p) !== null || (orAt && relative(f, p) === '');
  return within(resolve(folder), resolve(path)) || within(realPathOf(folder), realPathOf(path));
}

/**
 * Refuse an output among the inputs: a folder or glob input reads every data file under it (a
 * partition, its manifest), so an output written there would become part of the data, or replace
 * a file of it. `folder`: `path` is a folder the command writes files into (a run directory, --svg),
 * refused when it is an input folder, inside one, or a folder an input glob would read files in.
 */
function refuseAmongInputs(path: string, option: string, inputs: readonly string[], folder: boolean): void {
  const what = folder ? 'the folder ' : '';
  for (const f of inputs) {
    if (f === '-') continue;
    if (isGlob(f)) {
      if (globMatches(f, path, folder))
        throw new SpecError(`${option}: ${what}${path} is ${folder ? 'where' : 'among the files'} the input glob ${f} reads${folder ? ' files' : ''}; write the output elsewhere`, option);
      continue;
    }
    if (statSync(f, { throwIfNoEntry: false })?.isDirectory() && inFolder(f, path, folder))
      throw new SpecError(`${option}: ${what}${path} is ${folder && relative(realPathOf(f), realPathOf(path)) === '' ? 'the input folder' : 'inside the input folder'} ${f}, whose files are the data; write the output elsewhere`, option);
  }
}

/** Refuse a folder the command writes files into (a run directory, `--svg`) that is an input folder,
 *  inside one, or where an input glob reads files; a SpecError naming `option` and both paths. */
export function checkOutputFolder(dir: string, option: string, inputs: readonly string[]): void {
  refuseAmongInputs(dir, option, inputs, true);
}

/** Check that the folder `dir` can be made (its nearest existing ancestor a folder) and written in,
 *  for outputs written later; nothing is created, so a run that fails leaves no empty folder. A
 *  failure is a SpecError naming `option`. */
export function checkWritableFolder(dir: string, option: string): void {
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  try {
    if (!statSync(at).isDirectory())
      throw Object.assign(new Error(`ENOTDIR: cannot create the folder ${dir}`), { code: 'ENOTDIR', path: dir, syscall: 'mkdir' });
    probeWrite(temporaryName(join(at, 'probe')), dir);
  } catch (err) {
    throw optionFault(err, option);
  }
}
