// The run folder's lock (src/run/run-lock.ts): a stale lock (its driver gone) is taken over by one
// driver only, even when several find it stale at once (the race a reviewer described: the second
// driver removed the lock the first had just made, and both ran; and the one CI found in 1 of 20 rounds:
// a lock moved aside and put back left the place empty for a third driver).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, lockRunDir, takeOverStale } from '../src/run/run-lock.ts';

/** The process id of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

const staleLock = () => `${JSON.stringify({ host: hostname(), pid: deadPid(), started: '2026-01-01T00:00:00Z' })}\n`;

describe('the run lock', () => {
  it('takeOverStale removes the lock only while it still holds the stale text; another driver\'s new lock stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-lock-'));
    const path = join(dir, LOCK_FILE);
    const stale = staleLock();
    writeFileSync(path, stale);
    expect(await takeOverStale(path, stale)).toBe(true);
    expect(existsSync(path)).toBe(false);
    // Taken over meanwhile by another driver, whose lock is there now: left in place, unchanged.
    const fresh = `${JSON.stringify({ host: hostname(), pid: process.pid, started: 'now' })}\n`;
    writeFileSync(path, fresh);
    expect(await takeOverStale(path, stale)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(fresh);
    // Gone already: the way is free.
    expect(await takeOverStale(join(dir, 'none'), stale)).toBe(true);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it('of drivers that find the same lock stale at once, one takes the folder and the others are told it is in use', async () => {
    // Before the takeover claim, two of 4 drivers ran in ~1 round of 300.
    const stale = staleLock();
    for (let round = 0; round < 1000; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'sysgmm-lock-'));
      writeFileSync(join(dir, LOCK_FILE), stale);
      const takers = await Promise.allSettled([lockRunDir(dir), lockRunDir(dir), lockRunDir(dir), lockRunDir(dir)]);
      const won = takers.filter((t) => t.status === 'fulfilled');
      expect(won.length, `round ${round}`).toBe(1);
      for (const t of takers) if (t.status === 'rejected') expect(String(t.reason)).toContain(`${dir} is in use by another sysgmm run (pid ${process.pid}`);
      await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('a takeover claim whose driver is gone is cleared; one whose driver runs makes the others wait', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-lock-'));
    const path = join(dir, LOCK_FILE);
    const stale = staleLock();
    writeFileSync(path, stale);
    // A live claim (this process's): the lock is left as it is, the claim too.
    const live = `${JSON.stringify({ host: hostname(), pid: process.pid })}\n`;
    writeFileSync(`${path}.takeover`, live);
    expect(await takeOverStale(path, stale)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(stale);
    expect(readFileSync(`${path}.takeover`, 'utf8')).toBe(live);
    // A dead one (a driver killed while it held it): cleared, and the stale lock is taken over.
    writeFileSync(`${path}.takeover`, `${JSON.stringify({ host: hostname(), pid: deadPid() })}\n`);
    const release = await lockRunDir(dir);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await release();
    expect(readdirSync(dir)).toEqual([]);
  });
});
