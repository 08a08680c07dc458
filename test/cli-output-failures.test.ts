// Output that cannot be written, end to end through the compiled CLI (bin/sysgmm.mjs, `npm run build`):
// standard output or error on a full device (/dev/full) or past a file-size limit (`ulimit -f`, which
// any user may lower), files whose writes fail part way, folders that cannot be made. Each is one
// line naming the stream, or the option and path, and exit status 2; a reader that closes the pipe
// early (`| head`) is no error; nothing half-written or empty is left behind.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileErrorReason } from '../src/file-errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-output-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = ['--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust'];
const posix = process.platform !== 'win32';

type Out = 'pipe' | number;

/** sysgmm with standard output and error each a pipe or an open file descriptor; `limit` blocks of
 *  file size (ulimit -f, 512 or 1024 bytes each as the shell counts them) when given. */
function sysgmm(args: string[], { stdout = 'pipe', stderr = 'pipe', limit }: { stdout?: Out; stderr?: Out; limit?: number } = {}) {
  const command = limit === undefined ? [process.execPath, 'bin/sysgmm.mjs', ...args] : ['sh', '-c', `ulimit -f ${limit} && exec "$0" "$@"`, process.execPath, 'bin/sysgmm.mjs', ...args];
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', stdio: ['ignore', stdout, stderr], timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A descriptor on /dev/full, whose writes fail with ENOSPC, for the duration of `f`. */
function withFull<T>(f: (fd: number) => T): T {
  const fd = openSync('/dev/full', 'w');
  try {
    return f(fd);
  } finally {
    closeSync(fd);
  }
}

describe('standard output and error that cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))('standard output on a full device: one line, exit 2 (estimate, describe, csv, help)', () => {
    const full = 'sysgmm: cannot write standard output: no space left on the device\n';
    withFull((fd) => {
      // estimate runs the CommonJS bundle with its code cache, the others the ES module chunks.
      expect(sysgmm(['estimate', 'data/abdata.csv', ...MODEL], { stdout: fd })).toMatchObject({ code: 2, stderr: full });
      expect(sysgmm(['describe', 'data/abdata.csv', '--id', 'id', '--time', 'year'], { stdout: fd })).toMatchObject({ code: 2, stderr: full });
      expect(sysgmm(['--help'], { stdout: fd })).toMatchObject({ code: 2, stderr: full });
      // csv output puts its notes on stderr: the failure is the last line.
      const csv = sysgmm(['estimate', 'data/abdata.csv', ...MODEL, '--format', 'csv'], { stdout: fd });
      expect(csv.code).toBe(2);
      expect(csv.stderr.endsWith(`\n${full}`)).toBe(true);
      // Standard error on the full device: nothing can say why, but the status says it failed.
      const err = sysgmm(['estimate', 'data/abdata.csv', ...MODEL, '--format', 'csv'], { stderr: fd });
      expect(err.code).toBe(2);
      expect(err.stdout).toMatch(/^name,estimate,.*\n(.*\n)*_cons,/);
    });
  });

  it.runIf(posix)('standard output to a file past its size limit: exit 2, not a cut-off file with exit 0', () => {
    const path = join(dir, 'fit.json');
    const fd = openSync(path, 'w');
    try {
      const r = sysgmm(['estimate', 'data/abdata.csv', ...MODEL, '--json'], { stdout: fd, limit: 2 });
      expect([r.code, r.stderr]).toEqual([2, 'sysgmm: cannot write standard output: file too large\n']);
    } finally {
      closeSync(fd);
    }
    // Under no limit the same command writes all of it.
    const whole = openSync(path, 'w');
    try {
      expect(sysgmm(['estimate', 'data/abdata.csv', ...MODEL, '--json'], { stdout: whole }).code).toBe(0);
    } finally {
      closeSync(whole);
    }
    expect(JSON.parse(readFileSync(path, 'utf8')).coefficients.length).toBe(4);
  });

  it.runIf(posix)('a reader that closed the pipe is no error: no message, exit 0', () => {
    // `true` has exited before sysgmm starts writing: every write meets a closed pipe (EPIPE).
    const r = spawnSync('sh', ['-c', '{ "$0" bin/sysgmm.mjs describe data/abdata.csv --id id --time year; echo "exit $?" >&2; } | true', process.execPath], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('exit 0\n');
  });
});

