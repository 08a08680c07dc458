// Hard inputs end to end (issue 14): the CLI as a child process on one fixture per class, checked
// for exit status 2 (data and usage errors) and a message that names the fault, never a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-hard-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sysgmm(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** data/abdata.csv with its year column rewritten row by row. */
function abdataWith(name: string, year: (y: number, row: number) => string, column = 1): string {
  const [head, ...lines] = readFileSync('data/abdata.csv', 'utf8').trim().split('\n');
  const out = lines.map((l, r) => {
    const f = l.split(',');
    f[column] = year(Number(f[column]), r);
    return f.join(',');
  });
  const p = join(dir, name);
  writeFileSync(p, [head, ...out].join('\n') + '\n');
  return p;
}

const MODEL = ['--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust'];

function expectDataError(r: { code: number | null; stderr: string }, message: string | RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.stderr).toMatch(message);
}

describe('time axis', () => {
  it('one mistyped year exits 2 naming the unit and the year (no dense axis)', () => {
    const p = abdataWith('typo.csv', (y, r) => (r === 3 ? '2977' : String(y)));
    expectDataError(sysgmm('estimate', p, ...MODEL), /time span 1976-2977 .* year 2977 \(id 1\) lies 993 periods from 1984/);
  });
  it('yyyymmdd times exit 2 saying what they look like', () => {
    const p = abdataWith('ymd.csv', (y) => `${y}0131`);
    expectDataError(sysgmm('bootstrap', p, ...MODEL, '--reps', '9'), /time span 19760131-19840131 .* is 80001 periods.*yyyymmdd/);
  });
});

describe('values', () => {
  it('a value beyond float64 range exits 2 naming row and column', () => {
    const p = abdataWith('inf.csv', (w, r) => (r === 4 ? '1e400' : String(w)), 8);
    expectDataError(sysgmm('estimate', p, ...MODEL), `${p}: row 5 (line 6), column 'w': '1e400' is beyond the range of a float64 number`);
  });
  it('a value too large for the GMM sums exits 2 naming the column, unit, year and value', () => {
    // Data row 11 of the file is unit 2's 1980 (it was 'L1.n dropped due to collinearity', exit 0).
    const p = abdataWith('huge.csv', (n, r) => (r === 10 ? '1e160' : String(n)), 7);
    expectDataError(sysgmm('estimate', p, ...MODEL), `${p}: column 'n' has 1e+160 in the row of id 2, year 1980: model variables must lie within ±1e+75`);
  });
  it('a constant dependent variable exits 2', () => {
    const p = abdataWith('const.csv', () => '1', 7);
    expectDataError(sysgmm('estimate', p, ...MODEL), 'the dependent variable n is constant (1 in every observation of the sample)');
  });
});

describe('bootstrap options', () => {
  it('--seed "" and a contradictory --test exit 2 naming the option', () => {
    expectDataError(sysgmm('bootstrap', 'data/abdata.csv', ...MODEL, '--seed', ''), "--seed must be an integer of at least 0, got ''");
    expectDataError(sysgmm('bootstrap', 'data/abdata.csv', ...MODEL, '--seed', '9007199254740992'), "--seed must be at most 9007199254740991 (2^53 − 1), got '9007199254740992'");
    expectDataError(sysgmm('bootstrap', 'data/abdata.csv', ...MODEL, '--reps', '1e3'), "--reps must be an integer of at least 2, got '1e3'");
    expectDataError(sysgmm('bootstrap', 'data/abdata.csv', ...MODEL, '--reps', '9', '--test', 'w = 0, w = 1'), "'w = 1' contradicts 'w = 0'");
  });
  // A tester's report: --weights without --test, and --ci under --method wild, were accepted and ignored.
  it('an option the method would ignore exits 2 naming it: --weights without --test, --ci with --method wild', () => {
    const weights = sysgmm('bootstrap', 'data/abdata.csv', ...MODEL, '--reps', '9', '--weights', 'webb');
    expect([weights.code, weights.stdout, weights.stderr]).toEqual([2, '', 'sysgmm: --weights applies to the wild score tests of --test: give a --test or leave --weights out\n']);
    const ci = sysgmm('bootstrap', 'data/abdata.csv', ...MODEL, '--method', 'wild', '--test', 'w = 0', '--ci', 'studentized');
    expect([ci.code, ci.stdout, ci.stderr]).toEqual([2, '', 'sysgmm: --ci applies to --method pairs: the wild score bootstrap computes tests, not intervals\n']);
  });
});

