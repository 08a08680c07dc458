// `sysgmm partition` into a folder another partition is writing, or holding an earlier partition: a
// spill folder of a running process is another run's, so the run stops at once (exit 2) and touches
// nothing of it; one of a process that is gone is an interrupted run's, removed. A run that fails
// part-way, also among its moves into the folder, leaves an earlier partition there whole with its
// manifest (a failed move had left new shards and no manifest). A spill file cut short is an error.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableToIPC } from 'apache-arrow';
import { float64Data, tableFromColumns } from '../src/data/build.ts';
import { checkedShard, partition, readPartition, shardOfId, writeShard, type PartitionManifest } from '../src/scale/partition.ts';

const work = mkdtempSync(join(tmpdir(), 'sysgmm-partition-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const abdata = new URL('../data/abdata.csv', import.meta.url).pathname;
const root = new URL('..', import.meta.url).pathname;

/** The files of a partition's folder: its manifest and shards, sorted. */
const files = (m: PartitionManifest): string[] => ['manifest.json', ...m.shards.map((s) => s.file)].sort();

/** Every shard of the partition in `dir` is there and matches the manifest's checksum. */
async function intact(dir: string): Promise<void> {
  const m = await readPartition(dir);
  for (let s = 0; s < m.shards.length; s++) await checkedShard(dir, m, s);
}

describe('two partitions into one folder', () => {
  it("refuses while another partition's process runs (exit 2, naming its pid and spill folder) and touches nothing; once it is gone, its folder is removed", async () => {
    const out = join(work, 'busy');
    const earlier = await partition(abdata, { id: 'id', time: 'year', shards: 3, out });
    // A running process (a sleeping child) whose spill folder is in `out`, as a partition writing there has.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const spill = join(out, `.spill-${other.pid}`);
      mkdirSync(spill);
      writeFileSync(join(spill, '0.arrows'), 'rows of the other run');
      const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'partition', abdata, '--id', 'id', '--time', 'year', '--shards', '2', '--out', out], { cwd: root, encoding: 'utf8' });
      expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `sysgmm: another sysgmm partition (pid ${other.pid}) is writing to ${out}; wait for it or remove ${spill} if it is not running\n`]);
      expect(readdirSync(out).sort()).toEqual([`.spill-${other.pid}`, ...files(earlier)]);
      expect(readFileSync(join(spill, '0.arrows'), 'utf8')).toBe('rows of the other run');
      expect(await readPartition(out)).toEqual(earlier);
      await intact(out);
      // Process 1 always runs (another user's to a test not run as root: kill says EPERM, not ESRCH).
      mkdirSync(join(out, '.spill-1'));
      await expect(partition(abdata, { id: 'id', time: 'year', shards: 2, out })).rejects.toThrow(`another sysgmm partition (pid 1) is writing to ${out}`);
      rmSync(join(out, '.spill-1'), { recursive: true });
    } finally {
      other.kill();
    }
    // The process gone, its folder is an interrupted run's: removed, and the partition written.
    if (other.exitCode === null && other.signalCode === null) await once(other, 'exit');
    const m = await partition(abdata, { id: 'id', time: 'year', shards: 2, out });
    expect(m.shards).toHaveLength(2);
    expect(readdirSync(out).sort()).toEqual(files(m));
    await intact(out);
  });
});

describe('a partition that fails over an earlier one', () => {
  it('leaves the earlier manifest and shards as they were, checksums valid, and no temporary file', async () => {
    const out = join(work, 'kept');
    const earlier = await partition(abdata, { id: 'id', time: 'year', shards: 3, out });
    // abdata with a row of a unit in the last of 4 shards repeated: found when that shard is sorted,
    // after shards 0 to 2 (other rows than the earlier partition's 3 shards) were written.
    const lines = readFileSync(abdata, 'utf8').trimEnd().split('\n');
    const id = lines[0].split(',').indexOf('id');
    const last = lines.findIndex((l, r) => r > 0 && shardOfId(Number(l.split(',')[id]), 4) === 3);
    const repeated = join(work, 'repeated.csv');
    writeFileSync(repeated, [...lines, lines[last]].join('\n') + '\n');
    await expect(partition(repeated, { id: 'id', time: 'year', shards: 4, out })).rejects.toThrow(/^unit \d+ has two rows for year = \d+/);
    expect(readdirSync(out).sort()).toEqual(files(earlier));
    expect(await readPartition(out)).toEqual(earlier);
    await intact(out);
  });
});

