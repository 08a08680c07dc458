// One driver at a time in a run folder. Two `--resume` runs of the same folder computed the same
// tasks twice (each result written atomically, so equal, but the work doubled); the second now stops
// at once, naming the first. The lock is a file naming the driver's host and process id, made with
// O_EXCL; one whose process is no longer running on this host is taken over (a driver killed with
// SIGKILL leaves it). A lock from another host cannot be checked from here: the message says how to
// remove it if that run is over.
import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
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

/** Take the run folder `dir` for this process; resolves to the function that gives it back. */
export async function lockRunDir(dir: string, option = '--out'): Promise<() => Promise<void>> {
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify({ host: hostname(), pid: process.pid, started: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(mine + '\n');
      } finally {
        await fh.close();
      }
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw optionFault(err, option);
    }
    const held = await readFile(path, 'utf8').then(
      (t) => JSON.parse(t) as { host?: string; pid?: number; started?: string },
      () => null,
    );
    const here = held?.host === hostname();
    if (held && typeof held.pid === 'number' && (!here || processRunning(held.pid)))
      throw new SpecError(
        `${dir} is in use by another sysgmm run (pid ${held.pid}${here ? '' : ` on ${held.host}`}, started ${held.started ?? 'at an unknown time'}); wait for it to end${here ? '' : `, or remove ${path} if it is no longer running there`}`,
        option,
      );
    // Left by a driver that is gone (or unreadable): taken over.
    await rm(path, { force: true });
  }
}