describe('rows left out', () => {
  it('bootstrap reports the N and every exclusion as estimate does, in text and JSON', () => {
    // abdata with 3 ids, 2 years and every 13th n blanked.
    const [head, ...lines] = readFileSync('data/abdata.csv', 'utf8').trim().split('\n');
    const out = lines.map((l, r) => {
      const f = l.split(',');
      if ([5, 100, 200].includes(r)) f[0] = '';
      if ([300, 400].includes(r)) f[1] = '';
      if (r % 13 === 0) f[7] = '';
      return f.join(',');
    });
    const p = join(dir, 'gaps.csv');
    writeFileSync(p, [head, ...out].join('\n') + '\n');
    const est = sysgmm('estimate', p, ...MODEL);
    const notes = est.stdout.split('\n').filter((l) => l.startsWith('('));
    expect(notes).toEqual([
      '(3 observations excluded: missing unit id)',
      '(2 observations excluded: missing time value)',
      '(281 observations excluded: missing value in the dependent variable or a regressor)',
    ]);
    expect(est.stdout).toMatch(/Number of obs {6}= {7}745\n/);
    const text = sysgmm('bootstrap', p, ...MODEL, '--reps', '19', '--quiet');
    expect(text.code).toBe(0);
    const header = text.stdout.split('\n');
    const at = header.indexOf('Number of obs = 745   Number of groups = 140');
    expect(at).toBe(3);
    // Then every note estimate prints before its table (warnings, then these exclusions), in its order.
    const before = est.stdout.split('\n');
    const estNotes = before.slice(0, before.findIndex((l) => l.startsWith('Dynamic panel-data'))).filter((l) => l !== '');
    expect(estNotes.slice(-3)).toEqual(notes);
    expect(header.slice(at + 1, at + 1 + estNotes.length)).toEqual(estNotes);
    const json = JSON.parse(sysgmm('bootstrap', p, ...MODEL, '--reps', '19', '--json').stdout);
    expect(json.fit).toMatchObject({ nobs: 745, ngroups: 140 });
    expect(json.fit.excluded).toEqual([
      { reason: 'missing unit id', count: 3 },
      { reason: 'missing time value', count: 2 },
      { reason: 'missing value in the dependent variable or a regressor', count: 281 },
    ]);
  });
});

describe('files', () => {
  it('a Parquet file with damaged pages exits 2 naming the file', () => {
    const n = 5000;
    const t = tableFromArrays({ id: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 10)), year: Int32Array.from({ length: n }, (_, i) => 1990 + (i % 10)), y: Float64Array.from({ length: n }, (_, i) => Math.sin(i)) });
    const bytes = Buffer.from(writeParquet(WasmTable.fromIPCStream(tableToIPC(t, 'stream')), new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build()));
    for (let i = 0; i < 64; i++) bytes[i] = (i * 37) & 255; // the first data page header, the footer intact
    const p = join(dir, 'damaged.parquet');
    writeFileSync(p, bytes);
    expectDataError(sysgmm('describe', p, '--id', 'id', '--time', 'year'), `${p}: cannot read the Parquet data`);
  });
  it('a semicolon file with comma decimals is read, and describe names the text column and ids with blanks', () => {
    const p = join(dir, 'semi.csv');
    writeFileSync(p, 'id;year;x;y\r\nfirm1;2000;1;2,5\r\nfirm1 ;2001;2;3\r\nfirm2;2000;3;4\r\n');
    const r = sysgmm('describe', p, '--id', 'id', '--time', 'year');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Units: 3   Periods: 2 (2000-2001)   Observations: 3');
    expect(r.stdout).toContain("Text columns, not described: y (first non-number: row 1 (line 2) has '2,5')");
    expect(r.stdout).toContain("Note: 1 row(s) of id in " + p + " have leading or trailing blanks, e.g. row 2: 'firm1 '");
  });
});

