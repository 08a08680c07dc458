// The run directory and executor plumbing: checksummed atomic results (corrupt ones detected and
// removed), run reuse rules, the task index from scheduler variables, the task command line, and the
// safe splitting of --slurm options.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDifference, openRunDir, pendingTasks, readResult, taskPath, writeResult, allResults, readTaskError, taskErrorPath, writeTaskError, readManifest } from '../src/run/run-dir.ts';
import { indexFromEnvironment, indicesFromEnvironment, runTask } from '../src/run/task.ts';
import { sysgmmBin, taskCommand } from '../src/run/entry.ts';
import { interruptedMessage, runLocal } from '../src/run/local.ts';
import { arrayChunks, arrayRanges, runSlurm, splitArguments, taskBatches } from '../src/run/slurm.ts';
import { SpecError } from '../src/errors.ts';
import { TaskFailure } from '../src/run/task-failure.ts';
import { writeFigures } from '../src/workloads/mc-report.ts';
import { writeSpecCurves } from '../src/workloads/grid-report.ts';
import type { Plan } from '../src/workloads/plan.ts';
import type { Grid } from '../src/workloads/grid-spec.ts';
import { replicationsMisfit } from '../src/scale/sharded-bootstrap.ts';
import { montecarloMisfit } from '../src/workloads/montecarlo-task.ts';
import { gridMisfit, type GridConfig } from '../src/workloads/grid-task.ts';
import { parsePlan } from '../src/workloads/plan.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'sysgmm-run-'));

