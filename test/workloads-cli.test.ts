// The workload commands end to end through the executors: `sysgmm montecarlo` on local worker
// processes equals the in-process computation with another sharding; a run killed mid-way and
// resumed (with a corrupted result among the survivors) ends with the same results; the Slurm
// executor (a real one-node cluster, .ci/run starts it) gives the same results as the local one.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/data/read.ts';
import { parsePlan } from '../src/workloads/plan.ts';
import { montecarloTask, taskLayout, type McTaskPayload } from '../src/workloads/montecarlo-task.ts';
import { summarise } from '../src/workloads/mc-summary.ts';
import { taskPath } from '../src/run/run-dir.ts';
import { gridTask } from '../src/workloads/grid-task.ts';
import { holdTask } from './helpers/hold-task.ts';

const PLAN = {
  dgp: { alpha: [0.5, 0.8], N: 60, T: 5, hetero: 0.5 },
  estimators: { DIF2: 'xtabond2 y L.y, gmm(y, lag(2 .)) nolevel twostep robust', SYS1: 'xtabond2 y L.y, gmm(y, lag(2 .) collapse) robust', AH: { ah: 'y L.y' } },
  reps: 8,
  seed: 42,
  repsPerTask: 4,
};
const GRID = {
  template: 'xtabond2 n L.n w k, gmm(L.n, {lags} collapse) iv(w k) twostep robust',
  axes: { lags: ['lag(1 .)', 'lag(1 2)'] },
  samples: { all: null, late: 'year >= 1978' },
  focus: ['L.n'],
};

const work = mkdtempSync(join(tmpdir(), 'sysgmm-workloads-'));
const planFile = join(work, 'plan.json');
writeFileSync(planFile, JSON.stringify(PLAN));
const gridFile = join(work, 'grid-spec.json');
writeFileSync(gridFile, JSON.stringify(GRID));

function sysgmm(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The summary rows as summary.json holds them (JSON: NaN → null), from an in-process run with one task per design. */
async function reference(): Promise<unknown> {
  const plan = parsePlan({ ...PLAN, repsPerTask: 3 });
  const manifest = { format: 'sysgmm-run/1' as const, kind: 'montecarlo', tasks: taskLayout(plan).tasks, config: { plan }, created: '', id: 'test' };
  const payloads: McTaskPayload[] = [];
  for (let i = 0; i < manifest.tasks; i++) payloads.push(await montecarloTask(manifest, i));
  return JSON.parse(JSON.stringify(summarise(plan, payloads)));
}

const summaryRows = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).rows;

const slurmUp = spawnSync('sinfo', ['--noheader', '--format=%a'], { encoding: 'utf8' }).stdout?.includes('up') ?? false;
const slurmRequired = process.env.SYSGMM_REQUIRE_SLURM === '1';

