// One driver at a time in a run folder. Two `--resume` runs of the same folder computed the same
// tasks twice (each result written atomically, so equal, but the work doubled); the second now stops
// at once, naming the first. The lock is a file naming the driver's host and process id, made with
// O_EXCL; one whose process is no longer running on this host is taken over (a driver killed with
// SIGKILL leaves it). A lock from another host cannot be checked from here: the message says how to
// remove it if that run is over.
import { hostname } from 'node:os';
import { link, lstat, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SpecError } from '../errors.ts';
import { optionFault } from '../file-errors.ts';

export const LOCK_FILE = '.sysgmm-running';

/** Whether process `pid` is running on this host: signal 0 only asks (ESRCH: no such process; EPERM: another user's). */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

type Held = { host?: string; pid?: number; started?: string };

/** Create the lock at `path` holding `text`, or fail with EEXIST. The text is written to a temporary
 *  file first and then linked into place, so that a lock is never seen empty or half-written (a crash
 *  between creating and writing it left an empty lock that stopped every later run). A file system
 *  without hard links gets the lock opened with O_EXCL and written. */
async function createLock(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    await writeFile(tmp, text, { flag: 'wx' });
  } catch (err) {
    // A read-only or full folder: reported on the lock, not on the temporary name.
    await rm(tmp, { force: true });
    throw Object.assign(err as Error, { path });
  }
  try {
    await link(tmp, path);
    return;
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(text);
  } finally {
    await fh.close();
  }
}

/**
 * Remove the lock at `path` if it still holds `stale` (the text read and judged stale), and say whether
 * the way is free. Two drivers that judge the same lock stale once both removed it, the second removing
 * the lock the first had just made, and both ran (a reviewer's race). The lock is first moved aside
 * under a name of this process's own (a rename is atomic: one driver gets a given file); if what was
 * moved is not the stale lock but a newer one, it goes back, and the caller reads it again.
 */
export async function takeOverStale(path: string, stale: string): Promise<boolean> {
  const claim = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.stale`;
  try {
    await rename(path, claim);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // taken away by another driver
    throw err;
  }
  try {
    const moved = await readFile(claim, 'utf8').catch(() => null);
    if (moved === stale) return true;
    // Another driver's new lock: put back where it was, unless a lock is there again already.
    await link(claim, path).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return;
      if (moved !== null) await writeFile(path, moved, { flag: 'wx' }).catch(() => undefined);
    });
    return false;
  } finally {
    await rm(claim, { force: true });
  }
}

/** Take the run folder `dir` for this process; resolves to the function that gives it back. A lock
 *  that is damaged (empty, not JSON, no process id) is taken over as stale, with a warning through
 *  `onNote`; one that is a symbolic link or not a file is refused, naming it, and never read. */
export async function lockRunDir(dir: string, option = '--out', onNote?: (message: string, warning?: boolean) => void): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify({ host: hostname(), pid: process.pid, started: new Date().toISOString() });
  // A few rounds: a lock found stale and taken over may be made again by another driver first.
  for (let round = 0; ; round++) {
    try {
      await createLock(path, mine + '\n');
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || round >= 4) throw optionFault(err, option);
    }
    // A link would be followed: its target read (and, damaged, echoed in the message) and removed.
    const what = await lstat(path).catch(() => null);
    if (what && !what.isFile())
      throw new SpecError(`${option}: ${path} is ${what.isSymbolicLink() ? 'a symbolic link' : 'not a file'}, not a lock sysgmm made; remove it if no sysgmm run is using ${dir}`, option);
    let held: Held | null = null;
    let damaged = false;
    let text: string | null = null;
    try {
      text = await readFile(path, 'utf8');
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Held).pid === 'number') held = parsed as Held;
      else damaged = true;
    } catch (err) {
      // Gone since (its run ended): nothing to take over. Anything else is a damaged lock.
      damaged = (err as NodeJS.ErrnoException).code !== 'ENOENT';
    }
    const here = held?.host === hostname();
    if (held && (!here || processRunning(held.pid!)))
      throw new SpecError(
        `${dir} is in use by another sysgmm run (pid ${held.pid}${here ? '' : ` on ${held.host}`}, started ${held.started ?? 'at an unknown time'}); wait for it to end${here ? '' : `, or remove ${path} if it is no longer running there`}`,
        option,
      );
    // Left by a driver that is gone, or damaged: taken over, unless another driver took it over first
    // (then the next round reads that driver's lock). One that cannot be read is removed.
    if (text === null) {
      if (damaged) await rm(path, { force: true });
    } else if (!(await takeOverStale(path, text))) continue;
    if (damaged) onNote?.(`warning: ${path} is damaged (empty or not a lock sysgmm wrote, as a crash of an older sysgmm could leave it); taken over as stale`, true);
  }
}