describe('run directory', () => {
  it('writes results atomically with a checksum and reads them back exactly', async () => {
    const dir = fresh();
    const m = await openRunDir(dir, { kind: 'test', tasks: 3, config: { a: 1 } }, false);
    expect(m.tasks).toBe(3);
    await writeResult(dir, 1, { x: [0.1, -2.5e-300, null], s: 'é' }, m.id);
    expect(await readResult(dir, 1, m.id)).toEqual({ state: 'ok', payload: { x: [0.1, -2.5e-300, null], s: 'é' } });
    expect(await readResult(dir, 0, m.id)).toEqual({ state: 'missing' });
    // No temporary file is left behind.
    expect(readdirSync(join(dir, 'tasks'))).toEqual(['000001.json']);
  });

  it('detects a corrupted, truncated or misplaced result, and pendingTasks removes it', async () => {
    const dir = fresh();
    const m = await openRunDir(dir, { kind: 'test', tasks: 4, config: null }, false);
    for (let i = 0; i < 4; i++) await writeResult(dir, i, { i, v: [1.25, 2.5] }, m.id);
    const flip = readFileSync(taskPath(dir, 0), 'utf8').replace('1.25', '1.35');
    writeFileSync(taskPath(dir, 0), flip);
    const text = readFileSync(taskPath(dir, 1), 'utf8');
    writeFileSync(taskPath(dir, 1), text.slice(0, text.length - 3));
    writeFileSync(taskPath(dir, 2), readFileSync(taskPath(dir, 3)));
    // A writer killed between writing and renaming leaves its temporary file.
    writeFileSync(join(dir, 'tasks', '.000001.json.4242.0a1b2c3d.tmp'), 'half');
    expect(await readResult(dir, 0, m.id)).toEqual({ state: 'corrupt', why: 'checksum mismatch' });
    expect((await readResult(dir, 1, m.id)).state).toBe('corrupt');
    expect(await readResult(dir, 2, m.id)).toEqual({ state: 'corrupt', why: 'header is not that of task 2' });
    const seen: number[] = [];
    expect(await pendingTasks(dir, m, (i) => seen.push(i))).toEqual([0, 1, 2]);
    expect(seen).toEqual([0, 1, 2]);
    expect(readdirSync(join(dir, 'tasks'))).toEqual(['000003.json']);
    await expect(allResults(dir, m)).rejects.toThrow(/task 0 has no valid result \(missing\)/);
  });

  it('refuses to reuse a folder without --resume, and a resume whose configuration differs', async () => {
    const file = join(fresh(), 'a-file');
    writeFileSync(file, '');
    await expect(openRunDir(file, { kind: 'test', tasks: 1, config: null }, false)).rejects.toThrow(`--out: ${file} is a file, not a folder`);
    await expect(openRunDir(join(file, 'run'), { kind: 'test', tasks: 1, config: null }, false)).rejects.toThrow(`--out: cannot create the folder ${join(file, 'run', 'tasks')}: a file is in the way`);
    const dir = fresh();
    await openRunDir(dir, { kind: 'test', tasks: 2, config: { plan: 1 } }, false);
    await expect(openRunDir(dir, { kind: 'test', tasks: 2, config: { plan: 1 } }, false)).rejects.toThrow(/already holds a test run; pass --resume/);
    await expect(openRunDir(dir, { kind: 'test', tasks: 2, config: { plan: 2 } }, true)).rejects.toThrow(`--resume: ${dir} holds a different test run (plan: 1 in the run, 2 now); choose another --out`);
    expect((await openRunDir(dir, { kind: 'test', tasks: 2, config: { plan: 1 } }, true)).tasks).toBe(2);
  });

  it('a resume with the data at another path (its locations) but the same identity is taken, and run.json then names the new path', async () => {
    const dir = fresh();
    const spec = (path: string, sha256 = 'a'.repeat(64)) => ({ kind: 'test', tasks: 1, config: { data: { path, sha256 }, reps: 3 }, locations: ['data.path'] });
    const made = await openRunDir(dir, spec('/w/abdata.csv'), false);
    const resumed = await openRunDir(dir, spec('/wlink/abdata.csv'), true);
    expect(resumed.id).toBe(made.id);
    expect((await readManifest(dir)).config).toEqual({ data: { path: '/wlink/abdata.csv', sha256: 'a'.repeat(64) }, reps: 3 });
    // Another identity at the same path is other data; a setting that is no location still counts.
    await expect(openRunDir(dir, spec('/wlink/abdata.csv', 'b'.repeat(64)), true)).rejects.toThrow(`--resume: ${dir} holds a different test run (the data changed: their checksum data.sha256 differs); choose another --out`);
    await expect(openRunDir(dir, { ...spec('/w/abdata.csv'), locations: [] }, true)).rejects.toThrow('data.path: "/wlink/abdata.csv" in the run, "/w/abdata.csv" now');
  });

  // A tester changed reps, the seed, a command, the data: every refusal said only "its plan, data or
  // options differ".
  it('a refused resume names the first setting that differs', () => {
    const was = { plan: { reps: 100, seed: 1, estimators: [{ name: 'S', command: 'y L.y, gmm(y)' }] }, data: { path: '/d.csv', sha256: 'ab' } };
    const now = (f: (c: typeof was) => void) => {
      const c = structuredClone(was);
      f(c);
      return c;
    };
    expect(configDifference(was, was)).toBeNull();
    expect(configDifference(was, now((c) => (c.plan.reps = 120)))).toBe('plan.reps: 100 in the run, 120 now');
    expect(configDifference(was, now((c) => (c.plan.estimators[0]!.command = 'y L.y, gmm(y, collapse)')))).toBe('plan.estimators[0].command: "y L.y, gmm(y)" in the run, "y L.y, gmm(y, collapse)" now');
    expect(configDifference(was, now((c) => c.plan.estimators.push({ name: 'D', command: 'y L.y' })))).toBe('plan.estimators: 1 entries in the run, 2 now');
    expect(configDifference(was, now((c) => (c.data.sha256 = 'cd')))).toBe('the data changed: their checksum data.sha256 differs');
    expect(configDifference({ a: 1 }, { a: 1, b: 2 })).toBe('b: not set in the run, 2 now');
    // The sharded estimate keys its stages to the partition manifest's SHA-256 (a reviewer saw raw hashes).
    expect(configDifference({ manifest: 'a'.repeat(64) }, { manifest: 'b'.repeat(64) })).toBe('the data changed: their checksum manifest differs');
  });

  it('refuses a symbolic link in place of a folder the run writes into (tasks, logs, figures), naming it, and writes nothing through it', async () => {
    const run = { kind: 'test', tasks: 1, config: null };
    for (const sub of ['tasks', 'logs']) {
      const dir = fresh();
      await openRunDir(dir, run, false);
      const elsewhere = fresh();
      renameSync(join(dir, sub), join(elsewhere, 'moved'));
      symlinkSync(elsewhere, join(dir, sub));
      await expect(openRunDir(dir, run, true)).rejects.toThrow(`--out: ${join(dir, sub)} is a symbolic link; a run writes only inside its own folder (remove the link)`);
      expect(readdirSync(elsewhere)).toEqual(['moved']);
    }
    // A fresh run in a folder that already holds a linked logs folder.
    const dir = fresh();
    const elsewhere = fresh();
    symlinkSync(elsewhere, join(dir, 'logs'));
    await expect(openRunDir(dir, run, false)).rejects.toThrow(`${join(dir, 'logs')} is a symbolic link`);
    // The figures of a Monte Carlo run or a grid.
    symlinkSync(elsewhere, join(dir, 'figures'));
    await expect(writeFigures(dir, {} as Plan, [], [])).rejects.toThrow(`${join(dir, 'figures')} is a symbolic link`);
    await expect(writeSpecCurves(dir, { focus: [] } as unknown as Grid, [])).rejects.toThrow(`${join(dir, 'figures')} is a symbolic link`);
    expect(readdirSync(elsewhere)).toEqual([]);
    // A real folder is used as it is.
    const plain = fresh();
    mkdirSync(join(plain, 'figures'));
    expect(await writeSpecCurves(plain, { focus: [] } as unknown as Grid, [])).toEqual([]);
  });

  it('refuses a damaged run.json, naming it, with or without --resume, and leaves it as it is', async () => {
    const dir = fresh();
    await openRunDir(dir, { kind: 'test', tasks: 1, config: null }, false);
    writeFileSync(join(dir, 'run.json'), '{"format":"sysgmm-run/1","ki');
    for (const resume of [true, false])
      await expect(openRunDir(dir, { kind: 'test', tasks: 1, config: null }, resume)).rejects.toThrow(
        new RegExp(`^${join(dir, 'run.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: damaged, not JSON \\(.+\\); the run cannot go on: remove the folder or choose another --out$`),
      );
    expect(readFileSync(join(dir, 'run.json'), 'utf8')).toBe('{"format":"sysgmm-run/1","ki');
  });

  it('a worker log that is a symbolic link is refused, naming it, before any worker starts, and its target is left as it was', async () => {
    const dir = fresh();
    const m = await openRunDir(dir, { kind: 'test', tasks: 1, config: null }, false);
    const target = join(fresh(), 'elsewhere.txt');
    writeFileSync(target, 'mine\n');
    const log = join(dir, 'logs', 'local-0000-tasks-0-0.log');
    symlinkSync(target, log);
    const err = await runLocal(dir, [0], m, { jobs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as Error).message).toBe(`--out: ${log} is a symbolic link; a run writes only inside its own folder (remove the link)`);
    expect(readFileSync(target, 'utf8')).toBe('mine\n');
    expect(await readResult(dir, 0, m.id)).toEqual({ state: 'missing' });
  });

  it('runTask computes a task through the handler of the run kind and rejects an index out of range', async () => {
    const dir = fresh();
    const m = await openRunDir(dir, { kind: 'square', tasks: 3, config: { k: 10 } }, false);
    const handlers = { square: async (m: { config: unknown }, i: number) => ({ v: (m.config as { k: number }).k * i * i }) };
    await runTask(dir, 2, handlers);
    expect(await readResult(dir, 2, m.id)).toEqual({ state: 'ok', payload: { v: 40 } });
    await expect(runTask(dir, 3, handlers)).rejects.toThrow(/tasks 0 to 2/);
    await expect(runTask(dir, 0, {})).rejects.toThrow(/unknown run kind 'square'/);
  });
});

