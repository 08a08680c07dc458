// An estimate on a large file runs again in a child whose glibc malloc uses transparent huge pages
// (bin/huge-pages.mjs): when it does, the child gets the arguments and the tunable, and the parent
// ends with the child's status; the output is the one of an estimate run in place.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript module of the bin, without types
import { hugePagesWanted, MIN_BYTES } from '../bin/huge-pages.mjs';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-huge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(process.cwd(), 'bin', 'sysgmm.mjs');

/** A script that runs `body` in the huge-page child of itself (rerunWithHugePages). */
function rerunScript(name: string, body: string): string {
  const script = join(dir, name);
  const mod = JSON.stringify(new URL('../bin/huge-pages.mjs', import.meta.url).href);
  writeFileSync(script, `import { rerunWithHugePages } from ${mod};\nif (!(process.env.GLIBC_TUNABLES ?? '').includes('hugetlb')) await rerunWithHugePages();\n${body}\n`);
  return script;
}

describe('huge pages for large estimates', () => {
  it('are wanted on Linux with THP madvise, for a data file of MIN_BYTES or more, unless set already or turned off', () => {
    const big = join(dir, 'big.csv');
    writeFileSync(big, '');
    truncateSync(big, MIN_BYTES); // sparse: no disk written
    const small = join(dir, 'small.csv');
    writeFileSync(small, 'id,year\n');
    const want = (args: string[], o: { env?: Record<string, string>; platform?: string; mode?: string | null } = {}): boolean =>
      hugePagesWanted(args, { env: o.env ?? {}, platform: o.platform ?? 'linux', mode: () => (o.mode === undefined ? 'madvise' : o.mode) });
    expect(MIN_BYTES).toBe(64 * 2 ** 20);
    expect(want([big, '--id', 'id', '--xtabond2', 'y L.y, gmm(y)'])).toBe(true);
    expect(want([small, '--id', 'id'])).toBe(false);
    expect(want([dir])).toBe(false); // a dataset folder
    expect(want([join(big, 'x.csv')])).toBe(false); // a path through a file: the CLI names it
    expect(want([big], { platform: 'darwin' })).toBe(false);
    expect(want([big], { mode: 'always' })).toBe(false);
    expect(want([big], { mode: 'never' })).toBe(false);
    expect(want([big], { mode: null })).toBe(false);
    expect(want([big], { env: { SYSGMM_HUGE_PAGES: '0' } })).toBe(false);
    expect(want([big], { env: { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' } })).toBe(false);
    expect(want([big], { env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } })).toBe(true);
  });

  it('a data path the start-up choices cannot stat is left to the CLI: its one-line error, exit 2', () => {
    const through = join(dir, 'plain.txt', 'x.csv');
    writeFileSync(join(dir, 'plain.txt'), 'not a folder');
    const r = spawnSync(process.execPath, [bin, 'estimate', through, '--id', 'id', '--time', 'year', '--xtabond2', 'y L.y, gmm(y)'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`sysgmm: cannot read ${through}: a part of the path is not a folder\n`);
  });

  it('the child gets the arguments and the tunable beside those set; the parent ends with its status', () => {
    const script = rerunScript(
      'rerun.mjs',
      `process.stdout.write(JSON.stringify({ args: process.argv.slice(2), tunables: process.env.GLIBC_TUNABLES }));
       process.exit(3);`,
    );
    const r = spawnSync(process.execPath, [script, 'a b', '--x', "'; echo no"], { encoding: 'utf8', env: { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } });
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toEqual({ args: ['a b', '--x', "'; echo no"], tunables: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1' });
  });

  it('a signal sent to the parent reaches the child, and the parent ends by it', async () => {
    const script = rerunScript('signal.mjs', `process.stdout.write(process.pid + '\\n'); setTimeout(() => {}, 30_000);`);
    const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    expect(childPid).not.toBe(parent.pid);
    const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => parent.on('exit', (code, signal) => resolve({ code, signal })));
    parent.kill('SIGTERM');
    expect(await ended).toEqual({ code: null, signal: 'SIGTERM' });
    // The child is gone too (signal 0 only checks that a process exists).
    expect(() => process.kill(childPid, 0)).toThrow(/ESRCH/);
  }, 30_000);

  it('an estimate on a file of 64 MiB prints what it prints in place (SYSGMM_HUGE_PAGES=0)', () => {
    // The Arellano–Bond panel with a wide text column, so that the file passes MIN_BYTES.
    const lines = readFileSync(join(process.cwd(), 'data', 'abdata.csv'), 'utf8').trim().split('\n');
    const pad = 'x'.repeat(Math.ceil(MIN_BYTES / lines.length) + 16);
    const file = join(dir, 'wide.csv');
    const fd = openSync(file, 'w');
    writeSync(fd, `${lines[0]},pad\n`);
    for (const line of lines.slice(1)) writeSync(fd, `${line},${pad}\n`);
    closeSync(fd);
    const args = [bin, 'estimate', file, '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n) iv(w k) twostep robust'];
    const here = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, SYSGMM_HUGE_PAGES: '0' } });
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, SYSGMM_HUGE_PAGES: '' } });
    expect(here.status, here.stderr).toBe(0);
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe(here.stdout);
    expect(here.stdout).toMatch(/L1\.\s+\|\s+\.\d+/);
    // A user error still exits 2 through the child.
    const bad = spawnSync(process.execPath, [...args.slice(0, -1), 'n L.n nosuch, gmm(L.n)'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/nosuch/);
  }, 60_000);
});