// A tester's `ulimit -v 8000000`: WebAssembly could not reserve its memory, and the message blamed the
// data file ("the file is damaged or not csv").
describe('memory refused to the reader', () => {
  it('is said to be memory, not a damaged file', () => {
    const r = spawnSync('bash', ['-c', 'ulimit -v 8000000 && exec "$0" bin/sysgmm.mjs describe data/abdata.csv --id id --time year', process.execPath], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^sysgmm: data\/abdata\.csv: not enough memory to read it \(.*\); a virtual-memory limit \(ulimit -v\) can cause this\n$/);
  });
  it('past the reader, is one line on memory too (it was a RangeError stack trace)', () => {
    // 16 GB: the reader's WebAssembly instance fits, the engine's does not (V8 reserves about 10 GB each).
    const r = spawnSync('bash', ['-c', 'ulimit -v 16000000 && exec "$0" bin/sysgmm.mjs estimate data/abdata.csv --id id --time year --xtabond2 "n L.n w k, gmm(L.n) iv(w k)"', process.execPath], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^sysgmm: out of memory \(.*\); a virtual-memory limit \(ulimit -v\) can cause this\n$/);
  });
});

// A tester's `ulimit -n 100`: `bootstrap --svg` ended in a stack trace ("Cannot find package
// …/d3-array"): Node's loader reads the figure code's module files concurrently and reports one it
// could not open as missing. Which file fails, and how Node words it, depends on the limit.
describe('few file handles', () => {
  it('loading the figure code fails in one line on the limit, never a stack trace', () => {
    for (const limit of [60, 80, 100, 120]) {
      const out = join(dir, `figures-${limit}`);
      const r = spawnSync('bash', ['-c', `ulimit -n ${limit} && exec "$0" bin/sysgmm.mjs bootstrap data/abdata.csv --id id --time year --reps 5 --svg "$1" --xtabond2 "n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust"`, process.execPath, out], { encoding: 'utf8', timeout: 60_000 });
      if (r.status === 0) continue; // enough handles after all on this machine
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr, `ulimit -n ${limit}`).toMatch(/^sysgmm: .*(too many open files|\(ulimit -n\) while Node loaded the modules: raise the limit)/);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    }
  });
});

describe('the module-load message', () => {
  it('names the open-file limit when it is low or exhausted, the install when it is high, and both where it cannot be read (macOS)', async () => {
    const { moduleLoadFailure } = await import('../src/cli/module-load-failure.ts');
    const err = Object.assign(new Error("Cannot find package '/x/node_modules/d3-array/index.js' imported from /x/y.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const what = "cannot load a module of the installed package (Cannot find package '/x/node_modules/d3-array/index.js' imported from /x/y.js)";
    expect(moduleLoadFailure(err, 256)).toEqual({ message: `${what}; the process may open only 256 files (ulimit -n) while Node loaded the modules: raise the limit (e.g. ulimit -n 4096) and run it again`, code: 2 });
    expect(moduleLoadFailure(err, 'exhausted')?.message).toBe(`${what}; the process ran out of file handles (ulimit -n) while Node loaded the modules: raise the limit (e.g. ulimit -n 4096) and run it again`);
    expect(moduleLoadFailure(err, 65536)).toEqual({ message: `${what}; the installation looks incomplete: reinstall the package (npm ci)`, code: 1 });
    expect(moduleLoadFailure(err, null)).toEqual({ message: `${what}; if the open-file limit is low (ulimit -n), raise it (e.g. ulimit -n 4096) and run it again; otherwise reinstall the package (npm ci)`, code: 1 });
    expect(moduleLoadFailure(new Error('other'), 100)).toBeNull();
  });
});