describe.runIf(posix)('output files whose writes fail part way (ulimit -f)', () => {
  it('one line naming the option and the file, exit 2; no temporary file, no target', () => {
    const cases: [string[], string, string][] = [
      [['estimate', 'data/abdata.csv', ...MODEL, '--save'], '--save', 'fit.json'],
      [['bootstrap', 'data/abdata.csv', ...MODEL, '--reps', '99', '--quiet', '--draws'], '--draws', 'draws.csv'],
      [['describe', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--save'], '--save', 'vars.json'],
      [['simulate', '--cities', '60', '--years', '2003-2012', '--seed', '1', '--out'], '--out', 'sim.csv'],
    ];
    for (const [args, option, name] of cases) {
      const folder = join(dir, `writes-${name}`);
      mkdirSync(folder);
      const path = join(folder, name);
      const r = sysgmm([...args, path], { limit: 1 });
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `sysgmm: ${option}: cannot write ${path}: file too large\n`]);
      expect(readdirSync(folder)).toEqual([]);
    }
  });

  it('a folder made for the output is removed again when nothing could be written into it', () => {
    const svg = join(dir, 'figs', 'deeper');
    const r = sysgmm(['bootstrap', 'data/abdata.csv', ...MODEL, '--reps', '19', '--quiet', '--svg', svg], { limit: 1 });
    expect([r.code, r.stderr]).toEqual([2, `sysgmm: --svg: cannot write ${join(svg, 'bootstrap-L1_n.svg')}: file too large\n`]);
    expect(existsSync(join(dir, 'figs'))).toBe(false);
    const out = join(dir, 'study');
    const study = sysgmm(['replicate', '--quiet', '--out', out], { limit: 1 });
    expect(study.code).toBe(2);
    expect(study.stderr).toMatch(/^sysgmm: cannot write .*: file too large\n$/);
    expect(study.stderr.startsWith(`sysgmm: cannot write ${join(out, 'T')}`)).toBe(true);
    expect(existsSync(out)).toBe(false);
    // A folder that was there stays, emptied of nothing.
    mkdirSync(join(dir, 'kept'));
    expect(sysgmm(['bootstrap', 'data/abdata.csv', ...MODEL, '--reps', '19', '--quiet', '--svg', join(dir, 'kept')], { limit: 1 }).code).toBe(2);
    expect(readdirSync(join(dir, 'kept'))).toEqual([]);
  });
});