describe('a partition whose moves into the folder fail part-way', () => {
  it('leaves the earlier partition whole with its manifest, and says which path failed (exit 2); once the way is clear, the new one replaces it', async () => {
    const out = join(work, 'swap');
    const earlier = await partition(abdata, { id: 'id', time: 'year', shards: 1, out });
    // The new partition's shard names (the same data, the same names), and a folder in the way of its second shard.
    const next = await partition(abdata, { id: 'id', time: 'year', shards: 2, out: join(work, 'swap-names') });
    const blocker = join(out, next.shards[1].file);
    mkdirSync(blocker);
    writeFileSync(join(blocker, 'x'), '');
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'partition', abdata, '--id', 'id', '--time', 'year', '--shards', '2', '--out', out], { cwd: root, encoding: 'utf8' });
    expect(await readPartition(out)).toEqual(earlier);
    await intact(out);
    expect(readdirSync(out).sort()).toEqual([...files(earlier), next.shards[1].file].sort());
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `sysgmm: --out: cannot write ${blocker}: it is a folder\n`]);
    rmSync(blocker, { recursive: true });
    const m = await partition(abdata, { id: 'id', time: 'year', shards: 2, out });
    expect(m.shards.map((s) => s.file)).toEqual(next.shards.map((s) => s.file));
    expect(readdirSync(out).sort()).toEqual(files(m));
    await intact(out);
  });
});

describe('a spill file shorter than its records say', () => {
  it('is an error naming the file, and no shard is written (its missing bytes were read as zeros)', async () => {
    // One record of a spill file (8-byte length, then an Arrow IPC stream), cut 16 bytes before its end:
    // the record's buffers end short, its schema and batch header are whole.
    const col = (values: number[]) => float64Data(Float64Array.from(values));
    const table = tableFromColumns([
      { name: 'id', data: col([1, 1, 2]) },
      { name: 'year', data: col([2001, 2002, 2001]) },
      { name: 'y', data: col([0.5, 1.5, 2.5]) },
      { name: '__sysgmm_row', data: col([1, 2, 3]) },
    ]);
    const bytes = tableToIPC(table, 'stream');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(bytes.length));
    const spill = join(work, 'short.arrows');
    writeFileSync(spill, Buffer.concat([len, bytes]).subarray(0, 8 + bytes.length - 16));
    const shard = join(work, 'short.parquet');
    const columns = ['id', 'year', 'y'].map((name) => ({ name, input: 'Float64', stored: 'float64' as const }));
    await expect(writeShard(spill, shard, columns, { id: 'id', time: 'year', shards: 1, out: work }, 'in.csv')).rejects.toThrow(
      `${spill}: ends at byte ${8 + bytes.length - 16}, before the ${bytes.length} bytes that start at byte 8 were read`,
    );
    expect(existsSync(shard)).toBe(false);
  });
});