describe('sysgmm montecarlo', () => {
  let expected: unknown;
  const local = join(work, 'local');

  it('a killed run resumes on local worker processes: complete results are kept, a corrupted one recomputed, and the results equal the in-process run with another sharding', async () => {
    expected = await reference();
    // One worker process takes tasks 0 and 1, then another takes 2 and 3, held at its start
    // (hold-task.ts): the run is killed once the first two are written and the second worker waits.
    const { env } = holdTask(2, join(work, 'local-gate'));
    const child = spawn(process.execPath, ['bin/sysgmm.mjs', 'montecarlo', planFile, '--out', local, '--jobs', '1', '--quiet'], { detached: true, stdio: 'ignore', env });
    const tasksDir = join(local, 'tasks');
    const done = () => (existsSync(tasksDir) ? readdirSync(tasksDir).filter((f) => /^\d+\.json$/.test(f)) : []);
    const logs = () => (existsSync(join(local, 'logs')) ? readdirSync(join(local, 'logs')) : []);
    for (let waited = 0; (done().length < 2 || !logs().includes('local-0001-tasks-2-3.log')) && waited < 240_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const survivors = done().sort();
    expect(survivors).toEqual(['000000.json', '000001.json']);
    // Corrupt one digit of the first survivor's payload (line 2); the other survivors must be kept as they are.
    const first = join(tasksDir, survivors[0]);
    const [header, body] = readFileSync(first, 'utf8').split('\n');
    writeFileSync(first, `${header}\n${body.replace(/(\d)(,)/, (_, a, c) => `${(Number(a) + 1) % 10}${c}`)}`);
    const kept = survivors.slice(1).map((f) => [f, statSync(join(tasksDir, f)).mtimeMs] as const);
    // Without --resume the folder is refused (usage error, exit 2).
    const refused = sysgmm('montecarlo', planFile, '--out', local);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('already holds a montecarlo run; pass --resume');
    // --quiet hides the notes, not the warning that a result was corrupt.
    const r = sysgmm('montecarlo', planFile, '--out', local, '--resume', '--jobs', '2', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr.trim()).toBe(`task ${Number(survivors[0].slice(0, 6))}: result corrupt (checksum mismatch); recomputing`);
    for (const [f, mtime] of kept) expect(statSync(join(tasksDir, f)).mtimeMs).toBe(mtime);
    expect(summaryRows(local)).toEqual(expected);
    expect(r.stdout).toContain('| alpha=0.8 | DIF2 | L1.y | 0.8 | 8 |');
    for (const f of ['summary.md', 'summary.tex', 'summary.csv', 'figures/bias-L1_y.svg', 'figures/rmse-L1_y.png', 'figures/density-L1_y.png']) expect(existsSync(join(local, f))).toBe(true);
    const reps = await readTable(join(local, 'replications.parquet'));
    expect(reps.numRows).toBe(2 * 8 * 3);
    expect(reps.schema.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['design', 'replication', 'estimator', 'estimate', 'se_windmeijer', 'se_uncorrected', 'se_robust', 'se_onestep', 'failure']));
  });

  it('a worker process killed mid-run is retried by the local executor and the run completes with the same results', async () => {
    const dir = join(work, 'retried');
    // Its first worker process (tasks 0 and 1) waits at its start until released (hold-task.ts).
    const { env, release } = holdTask(0, join(work, 'retried-gate'));
    const child = spawn(process.execPath, ['bin/sysgmm.mjs', 'montecarlo', planFile, '--out', dir, '--jobs', '1'], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((done) => child.on('close', done));
    // The driver's first worker process (tasks 0 and 1), killed by its pid before it writes a result.
    const children = () => (existsSync(`/proc/${child.pid}`) ? readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter((x) => x) : []);
    let worker: string | undefined;
    for (let waited = 0; !worker && waited < 240_000; waited += 50) {
      worker = children()[0];
      if (!worker) await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(Number(worker), 'SIGKILL');
    release();
    expect(await closed).toBe(0);
    expect(stderr).toContain('(4 computed now)');
    // Three batches ran: the killed one, then tasks 2–3, then 0–1 again.
    expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['local-0000-tasks-0-1.log', 'local-0001-tasks-2-3.log', 'local-0002-tasks-0-1.log']);
    expect(summaryRows(dir)).toEqual(expected);
  });

  it('with "bootstrap": 2, too few replications and failed bootstrap replications are warned of on stderr (under --quiet too) and counted in summary.json and replications.parquet', async () => {
    const plan = join(work, 'boot-plan.json');
    writeFileSync(plan, JSON.stringify({ dgp: { model: 'ar1x', alpha: 0.5, N: 12, T: 8 }, estimators: { SYS2: 'xtabond2 y L.y x, gmm(y x, lag(2 .)) twostep robust', OLS: { ols: 'y L.y x' } }, reps: 6, bootstrap: 2, seed: 3, repsPerTask: 3 }));
    const dir = join(work, 'mc-boot');
    const r = sysgmm('montecarlo', plan, '--out', dir, '--quiet');
    expect(r.code).toBe(0);
    const rows = summaryRows(dir);
    expect(rows[0].bootFailures.count).toBeGreaterThan(0);
    expect(r.stderr).toBe(
      'warning: 2 replications are too few for 95% intervals: their quantiles need at least 39 (999 is usual)\n' +
        `warning: bootstrap replications failed, left out of the bootstrap-t intervals (boot_failed in summary.csv and replications.parquet): base, SYS2: ${rows[0].bootFailures.count} of 12\n` +
        // 12 units against 55 instruments: every replication's moment covariance is singular.
        'warning: replications whose moment covariance was singular, so that a generalized inverse gave the two-step weight or the Hansen test (as in xtabond2), kept in the statistics (ginverse in summary.csv and replications.parquet): base, SYS2: 6 of 6\n',
    );
    const parquet = await readTable(join(dir, 'replications.parquet'));
    const est = [...parquet.getChild('estimator')!];
    const failed = [...parquet.getChild('boot_failed')!].filter((_, i) => est[i] === 'SYS2');
    expect(failed.reduce((a, b) => a + b, 0)).toBe(2 * rows[0].bootFailures.count);
    // The same warnings are kept in summary.json, beside the rows.
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')).warnings).toEqual(r.stderr.trimEnd().split('\n').map((l) => l.replace(/^warning: /, '')));
  });

  // A tester ran two --resume drivers on one folder: both computed the same tasks.
  it('one driver at a time: a folder another running sysgmm holds is refused at once, naming it; a lock its driver left behind is taken over, and given back at the end', () => {
    const dir = join(work, 'locked');
    expect(sysgmm('montecarlo', planFile, '--out', dir).code).toBe(0);
    const lock = join(dir, '.sysgmm-running');
    expect(existsSync(lock)).toBe(false);
    // This test's own process is running on this host.
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, started: 'then' }));
    const busy = sysgmm('montecarlo', planFile, '--out', dir, '--resume');
    expect([busy.code, busy.stderr]).toEqual([2, `sysgmm: ${dir} is in use by another sysgmm run (pid ${process.pid}, started then); wait for it to end\n`]);
    writeFileSync(lock, JSON.stringify({ host: 'elsewhere', pid: 1, started: 'then' }));
    expect(sysgmm('montecarlo', planFile, '--out', dir, '--resume').stderr).toBe(
      `sysgmm: ${dir} is in use by another sysgmm run (pid 1 on elsewhere, started then); wait for it to end, or remove ${lock} if it is no longer running there\n`,
    );
    // A process that has ended: its lock is stale.
    const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: Number(gone.stdout.trim()), started: 'then' }));
    const resumed = sysgmm('montecarlo', planFile, '--out', dir, '--resume');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('(0 computed now)');
    expect(existsSync(lock)).toBe(false);
  });

  // A tester's empty lock (a crash between creating it and writing it) stopped every later run with a
  // SyntaxError and its stack (exit 1); a lock that was a symbolic link was read, its target's first line echoed.
  it('a damaged lock is taken over with a warning naming it; a lock that is a symbolic link is refused and not read', () => {
    const dir = join(work, 'lock-damaged');
    expect(sysgmm('montecarlo', planFile, '--out', dir).code).toBe(0);
    const lock = join(dir, '.sysgmm-running');
    for (const text of ['', '{"host":', 'secret line\n', '{"host":"x"}']) {
      writeFileSync(lock, text);
      const r = sysgmm('montecarlo', planFile, '--out', dir, '--resume', '--quiet');
      expect([r.code, r.stderr], JSON.stringify(text)).toEqual([0, `warning: ${lock} is damaged (empty or not a lock sysgmm wrote, as a crash of an older sysgmm could leave it); taken over as stale\n`]);
      expect(existsSync(lock)).toBe(false);
    }
    const target = join(work, 'lock-target.txt');
    writeFileSync(target, 'root:x:0:0:secret\n');
    symlinkSync(target, lock);
    const linked = sysgmm('montecarlo', planFile, '--out', dir, '--resume');
    expect([linked.code, linked.stderr]).toEqual([2, `sysgmm: --out: ${lock} is a symbolic link, not a lock sysgmm made; remove it if no sysgmm run is using ${dir}\n`]);
    expect(lstatSync(lock).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('root:x:0:0:secret\n');
  });

  it('refuses a bad plan with the key at fault (exit 2)', () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...PLAN, dgp: { ...PLAN.dgp, alpha: [0.5, 1.2] } }));
    const r = sysgmm('montecarlo', bad, '--out', join(work, 'bad'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dgp.alpha: must be a number with |alpha| < 1');
    const missing = join(work, 'nope.json');
    const m = sysgmm('montecarlo', missing, '--out', join(work, 'nope'));
    expect([m.code, m.stderr]).toEqual([2, `sysgmm: file not found: ${missing}\n`]);
  });

  it('a Slurm submission that fails before any task ran removes the run folder it made (or only its own files from a folder that was there), so the same command runs again without --resume', () => {
    const noSlurm = { ...process.env, PATH: join(work, 'no-such-bin') };
    const run = (dir: string) => spawnSync(process.execPath, ['bin/sysgmm.mjs', 'montecarlo', planFile, '--out', dir, '--executor', 'slurm'], { encoding: 'utf8', env: noSlurm });
    const dir = join(work, 'no-sbatch');
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = run(dir);
      expect([r.status, r.stderr]).toEqual([2, 'sysgmm: --executor slurm: sbatch is not on PATH (run on a Slurm login node, or load its module); --executor local runs here\n']);
      expect(existsSync(dir)).toBe(false);
    }
    const mine = join(work, 'no-sbatch-mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'kept');
    expect(run(mine).status).toBe(2);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  });

  // A tester's --slurm "--requeue /tmp/x/evil.sh" passed the guard: sbatch, stopping at its first
  // non-option, would have run evil.sh as the batch script. Refused before sbatch is called.
  it.runIf(process.platform !== 'win32')('--slurm with a bare word after a long option is refused before sbatch runs (a fake sbatch on PATH records any call)', () => {
    const bin = join(work, 'fake-sbatch-bin');
    mkdirSync(bin, { recursive: true });
    const calls = join(work, 'fake-sbatch-calls.txt');
    writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\nprintf '%s\\n' "$@" >> '${calls}'\nexit 1\n`, { mode: 0o755 });
    const evil = join(work, 'evil.sh');
    writeFileSync(evil, '#!/bin/sh\ntouch /tmp/sysgmm-evil-ran\n', { mode: 0o755 });
    const dir = join(work, 'slurm-bare-word');
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'montecarlo', planFile, '--out', dir, '--executor', 'slurm', '--slurm', `--requeue ${evil}`], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect([r.status, r.stderr]).toEqual([2, `sysgmm: --slurm: '${evil}' after '--requeue': give a long option's value as --requeue=${evil} (a bare word is refused: sbatch would take it for the batch script)\n`]);
    expect(existsSync(calls)).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(!slurmRequired)('has the Slurm cluster CI requires (SYSGMM_REQUIRE_SLURM=1, set by .ci/run once slurm-local.sh is up)', () => {
    expect(slurmUp).toBe(true);
  });

  it.skipIf(!slurmUp)('on Slurm (sbatch --array, one element per task) gives the same results as locally (needs a Slurm cluster; skipped when sinfo finds none)', () => {
    const dir = join(work, 'slurm');
    const r = sysgmm('montecarlo', planFile, '--out', dir, '--executor', 'slurm', '--slurm', '--time=10 --job-name="sysgmm test"');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/submitted Slurm job array \d+ \(4 task\(s\)\)/);
    expect(summaryRows(dir)).toEqual(expected);
    expect(readdirSync(join(dir, 'logs')).filter((f) => /^slurm-\d+_\d\.out$/.test(f))).toHaveLength(4);
    expect(readFileSync(taskPath(dir, 3), 'utf8').startsWith('{"format":"sysgmm-task/1","index":3')).toBe(true);
  });
  it.skipIf(!slurmUp)('on Slurm, a run folder whose path holds % sequences (%x, %j) gets its logs where the run says, even with SBATCH_ERROR set, and sbatch options that would give no job id are refused with one line, exit 2 (needs a Slurm cluster; skipped when sinfo finds none)', () => {
    const dir = join(work, 'slurm-%x-%j');
    // An SBATCH_ERROR in the user's environment would take the tasks' standard error out of their logs.
    const elsewhere = join(work, 'sbatch-error-elsewhere.log');
    const s = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'montecarlo', planFile, '--out', dir, '--executor', 'slurm', '--retries', '0'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, SBATCH_ERROR: elsewhere } });
    const r = { code: s.status, stderr: s.stderr };
    expect(existsSync(elsewhere)).toBe(false);
    expect([r.code, r.stderr]).toEqual([0, expect.stringMatching(/submitted Slurm job array \d+ \(4 task\(s\)\)/)]);
    expect(summaryRows(dir)).toEqual(expected);
    expect(readdirSync(join(dir, 'logs')).filter((f) => /^slurm-\d+_\d\.out$/.test(f))).toHaveLength(4);
    const t = sysgmm('montecarlo', planFile, '--out', join(work, 'slurm-test-only'), '--executor', 'slurm', '--slurm', '--test-only');
    expect(t.code).toBe(2);
    expect(t.stderr).toBe("sysgmm: --slurm: '--test-only' is read by sbatch as --test-only, which keeps sbatch from printing the job id sysgmm reads (or from submitting) and cannot be given\n");
  });
  it.skipIf(!slurmUp)('on Slurm with --jobs below the task count, one array of --jobs elements runs the tasks in batches; an element cancelled with scancel has its tasks resubmitted and the run completes with the same results (needs a Slurm cluster; skipped when sinfo finds none)', async () => {
    const dir = join(work, 'slurm-cancel');
    // --jobs 2 for 4 tasks: elements 0 and 1 run tasks [0, 2] and [1, 3]. The arrays are submitted
    // held (sbatch --hold), so element 1 is cancelled before it can start: cancelling a running one
    // raced its two small tasks, which a loaded machine let finish first. Each array is then released.
    const child = spawn(process.execPath, ['bin/sysgmm.mjs', 'montecarlo', planFile, '--out', dir, '--executor', 'slurm', '--jobs', '2', '--slurm', '--hold'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const arrays: string[] = [];
    const slurm: number[] = [];
    child.stderr.on('data', (d) => {
      stderr += d;
      // The id followed by ' (': a chunk that ends inside the number is not taken for a shorter id.
      for (const m of stderr.matchAll(/submitted Slurm job array (\d+) \(/g)) {
        if (arrays.includes(m[1])) continue;
        arrays.push(m[1]);
        if (arrays.length === 1) slurm.push(spawnSync('scancel', [`${m[1]}_1`]).status ?? -1);
        slurm.push(spawnSync('scontrol', ['release', m[1]]).status ?? -1);
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(slurm).toEqual([0, 0, 0]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/submitted Slurm job array \d+ \(4 task\(s\) in 2 element\(s\)\)/);
    expect(stderr).toContain('2 task(s) left no valid result; resubmitting (retry 1 of 2)');
    expect(stderr).toMatch(/submitted Slurm job array \d+ \(2 task\(s\), offset 1\)/);
    expect(summaryRows(dir)).toEqual(expected);
  });
});

/** The Monte Carlo plan run on Slurm with its array held (sbatch --hold), so that no element runs
 *  before `onSubmitted` (given the array's id and the driver) acts; the driver's exit and stderr. */
async function heldMontecarlo(dir: string, args: string[], onSubmitted: (array: string, child: ChildProcess) => void): Promise<{ code: number | null; stderr: string; array: string }> {
  const child = spawn(process.execPath, ['bin/sysgmm.mjs', 'montecarlo', planFile, '--out', dir, '--executor', 'slurm', '--slurm', '--hold', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let array = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
    const m = /submitted Slurm job array (\d+) \(/.exec(stderr);
    if (m && !array) {
      array = m[1];
      onSubmitted(array, child);
    }
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, stderr, array };
}

describe('a hang-up on a login node', () => {
  // A dropped SSH session sends the driver SIGHUP: it ended without scancel, the array left running
  // and the folder's lock left behind.
  it.skipIf(!slurmUp)('SIGHUP cancels the Slurm jobs, gives the lock back and says so, exit 129; --resume then completes the run (needs a Slurm cluster; skipped when sinfo finds none)', async () => {
    const dir = join(work, 'hup');
    const { code, stderr, array } = await heldMontecarlo(dir, [], (_, child) => child.kill('SIGHUP'));
    expect([code, stderr]).toEqual([129, `submitted Slurm job array ${array} (4 task(s))\nsysgmm: interrupted: Slurm job(s) ${array} cancelled; continue with --resume\n`]);
    expect(spawnSync('scontrol', ['show', 'job', array, '-o'], { encoding: 'utf8' }).stdout).toMatch(/JobState=CANCELLED/);
    expect(existsSync(join(dir, '.sysgmm-running'))).toBe(false);
    const r = sysgmm('montecarlo', planFile, '--out', dir, '--executor', 'slurm', '--resume', '--quiet');
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('Slurm elements cancelled before they start', () => {
  // The failure named logs/slurm-<job>_<element>.out for each, files Slurm never made.
  it.skipIf(!slurmUp)('the failure says such an element never ran (no log) instead of naming a log that is not there (needs a Slurm cluster; skipped when sinfo finds none)', async () => {
    const dir = join(work, 'never-ran');
    // Cancelled whole while held: no element starts.
    const { code, stderr, array } = await heldMontecarlo(dir, ['--retries', '0'], (id) => spawnSync('scancel', [id]));
    expect([code, stderr]).toEqual([1, `submitted Slurm job array ${array} (4 task(s))\nsysgmm: 4 task(s) failed on Slurm after 0 retries: ${[0, 1, 2, 3].map((i) => `task ${i} (never ran: no log)`).join(', ')}\n`]);
    expect(readdirSync(join(dir, 'logs'))).toEqual([]);
  });
});

describe('sysgmm grid', () => {
  it('prepared for another array scheduler, its task run as a Kubernetes Indexed Job would, then collected: tables, curves, the in-process results', async () => {
    const dir = join(work, 'grid');
    const args = ['grid', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--grid', gridFile, '--out', dir, '--per-task', '4'];
    const prep = sysgmm(...args, '--prepare');
    expect(prep.code).toBe(0);
    expect(prep.stderr).toContain(`prepared 1 task(s) in ${dir}`);
    expect(existsSync(join(dir, 'grid.json'))).toBe(false);
    const task = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'task', dir], { encoding: 'utf8', env: { ...process.env, JOB_COMPLETION_INDEX: '0' } });
    expect(task.status).toBe(0);
    const r = sysgmm(...args, '--resume');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('4 specification(s) in 1 task(s) (0 computed now)');
    expect(r.stdout).toContain('| L1.n | 4 |');
    const out = JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).config;
    const inProcess = await gridTask({ format: 'sysgmm-run/1', kind: 'grid', tasks: 1, config, created: '', id: 'test' }, 0);
    expect(out.specifications).toEqual(JSON.parse(JSON.stringify(inProcess)));
    expect(out.specifications[3]).toMatchObject({ sample: 'late', axes: { lags: 'lag(1 2)' }, failure: null });
    expect(out.stability[0]).toMatchObject({ coefficient: 'L1.n', specs: 4 });
    for (const f of ['grid.md', 'grid.tex', 'grid.csv', 'figures/spec-curve-L1_n.svg', 'figures/spec-curve-L1_n.png']) expect(existsSync(join(dir, f))).toBe(true);
    // The same data reached through a symbolic link to its folder (a tester's resume was refused:
    // "data.path: ... in the run, ... now"): known by its SHA-256, it resumes, and the run reads it there.
    const link = join(work, 'data-link');
    symlinkSync(join(process.cwd(), 'data'), link);
    const viaLink = sysgmm('grid', join(link, 'abdata.csv'), ...args.slice(2), '--resume');
    expect(viaLink.code, viaLink.stderr).toBe(0);
    expect(viaLink.stderr).toContain('4 specification(s) in 1 task(s) (0 computed now)');
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).config.data.path).toBe(join(link, 'abdata.csv'));
  });

  it('with --bootstrap, too few replications and specifications with failed replications are warned of on stderr (under --quiet too), and the counts are in grid.json', () => {
    const spec = join(work, 'grid-boot.json');
    writeFileSync(spec, JSON.stringify({ template: 'xtabond2 n L.n L(0/1).(w k) yr*, gmm(L.(n w k) {c}) iv(yr*, eq(level)) twostep robust', axes: { c: ['', ', collapse'] }, samples: { all: null }, focus: ['L.n'] }));
    const dir = join(work, 'grid-boot');
    const r = sysgmm('grid', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--grid', spec, '--out', dir, '--bootstrap', '5', '--seed', '1', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'warning: 5 replications are too few for 95% intervals: their quantiles need at least 39 (999 is usual)\n' +
        'warning: bootstrap replications failed in 1 specification(s), whose bootstrap statistics use only the rest (boot_used in grid.csv): #0 2 of 5 (2 singular, 0 non-finite)\n' +
        "warning: bootstrap of specification(s) #0: 5 of 5 replications used a generalized inverse of a singular moment covariance and 2 failed (a coefficient not identified); such replications rest on rank decisions that rounding can tip, so their results differ between backends: 113 instruments against about 89 distinct clusters in a resample of 140, so every replication's moment covariance is singular; fewer instruments (collapse, lag limits) avoid it\n",
    );
    const saved = JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8'));
    expect(saved.warnings).toEqual(r.stderr.trimEnd().split('\n').map((l) => l.replace(/^warning: /, '')));
    // pca: every replication keeps the full sample's components; said once for the specifications it concerns.
    const pcaSpec = join(work, 'grid-pca.json');
    writeFileSync(pcaSpec, JSON.stringify({ template: 'xtabond2 n L.n w k, gmm(L.(n w k), collapse) iv(w k) twostep robust {p}', axes: { p: ['', 'pca'] }, samples: { all: null }, focus: ['L.n'] }));
    const pca = sysgmm('grid', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--grid', pcaSpec, '--out', join(work, 'grid-pca'), '--bootstrap', '39', '--quiet');
    expect(pca.code).toBe(0);
    expect(pca.stderr).toContain("warning: bootstrap of specification(s) #1: pca: every replication keeps the full sample's principal components (not chosen again on its resample); the results are conditional on them\n");
    const rows = saved.specifications;
    expect(rows.map((x: { bootstrap: unknown }) => x.bootstrap)).toMatchObject([{ used: 3, failed: { singular: 2, nonFinite: 0 } }, { used: 5, failed: { singular: 0, nonFinite: 0 }, warnings: [] }]);
  });

  it('a value that is not a number (or inf) in a model column is refused before any task, by row, line and column, exit 2, as estimate refuses it', () => {
    const csv = readFileSync('data/abdata.csv', 'utf8').split('\n');
    const n = csv[0].split(',').indexOf('n');
    for (const value of ['abc', 'inf']) {
      const data = join(work, `grid-${value}.csv`);
      writeFileSync(data, [csv[0], csv[1].split(',').map((v, j) => (j === n ? value : v)).join(','), ...csv.slice(2)].join('\n'));
      const dir = join(work, `grid-${value}`);
      const r = sysgmm('grid', data, '--id', 'id', '--time', 'year', '--grid', gridFile, '--out', dir);
      expect([r.code, r.stderr]).toEqual([2, `sysgmm: ${data}: row 1 (line 2), column 'n': '${value}' is not a number\n`]);
      expect(existsSync(dir)).toBe(false);
    }
    // So is a value beyond the ±1e75 every fit refuses (a tester's report: each specification failed, exit 0).
    const data = join(work, 'grid-huge.csv');
    writeFileSync(data, [csv[0], csv[1].split(',').map((v, j) => (j === n ? '1e160' : v)).join(','), ...csv.slice(2)].join('\n'));
    const dir = join(work, 'grid-huge');
    const r = sysgmm('grid', data, '--id', 'id', '--time', 'year', '--grid', gridFile, '--out', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sysgmm: .*grid-huge\.csv: column 'n' has 1e\+160 in the row of id 1, year 1977: model variables must lie within ±1e\+75/);
    expect(existsSync(dir)).toBe(false);
  });
});
