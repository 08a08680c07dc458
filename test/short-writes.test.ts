// Short writes: under a file-size limit (`ulimit -f`) or on a filling disk, a write may write fewer bytes
// than asked and say so only by its count (Node ignores SIGXFSZ; the next write fails with EFBIG). Every
// output is written whole or fails naming the file: writeAll writes the rest again until all is written;
// partition's spill files, the blocks cache and writeFileAtomic fail with one line naming the file
// (before, a partition under such a limit ended with exit 0 and shards holding zeros for the bytes
// that were not written, and a truncated blocks file was renamed into place).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAll } from '../src/data/write-atomic.ts';
import { fileErrorMessage } from '../src/file-errors.ts';
import { checkedShard, partition, readPartition } from '../src/scale/partition.ts';

const work = mkdtempSync(join(tmpdir(), 'sysgmm-short-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const root = new URL('..', import.meta.url).pathname;
const abdata = new URL('../data/abdata.csv', import.meta.url).pathname;

/** Node with `args` in a shell whose file-size limit is `kib` KiB. */
function limited(kib: number, args: string[]) {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -f ${kib} && exec "${process.execPath}" ${quoted}`], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A script run by Node with tsx (the sources, not dist) under a file-size limit; it prints one JSON line. */
function limitedScript(kib: number, name: string, body: string) {
  const script = join(work, `${name}.mts`);
  writeFileSync(script, body);
  const r = limited(kib, ['--import', 'tsx', script]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('writeAll', () => {
  it('writes the rest again after a short count, in order, until every byte is written', async () => {
    const got: number[] = [];
    // A file that takes at most 3 bytes a write, as write(2) under a limit takes what fits.
    const fh = {
      writev: async (bufs: readonly NodeJS.ArrayBufferView[]) => {
        const all = Buffer.concat(bufs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
        got.push(...all.subarray(0, 3));
        return { bytesWritten: Math.min(3, all.length), buffers: [...bufs] };
      },
    };
    const parts = [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3, 4, 5, 6, 7), Uint8Array.of(8)];
    await writeAll(fh as never, parts, '/x/out.bin');
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('a write that fails (without a path, as on an open file) or writes nothing is an error naming the file', async () => {
    const efbig = Object.assign(new Error('EFBIG: file too large, write'), { code: 'EFBIG', errno: -27, syscall: 'write' });
    const failing = { writev: async () => Promise.reject(efbig) };
    const err = await writeAll(failing as never, [Uint8Array.of(1)], '/x/out.bin').catch((e) => e);
    expect(fileErrorMessage(err)).toBe('cannot write /x/out.bin: file too large');
    const stuck = { writev: async () => ({ bytesWritten: 0, buffers: [] }) };
    const none = await writeAll(stuck as never, [Uint8Array.of(1)], '/x/out.bin').catch((e) => e);
    expect(fileErrorMessage(none)).toBe('cannot write /x/out.bin: input/output error on the device');
  });
});

describe('under a file-size limit', () => {
  it('partition fails naming the spill file, exit 2, and leaves no shard of its own (it ended with exit 0 and shards of zeros)', async () => {
    // 100000 rows: each of the 2 shards' spill files (about 2 MB) is over the 1000 KiB limit, while the input is only read.
    const csv = join(work, 'big.csv');
    const lines = ['id,year,y,x'];
    for (let i = 1; i <= 20000; i++) for (let t = 2001; t <= 2005; t++) lines.push(`${i},${t},${((i * 7919 + t) % 1000) / 100 - 5},${((i * 104729 + t * 31) % 400) / 100 - 2}`);
    writeFileSync(csv, lines.join('\n') + '\n');
    const out = join(work, 'capped');
    const r = limited(1000, ['bin/sysgmm.mjs', 'partition', csv, '--id', 'id', '--time', 'year', '--shards', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(2);
    const message = new RegExp(`^sysgmm: --out: cannot write ${out}/\\.spill-\\d+/[01]\\.arrows: file too large\\n$`);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
    // Over an earlier partition in the folder: the same failure, and the earlier partition as it was.
    const earlier = await partition(abdata, { id: 'id', time: 'year', shards: 2, out });
    const again = limited(1000, ['bin/sysgmm.mjs', 'partition', csv, '--id', 'id', '--time', 'year', '--shards', '2', '--out', out]);
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toMatch(message);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', ...earlier.shards.map((s) => s.file)].sort());
    expect(await readPartition(out)).toEqual(earlier);
    for (let s = 0; s < 2; s++) await checkedShard(out, earlier, s);
  });

  it('writeBlocks fails naming the blocks file and renames nothing into place (a truncated file was renamed)', () => {
    const path = join(work, 'blocks', 'shard-00000.bin');
    const got = limitedScript(
      1000,
      'blocks',
      `import { writeBlocks } from ${JSON.stringify(join(root, 'src/scale/blocks-cache.ts'))};
const f = (n: number) => new Float64Array(n).fill(0.5);
const i = (n: number) => new Int32Array(n);
// 2 MB of zw: over the limit.
const b = { units: i(1), n: 1, L: 1, keep: [0], dropped: [], K: 1, P: 1, zw: f(250000), zhz: null, zhzSum: f(1), zhzSumLo: f(1), ee: null,
  eeSum: { hi: f(1), lo: f(1) }, ar: f(0), arSum: { hi: f(0), lo: f(0) }, artests: 0, obsMain: i(1), obsTrans: i(1), obsSigma: i(1),
  cluster: null, clusterValue: null, nClusters: 0, mainWW: f(1), excluded: new Map(), collinearitySums: { allWW: f(1), levW: f(1), nLev: 0 } };
const message = await writeBlocks(${JSON.stringify(path)}, b as never).then(() => null, (e: Error) => e.message);
console.log(JSON.stringify({ message }));
`,
    );
    expect(got.message).toBe(`EFBIG: cannot write ${path}`);
    expect(readdirSync(join(work, 'blocks'))).toEqual([]);
  });

  it('writeFileAtomic and writeFileAtomicSync fail naming the target, one line (the error had no path: a stack trace)', () => {
    const a = join(work, 'a.bin');
    const b = join(work, 'b.bin');
    const got = limitedScript(
      1000,
      'atomic',
      `import { writeFileAtomic, writeFileAtomicSync } from ${JSON.stringify(join(root, 'src/data/write-atomic.ts'))};
import { fileErrorMessage } from ${JSON.stringify(join(root, 'src/file-errors.ts'))};
const big = new Uint8Array(2 << 20);
const a = await writeFileAtomic(${JSON.stringify(a)}, big).then(() => null, (e) => fileErrorMessage(e));
let b = null;
try { writeFileAtomicSync(${JSON.stringify(b)}, big); } catch (e) { b = fileErrorMessage(e); }
console.log(JSON.stringify({ a, b }));
`,
    );
    expect(got).toEqual({ a: `cannot write ${a}: file too large`, b: `cannot write ${b}: file too large` });
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