describe('folders that cannot be made: the file system\'s own reason, naming --out', () => {
  const partition = (out: string) => sysgmm(['partition', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--shards', '2', '--out', out]);

  it('a regular file or a dangling symbolic link in the way', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect(partition(join(file, 'parts'))).toMatchObject({ code: 2, stderr: `sysgmm: --out: cannot create the folder ${join(file, 'parts')}: a file is in the way\n` });
    // Node's recursive mkdir says "no such file or folder" here: the link itself is in the way.
    const link = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere', 'target'), link);
    expect(partition(link)).toMatchObject({ code: 2, stderr: `sysgmm: --out: cannot create the folder ${link}: a file is in the way\n` });
  });

  it.runIf(process.platform === 'linux')('under /proc and /sys, where mkdir fails though the parent is there (Node\'s recursive mkdir loops forever under /proc)', () => {
    for (const parent of ['/proc', '/sys']) {
      const folder = join(parent, 'sysgmm-test');
      let code = '';
      try {
        mkdirSync(folder);
      } catch (err) {
        code = (err as NodeJS.ErrnoException).code!;
      }
      expect(fileErrorReason(code), `${folder}: ${code}`).toBeDefined();
      const r = partition(join(folder, 'parts'));
      expect([r.code, r.stderr]).toEqual([2, `sysgmm: --out: cannot create the folder ${join(folder, 'parts')}: ${fileErrorReason(code)}\n`]);
    }
  });
});

/** A hive dataset folder `<dir>/<name>/part=a/<file>` holding abdata. */
async function abdataDataset(name: string, file: string): Promise<string> {
  const { writeTableFile } = await import('../src/data/write-table.ts');
  const { readTable } = await import('../src/data/read.ts');
  const data = join(dir, name);
  mkdirSync(join(data, 'part=a'), { recursive: true });
  await writeTableFile(join(data, 'part=a', file), await readTable('data/abdata.csv'));
  return data;
}

// A tester's --save into an input folder replaced one of its Parquet files (and --draws p2/manifest.json
// a partition's manifest), exit 0; every later read of the folder failed.
describe('outputs among the inputs', () => {
  it('an output inside an input folder, or among the files an input glob reads, is refused naming both; elsewhere in a glob root it is written', async () => {
    const data = await abdataDataset('dataset', 'rows.parquet');
    const before = readFileSync(join(data, 'part=a', 'rows.parquet'));
    const inFolder = sysgmm(['estimate', data, ...MODEL, '--save', join(data, 'part=a', 'rows.parquet')]);
    expect([inFolder.code, inFolder.stderr]).toEqual([2, `sysgmm: --save: ${join(data, 'part=a', 'rows.parquet')} is inside the input folder ${data}, whose files are the data; write the output elsewhere\n`]);
    const draws = sysgmm(['bootstrap', data, ...MODEL, '--reps', '9', '--draws', join(data, 'draws.csv')]);
    expect([draws.code, draws.stderr]).toEqual([2, `sysgmm: --draws: ${join(data, 'draws.csv')} is inside the input folder ${data}, whose files are the data; write the output elsewhere\n`]);
    const glob = `${data}/*/*.parquet`;
    const matched = sysgmm(['describe', glob, '--id', 'id', '--time', 'year', '--save', join(data, 'part=b', 'new.parquet')]);
    expect([matched.code, matched.stderr]).toEqual([2, `sysgmm: --save: ${join(data, 'part=b', 'new.parquet')} is among the files the input glob ${glob} reads; write the output elsewhere\n`]);
    expect(readFileSync(join(data, 'part=a', 'rows.parquet')).equals(before)).toBe(true);
    expect(readdirSync(data).sort()).toEqual(['part=a']);
    // Not matched by the glob: written.
    expect(sysgmm(['describe', glob, '--id', 'id', '--time', 'year', '--save', join(data, 'summary.csv')]).code).toBe(0);
    // A file where a folder of the output path should be: the option and "write", not "cannot read".
    const notDir = sysgmm(['estimate', 'data/abdata.csv', ...MODEL, '--save', join(data, 'summary.csv', 'x.json')]);
    expect([notDir.code, notDir.stderr]).toEqual([2, `sysgmm: --save: cannot write ${join(data, 'summary.csv', 'x.json')}: a part of the path is not a folder\n`]);
  });
  // A tester's `grid h5 ... --out h5` wrote grid.csv, tasks and figures into the dataset it read, and
  // `describe h5 --save h5alias/x.csv` (h5alias a link to h5) passed a check that compared names.
  it('a run folder or --svg in an input folder or where an input glob reads, and outputs reached through a link, are refused', async () => {
    const data = await abdataDataset('hive', 'rows.csv');
    const alias = join(dir, 'hive-alias');
    symlinkSync(data, alias);
    const grid = join(dir, 'g.json');
    writeFileSync(grid, JSON.stringify({ template: 'n L.n w k, gmm(L.n, collapse {lags})', axes: { lags: ['', 'lag(1 2)'] } }));
    const id = ['--id', 'id', '--time', 'year'];
    const cases: [string[], string][] = [
      [['grid', data, ...id, '--grid', grid, '--out', data], `--out: the folder ${data} is the input folder ${data}, whose files are the data`],
      [['grid', data, ...id, '--grid', grid, '--out', join(alias, 'run')], `--out: the folder ${join(alias, 'run')} is inside the input folder ${data}, whose files are the data`],
      [['grid', `${data}/*/*.csv`, ...id, '--grid', grid, '--out', join(data, 'part=b')], `--out: the folder ${join(data, 'part=b')} is where the input glob ${data}/*/*.csv reads files`],
      [['grid', `${alias}/*.csv`, ...id, '--grid', grid, '--out', data], `--out: the folder ${data} is where the input glob ${alias}/*.csv reads files`],
      [['bootstrap', data, ...MODEL, '--reps', '4', '--shards', '2', '--backend', 'reference', '--out', alias], `--out: the folder ${alias} is the input folder ${data}, whose files are the data`],
      [['bootstrap', data, ...MODEL, '--reps', '4', '--svg', join(alias, 'figs')], `--svg: the folder ${join(alias, 'figs')} is inside the input folder ${data}, whose files are the data`],
      [['describe', data, ...id, '--save', join(alias, 'x.csv')], `--save: ${join(alias, 'x.csv')} is inside the input folder ${data}, whose files are the data`],
      [['describe', `${data}/*/*.csv`, ...id, '--save', join(alias, 'part=b', 'x.csv')], `--save: ${join(alias, 'part=b', 'x.csv')} is among the files the input glob ${data}/*/*.csv reads`],
    ];
    for (const [args, why] of cases) {
      const r = sysgmm(args);
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `sysgmm: ${why}; write the output elsewhere\n`]);
    }
    expect(readdirSync(data)).toEqual(['part=a']);
    expect(readdirSync(join(data, 'part=a'))).toEqual(['rows.csv']);
    // A folder beside the data, and a folder under the glob's root that it reads nothing in, are fine.
    const { checkOutputFolder } = await import('../src/data/write-atomic.ts');
    expect(() => checkOutputFolder(join(dir, 'runs'), '--out', [data, `${data}/*/*.csv`])).not.toThrow();
    expect(() => checkOutputFolder(join(data, 'run'), '--out', [`${data}/*.csv`])).not.toThrow();
  });
});