// A partition stopped (killed) between moving its shards in beside an earlier partition's and renaming
// its manifest leaves shard files the manifest does not name; grid and describe read the folder as a
// Parquet dataset, and took them too (a reviewer of the commit-point change).
describe('a partition folder read as a dataset', () => {
  it('is the shards its manifest names, not every shard file in it', async () => {
    const { readTable } = await import('../src/data/read.ts');
    const out = join(work, 'stray');
    const m = await partition(abdata, { id: 'id', time: 'year', shards: 2, out });
    const whole = await readTable(out);
    // The other partition's shards, as a stopped run would leave them.
    const other = await partition(abdata, { id: 'id', time: 'year', shards: 3, out: join(work, 'stray-other') });
    for (const s of other.shards) writeFileSync(join(out, s.file), readFileSync(join(work, 'stray-other', s.file)));
    expect(readdirSync(out).length).toBe(1 + m.shards.length + other.shards.length);
    const again = await readTable(out);
    expect(again.numRows).toBe(whole.numRows);
    expect(again.numRows).toBe(m.rows);
    // A manifest naming a file outside the folder is refused, naming the manifest.
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ ...m, shards: [{ ...m.shards[0], file: '../x.parquet' }] }));
    const refusal = `${join(out, 'manifest.json')}: shard 0 is not a shard file of this folder ("../x.parquet"); partition the data again`;
    await expect(readTable(out)).rejects.toThrow(refusal);
    // The same for the sharded estimate and bootstrap, which read the manifest themselves (a reviewer:
    // they estimated from the file outside).
    await expect(readPartition(out)).rejects.toThrow(refusal);
  });
});

// A tester altered one value in a shard: the sharded estimate and bootstrap refused it (checksum), but
// describe, grid and partition of the folder read it silently.
describe('an altered shard', () => {
  it('is refused wherever the partition folder is read as one table: describe, grid, partition, readTable', async () => {
    const { readTable } = await import('../src/data/read.ts');
    const out = join(work, 'altered');
    const m = await partition(abdata, { id: 'id', time: 'year', shards: 2, out });
    // The same data with one value of n changed, partitioned alike: its shard of that unit is valid
    // Parquet with other contents, which replaces the original shard's bytes.
    const csv = readFileSync(abdata, 'utf8').split('\n');
    const n = csv[0]!.split(',').indexOf('n');
    csv[1] = csv[1]!.split(',').map((v, j) => (j === n ? '9.5' : v)).join(',');
    writeFileSync(join(work, 'altered.csv'), csv.join('\n'));
    const other = await partition(join(work, 'altered.csv'), { id: 'id', time: 'year', shards: 2, out: join(work, 'altered-other') });
    const s = other.shards.findIndex((x, i) => x.sha256 !== m.shards[i]!.sha256);
    expect(s).toBeGreaterThanOrEqual(0);
    const file = join(out, m.shards[s]!.file);
    writeFileSync(file, readFileSync(join(work, 'altered-other', other.shards[s]!.file)));
    const why = `shard ${s} (${file}) does not match its checksum in ${join(out, 'manifest.json')}: it was altered or damaged`;
    await expect(readTable(out)).rejects.toThrow(why);
    const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { cwd: root, encoding: 'utf8' });
    const grid = join(work, 'altered-grid.json');
    writeFileSync(grid, JSON.stringify({ template: 'n L.n w k, gmm(L.n, collapse {lags})', axes: { lags: ['', 'lag(1 2)'] } }));
    for (const args of [
      ['describe', out, '--id', 'id', '--time', 'year'],
      ['grid', out, '--id', 'id', '--time', 'year', '--grid', grid, '--out', join(work, 'altered-run')],
      ['partition', out, '--id', 'id', '--time', 'year', '--shards', '3', '--out', join(work, 'altered-again')],
    ]) {
      const r = cli(...args);
      expect([r.status, r.stderr], args[0]).toEqual([2, `sysgmm: ${why}\n`]);
    }
    expect(existsSync(join(work, 'altered-again', 'manifest.json'))).toBe(false);
  });
});

