// An estimate on a large data file runs once more as a child process whose glibc malloc backs its large
// blocks with transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, glibc 2.35 and later):
// where the kernel's THP mode is `madvise` (the default of Debian and Ubuntu), fresh memory is
// otherwise provided 4 KiB at a time, one page fault each, and a large estimate first-touches its
// columns and per-unit blocks once (bench/first-touch.ts). Measured in bench/RESULTS.md ("Huge pages"):
// the second process start costs ~0.05 s, which a file of MIN_BYTES or more repays. The tunable is
// read by glibc only when a process starts, hence the child; elsewhere (other systems, musl, THP
// `always` or `never`, SYSGMM_HUGE_PAGES=0) the estimate runs in this process as before. The child
// gets this process's arguments as an array (no shell), its standard streams and the signals sent to
// it; this process ends with its exit status.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileSize } from './file-size.mjs';

/** Data files from this size on are worth the child process. */
export const MIN_BYTES = 64 * 2 ** 20;
const TUNABLE = 'glibc.malloc.hugetlb=1';

/** The kernel's transparent huge page mode (always, madvise, never), or null where it cannot be read. */
function thpMode() {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Whether a command with these arguments (process.argv from 2) should run in the huge-page child. */
export function hugePagesWanted(args, { env = process.env, platform = process.platform, mode = thpMode } = {}) {
  if (platform !== 'linux' || env.SYSGMM_HUGE_PAGES === '0') return false;
  if ((env.GLIBC_TUNABLES ?? '').includes('glibc.malloc.hugetlb')) return false;
  const large = args.some((a) => !a.startsWith('-') && (fileSize(a) ?? 0) >= MIN_BYTES);
  return large && mode() === 'madvise';
}

/**
 * Run this command again in a child with the tunable set, and end this process as the child ends (its
 * exit status, or the signal that ended it). SIGINT, SIGTERM and SIGHUP sent to this process are passed
 * on to the child (`timeout`, a scheduler's cancel). Resolves to false only when the child cannot start
 * (the command then runs here).
 */
export function rerunWithHugePages() {
  const tunables = [process.env.GLIBC_TUNABLES, TUNABLE].filter(Boolean).join(':');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...process.env, GLIBC_TUNABLES: tunables },
    });
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const forward = (signal) => child.kill(signal);
    const stop = () => signals.forEach((s) => process.off(s, forward));
    signals.forEach((s) => process.on(s, forward));
    child.on('error', () => {
      stop();
      resolve(false);
    });
    child.on('exit', (code, signal) => {
      stop();
      if (signal) process.kill(process.pid, signal);
      process.exit(code ?? 1);
    });
  });
}
