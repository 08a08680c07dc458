// Partitioned data and the sharded estimate (src/scale): `partition` writes whole units sorted by
// (unit, time) with a manifest that counts every row; the sharded estimate through worker processes
// (and Slurm, when a cluster is up) equals the single-process fit to 1e-10 in every number, also when
// shards hold different years; a killed task is retried, a corrupted partial recomputed on --resume,
// a missing shard named.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/data/read.ts';
import { DataError } from '../src/errors.ts';
import { fitGmm } from '../src/gmm/fit.ts';
import type { GmmResult } from '../src/gmm/result.ts';
import { Panel } from '../src/panel/panel.ts';
import { fileErrorMessage } from '../src/file-errors.ts';
import { blocksPath, writeBlocks } from '../src/scale/blocks-cache.ts';
import { partition, readPartition, shardOfId } from '../src/scale/partition.ts';
import { fileSha256 } from '../src/data/partition-manifest.ts';
import { defaultRunDir, shardedEstimate } from '../src/scale/sharded-estimate.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { movedInstrumentColumns, normals } from './helpers/smallPanel.ts';
import { holdTask } from './helpers/hold-task.ts';

const work = mkdtempSync(join(tmpdir(), 'sysgmm-scale-'));
const abdata = new URL('../data/abdata.csv', import.meta.url).pathname;
const slurmUp = spawnSync('sinfo', ['--noheader', '--format=%a'], { encoding: 'utf8' }).stdout?.includes('up') ?? false;

/** 48 units: the first half observed 1990–1996, the second 1994–2001 (so shards hold different years), with gaps and missing
 *  values; and a unit of 1985–1988 without y, outside the sample (so the sample's span is narrower than the panel's). */
