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
/** Rounds of reading a lock that keeps changing, or being taken over, before giving up (~1.3 s of waits). */
const MAX_ROUNDS = 50;

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

/** Whether the driver that wrote a lock (or claim) may still be running: it is on another host (which
 *  cannot be checked from here) or its process `pid` runs on this one. */
function mayBeRunning(host: string | undefined, pid: number): boolean {
  return host !== hostname() || processRunning(pid);
}

/** A name beside `path` that no other process or call uses, ending in `.tag`. */
function besideName(path: string, tag: string): string {
  return `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.${tag}`;
}

/** Create the lock at `path` holding `text`, or fail with EEXIST. The text is written to a temporary
 *  file first and then linked into place, so that a lock is never seen empty or half-written (a crash
 *  between creating and writing it left an empty lock that stopped every later run). A file system
 *  without hard links gets the lock opened with O_EXCL and written. */
async function createLock(path: string, text: string): Promise<void> {
  const tmp = besideName(path, 'tmp');
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

/** The takeover claim beside the lock at `path`: only its holder may remove a lock it did not make. */
const claimOf = (path: string): string => `${path}.takeover`;

/**
 * Remove the lock at `path` if it still holds `stale` (the text read and judged stale), and say whether
 * the way is free; false: the lock changed, or another driver is taking it over (read it again).
 *
 * Two drivers that judge the same lock stale must not both remove it: the second would remove the lock
 * the first has just made, and both would run. A first fix moved the lock aside and put back a newer
 * one, but while it was aside the place was empty and a third driver could make its lock there (seen
 * in 5 of 1,500 rounds of four drivers). Now a driver first takes the claim beside the lock, made as a
 * lock is (createLock: one driver gets it). While it holds the claim nobody else removes the lock, and
 * a new lock cannot be made while the stale one is there, so reading it again and removing it if it
 * still holds the stale text is safe. A claim whose driver is gone (killed while it held it, for the
 * few milliseconds it does) is moved aside and removed.
 */
export async function takeOverStale(path: string, stale: string): Promise<boolean> {
  const claim = claimOf(path);
  try {
    await createLock(claim, `${JSON.stringify({ host: hostname(), pid: process.pid })}\n`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await removeDeadClaim(claim);
    return false;
  }
  try {
    const now = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null; // gone (its run ended): the way is free
      throw err;
    });
    if (now === null) return true;
    if (now !== stale) return false;
    await rm(path, { force: true });
    return true;
  } finally {
    await rm(claim, { force: true });
  }
}

/** Remove the takeover claim at `claim` if the driver that made it is no longer running on this host
 *  (or it is damaged): moved aside under a name of this process's own first (a rename is atomic), and
 *  put back if what was moved is a newer claim. */
async function removeDeadClaim(claim: string): Promise<void> {
  const text = await readFile(claim, 'utf8').catch(() => null);
  if (text === null) return;
  let held: Held | null = null;
  try {
    held = JSON.parse(text) as Held;
  } catch {
    // damaged: removed below
  }
  if (held && typeof held.pid === 'number' && mayBeRunning(held.host, held.pid)) return;
  const aside = besideName(claim, 'stale');
  try {
    await rename(claim, aside);
  } catch {
    return; // gone already
  }
  try {
    const moved = await readFile(aside, 'utf8').catch(() => null);
    if (moved !== text) await link(aside, claim).catch(() => undefined);
  } finally {
    await rm(aside, { force: true });
  }
}

/** Take the run folder `dir` for this process; resolves to the function that gives it back. A lock
 *  that is damaged (empty, not JSON, no process id) is taken over as stale, with a warning through
 *  `onNote`; one that is a symbolic link or not a file is refused, naming it, and never read. */
export async function lockRunDir(dir: string, option = '--out', onNote?: (message: string, warning?: boolean) => void): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify({ host: hostname(), pid: process.pid, started: new Date().toISOString() });
  // Rounds: a lock found stale and taken over may be made again by another driver first, and a driver
  // that finds another taking a stale lock over waits a moment and reads the lock again.
  for (let round = 0; ; round++) {
    try {
      await createLock(path, mine + '\n');
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || round >= MAX_ROUNDS) throw optionFault(err, option);
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
    if (held && mayBeRunning(held.host, held.pid!))
      throw new SpecError(
        `${dir} is in use by another sysgmm run (pid ${held.pid}${here ? '' : ` on ${held.host}`}, started ${held.started ?? 'at an unknown time'}); wait for it to end${here ? '' : `, or remove ${path} if it is no longer running there`}`,
        option,
      );
    // Left by a driver that is gone, or damaged: taken over, unless another driver is taking it over or
    // took it over first (then the next round, a moment later, reads that driver's lock). One that
    // cannot be read is removed.
    if (text === null) {
      if (damaged) await rm(path, { force: true });
    } else if (!(await takeOverStale(path, text))) {
      await new Promise((resolve) => setTimeout(resolve, 2 + round));
      continue;
    }
    if (damaged) onNote?.(`warning: ${path} is damaged (empty or not a lock sysgmm wrote, as a crash of an older sysgmm could leave it); taken over as stale`, true);
  }
}