// A tester's `kill -INT` during partition left <out>/.spill-<pid> (13 MB); --shards above the unit
// count made empty shards with no word.
describe('partition interrupted, and more shards than units', () => {
  it.runIf(process.platform !== 'win32')('SIGINT, SIGTERM and SIGHUP remove the spill folder and the output folder the run made; exit 130 / 143 / 129 with one line', async () => {
    // Enough rows that the first pass is still reading when the signal comes.
    const big = join(work, 'big.csv');
    const lines = ['id,year,x'];
    for (let i = 0; i < 400_000; i++) lines.push(`${i % 40_000},${2000 + Math.floor(i / 40_000)},${i}`);
    writeFileSync(big, lines.join('\n') + '\n');
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const out = join(work, `interrupted-${signal}`);
      const child = spawn(process.execPath, ['bin/sysgmm.mjs', 'partition', big, '--id', 'id', '--time', 'year', '--shards', '8', '--out', out], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      const spill = join(out, `.spill-${child.pid}`);
      for (let t = 0; t < 2000 && !existsSync(spill); t++) await new Promise((r) => setTimeout(r, 10));
      expect(existsSync(spill)).toBe(true);
      child.kill(signal);
      const [status] = (await once(child, 'close')) as [number | null];
      expect([status, stderr]).toEqual([code, `sysgmm: interrupted; the partition was not written to ${out}, its temporary files removed\n`]);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--shards above what the units fill: a warning counting the empty shards', () => {
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'partition', abdata, '--id', 'id', '--time', 'year', '--shards', '200', '--out', join(work, 'p200')], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const empty = JSON.parse(readFileSync(join(work, 'p200', 'manifest.json'), 'utf8')).shards.filter((s: { units: number }) => s.units === 0).length;
    expect(empty).toBeGreaterThan(60);
    expect(r.stderr).toBe(`warning: ${empty} of 200 shards hold no unit (140 units in all; each unit goes whole to one shard); fewer --shards would do\n`);
  });
});

// `partition h --out h` (or a link to h, or a folder in it) wrote shards and a manifest into the
// dataset it read, which made the folder a partition and hid its own files from every later read.
describe('partition into its own input', () => {
  it('is refused when --out is the input folder, a link to it, a folder inside it, or where an input glob reads', async () => {
    const data = join(work, 'own-input');
    mkdirSync(join(data, 'part=a'), { recursive: true });
    writeFileSync(join(data, 'part=a', 'x.csv'), readFileSync(abdata));
    const alias = join(work, 'own-input-alias');
    symlinkSync(data, alias);
    const opts = { id: 'id', time: 'year', shards: 2 };
    await expect(partition(data, { ...opts, out: data })).rejects.toThrow(`--out: the folder ${data} is the input folder ${data}, whose files are the data; write the output elsewhere`);
    await expect(partition(data, { ...opts, out: alias })).rejects.toThrow(`--out: the folder ${alias} is the input folder ${data}, whose files are the data; write the output elsewhere`);
    await expect(partition(data, { ...opts, out: join(data, 'p') })).rejects.toThrow(`--out: the folder ${join(data, 'p')} is inside the input folder ${data}, whose files are the data; write the output elsewhere`);
    await expect(partition(`${data}/*/*.csv`, { ...opts, out: join(data, 'part=b') })).rejects.toThrow(`--out: the folder ${join(data, 'part=b')} is where the input glob ${data}/*/*.csv reads files; write the output elsewhere`);
    expect(readdirSync(data)).toEqual(['part=a']);
    const parts = join(work, 'own-input-parts');
    expect((await partition(data, { ...opts, out: parts })).rows).toBe(1031);
    // A partition folder partitioned again into itself: its shards replaced, its rows the same.
    const again = await partition(parts, { ...opts, shards: 3, out: parts });
    expect([again.rows, again.shards.length]).toEqual([1031, 3]);
    expect(readdirSync(parts).sort()).toEqual(['manifest.json', ...again.shards.map((s) => s.file)].sort());
    // The folder holding a single input file, named or through a link (a reviewer's `partition
    // data/abdata.csv --out data` made data/ a partition that hid abdata.csv).
    const single = join(work, 'single-input');
    mkdirSync(single);
    writeFileSync(join(single, 'ab.csv'), readFileSync(abdata));
    const singleAlias = join(work, 'single-input-alias');
    symlinkSync(single, singleAlias);
    for (const out of [single, singleAlias])
      await expect(partition(join(single, 'ab.csv'), { ...opts, out })).rejects.toThrow(
        `--out: ${out} is the folder of the input file ${join(single, 'ab.csv')}; a partition there would hide the folder's other files from every reader of it: write it to a folder of its own`,
      );
    expect(readdirSync(single)).toEqual(['ab.csv']);
  });
});