function yearsPanelCsv(path: string): void {
  const z = normals(2024);
  const lines = ['firm,year,y,x,w,region'];
  for (let i = 0; i < 48; i++) {
    const a = z();
    let yl = a + z();
    let xl = a + z();
    const [t0, t1] = i < 24 ? [1990, 1996] : [1994, 2001];
    for (let t = t0 - 3; t <= t1; t++) {
      const xt = 0.6 * xl + 0.4 * a + z();
      const yt = 0.5 * yl + 0.3 * xt + a + z();
      const wt = z();
      yl = yt;
      xl = xt;
      if (t < t0 || (i % 7 === 3 && t === t0 + 2)) continue;
      lines.push([1000 + i, t, yt, i % 11 === 5 && t === t0 + 3 ? "" : xt, wt, i % 40].join(','));
    }
  }
  for (let t = 1985; t <= 1988; t++) lines.push([999, t, '', z(), z(), 1].join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}
const yearsCsv = join(work, 'years.csv');
yearsPanelCsv(yearsCsv);

async function single(file: string, id: string, time: string, command: string): Promise<GmmResult> {
  const panel = Panel.fromTable(await readTable(file), { id, time, source: file });
  return fitGmm(panel, { ...parseXtabond2(command, panel.variables()), conventions: 'current' }, command);
}

/** Every number of two results agrees to `tol` relative (exact for everything else: names, counts, warnings). */
function expectClose(a: unknown, b: unknown, tol: number, path = 'result'): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return void expect(Number.isNaN(a) && Number.isNaN(b), path).toBe(true);
    const e = a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    return void expect(e, `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(tol);
  }
  if (a && typeof a === 'object') {
    expect(Object.keys(b as object).sort(), path).toEqual(Object.keys(a).sort());
    for (const k of Object.keys(a)) expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tol, `${path}.${k}`);
    return;
  }
  expect(b, path).toEqual(a);
}

/** The stage folders of a sharded estimate's run directory, in order. */
const stages = (out: string) => readdirSync(out).filter((f) => /^\d\d-/.test(f)).sort();
const stage = (out: string, name: string) => join(out, stages(out).find((f) => f.endsWith(`-${name}`))!);

function sysgmm(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A sharded estimate started in the background: its output so far, its exit, and its first worker
 *  process (the local executor's child, read from /proc) once one runs. */
function startEstimate(args: string[], env?: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (output.stdout += d));
  child.stderr.on('data', (d) => (output.stderr += d));
  const closed = new Promise<number | null>((done) => child.on('close', done));
  const firstWorker = async (): Promise<string> => {
    for (let waited = 0; waited < 60_000; waited += 50) {
      const kids = existsSync(`/proc/${child.pid}`) ? readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x) : [];
      if (kids[0]) return kids[0];
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no worker process started within 60 s');
  };
  return { child, output, closed, firstWorker };
}

/** abdata partitioned into `shards` under `name`, with shard 0 altered after partition (its checksum no longer matches). */
async function damagedPartition(name: string, shards: number): Promise<{ dir: string; file: string }> {
  const dir = join(work, name);
  await partition(abdata, { id: 'id', time: 'year', shards, out: dir });
  const file = join(dir, (await readPartition(dir)).shards[0].file);
  writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.from('x')]));
  return { dir, file };
}
describe('sysgmm partition', () => {
  it('writes whole units sorted by (unit, time) with a manifest: rows, units, periods and checksums, rows without id or time counted', async () => {
    const csv = readFileSync(abdata, 'utf8').trimEnd().split('\n');
    const cols = csv[0].split(',');
    // Two rows lose their id, one its year: counted, not in any shard.
    const bad = csv.map((l, r) => (r === 5 || r === 9 ? l.replace(/^[^,]*/, '') : r === 12 ? l.split(',').map((v, j) => (cols[j] === 'year' ? '' : v)).join(',') : l));
    // Rows shuffled so that each unit's rows are spread over the input.
    const body = bad.slice(1);
    for (let i = body.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [body[i], body[j]] = [body[j], body[i]];
    }
    const input = join(work, 'ab-shuffled.csv');
    writeFileSync(input, [bad[0], ...body].join('\n') + '\n');
    const out = join(work, 'ab4');
    const m = await partition(input, { id: 'id', time: 'year', shards: 4, out, batchRows: 100 });
    expect(m.excluded).toEqual({ missingId: 2, missingTime: 1 });
    expect(m.rows).toBe(1031 - 3);
    expect(m.shards.reduce((a, s) => a + s.rows, 0)).toBe(m.rows);
    expect(m.units).toBe(140);
    expect(m.periods).toEqual([1976, 1977, 1978, 1979, 1980, 1981, 1982, 1983, 1984]);
    expect(await readPartition(out)).toEqual(m);
    const seen = new Set<number>();
    for (const s of m.shards) {
      const path = join(out, s.file);
      expect(await fileSha256(path)).toBe(s.sha256);
      const t = await readTable(path);
      const id = t.getChild('id')!.toArray() as Float64Array;
      const year = t.getChild('year')!.toArray() as Float64Array;
      expect(t.numRows).toBe(s.rows);
      for (let r = 1; r < id.length; r++) expect(id[r] > id[r - 1] || (id[r] === id[r - 1] && year[r] > year[r - 1])).toBe(true);
      const units = new Set(id);
      expect(units.size).toBe(s.units);
      for (const u of units) {
        expect(seen.has(u), `unit ${u} in two shards`).toBe(false);
        seen.add(u);
      }
      expect(t.schema.fields.map((f) => f.name)).toEqual(cols);
    }
  });

  it('reads a Parquet folder with subfolders, or a glob, whole; a rerun into the folder leaves no stale shard or spill folder', async () => {
    // abdata as four Parquet shards, two of them in a subfolder (a dataset as written by others).
    const src = join(work, 'ab4');
    const nested = join(work, 'nested');
    mkdirSync(join(nested, 'more'), { recursive: true });
    const files = readdirSync(src).filter((f) => f.endsWith('.parquet')).sort();
    files.forEach((f, i) => copyFileSync(join(src, f), join(nested, i < 2 ? '' : 'more', f)));
    const whole = (await readPartition(src)).rows;
    for (const input of [nested, join(nested, '**', '*.parquet')]) {
      const out = join(work, 'from-nested');
      const m = await partition(input, { id: 'id', time: 'year', shards: 5, out });
      expect([input, m.rows]).toEqual([input, whole]);
      // A stale spill folder of an interrupted run, and a rerun with fewer shards.
      mkdirSync(join(out, '.spill-999999'), { recursive: true });
      const again = await partition(input, { id: 'id', time: 'year', shards: 2, out });
      expect(again.rows).toBe(whole);
      expect(readdirSync(out).sort()).toEqual(['manifest.json', ...again.shards.map((s) => s.file)].sort());
    }
  });

  it('refuses a repeated (unit, time) and a non-integer time, naming rows, column and value', async () => {
    const dup = join(work, 'dup.csv');
    writeFileSync(dup, 'id,year,y\n1,2000,1\n2,2000,2\n1,2001,3\n1,2000,4\n');
    await expect(partition(dup, { id: 'id', time: 'year', shards: 2, out: join(work, 'dup') })).rejects.toThrow('unit 1 has two rows for year = 2000: rows 1 and 4 of');
    // The folder the failed run made is gone; a bad --id fails the same way.
    expect(existsSync(join(work, 'dup'))).toBe(false);
    await expect(partition(dup, { id: 'idd', time: 'year', shards: 2, out: join(work, 'idd') })).rejects.toThrow(/idd/);
    expect(existsSync(join(work, 'idd'))).toBe(false);
    const frac = join(work, 'frac.csv');
    writeFileSync(frac, 'id,year,y\n1,2000,1\n1,2000.5,2\n');
    const err = await partition(frac, { id: 'id', time: 'year', shards: 2, out: join(work, 'frac') }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toContain("time column 'year' must be integer-valued: row 2 has 2000.5");
    expect(err.where).toMatchObject({ row: 2, column: 'year' });
  });
});

describe('partition into more shards than open files', () => {
  it('writes every shard under an open-file limit below --shards (it stopped with EMFILE and left its spill folder)', async () => {
    const out = join(work, 'many');
    // The built CLI (dist) in a shell whose open-file limit (100) is below the shard count (300).
    const r = spawnSync('bash', ['-c', `ulimit -n 100 && exec "${process.execPath}" bin/sysgmm.mjs partition data/abdata.csv --id id --time year --shards 300 --out "${out}"`], { encoding: 'utf8' });
    const m = await readPartition(out);
    // 300 shards for 140 units: the empty ones are counted in a warning.
    const empty = m.shards.filter((s) => s.units === 0).length;
    expect([r.status, r.stderr]).toEqual([0, `warning: ${empty} of 300 shards hold no unit (140 units in all; each unit goes whole to one shard); fewer --shards would do\n`]);
    expect([m.rows, m.units, m.shards.length]).toEqual([1031, 140, 300]);
    expect(readdirSync(out).filter((f) => f.startsWith('.spill-'))).toEqual([]);
    // The shards are those of a partition without the limit, byte for byte.
    const free = await partition(abdata, { id: 'id', time: 'year', shards: 300, out: join(work, 'many-free') });
    expect(m.shards.map((s) => s.sha256)).toEqual(free.shards.map((s) => s.sha256));
  });
});

describe('a data error in a shard', () => {
  it('ends the sharded estimate at once with exit code 2 and the message one process gives (it was retried, then exit 1)', async () => {
    // abdata with n = 1e160 in unit 2's 1979 row (data row 10).
    const [head, ...lines] = readFileSync(abdata, 'utf8').trim().split('\n');
    const f = lines[9].split(',');
    f[7] = '1e160';
    lines[9] = f.join(',');
    const csv = join(work, 'huge.csv');
    writeFileSync(csv, [head, ...lines].join('\n') + '\n');
    const dir = join(work, 'huge');
    await partition(csv, { id: 'id', time: 'year', shards: 3, out: dir });
    const command = 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust';
    const notes: string[] = [];
    const err = await shardedEstimate(dir, { command, id: 'id', time: 'year', conventions: 'current', jobs: 2, onNote: (m) => notes.push(m) }).catch((e) => e);
    const single = await fitGmm(Panel.fromTable(await readTable(csv), { id: 'id', time: 'year', source: csv }), parseXtabond2(command, ['n', 'w', 'k'])).catch((e) => e);
    expect(single).toBeInstanceOf(DataError);
    const shard = join(dir, (await readPartition(dir)).shards[shardOfId(2, 3)].file);
    // The task's own message, then which task and its log (src/run/executor.ts taskUserError).
    expect(err).toMatchObject({ name: 'TaskFailure', exitCode: 2 });
    expect(err.message).toMatch(new RegExp(`^${single.message.replace(csv, shard).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(task \\d+ of the run in `));
    expect(notes.filter((n) => n.includes('running again'))).toEqual([]);
  });
});

describe('sharded estimate', () => {
  const ab3 = join(work, 'ab3');
  const years = join(work, 'years7');
  beforeAll(() => partition(abdata, { id: 'id', time: 'year', shards: 3, out: ab3 }));

  it('equals the single-process fit to 1e-10 in every number on abdata (system two-step with collinear dummies dropped; one-step non-robust difference with its AR sums)', async () => {
    for (const command of [
      'xtabond2 n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) twostep robust',
      'xtabond2 n L.n w k yr*, gmm(L.n) iv(w k yr*) nolevel',
    ]) {
      const { result, out } = await shardedEstimate(ab3, { command, id: 'id', time: 'year', conventions: 'current', jobs: 2 });
      expectClose(await single(abdata, 'id', 'year', command), result, 1e-10);
      // Year dummies dropped for collinearity: the moments pass runs again on the kept regressors.
      if (command.includes('twostep')) expect(stages(out)).toEqual(['00-layout', '01-moments', '02-weight', '03-correction']);
    }
  }, 240_000);

  it('the same under observation weights: their sums merged, the normalization of the whole sample, a unit left out by its weights', async () => {
    // abdata with weights: wv varying, wu whole and constant within firms, wz missing or zero in some
    // rows and in every row of firm 7 (a unit outside the sample for its weights alone).
    const csv = readFileSync(abdata, 'utf8').trimEnd().split('\n');
    const cols = csv[0].split(',');
    const at = (name: string) => cols.indexOf(name);
    const lines = [`${csv[0]},wv,wu,wz`];
    for (const line of csv.slice(1)) {
      const v = line.split(',');
      const id = Number(v[at('id')]);
      const year = Number(v[at('year')]);
      const wv = 0.5 + ((7 * id + 3 * year) % 11) / 5;
      const wz = id === 7 || (id % 13 === 0 && year === 1980) ? '' : id % 17 === 0 && year === 1981 ? '0' : String(wv);
      lines.push(`${line},${wv},${1 + (id % 4)},${wz}`);
    }
    const weightedCsv = join(work, 'abw.csv');
    writeFileSync(weightedCsv, lines.join('\n') + '\n');
    const parts = join(work, 'abw3');
    await partition(weightedCsv, { id: 'id', time: 'year', shards: 3, out: parts });
    for (const command of [
      'xtabond2 n L.n w k [aw=wz], gmm(L.n) iv(w k) twostep robust',
      // One step, not robust, orthogonal deviations: an AR statistic reads the normalization factor.
      'xtabond2 n L.n w k [aw=wv], gmm(L.n) iv(w k) orthogonal nolevel',
      'xtabond2 n L.n w k [fw=wu], gmm(L.n) iv(w k) small',
    ]) {
      const { result } = await shardedEstimate(parts, { command, id: 'id', time: 'year', conventions: 'current', jobs: 2 });
      const expected = await single(weightedCsv, 'id', 'year', command);
      if (command.includes('wz')) expect(expected.excluded).toContainEqual({ reason: 'missing or zero weight', count: expect.any(Number) });
      expectClose(expected, result, 1e-10);
    }
    // A shard every row of which its weights leave out: its rows counted under that reason.
    const first = await readTable(join(parts, (await readPartition(parts)).shards[0].file));
    const outside = new Set(first.getChild('id')!.toArray() as Float64Array);
    const withEmpty = join(work, 'abw-empty.csv');
    writeFileSync(withEmpty, lines.map((l, r) => (r === 0 ? `${l},wx` : `${l},${outside.has(Number(l.split(',')[at('id')])) ? '' : 1.5}`)).join('\n') + '\n');
    const emptyParts = join(work, 'abw3-empty');
    await partition(withEmpty, { id: 'id', time: 'year', shards: 3, out: emptyParts });
    const command = 'xtabond2 n L.n w k [aw=wx], gmm(L.n) iv(w k) twostep robust';
    const { result } = await shardedEstimate(emptyParts, { command, id: 'id', time: 'year', conventions: 'current', jobs: 2 });
    const expected = await single(withEmpty, 'id', 'year', command);
    expect(expected.excluded.find((e) => e.reason === 'missing or zero weight')!.count).toBeGreaterThan(first.numRows / 2);
    expectClose(expected, result, 1e-10);
  }, 240_000);

  it('the same when shards hold different years: time dummies, collapsed instruments, cluster() over a variable that spans shards', async () => {
    const m = await partition(yearsCsv, { id: 'firm', time: 'year', shards: 7, out: years });
    // Some shard lacks some of the panel's years (the layout must still be the whole panel's).
    expect(m.shards.some((s) => s.periods.length < m.periods.length)).toBe(true);
    // One-step with time dummies (non-robust AR sums walk each shard's design); two-step clustered
    // (a two-step weight that is not singular: a generalized inverse would amplify rounding).
    for (const command of [
      'xtabond2 y L.y x w, gmm(y x, lag(2 4) collapse) iv(w) timedummies',
      'xtabond2 y L.y x w, gmm(y x, lag(2 4) collapse) iv(w) twostep cluster(region) small',
      // A cluster variable that changes within firms (years span shards), and two-way clustering (every
      // combination's clusters merged across shards; firms nested in regions keep the sum definite).
      'xtabond2 y L.y x w, gmm(y, lag(2 3) collapse) iv(x w) twostep cluster(year) small',
      'xtabond2 y L.y x w, gmm(y, lag(2 3) collapse) iv(x w) twostep cluster(region firm) small',
    ]) {
      const { result, out } = await shardedEstimate(years, { command, id: 'firm', time: 'year', conventions: 'current', jobs: 2 });
      // The layout ran again on the sample's span, 1990–2001, not the panel's 1985–2001.
      expect(stages(out).slice(0, 2)).toEqual(['00-layout', '01-layout']);
      const expected = await single(yearsCsv, 'firm', 'year', command);
      expect(expected.excluded.length).toBeGreaterThan(0);
      expect(expected.warnings.join(' ')).not.toContain('singular');
      expectClose(expected, result, 1e-10);
    }
  }, 240_000);

  it('pca: the principal components of the summed instrument moments give the single-process fit to 1e-10', async () => {
    const years = join(work, 'years5');
    await partition(yearsCsv, { id: 'firm', time: 'year', shards: 5, out: years });
    // x changes only between periods 0 and 1 and w is missing in period 2, so gmm(x, lag(2 4) collapse)'s
    // level instrument Δx at lag 1 is zero in every level row used: an all-zero column among those the
    // components are taken from (test/helpers/smallPanel.ts movedInstrumentColumns).
    const m = movedInstrumentColumns();
    const lines = ['id,year,y,x,w'];
    for (let r = 0; r < m.id.length; r++) lines.push([m.id[r], m.year[r], m.y[r], m.x[r], Number.isNaN(m.w[r]) ? '' : m.w[r]].join(','));
    const movedCsv = join(work, 'moved.csv');
    writeFileSync(movedCsv, lines.join('\n') + '\n');
    const moved = join(work, 'moved3');
    await partition(movedCsv, { id: 'id', time: 'year', shards: 3, out: moved });
    for (const [data, csv, id, command] of [
      [ab3, abdata, 'id', 'xtabond2 n L.n w k, gmm(L.(n w k)) pca twostep robust'],
      [ab3, abdata, 'id', 'xtabond2 n L.n w k yr*, gmm(L.n, lag(2 3)) iv(w k yr*) pca components(3) nolevel'],
      [years, yearsCsv, 'firm', 'xtabond2 y L.y x w, gmm(y x, lag(2 4)) iv(w) pca twostep robust'],
      [moved, movedCsv, 'id', 'xtabond2 y x w, gmm(x, lag(2 4) collapse) gmm(y, lag(2 3)) iv(w) pca twostep robust'],
    ] as const) {
      const { result, out } = await shardedEstimate(data, { command, id, time: 'year', conventions: 'current', jobs: 2 });
      const expected = await single(csv, id, 'year', command);
      expect(expected.pca!.components).toBeLessThan(expected.pca!.columns);
      expectClose(expected, result, 1e-10);
      // The instruments' moments come from the layout stage: no stage of their own.
      expect(stages(out).some((s) => s.endsWith('-pca'))).toBe(false);
    }
  }, 240_000);

  it('a worker killed mid-run is retried; a corrupted partial is recomputed on --resume; the result is unchanged', async () => {
    const command = 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) orthogonal twostep robust';
    const out = join(work, 'faults');
    const args = ['bin/sysgmm.mjs', 'estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', command, '--json', '--jobs', '1', '--out', out];
    // The first worker (layout tasks 0 and 1) waits at its start until released (hold-task.ts).
    const { env, release } = holdTask(0, join(work, 'faults-gate'));
    const run = startEstimate(args, env);
    process.kill(Number(await run.firstWorker()), 'SIGKILL');
    release();
    expect(await run.closed).toBe(0);
    expect(run.output.stderr).toMatch(/task\(s\) 0, 1: the worker process was killed by SIGKILL without a result \(log .*local-0000-tasks-0-1\.log\); running again/);
    // The killed batch (layout tasks 0–1) ran again: three worker processes for three tasks.
    // Nothing dropped or moved: the layout stage's moments serve, so three stages ran.
    expect(stages(out)).toEqual(['00-layout', '01-weight', '02-correction']);
    const logs = readdirSync(join(out, '00-layout', 'logs')).sort();
    expect(logs).toHaveLength(3);
    expect(logs[0]).toBe('local-0000-tasks-0-1.log');
    const expected = JSON.parse(JSON.stringify(await single(abdata, 'id', 'year', command)));
    expectClose(expected, JSON.parse(run.output.stdout), 1e-10);
    // One weight partial altered: detected by its checksum and recomputed; nothing else reruns.
    const task = join(out, '01-weight', 'tasks', '000001.json');
    const [header, body] = readFileSync(task, 'utf8').split('\n');
    writeFileSync(task, `${header}\n${body.replace(/[A-Za-z](?=[A-Za-z0-9+/]{40})/, (c) => (c === 'A' ? 'B' : 'A'))}`);
    const refused = sysgmm(...args.slice(1));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --resume');
    // --quiet: the warning alone (no run directory line, no other note).
    const r = sysgmm(...args.slice(1), '--resume', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('task 1: result corrupt (checksum mismatch); recomputing');
    // Two worker processes per stage for three tasks at --jobs 1; one more for the recomputed partial.
    expect(readdirSync(join(out, '01-weight', 'logs'))).toHaveLength(3);
    expect(readdirSync(join(out, '02-correction', 'logs'))).toHaveLength(2);
    expectClose(expected, JSON.parse(r.stdout), 1e-10);
  }, 240_000);

  it('an interrupt while tasks run: one line saying what is left, exit 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP: a dropped SSH session), no stack, the workers stopped and the lock given back; --resume completes it', async () => {
    const command = 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust';
    const expected = JSON.parse(JSON.stringify(await single(abdata, 'id', 'year', command)));
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
      const out = join(work, `interrupted-${signal}`);
      const args = ['bin/sysgmm.mjs', 'estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', command, '--json', '--jobs', '1', '--out', out];
      const run = startEstimate(args);
      const worker = Number(await run.firstWorker());
      run.child.kill(signal);
      expect([signal, await run.closed]).toEqual([signal, code]);
      // The worker was stopped (it is no orphan), and no stage folder keeps the driver's lock.
      expect(existsSync(`/proc/${worker}`) && !readFileSync(`/proc/${worker}/stat`, 'utf8').includes(') Z ')).toBe(false);
      for (const s of stages(out)) expect(existsSync(join(out, s, '.sysgmm-running')), s).toBe(false);
      expect(run.output.stderr).toMatch(new RegExp(`^run directory: ${out}\n` + /sysgmm: interrupted(: [1-9]\d* task\(s\) left;| once every task in \S+\/\d\d-\w+ was done; what follows them \(the next stage, the outputs\) is left:) continue with --resume\n$/.source));
      const r = sysgmm(...args.slice(1), '--resume');
      expect(r.code, r.stderr).toBe(0);
      expectClose(expected, JSON.parse(r.stdout), 1e-10);
    }
  }, 240_000);

  // The layout stage's blocks were kept to the end though a moments stage superseded them (561 MB on
  // a 20,000-unit panel, read by nobody).
  it('when a moments stage follows the layout stage (a regressor dropped), the layout stage\'s blocks are removed once the moments stage is done, before the weight stage runs', async () => {
    const command = 'xtabond2 n L.n w k yr*, gmm(L.n, collapse) iv(w k yr*) twostep robust';
    const out = join(work, 'superseded');
    // The weight stage's first worker waits at its start (hold-task.ts): the run folder is looked at then.
    const { env, release } = holdTask(0, join(work, 'superseded-gate'), '-weight');
    const args = ['bin/sysgmm.mjs', 'estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', command, '--json', '--jobs', '1', '--out', out, '--quiet'];
    const run = startEstimate(args, env);
    const weightLogs = join(out, '02-weight', 'logs');
    for (let waited = 0; !(existsSync(weightLogs) && readdirSync(weightLogs).length > 0) && waited < 120_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    try {
      expect(stages(out)).toEqual(['00-layout', '01-moments', '02-weight']);
      expect(existsSync(join(out, '00-layout', 'blocks'))).toBe(false);
      expect(readdirSync(join(out, '01-moments', 'blocks'))).toHaveLength(3);
    } finally {
      release();
    }
    expect(await run.closed).toBe(0);
    expectClose(JSON.parse(JSON.stringify(await single(abdata, 'id', 'year', command))), JSON.parse(run.output.stdout), 1e-10);
    // A resume finds every task done and gives the same result.
    const r = sysgmm(...args.slice(1), '--resume');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(run.output.stdout);
  }, 240_000);

  // The run directory line came only at the end, when the logs it leads to were no longer needed.
  it('says the run directory when the run starts, before any task is done', async () => {
    const out = join(work, 'said-at-start');
    const { env, release } = holdTask(0, join(work, 'said-at-start-gate'), '-layout');
    const run = startEstimate(['bin/sysgmm.mjs', 'estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)', '--json', '--jobs', '1', '--out', out], env);
    // The first layout worker is held at its start: no task is done while the line is looked for.
    const logs = join(out, '00-layout', 'logs');
    for (let waited = 0; !(existsSync(logs) && readdirSync(logs).length > 0 && run.output.stderr.includes('\n')) && waited < 120_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    try {
      expect(run.output.stderr).toBe(`run directory: ${out}\n`);
      expect(readdirSync(join(out, '00-layout', 'tasks'))).toEqual([]);
    } finally {
      release();
    }
    expect(await run.closed).toBe(0);
    expect(run.output.stderr).toBe(`run directory: ${out}\n`);
  }, 240_000);

  it('a named --out that is the partitioned folder or inside it (but for its runs folder), or inside another run\'s folder, is refused (exit 2)', () => {
    const command = 'xtabond2 n L.n w k, gmm(L.n) iv(w k)';
    const args = ['estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', command, '--json', '--jobs', '1', '--quiet', '--out'];
    const is = sysgmm(...args, ab3);
    expect([is.code, is.stderr]).toEqual([2, `sysgmm: --out: the folder ${ab3} is the partitioned folder ${ab3}, whose files are the data; write the run elsewhere\n`]);
    const inside = sysgmm(...args, join(ab3, 'mine'));
    expect([inside.code, inside.stderr]).toEqual([2, `sysgmm: --out: the folder ${join(ab3, 'mine')} is inside the partitioned folder ${ab3}, whose files are the data; write the run elsewhere (or under ${join(ab3, 'runs')}, where the default run folders are)\n`]);
    expect(existsSync(join(ab3, 'mine'))).toBe(false);
    // Through a symbolic link to the partition: the same folder.
    const link = join(work, 'ab3-link-out');
    symlinkSync(ab3, link);
    expect(sysgmm(...args, join(link, 'mine')).code).toBe(2);
    // Another run's stage folder, and a folder inside it.
    const other = join(work, 'other-estimate');
    expect(sysgmm(...args, other).code).toBe(0);
    for (const [out, how] of [[join(other, '00-layout'), 'is'], [join(other, '00-layout', 'tasks', 'x'), 'is inside']]) {
      const r = sysgmm(...args, out);
      expect([r.code, r.stderr]).toEqual([2, `sysgmm: --out: the folder ${out} ${how} the folder ${join(other, '00-layout')} of another run (it holds run.json); choose another --out\n`]);
    }
    // Under the partition's runs folder, as the default run folders are: taken.
    const underRuns = sysgmm(...args, join(ab3, 'runs', 'mine'));
    expect([underRuns.code, underRuns.stderr]).toEqual([0, '']);
  }, 240_000);

  it('weight and correction tasks read the blocks the layout task kept, bit for bit; missing or damaged blocks are rebuilt from the shard', async () => {
    const command = 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust';
    const first = join(work, 'cached-first');
    const { result } = await shardedEstimate(ab3, { command, id: 'id', time: 'year', conventions: 'current', jobs: 2, out: first });
    expectClose(await single(abdata, 'id', 'year', command), result, 1e-10);
    // Nothing dropped or moved: the weight and correction stages read the layout stage's blocks,
    // named relative to the run folder; all removed at the end.
    const config = JSON.parse(readFileSync(join(stage(first, 'correction'), 'run.json'), 'utf8')).config;
    expect(config.blocksFrom).toBe('00-layout');
    for (const s of stages(first)) expect(existsSync(join(first, s, 'blocks')), s).toBe(false);
    // The run folder moved: its stages still find each other (blocksFrom is no absolute path).
    const out = join(work, 'cached');
    renameSync(first, out);
    const correction = stage(out, 'correction');
    const layoutDir = join(out, config.blocksFrom);
    const task = join(correction, 'tasks', '000001.json');
    const original = readFileSync(task, 'utf8');
    const rerun = () => {
      rmSync(task);
      const r = sysgmm('task', correction, '1');
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(task, 'utf8')).toBe(original);
      return r.stderr;
    };
    // Missing: rebuilt from the shard.
    expect(rerun()).toContain(`shard ${config.shards[1]}: blocks in ${layoutDir} missing; building them from the shard`);
    // Kept by the layout task run again: read, the same partial to the bit.
    const layoutTask = join(layoutDir, 'tasks', '000001.json');
    rmSync(layoutTask);
    expect(sysgmm('task', layoutDir, '1').code).toBe(0);
    const blocks = join(layoutDir, 'blocks', `shard-0000${config.shards[1]}.bin`);
    expect(existsSync(blocks)).toBe(true);
    expect(rerun()).toBe('');
    // One byte altered: detected by its checksum, rebuilt.
    const bytes = readFileSync(blocks);
    bytes[bytes.length - 3] ^= 1;
    writeFileSync(blocks, bytes);
    expect(rerun()).toContain('corrupt (checksum mismatch); building them from the shard');
  }, 240_000);

  // A tester's `mv mv1 mv2; estimate ... --out mv2 --resume` was refused ("blocksFrom: ... in the run,
  // ... now"), and so was a resume naming the partition through a symbolic link ("data: ...").
  it('a moved run folder, and the partition reached through a symbolic link, resume: the partition is known by its manifest\'s SHA-256', () => {
    const command = 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust';
    const was = join(work, 'mv1');
    const moved = join(work, 'mv2');
    const args = (data: string, out: string) => ['estimate', data, '--id', 'id', '--time', 'year', '--xtabond2', command, '--json', '--jobs', '2', '--out', out, '--quiet'];
    const first = sysgmm(...args(ab3, was));
    expect(first.code, first.stderr).toBe(0);
    renameSync(was, moved);
    const afterMove = sysgmm(...args(ab3, moved), '--resume');
    expect([afterMove.code, afterMove.stderr]).toEqual([0, '']);
    expect(afterMove.stdout).toBe(first.stdout);
    const link = join(work, 'ab3-link');
    symlinkSync(ab3, link);
    const viaLink = sysgmm(...args(link, moved), '--resume');
    expect([viaLink.code, viaLink.stderr]).toEqual([0, '']);
    expect(viaLink.stdout).toBe(first.stdout);
    expect(JSON.parse(readFileSync(join(moved, '00-layout', 'run.json'), 'utf8')).config.data).toBe(link);
  }, 240_000);

  it('a missing shard file is an error naming the shard (exit 2)', () => {
    const m = JSON.parse(readFileSync(join(ab3, 'manifest.json'), 'utf8'));
    const file = join(ab3, m.shards[1].file);
    renameSync(file, `${file}.away`);
    try {
      const r = sysgmm('estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`shard 1 (${file}) is missing from the partitioned data in ${ab3}`);
    } finally {
      renameSync(`${file}.away`, file);
    }
  });

  it('an error in the data found by a task (a shard altered after partition) is not retried: the run stops with that task\'s message, exit 2; a model variable the partition stored as text is refused before any task, by row and value', async () => {
    // Four shards on one worker process: batches of tasks [0, 1] and [2, 3]; shard 0 is damaged, so
    // the first batch stops at task 0 and no other batch is started.
    const { dir, file } = await damagedPartition('ab4-damaged', 4);
    const out = join(work, 'damaged-run');
    const r = sysgmm('estimate', dir, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)', '--jobs', '1', '--out', out);
    const logs = join(out, '00-layout', 'logs');
    expect([r.code, readdirSync(logs)]).toEqual([2, ['local-0000-tasks-0-1.log']]);
    expect(r.stderr).toBe(
      `run directory: ${out}\nsysgmm: shard 0 (${file}) does not match its checksum in ${join(dir, 'manifest.json')}: it was altered or damaged (task 0 of the run in ${join(out, '00-layout')}; log ${join(logs, 'local-0000-tasks-0-1.log')})\n`,
    );
    // 'abc' for n in the first data row: partition stores n as text and says where.
    const csv = readFileSync(abdata, 'utf8').split('\n');
    const n = csv[0].split(',').indexOf('n');
    csv[1] = csv[1].split(',').map((v, j) => (j === n ? 'abc' : v)).join(',');
    const bad = join(work, 'abc.csv');
    writeFileSync(bad, csv.join('\n'));
    const textDir = join(work, 'abc-parts');
    await partition(bad, { id: 'id', time: 'year', shards: 2, out: textDir });
    const t = sysgmm('estimate', textDir, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)', '--out', join(work, 'abc-run'));
    expect([t.code, t.stderr]).toEqual([2, `sysgmm: column 'n' is not numeric in ${bad} (first non-number: row 1 (line 2) has 'abc'); partitioned in ${textDir}\n`]);
    expect(existsSync(join(work, 'abc-run', '00-layout'))).toBe(false);
  });

  it('a stage folder, or the blocks folder in it, that is a symbolic link is refused, naming it (exit 2), and nothing is written through it', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'sysgmm-elsewhere-'));
    const args = ['estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)'];
    const linkedStage = join(work, 'linked-stage');
    mkdirSync(linkedStage);
    symlinkSync(elsewhere, join(linkedStage, '00-layout'));
    const r = sysgmm(...args, '--out', linkedStage);
    expect([r.code, r.stderr]).toEqual([2, `sysgmm: --out: ${join(linkedStage, '00-layout')} is a symbolic link; a run writes only inside its own folder (remove the link)\n`]);
    const linkedBlocks = join(work, 'linked-blocks');
    mkdirSync(join(linkedBlocks, '00-layout'), { recursive: true });
    symlinkSync(elsewhere, join(linkedBlocks, '00-layout', 'blocks'));
    const b = sysgmm(...args, '--out', linkedBlocks);
    expect([b.code, b.stderr]).toEqual([2, `sysgmm: --out: ${join(linkedBlocks, '00-layout', 'blocks')} is a symbolic link; a run writes only inside its own folder (remove the link)\n`]);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  // A tester's `ln -s ../outside abp/runs` carried a whole default run (its stages, logs, blocks) outside the partition.
  it('without --out, a symbolic link at <data>/runs or at the run folder in it is refused, naming it (exit 2), and nothing is written through it', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'sysgmm-elsewhere-'));
    const data = join(work, 'ab-runs-link');
    await partition(abdata, { id: 'id', time: 'year', shards: 2, out: data });
    const command = 'xtabond2 n L.n w k, gmm(L.n, collapse)';
    const args = ['estimate', data, '--id', 'id', '--time', 'year', '--xtabond2', command, '--jobs', '1'];
    symlinkSync(elsewhere, join(data, 'runs'));
    const r = sysgmm(...args);
    expect([r.code, r.stderr]).toEqual([2, `sysgmm: run directory: ${join(data, 'runs')} is a symbolic link; a run writes only inside its own folder (remove the link)\n`]);
    rmSync(join(data, 'runs'));
    mkdirSync(join(data, 'runs'));
    const run = defaultRunDir(data, command, 'current', await fileSha256(join(data, 'manifest.json')));
    symlinkSync(elsewhere, run);
    const h = sysgmm(...args);
    expect([h.code, h.stderr]).toEqual([2, `sysgmm: run directory: ${run} is a symbolic link; a run writes only inside its own folder (remove the link)\n`]);
    expect(readdirSync(elsewhere)).toEqual([]);
    // With the link gone the default run directory is made and used.
    rmSync(run);
    expect(sysgmm(...args).code).toBe(0);
    expect(existsSync(join(run, 'estimate.json'))).toBe(true);
  });

  // A tester partitioned a folder again: the default run folder (named by the command alone) held
  // the old partition's stages, and both `estimate rp` ("already holds this estimate's run") and
  // `estimate rp --resume` ("holds a different sharded-estimate run") failed.
  it('a folder partitioned again gets a new default run folder; a named --out that holds another estimate\'s run says so', async () => {
    const data = join(work, 'repartitioned');
    const command = 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) twostep robust';
    const args = ['estimate', data, '--id', 'id', '--time', 'year', '--xtabond2', command, '--json', '--jobs', '2'];
    await partition(abdata, { id: 'id', time: 'year', shards: 3, out: data });
    const first = sysgmm(...args);
    expect(first.code, first.stderr).toBe(0);
    const before = defaultRunDir(data, command, 'current', await fileSha256(join(data, 'manifest.json')));
    expect(first.stderr).toContain(`run directory: ${before}\n`);
    await partition(abdata, { id: 'id', time: 'year', shards: 4, out: data });
    const after = defaultRunDir(data, command, 'current', await fileSha256(join(data, 'manifest.json')));
    expect(after).not.toBe(before);
    for (const extra of [[], ['--resume']]) {
      const r = sysgmm(...args, ...extra);
      expect([extra, r.code, r.stderr]).toEqual([extra, 0, `run directory: ${after}\n`]);
      expectClose(JSON.parse(first.stdout), JSON.parse(r.stdout), 1e-10);
    }
    // The same estimate's run: "already holds"; the run of another (the partition changed, another command): said so.
    const named = join(work, 'named-out');
    expect(sysgmm(...args, '--out', named).code).toBe(0);
    expect(sysgmm(...args, '--out', named).stderr).toBe(`sysgmm: ${named} already holds this estimate's run; pass --resume to continue it (or reuse its results), or choose another --out\n`);
    await partition(abdata, { id: 'id', time: 'year', shards: 2, out: data });
    for (const extra of [[], ['--resume']]) {
      const r = sysgmm(...args, '--out', named, ...extra);
      expect([r.code, r.stderr]).toEqual([2, `sysgmm: ${extra.length ? '--resume: ' : ''}${named} holds the run of another sharded estimate (the data changed: their checksum manifest differs); choose another --out\n`]);
    }
    const other = sysgmm('estimate', data, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.(n w k), collapse)', '--out', named, '--resume');
    expect([other.code, other.stderr]).toEqual([2, `sysgmm: --resume: ${named} holds the run of another sharded estimate (command: "${command}" in the run, "xtabond2 n L.n w k, gmm(L.(n w k), collapse)" now); choose another --out\n`]);
  }, 240_000);

  it('a file or a dangling link where the blocks folder goes: one line naming the folder, no stack (Node\'s recursive mkdir said "no such file" for the link)', async () => {
    const f = (n: number) => new Float64Array(n);
    const i = (n: number) => new Int32Array(n);
    const blocks = { units: i(1), n: 1, L: 1, keep: [0], dropped: [], K: 1, P: 1, zw: f(1), zhz: null, zhzSum: f(1), zhzSumLo: f(1), ee: null,
      eeSum: { hi: f(1), lo: f(1) }, ar: f(0), arSum: { hi: f(0), lo: f(0) }, artests: 0, obsMain: i(1), obsTrans: i(1), obsSigma: i(1),
      clustering: null, mainWW: f(1), excluded: new Map(), collinearitySums: { allWW: f(1), levW: f(1), nLev: 0 } };
    const linked = join(work, 'blocks-dangling');
    mkdirSync(linked);
    symlinkSync(join(work, 'nowhere', 'target'), join(linked, 'blocks'));
    const err = await writeBlocks(blocksPath(linked, 0), blocks as never).catch((e: unknown) => e);
    expect(fileErrorMessage(err)).toBe(`cannot create the folder ${join(linked, 'blocks')}: a file is in the way`);
    // Through the command: the task's log holds the one line, the run fails.
    const out = join(work, 'blocks-file');
    mkdirSync(join(out, '00-layout'), { recursive: true });
    writeFileSync(join(out, '00-layout', 'blocks'), '');
    const r = sysgmm('estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)', '--jobs', '1', '--retries', '0', '--out', out);
    expect(r.code).toBe(1);
    const logs = join(out, '00-layout', 'logs');
    for (const log of readdirSync(logs)) expect(readFileSync(join(logs, log), 'utf8')).toBe(`sysgmm: cannot create the folder ${join(out, '00-layout', 'blocks')}: a file is in the way\n`);
  });

  it('a Slurm submission that fails before any task ran leaves no run folder behind: the same command runs again without --resume', () => {
    const out = join(work, 'no-sbatch-run');
    const args = ['bin/sysgmm.mjs', 'estimate', ab3, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)', '--executor', 'slurm', '--out', out];
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, PATH: join(work, 'no-such-bin') } });
      expect([r.status, r.stderr]).toEqual([2, 'sysgmm: --executor slurm: sbatch is not on PATH (run on a Slurm login node, or load its module); --executor local runs here\n']);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a shard without sample units (one-period units under L.y; an if condition that leaves none of its rows) adds only its excluded rows', async () => {
    // Shards 0–1: 30 units of 8 years (grp 0); shard 2: 5 units of one year; shard 3: 6 units of 8 years (grp 1).
    const z = normals(77);
    const lines = ['firm,year,y,x,w,grp,cl'];
    const ids = (shard: number, count: number) => {
      const out: number[] = [];
      for (let id = 100; out.length < count; id++) if (shard < 0 ? shardOfId(id, 4) < 2 : shardOfId(id, 4) === shard) out.push(id);
      return out;
    };
    const unit = (id: number, years: number, grp: number) => {
      let y = z();
      for (let t = 0; t < years; t++) {
        const x = z();
        y = 0.5 * y + 0.3 * x + z();
        lines.push([id, 2000 + t, y, x, z(), grp, grp === 1 ? '' : id % 7].join(','));
      }
    };
    for (const id of ids(-1, 30)) unit(id, 8, 0);
    for (const id of ids(2, 5)) unit(id, 1, 0);
    for (const id of ids(3, 6)) unit(id, 8, 1);
    const csv = join(work, 'empty-shards.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const dir = join(work, 'empty4');
    const m = await partition(csv, { id: 'firm', time: 'year', shards: 4, out: dir });
    expect(m.shards.map((s) => s.units)).toEqual([expect.any(Number), expect.any(Number), 5, 6]);
    for (const [command, empty] of [
      ['xtabond2 y L.y x w, gmm(y x, lag(2 4) collapse) iv(w) twostep robust', 1],
      ['xtabond2 y L.y x w if grp == 0, gmm(y x, lag(2 4) collapse) iv(w) twostep robust', 2],
      // Shard 3's units have no cluster() value: in the sample, one cluster together (as xtabond2's
      // egen group(), missing), so the shards must agree on that cluster's key.
      ['xtabond2 y L.y x w, gmm(y x, lag(2 4) collapse) iv(w) twostep cluster(cl)', 1],
    ] as const) {
      const { result, out } = await shardedEstimate(dir, { command, id: 'firm', time: 'year', conventions: 'current', jobs: 2 });
      const expected = await single(csv, 'firm', 'year', command);
      expect(expected.excluded.map((e) => e.reason)).toContain('missing value in the dependent variable or a regressor');
      if (empty === 2) expect(expected.excluded.find((e) => e.reason === "outside the command's if/in condition")?.count).toBe(6 * 8);
      if (command.includes('cluster'))
        for (const r of [expected, result])
          expect(r.warnings, JSON.stringify(r.warnings)).toContain('cluster(cl): 6 unit(s) of the sample have no cl value in some period; as in xtabond2 (its clusters are egen group(), missing), those observations form one cluster together');
      expectClose(expected, result, 1e-10);
      // The empty shards ran in the layout stage only.
      const tasks = (name: string) => JSON.parse(readFileSync(join(stage(out, name), 'run.json'), 'utf8')).tasks;
      expect([tasks('layout'), tasks('weight'), tasks('correction')]).toEqual([4, 4 - empty, 4 - empty]);
    }
    await expect(shardedEstimate(dir, { command: 'xtabond2 y L.y x if grp == 5, gmm(y)', id: 'firm', time: 'year', conventions: 'current', jobs: 2 })).rejects.toThrow(
      'No observations: no row has the dependent variable and all regressors present',
    );
  }, 240_000);

  it("an 'in' range counts the whole panel's rows in (unit, time) order: estimate, bootstrap and grid on the partition equal those on the file (the sharded estimate refused it)", async () => {
    const command = (range: string) => `xtabond2 n L.n w k in ${range}, gmm(L.(n w k), collapse) twostep robust`;
    const estimated: GmmResult[] = [];
    for (const range of ['200/700', '-300/l']) {
      const { result, out } = await shardedEstimate(ab3, { command: command(range), id: 'id', time: 'year', conventions: 'current', jobs: 2 });
      expectClose(await single(abdata, 'id', 'year', command(range)), result, 1e-10);
      expect(stages(out)[0]).toBe('00-units');
      estimated.push(result);
    }
    // Units by shard so that rows 1 to 240 (the first 30 units, 8 years each) lie in shards 0 and 1 only:
    // shards 2 and 3 are outside the range and run no task.
    const z = normals(77);
    const lines = ['firm,year,y,x'];
    const unit = (id: number) => {
      let y = z();
      for (let t = 0; t < 8; t++) {
        const x = z();
        y = 0.5 * y + 0.3 * x + z();
        lines.push([id, 2000 + t, y, x].join(','));
      }
    };
    for (let id = 1, n = 0; n < 30; id++) if (shardOfId(id, 4) < 2) unit(id), n++;
    for (let id = 1000, n = 0; n < 12; id++) if (shardOfId(id, 4) >= 2) unit(id), n++;
    const csv = join(work, 'in-shards.csv');
    writeFileSync(csv, lines.join('\n') + '\n');
    const dir = join(work, 'in4');
    await partition(csv, { id: 'firm', time: 'year', shards: 4, out: dir });
    for (const [range, tasks] of [['1/240', 2], ['100/300', 4]] as const) {
      const cmd = `xtabond2 y L.y x in ${range}, gmm(y, lag(2 4) collapse) iv(x) twostep robust`;
      const { result, out } = await shardedEstimate(dir, { command: cmd, id: 'firm', time: 'year', conventions: 'current', jobs: 2 });
      expectClose(await single(csv, 'firm', 'year', cmd), result, 1e-10);
      expect(JSON.parse(readFileSync(join(stage(out, 'weight'), 'run.json'), 'utf8')).tasks).toBe(tasks);
    }
    await expect(shardedEstimate(dir, { command: 'xtabond2 y L.y x in 400/500, gmm(y)', id: 'firm', time: 'year', conventions: 'current' })).rejects.toThrow(
      `in 400/500: row numbers out of range: the panel has ${lines.length - 1} rows`,
    );
    // The bootstrap and the grid read the partition as one panel: the same numbers as from the file.
    const boot = (data: string) => {
      const r = sysgmm('bootstrap', data, '--id', 'id', '--time', 'year', '--xtabond2', command('200/700'), '--reps', '20', '--seed', '5', '--json');
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout);
      delete got.seconds;
      return got;
    };
    const fromFile = boot(abdata);
    expect(boot(ab3)).toEqual(fromFile);
    expectClose(fromFile.coefficients.map((c: { estimate: number }) => c.estimate), estimated[0].coefficients.map((c) => c.estimate), 1e-10);
    const grid = join(work, 'in-grid.json');
    writeFileSync(grid, JSON.stringify({ template: 'xtabond2 n L.n w k in {range}, gmm(L.n, collapse) iv(w k) {steps} robust', axes: { range: ['200/700', '-300/l'], steps: ['', 'twostep'] }, samples: { all: null }, focus: ['L.n', 'w'] }));
    const table = (data: string, out: string) => {
      const r = sysgmm('grid', data, '--id', 'id', '--time', 'year', '--grid', grid, '--out', join(work, out), '--jobs', '1');
      expect(r.code, r.stderr).toBe(0);
      return readFileSync(join(work, out, 'grid.csv'), 'utf8');
    };
    expect(table(ab3, 'in-grid-parts')).toBe(table(abdata, 'in-grid-file'));
    // A reviewer's ids beyond 2^53, stored as text: the shards' units were merged in text order
    // ("1000…" before "9007…"), not the panel's numeric one, and the range fell elsewhere (429 of 430).
    const big = join(work, 'big-ids.csv');
    const rows = readFileSync(abdata, 'utf8').trimEnd().split('\n');
    const h = rows[0]!.split(',');
    const col = (name: string) => h.indexOf(name);
    writeFileSync(
      big,
      ['id,year,n,w,k', ...rows.slice(1).map((l) => {
        const c = l.split(',');
        const id = Number(c[col('id')]);
        return [id < 70 ? `9007199254740${String(id).padStart(3, '0')}` : `1${String(id).padStart(3, '0')}0000000000000000`, c[col('year')], c[col('n')], c[col('w')], c[col('k')]].join(',');
      })].join('\n') + '\n',
    );
    const bigDir = join(work, 'big-ids');
    await partition(big, { id: 'id', time: 'year', shards: 3, out: bigDir });
    const { result: bigSharded } = await shardedEstimate(bigDir, { command: command('200/700'), id: 'id', time: 'year', conventions: 'current', jobs: 2 });
    expectClose(await single(big, 'id', 'year', command('200/700')), bigSharded, 1e-10);
  }, 240_000);

  it.skipIf(!slurmUp)('on Slurm, an error in the data found by a task (a shard altered after partition) is not resubmitted: the task\'s message, exit 2 (needs a Slurm cluster; skipped when sinfo finds none)', async () => {
    const { dir, file } = await damagedPartition('ab2-damaged-slurm', 2);
    const out = join(work, 'damaged-slurm-run');
    const r = sysgmm('estimate', dir, '--id', 'id', '--time', 'year', '--xtabond2', 'xtabond2 n L.n w k, gmm(L.n) iv(w k)', '--executor', 'slurm', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^run directory: ${out}\n` + /submitted Slurm job array (\d+) \(2 task\(s\)\)\n/.source));
    const job = /array (\d+)/.exec(r.stderr)![1];
    expect(r.stderr.split('\n').slice(2).join('\n')).toBe(
      `sysgmm: shard 0 (${file}) does not match its checksum in ${join(dir, 'manifest.json')}: it was altered or damaged (task 0 of the run in ${join(out, '00-layout')}; log ${join(out, '00-layout', 'logs', `slurm-${job}_0.out`)})\n`,
    );
  });

  it.skipIf(!slurmUp)('on Slurm (one job array per stage) equals the single-process fit (needs a Slurm cluster; skipped when sinfo finds none)', async () => {
    const command = 'xtabond2 y L.y x w, gmm(y x, lag(2 4) collapse) iv(w) twostep cluster(region) small';
    const notes: string[] = [];
    const years = join(work, 'years7-slurm');
    await partition(yearsCsv, { id: 'firm', time: 'year', shards: 7, out: years });
    const { result, out } = await shardedEstimate(years, { command, id: 'firm', time: 'year', conventions: 'current', executor: 'slurm', slurm: ['--time=10'], onNote: (n) => notes.push(n) });
    expect(notes.filter((n) => /^submitted Slurm job array \d+ \(7 task\(s\)\)$/.test(n)).length).toBe(stages(out).length);
    expect(readdirSync(join(stage(out, 'weight'), 'logs')).filter((f) => /^slurm-\d+_\d\.out$/.test(f))).toHaveLength(7);
    expectClose(await single(yearsCsv, 'firm', 'year', command), result, 1e-10);
  }, 300_000);
});
