// Between a run's stages no executor watches for a signal (src/run/signal-exit.ts): noteInterrupts
// ends the process with a line and the shell's exit status, and leaves a signal to an executor's
// handler while one is registered.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** A child that runs 2 s of "work" under noteInterrupts and signals itself after 100 ms; with
 *  `executor`, a handler of its own (as local.ts registers while tasks run) is present too. */
function child(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', executor: boolean) {
  const code = `
    const { noteInterrupts } = await import(${JSON.stringify(new URL('../src/run/signal-exit.ts', import.meta.url).href)});
    await noteInterrupts(async () => {
      if (${executor}) process.once('${signal}', () => { process.stderr.write('executor: stopped\\n'); process.exit(7); });
      setTimeout(() => process.kill(process.pid, '${signal}'), 100);
      await new Promise((r) => setTimeout(r, 2000));
    });
    process.stderr.write('finished\\n');`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
}

describe('noteInterrupts', () => {
  // A hang-up (a dropped SSH session) is a stop like the others: it ended the driver without a word.
  it('ends the process between stages with a line and 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP)', () => {
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const r = child(signal, false);
      expect([signal, r.status, r.stderr]).toEqual([signal, status, 'sysgmm: interrupted between stages; continue with --resume\n']);
    }
  });
  it("leaves the signal to an executor's handler while one is registered", () => {
    for (const signal of ['SIGINT', 'SIGHUP'] as const) {
      const r = child(signal, true);
      expect([signal, r.status, r.stderr]).toEqual([signal, 7, 'executor: stopped\n']);
    }
  });
});
