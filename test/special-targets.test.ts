// An output named on something that is not a regular file. A tester's `table r.json --out fakenull`
// (a character device made with mknod) turned the device into a regular file: the atomic write's
// rename replaced it, and as root `--out /dev/null` would replace /dev/null for every program. A
// character device or a FIFO is now written in place; a block device or a socket is refused.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, lstatSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkOutputFile, writeFileAtomic, writeFileAtomicSync } from '../src/data/write-atomic.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-special-targets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const posix = process.platform !== 'win32';
const root = process.getuid?.() === 0;

function mkfifo(path: string): void {
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
}

/** Read the FIFO at `path` to its end in a child process; resolves to what was read. */
function readFifo(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const cat = spawn('cat', [path], { timeout: 10_000 }); // a write that never opens the FIFO leaves cat waiting
    let text = '';
    cat.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    cat.on('error', fail).on('close', () => done(text));
  });
}

describe('an output that is not a regular file', () => {
  it.runIf(posix)('a FIFO is written in place and stays a FIFO (async and sync writers, the pre-run check)', async () => {
    const fifo = join(dir, 'pipe');
    mkfifo(fifo);
    expect(() => checkOutputFile(fifo, '--out')).not.toThrow();
    const got = readFifo(fifo);
    await writeFileAtomic(fifo, 'through the pipe\n', '--out');
    expect(await got).toBe('through the pipe\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
    const again = readFifo(fifo);
    writeFileAtomicSync(fifo, 'again\n', '--truth');
    expect(await again).toBe('again\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it.runIf(posix)('a socket is refused naming the option and the path, and left as it is', async () => {
    const sock = join(dir, 'sock');
    const server: Server = await new Promise((done) => {
      const s = createServer().listen(sock, () => done(s));
    });
    try {
      const why = `--out: cannot write ${sock}: it is a socket, not a file; name a file`;
      expect(() => checkOutputFile(sock, '--out')).toThrow(why);
      await expect(writeFileAtomic(sock, 'x', '--out')).rejects.toThrow(why);
      expect(() => writeFileAtomicSync(sock, 'x', '--out')).toThrow(why);
      expect(statSync(sock).isSocket()).toBe(true);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  // /dev/stdout is a link to /proc/self/fd/1: with standard output redirected to a file, the atomic
  // write renamed over the link (as root, /dev/stdout itself). A link of the test's own stands in for it.
  it.runIf(process.platform === 'linux')('an output that leads to an open descriptor (/proc/self/fd/1) is written into it, and the link stays (CLI)', () => {
    const saved = join(dir, 'r-fd.json');
    const model = ['--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust'];
    expect(spawnSync(process.execPath, ['bin/sysgmm.mjs', 'estimate', 'data/abdata.csv', ...model, '--save', saved]).status).toBe(0);
    const stdoutLink = join(dir, 'stdout');
    symlinkSync('/proc/self/fd/1', stdoutLink);
    const file = join(dir, 'redirected.md');
    writeFileSync(file, 'kept\n');
    // Opened for appending, as `>> redirected.md` would.
    const fd = openSync(file, 'a');
    try {
      const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'table', saved, '--format', 'markdown', '--out', stdoutLink], { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'] });
      expect([r.status, r.stderr]).toEqual([0, '']);
    } finally {
      closeSync(fd);
    }
    expect(lstatSync(stdoutLink).isSymbolicLink()).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('kept\n**Table. Dependent variable: n**')).toBe(true);
    expect(text).toContain('L1.n');
  });

  // mknod needs root; /dev/null's numbers (1, 3) make a device that discards what is written.
  it.runIf(posix && root)('a character device made with mknod stays a device: table --out, simulate --truth (CLI)', () => {
    const dev = join(dir, 'fakenull');
    expect(spawnSync('mknod', [dev, 'c', '1', '3']).status).toBe(0);
    const saved = join(dir, 'r.json');
    const model = ['--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust'];
    const sysgmm = (args: string[]) => spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });
    expect(sysgmm(['estimate', 'data/abdata.csv', ...model, '--save', saved]).status).toBe(0);
    const table = sysgmm(['table', saved, '--out', dev]);
    expect([table.status, table.stderr]).toEqual([0, '']);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    const sim = sysgmm(['simulate', '--cities', '20', '--years', '2003-2006', '--seed', '5', '--out', join(dir, 'p.csv'), '--truth', dev]);
    expect([sim.status, sim.stderr]).toEqual([0, '']);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    expect(readFileSync(dev, 'utf8')).toBe('');
    // A block device is refused (loop0's numbers, 7 0; nothing is opened).
    const block = join(dir, 'fakeblock');
    expect(spawnSync('mknod', [block, 'b', '7', '0']).status).toBe(0);
    const refused = sysgmm(['table', saved, '--out', block]);
    expect([refused.status, refused.stderr]).toEqual([2, `sysgmm: --out: cannot write ${block}: it is a block device, not a file; name a file\n`]);
    expect(statSync(block).isBlockDevice()).toBe(true);
  });
});