// A tester copied a task result of one bootstrap run into another's folder, and the resumed run merged
// it: nothing tied a result to the run that wrote it. The same happens without any copying when a
// driver is killed, the folder removed and a new run made there while the old run's workers (local
// orphans, Slurm elements) still run: they wrote their results into the new run.
describe('run identity', () => {
  const run = { kind: 'test', tasks: 2, config: { same: true } };

  it('a result another run wrote, with the same configuration, is not taken: it is removed and recomputed with a note, and never returned', async () => {
    const a = fresh();
    const b = fresh();
    const ma = await openRunDir(a, run, false);
    const mb = await openRunDir(b, run, false);
    expect(ma.id).toMatch(/^[0-9a-f]{32}$/);
    expect(mb.id).not.toBe(ma.id);
    await writeResult(a, 0, { v: 'a' }, ma.id);
    await writeResult(b, 1, { v: 'b' }, mb.id);
    copyFileSync(taskPath(a, 0), taskPath(b, 0));
    expect(await readResult(b, 0, mb.id)).toEqual({ state: 'foreign', run: ma.id });
    await expect(allResults(b, mb)).rejects.toThrow(`${taskPath(b, 0)}: task 0 has no valid result (result written by another run in this folder (run ${ma.id.slice(0, 8)}; this run is ${mb.id.slice(0, 8)}), not used); rerun with --resume`);
    const notes: string[] = [];
    expect(await pendingTasks(b, mb, (i, why) => notes.push(`task ${i}: ${why}`))).toEqual([0]);
    expect(notes).toEqual([`task 0: result written by another run in this folder (run ${ma.id.slice(0, 8)}; this run is ${mb.id.slice(0, 8)}), not used`]);
    expect(readdirSync(join(b, 'tasks'))).toEqual(['000001.json']);
    // A result with no run identity (an older sysgmm's) is not taken either.
    const body = '{"v":"old"}';
    const { createHash } = await import('node:crypto');
    writeFileSync(taskPath(b, 0), JSON.stringify({ format: 'sysgmm-task/1', index: 0, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') }) + '\n' + body);
    expect(await readResult(b, 0, mb.id)).toEqual({ state: 'foreign', run: null });
    // Every result an older sysgmm left is recomputed, under one note that counts them.
    writeFileSync(taskPath(b, 1), readFileSync(taskPath(b, 0)).toString().replace('"index":0', '"index":1'));
    const older: string[] = [];
    expect(await pendingTasks(b, mb, (i, why) => older.push(`task ${i}: ${why}`))).toEqual([0, 1]);
    expect(older).toEqual([`task 0: result written by another run in this folder (no run identity: an older sysgmm; this run is ${mb.id.slice(0, 8)}), not used, nor is the other result it left`]);
  });

  it('a folder removed and made again holds a new run: the old run\'s error note is ignored, and a run.json of an older sysgmm gets an identity on resume', async () => {
    const dir = fresh();
    const old = await openRunDir(dir, run, false);
    await writeTaskError(dir, 0, old.id, 'x.csv: row 3: not a number');
    expect(await readTaskError(dir, 0, old.id)).toBe('x.csv: row 3: not a number');
    rmSync(dir, { recursive: true });
    const now = await openRunDir(dir, run, false);
    mkdirSync(join(dir, 'tasks'), { recursive: true });
    await writeTaskError(dir, 0, old.id, 'x.csv: row 3: not a number');
    expect(await readTaskError(dir, 0, now.id)).toBeNull();
    // An older sysgmm's run.json, without an identity.
    const legacy = fresh();
    const m = await openRunDir(legacy, run, false);
    const { id: _, ...withoutId } = m;
    writeFileSync(join(legacy, 'run.json'), JSON.stringify(withoutId));
    const resumed = await openRunDir(legacy, run, true);
    expect(resumed.id).toMatch(/^[0-9a-f]{32}$/);
    expect((await readManifest(legacy)).id).toBe(resumed.id);
  });

  it('a worker refuses a folder that holds another run than the one it was started for, and writes nothing into it (no result, no error note)', async () => {
    const dir = fresh();
    const first = await openRunDir(dir, run, false);
    let calls = 0;
    const handlers = { test: async () => (calls++, { v: 1 }) };
    // Started for another run (the executor's --run): refused before anything is computed.
    await expect(runTask(dir, 0, handlers, 'f'.repeat(32))).rejects.toThrow(`${dir} now holds another run (run ${first.id.slice(0, 8)}; this worker was started for run ffffffff): task 0 not computed, nothing written`);
    expect(calls).toBe(0);
    // The folder removed and made again, with the same configuration, while the task ran.
    let second = first;
    const remake = async () => {
      rmSync(dir, { recursive: true });
      second = await openRunDir(dir, run, false);
    };
    const replaced = { test: async () => (await remake(), { v: 'stale' }) };
    await expect(runTask(dir, 0, replaced)).rejects.toThrow(/now holds another run .* task 0 not computed, nothing written/);
    expect(second.id).not.toBe(first.id);
    expect(readdirSync(join(dir, 'tasks'))).toEqual([]);
    // Its error in the user's data is not noted in the new run either.
    const failing = { test: async () => { await remake(); throw new SpecError('bad option', 'x'); } };
    await expect(runTask(dir, 1, failing, second.id)).rejects.toThrow(/now holds another run/);
    expect(existsSync(taskErrorPath(dir, 1))).toBe(false);
    expect(readdirSync(join(dir, 'tasks'))).toEqual([]);
  });

  it('a payload that is not its task\'s (bootstrap range, Monte Carlo replications, grid specifications) is named and recomputed', async () => {
    const ok = { from: 3, to: 6, beta: [1, 2, 3, 4, 5, 6], se: [1, 2, 3, 4, 5, 6], hansen: [1, 2, 3], status: [0, 0, 0], singularWeight: 0 };
    // 8 replications in 3 tasks: 0–1, 2–4, 5–7.
    expect(replicationsMisfit({ ...ok, from: 2, to: 5 }, 1, 8, 3)).toBeNull();
    expect(replicationsMisfit(ok, 1, 8, 3)).toBe('replications 3 to 5 where task 1 of 3 holds 2 to 4 of 8');
    expect(replicationsMisfit({ ...ok, from: 2, to: 5, status: [0, 0] }, 1, 8, 3)).toBe('2 replication statuses, 3 Hansen statistics, 6 coefficients and 6 standard errors for 3 replications');
    expect(replicationsMisfit({ from: 0, to: 200, beta: [], se: [], hansen: [], status: [] }, 0, 8, 2)).toBe('replications 0 to 199 where task 0 of 2 holds 0 to 3 of 8');
    const plan = parsePlan({ dgp: { alpha: [0.5, 0.8], N: 20, T: 4 }, estimators: { AH: { ah: 'y L.y' } }, reps: 5, seed: 1, repsPerTask: 2 });
    // 3 tasks a design: task 4 is design 1, replications 2 and 3.
    expect(montecarloMisfit(plan, { design: 1, first: 2, reps: [{}, {}] }, 4)).toBeNull();
    expect(montecarloMisfit(plan, { design: 0, first: 2, reps: [{}, {}] }, 4)).toBe('design 0, replications 2 to 3 where task 4 holds design 1, replications 2 to 3');
    const config = { grid: { specs: [{ index: 1 }, { index: 2 }, { index: 3 }] }, perTask: 2 } as unknown as GridConfig;
    expect(gridMisfit(config, [{ index: 3 }], 1)).toBeNull();
    expect(gridMisfit(config, [{ index: 1 }, { index: 2 }], 1)).toBe('specifications #1, #2 where task 1 holds #3');
    // pendingTasks removes such a result and says why.
    const dir = fresh();
    const m = await openRunDir(dir, run, false);
    await writeResult(dir, 0, { n: 0 }, m.id);
    await writeResult(dir, 1, { n: 0 }, m.id);
    const notes: string[] = [];
    const check = (p: unknown, i: number) => ((p as { n: number }).n === i ? null : `n ${(p as { n: number }).n}, task ${i}`);
    expect(await pendingTasks(dir, m, (i, why) => notes.push(`task ${i}: ${why}`), check)).toEqual([1]);
    expect(notes).toEqual(['task 1: result does not fit its task (n 0, task 1)']);
    await writeResult(dir, 1, { n: 0 }, m.id);
    await expect(allResults(dir, m, check)).rejects.toThrow(`${taskPath(dir, 1)}: task 1 has no valid result (it does not fit its task: n 0, task 1); rerun with --resume`);
  });
});

describe('task entry point', () => {
  it('reads the index from Slurm, Kubernetes or AWS Batch variables, plus an offset', () => {
    expect(indexFromEnvironment({ SLURM_ARRAY_TASK_ID: '7' })).toBe(7);
    expect(indexFromEnvironment({ JOB_COMPLETION_INDEX: '3' })).toBe(3);
    expect(indexFromEnvironment({ AWS_BATCH_JOB_ARRAY_INDEX: '12', SYSGMM_TASK_OFFSET: '1000' })).toBe(1012);
    expect(() => indexFromEnvironment({})).toThrow(/no task index/);
    expect(() => indexFromEnvironment({ SLURM_ARRAY_TASK_ID: '-1' })).toThrow(/non-negative integer/);
  });

  it('runs this Node on the package bin with an argument array', () => {
    const c = taskCommand('/tmp/run', [4, 5], 'ab12');
    expect(c.file).toBe(process.execPath);
    expect(c.args).toEqual([sysgmmBin(), 'task', '/tmp/run', '4', '5', '--run=ab12']);
    expect(sysgmmBin()).toMatch(/bin[/\\]sysgmm\.mjs$/);
  });
});

describe('Slurm options', () => {
  it('splits like a shell without expanding anything', () => {
    expect(splitArguments(`--partition=short  --comment="a b; rm -rf /" --mail-user='x y' --x=$HOME\\ z`, '--slurm')).toEqual([
      '--partition=short',
      '--comment=a b; rm -rf /',
      '--mail-user=x y',
      '--x=$HOME z',
    ]);
    expect(() => splitArguments('--comment="open', '--slurm')).toThrow(/unbalanced " quote/);
  });

  it('refuses the options the executor sets itself', () => {
    for (const bad of ['--array=1-3', '-a 1-3', '--output=x', '-o x', '--error=y', '--wrap="ls"', '--parsable'])
      expect(() => splitArguments(bad, '--slurm')).toThrow(SpecError);
    expect(splitArguments('-A acct -p debug', '--slurm')).toEqual(['-A', 'acct', '-p', 'debug']);
  });

  it('refuses them also as sbatch reads them: abbreviated long options (getopt_long), attached values and short clusters', () => {
    // [--slurm text, the argument at fault, the option sbatch reads it as]
    const refused: [string, string, string][] = [
      ['--out=/elsewhere/slurm-%A_%a.log', '--out=/elsewhere/slurm-%A_%a.log', '--output'],
      ['--outp /elsewhere/x', '--outp', '--output'],
      ['--o=x', '--o=x', '--output'],
      ['--arr=0-1', '--arr=0-1', '--array'],
      ['--a 0-1', '--a', '--array'],
      ['--wr=x', '--wr=x', '--wrap'],
      ['--err=/elsewhere/e', '--err=/elsewhere/e', '--error'],
      ['--pars', '--pars', '--parsable'],
      ['-o/elsewhere/x', '-o/elsewhere/x', '--output'],
      ['-a0-1', '-a0-1', '--array'],
      ['-Ho/elsewhere/x', '-Ho/elsewhere/x', '--output'],
      ['-vHa 0-1', '-vHa', '--array'],
      ['-p debug -e /elsewhere/e', '-e', '--error'],
    ];
    for (const [text, arg, as] of refused)
      expect(() => splitArguments(text, '--slurm')).toThrow(`--slurm: '${arg}' is read by sbatch as ${as}, which sysgmm sets itself (array of tasks, per-task logs) and cannot be given`);
    expect(() => splitArguments('-p debug -- x', '--slurm')).toThrow("--slurm: '--' (end of options) cannot be given");
    // -Q and --test-only kept sbatch from printing the job id (or from submitting), found only after
    // the submission; refused before it now.
    for (const [text, arg, as] of [['-Q', '-Q', '--quiet'], ['-vQ', '-vQ', '--quiet'], ['--quiet', '--quiet', '--quiet'], ['--test-only', '--test-only', '--test-only'], ['--tes', '--tes', '--test-only']])
      expect(() => splitArguments(text, '--slurm')).toThrow(`--slurm: '${arg}' is read by sbatch as ${as}, which keeps sbatch from printing the job id sysgmm reads (or from submitting) and cannot be given`);
    // Options that only share a first letter or two with a refused one, and values after a short
    // option that takes one, pass.
    const ok = '--open-mode=append --overcommit --partition=debug --account=a -Jwork -pshort -vH -t 10 --export=ALL --qos=normal --time=5 -vp debug';
    expect(splitArguments(ok, '--slurm')).toEqual(ok.split(' '));
    // A long option that is not a flag, written bare, would take the next word as its value; last in
    // the list that is sysgmm's own --parsable (a reviewer's `--comment`: the job id never printed).
    for (const bare of ['--comment', '--mem=2G --dependency', '--comm --hold'])
      expect(() => splitArguments(bare, '--slurm')).toThrow(/'--(comment|dependency|comm)' has no value: give it as --\w+=value/);
    expect(splitArguments('--hold --requeue --exclusive --ho', '--slurm')).toEqual(['--hold', '--requeue', '--exclusive', '--ho']);
    // A word that is no option's value would be the batch script, sysgmm's options its arguments.
    for (const [text, word] of [['job.sh', 'job.sh'], ['-p debug extra', 'extra'], ['--time=10 x', 'x'], ['-pdebug x', 'x'], ['-v x', 'x']])
      expect(() => splitArguments(text, '--slurm')).toThrow(`--slurm: '${word}' is no option's value: sbatch would take it for the batch script, and sysgmm's own options for its arguments`);
    // A long option's value is given as --opt=value: a bare word after a long option was taken for its
    // value, so that `--requeue job.sh` (--requeue a flag) passed, and sbatch ran job.sh as the batch script.
    for (const [text, long, word] of [['--requeue /tmp/x/evil.sh', '--requeue', '/tmp/x/evil.sh'], ['--qos normal', '--qos', 'normal'], ['-p debug --hold job.sh', '--hold', 'job.sh']])
      expect(() => splitArguments(text, '--slurm')).toThrow(`--slurm: '${word}' after '${long}': give a long option's value as ${long}=${word} (a bare word is refused: sbatch would take it for the batch script)`);
    // A short option that takes a value, given last without one, would take sysgmm's --parsable.
    for (const [text, arg] of [['-p', '-p'], ['--qos=normal -vJ', '-vJ']])
      expect(() => splitArguments(text, '--slurm')).toThrow(`--slurm: '${arg}' needs a value (sbatch would take sysgmm's own next option for it)`);
  });

  it('writes array ranges compactly, and splits more than 1,000 tasks into arrays with an offset', () => {
    expect(arrayRanges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(arrayRanges([4])).toBe('4');
    const all = Array.from({ length: 2500 }, (_, i) => i).filter((i) => i !== 1200);
    const chunks = arrayChunks(all);
    expect(chunks.map((c) => [c.offset, c.local[0], c.local[c.local.length - 1], c.local.length])).toEqual([
      [0, 0, 999, 1000],
      [1000, 0, 999, 999],
      [2000, 0, 499, 500],
    ]);
    expect(chunks.flatMap((c) => c.local.map((e) => e + c.offset))).toEqual(all);
    expect(arrayChunks([3])).toEqual([{ offset: 3, local: [0] }]);
  });

  it('deals tasks round-robin to at most --jobs batched elements, and an element runs the tasks listed for it', async () => {
    expect(taskBatches([0, 1, 2, 3, 4, 5, 6, 7], 2)).toEqual([[0, 2, 4, 6], [1, 3, 5, 7]]);
    expect(taskBatches([3, 5, 9], 2)).toEqual([[3, 9], [5]]);
    expect(taskBatches([4], 3)).toEqual([[4]]);
    const dir = fresh();
    const file = join(dir, 'batches.json');
    writeFileSync(file, JSON.stringify([[0, 2, 4], [1, 3]]));
    expect(await indicesFromEnvironment({ SLURM_ARRAY_TASK_ID: '1', SYSGMM_TASK_OFFSET: '0', SYSGMM_TASK_BATCHES: file })).toEqual([1, 3]);
    expect(await indicesFromEnvironment({ SLURM_ARRAY_TASK_ID: '1', SYSGMM_TASK_OFFSET: '4', SYSGMM_TASK_BATCHES: '' })).toEqual([5]);
    await expect(indicesFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SYSGMM_TASK_BATCHES: file })).rejects.toThrow(/lists no tasks for element 2/);
    await expect(indicesFromEnvironment({ SLURM_ARRAY_TASK_ID: '0', SYSGMM_TASK_BATCHES: join(dir, 'missing.json') })).rejects.toThrow(/cannot read/);
  });

  it('passes the user options before its own, writes a % of the run folder as %% in --output, and says clearly when sbatch gives no job id', async () => {
    // A stand-in sbatch that notes its arguments, one a line, and prints nothing (as -Q or
    // --test-only make the real one do on standard output).
    const bin = fresh();
    writeFileSync(join(bin, 'sbatch'), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\n\' "$a"; done > "${0%/*}/args"\n');
    chmodSync(join(bin, 'sbatch'), 0o755);
    const dir = join(fresh(), 'run-%x-%j');
    const m = await openRunDir(dir, { kind: 'test', tasks: 1, config: null }, false);
    const path = process.env.PATH;
    process.env.PATH = bin;
    try {
      const err = await runSlurm(dir, [0], m, { slurm: ['--time=5', '-Q'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpecError);
      expect((err as Error).message).toBe("sbatch gave no job id (it printed ''): --slurm options that change what sbatch prints or stop it submitting (-Q/--quiet, --test-only) are not supported");
    } finally {
      process.env.PATH = path;
    }
    const args = readFileSync(join(bin, 'args'), 'utf8').split('\n');
    const log = `${join(dir, 'logs').replaceAll('%', '%%')}/slurm-%A_%a.out`;
    expect(args.slice(0, 7)).toEqual(['--job-name=sysgmm-test', '--time=5', '-Q', '--parsable', '--array=0', `--output=${log}`, `--error=${log}`]);
    expect(args[7]).toBe(join(dir, 'slurm-task.sh'));
  });

  it('an interrupt says how many tasks are left, or, with none left, which run folder\'s tasks are done and that what follows them is left', () => {
    expect(interruptedMessage('/r/01-weight', 3)).toBe('interrupted: 3 task(s) left; continue with --resume');
    expect(interruptedMessage('/r/01-weight', 0)).toBe('interrupted once every task in /r/01-weight was done; what follows them (the next stage, the outputs) is left: continue with --resume');
  });

  it('a failed task is named with its log, or, without one, as never run', () => {
    expect(new TaskFailure('2 task(s) failed on Slurm after 0 retries', [{ index: 0, log: '/r/logs/slurm-7_0.out' }, { index: 1, log: null }]).message).toBe(
      '2 task(s) failed on Slurm after 0 retries: task 0 (log /r/logs/slurm-7_0.out), task 1 (never ran: no log)',
    );
  });

  it('says clearly when sbatch is not on PATH', async () => {
    const dir = fresh();
    const m = await openRunDir(dir, { kind: 'test', tasks: 1, config: null }, false);
    const path = process.env.PATH;
    process.env.PATH = join(dir, 'no-such-bin');
    try {
      await expect(runSlurm(dir, [0], m, {})).rejects.toThrow(/sbatch is not on PATH/);
    } finally {
      process.env.PATH = path;
    }
  });
});
