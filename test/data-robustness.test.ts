// Data-reading and robustness fixes from an adversarial review: each case checks the numbers or the
// message the CLI (the compiled bin: run `npm run build` first) or the reader gives.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { readCsv } from '../src/data/csv.ts';
import { tempFiles } from './helpers/temp-files.ts';

const { file, fresh } = tempFiles('sysgmm-robust-');
function sysgmm(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const units = (out: string): number => Number(/Units: (\d+)/.exec(out)?.[1]);

describe('ids not written as canonical integers keep their text', () => {
  const zid = 'id,year,y\n01,2000,1\n01,2001,2\n01,2002,3\n1,2003,10\n1,2004,11\n1,2005,12\n2,2000,1\n2,2001,2\n2,2002,3\n2,2003,4\n2,2004,5\n2,2005,6\n';
  it('describe: 01 and 1 are two units, and 1.0, 1, 1e0 three', () => {
    const a = sysgmm(['describe', file(zid), '--id', 'id', '--time', 'year']);
    expect(a.code).toBe(0);
    expect(units(a.stdout)).toBe(3);
    expect(a.stdout).toMatch(/Balanced: no/);
    const b = sysgmm(['describe', file('id,year,y\n1.0,2000,1\n1,2001,2\n1e0,2002,3\n+1,2003,4\n'), '--id', 'id', '--time', 'year']);
    expect(units(b.stdout)).toBe(4);
    // An unrelated text id no longer changes the count.
    expect(units(sysgmm(['describe', file(zid + 'x,2000,5\n'), '--id', 'id', '--time', 'year']).stdout)).toBe(4);
  });

  it('the id is found past plain numeric records (the WebAssembly reader) and on several threads', () => {
    const lines = ['v,id,year,y'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},${1 + (i % 50)},${2000 + Math.floor(i / 50)},${i % 7}`);
    lines.push('0,007,2000,1', '0,7,2061,1');
    const p = file(lines.join('\n') + '\n');
    const t = readCsv(p, { ids: ['id'] });
    expect(String(t.getChild('id')!.type)).toBe('Utf8');
    expect(t.getChild('id')!.get(3000)).toBe('007');
    expect(t.getChild('id')!.get(0)).toBe('1');
    expect(String(t.getChild('v')!.type)).toBe('Float64');
    // Without the id option the column stays numeric (a value column "1.0" is a number).
    expect(String(readCsv(p).getChild('id')!.type)).toBe('Float64');
    for (const threads of ['1', '3']) expect(units(sysgmm(['describe', p, '--id', 'id', '--time', 'year'], { SYSGMM_CSV_THREADS: threads }).stdout)).toBe(51);
  });

  it('estimate counts the units the same way', () => {
    const lines = ['id,year,n,w'];
    let s = 1;
    const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    for (const id of ['01', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
      for (let t = 0; t < 6; t++) lines.push(`${id},${2000 + t},${r().toFixed(4)},${r().toFixed(4)}`);
    const e = sysgmm(['estimate', file(lines.join('\n') + '\n'), '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w, gmm(L.n, collapse) iv(w)']);
    expect(e.code).toBe(0);
    expect(e.stdout).toMatch(/Number of groups\s*=\s*10\b/);
  });
});

/** An old-format (114) .dta file, as Stata 10–11 writes it: columns of 'long', 'int', 'float' or 'double'. */
function dta114(cols: [string, 'long' | 'int' | 'float' | 'double'][], rows: number[][], labels: Buffer = Buffer.alloc(0)): Buffer {
  const code = { long: 253, int: 252, float: 254, double: 255 };
  const K = cols.length;
  const parts: Buffer[] = [];
  const head = Buffer.alloc(10);
  head.set([114, 2, 1, 0]);
  head.writeUInt16LE(K, 4);
  head.writeUInt32LE(rows.length, 6);
  const fixed = (s: string, n: number) => {
    const b = Buffer.alloc(n);
    b.write(s, 'latin1');
    return b;
  };
  parts.push(head, fixed('lbl', 81), fixed('01 Jan 2020 00:00', 18), Buffer.from(cols.map(([, t]) => code[t])));
  for (const [n] of cols) parts.push(fixed(n, 33));
  parts.push(Buffer.alloc(2 * (K + 1)));
  for (const _ of cols) parts.push(fixed('%9.0g', 49));
  parts.push(Buffer.alloc(33 * K), Buffer.alloc(81 * K), Buffer.alloc(5));
  for (const r of rows)
    cols.forEach(([, t], j) => {
      const b = Buffer.alloc(t === 'double' ? 8 : t === 'int' ? 2 : 4);
      if (t === 'double') b.writeDoubleLE(r[j]);
      else if (t === 'float') b.writeFloatLE(r[j]);
      else if (t === 'int') b.writeInt16LE(r[j]);
      else b.writeInt32LE(r[j]);
      parts.push(b);
    });
  parts.push(labels);
  return Buffer.concat(parts);
}
const dtaRows = (): number[][] => Array.from({ length: 6 }, (_, i) => [1 + (i >> 1), 2000 + (i & 1), i * 0.5]);

describe('old-format .dta files', () => {
  it('a value-label table of negative length is refused (it looped forever), a sound one read', () => {
    const cols: [string, 'long' | 'int' | 'double'][] = [['id', 'long'], ['year', 'int'], ['y', 'double']];
    // Length -40, the name, padding, then n = 0 and text length 0: the reader went back 40 bytes to this
    // table's start, for ever.
    const bad = Buffer.alloc(48);
    bad.writeInt32LE(-40, 0);
    bad.write('lab', 4, 'latin1');
    const p = file(dta114(cols, dtaRows(), bad), 'dta');
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'describe', p, '--id', 'id', '--time', 'year'], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status).toBe(2);
    const at = dta114(cols, dtaRows()).length; // the table's length field
    expect(r.stderr.trim()).toBe(`sysgmm: ${p}: not a valid Stata .dta file (damaged value-label table at byte ${at})`);
    // One table: n = 1, text length 4, offset 0, value 7, "abc\0".
    const good = Buffer.alloc(4 + 33 + 3 + 24);
    good.writeInt32LE(24, 0);
    good.write('lab', 4, 'latin1');
    [1, 4, 0, 7].forEach((v, i) => good.writeInt32LE(v, 40 + 4 * i));
    good.write('abc\0', 56, 'latin1');
    const ok = sysgmm(['describe', file(dta114(cols, dtaRows(), good), 'dta'), '--id', 'id', '--time', 'year', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).units).toBe(3);
  });

  it('+Infinity in a double or float column is an error naming row and column, as −Infinity is', () => {
    for (const t of ['double', 'float'] as const)
      for (const inf of [Infinity, -Infinity]) {
        const rows = dtaRows();
        rows[2][2] = inf;
        const p = file(dta114([['id', 'long'], ['year', 'int'], ['y', t]], rows), 'dta');
        const r = sysgmm(['describe', p, '--id', 'id', '--time', 'year']);
        expect(r.code).toBe(2);
        expect(r.stderr.trim()).toBe(`sysgmm: ${p}: row 3, column 'y': ${inf} is not a finite number`);
      }
  });
});

describe('deeply nested expressions', () => {
  const ab = 'data/abdata.csv';
  const run = (args: string[]) => sysgmm(args);
  it('are refused past 200 levels with a message, exit 2, no stack trace', () => {
    const cases: [string[], string][] = [
      [['estimate', ab, '--id', 'id', '--time', 'year', '--xtabond2', `n L.n w k if ${'('.repeat(3000)}n${')'.repeat(3000)} > 0, gmm(L.n)`], 'at position 201'],
      [['estimate', ab, '--id', 'id', '--time', 'year', '--xtabond2', `n L.n w k if ${'-'.repeat(50000)}n < 0, gmm(L.n)`], 'at position 201'],
      [['describe', ab, '--id', 'id', '--time', 'year', '--vars', `${'log('.repeat(3000)}n${')'.repeat(3000)}`], 'at position 801'],
      // A flat chain of powers nests too (right-associative): a reviewer's w^1^1^… overflowed the stack.
      [['describe', ab, '--id', 'id', '--time', 'year', '--vars', `log(w${'^1'.repeat(20000)})`], 'at position 404'],
    ];
    for (const [args, where] of cases) {
      const r = run(args);
      expect(r.code).toBe(2);
      // The message names where the expression came from: the if condition, or --vars.
      expect(r.stderr).toMatch(args[0] === 'describe' ? /^sysgmm: --vars: expression 'log\(/ : /^sysgmm: if [(-]{79}…: expression '/);
      expect(r.stderr).toContain(`nested more than 200 levels deep (parentheses, function calls, signs or powers) ${where}; write it in steps`);
      expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
      expect(r.stderr.length).toBeLessThan(400); // the expression is quoted to 80 characters
    }
    const bang = run(['estimate', ab, '--id', 'id', '--time', 'year', '--xtabond2', `n L.n w k if ${'!'.repeat(20000)}(n > 0), gmm(L.n)`]);
    expect(bang.code).toBe(2);
    expect(bang.stderr.trim()).toBe(`sysgmm: if ${'!'.repeat(79)}…: nested more than 200 levels deep (parentheses or '!'); write it more simply`);
  });
  it('up to 200 levels are evaluated', () => {
    // 100 × log(exp(·)) is n itself (within rounding): the same mean as n.
    const deep = `${'log(exp('.repeat(100)}n${'))'.repeat(100)}`;
    const r = run(['describe', ab, '--id', 'id', '--time', 'year', '--vars', `n,${deep}`, '--json']);
    expect(r.code).toBe(0);
    const [n, d] = JSON.parse(r.stdout).variables;
    expect(d.count).toBe(n.count);
    expect(d.mean).toBeCloseTo(n.mean, 10);
    const bangs = run(['estimate', ab, '--id', 'id', '--time', 'year', '--xtabond2', `n L.n w k if ${'!'.repeat(100)}(id <= 70), gmm(L.n)`]);
    expect(bangs.code).toBe(0);
    expect(bangs.stdout).toMatch(/Number of groups\s*=\s*70\b/);
  });
});

describe('bounds on lag orders and artests', () => {
  const ab = 'data/abdata.csv';
  const est = (cmd: string) => sysgmm(['estimate', ab, '--id', 'id', '--time', 'year', '--xtabond2', cmd]);
  it('a lag or difference order beyond 1000 periods is refused naming the operator', () => {
    for (const [op, what] of [
      ['L(1/1000000).', 'range 1/1000000 goes beyond 1000 periods'],
      ['L(1/99999999).', 'range 1/99999999 goes beyond 1000 periods'],
      ['L1001.', 'a lag of order 1001 is beyond 1000 periods'],
      ['F2000.', 'a lead of order 2000 is beyond 1000 periods'],
      ['D1001.', 'a difference of order 1001 is beyond 1000 periods'],
      // Ranges within bounds that multiply: a reviewer's L(0/1000)D(0/1000) overflowed the stack.
      ['L(0/1000)D(0/1000).', 'it makes 1002001 terms of one variable; at most 10000 are taken'],
    ]) {
      const r = est(`n ${op}n w k, gmm(L.n)`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`operator '${op.split('.').at(-2)}.' in the variable list:`);
      expect(r.stderr).toContain(what);
    }
    expect(est('n L(1/2).n w k, gmm(L.n)').code).toBe(0);
  });
  it('artests(#) is bounded by the time span: AR(8) is the highest a 9-period panel allows; higher orders are left out with a warning', () => {
    const ok = est('n L.n w k, gmm(L.n) artests(8)');
    expect(ok.code).toBe(0);
    expect(ok.stdout.match(/Arellano-Bond test for AR/g)).toHaveLength(8);
    expect(ok.stdout).toMatch(/AR\(1\) in first differences: z = {2}-5\.01/);
    for (const k of [9, 100000, 99999999]) {
      const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'estimate', ab, '--id', 'id', '--time', 'year', '--xtabond2', `n L.n w k, gmm(L.n) artests(${k})`], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Warning: artests(${k}): the model spans 9 periods (year 1976 to 1984), so AR(m) is tested up to m = 8; higher orders pair no residuals and are not shown`);
      expect(r.stdout.match(/Arellano-Bond test for AR/g)).toHaveLength(8);
    }
  });
  it('describe: a difference beyond the time span is all missing, at once', () => {
    const t0 = Date.now();
    const r = sysgmm(['describe', ab, '--id', 'id', '--time', 'year', '--vars', 'D1000000.n,D9.n,D8.n', '--json']);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    const [big, d9, d8] = JSON.parse(r.stdout).variables;
    expect([big.count, d9.count]).toEqual([0, 0]);
    expect(d8.count).toBeGreaterThan(0); // units observed 1976..1984 have D8
  });
});

describe('sysgmm table: saved results are checked when read', () => {
  const saved = (): Record<string, any> => ({
    estimator: 'system',
    depvar: 'n',
    nobs: 891,
    ngroups: 140,
    ninstruments: 9,
    coefficients: [
      { name: 'L1.n', estimate: 0.109, se: 0.2146, stat: 0.508, p: 0.611, ciLow: -0.31, ciHigh: 0.53 },
      { name: 'w', estimate: -1.84, se: 0.244, stat: -7.53, p: 5e-14, ciLow: -2.32, ciHigh: -1.36 },
    ],
    ar: [{ order: 1, z: -2.06, p: 0.0398 }],
    hansen: null,
  });
  const table = (json: unknown, prefix = '') => {
    const p = file(prefix + (typeof json === 'string' ? json : JSON.stringify(json)), 'json');
    return { p, ...sysgmm(['table', p]) };
  };
  it('reads a sound result, and one with a byte-order mark', () => {
    for (const prefix of ['', '\uFEFF']) {
      const r = table(saved(), prefix);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/L1\.n\s+0\.109\b/);
      expect(r.stdout).toMatch(/\(0\.215\)/);
    }
  });
  it('refuses each malformed field with one message naming the file and the field, exit 2', () => {
    const cases: [(j: Record<string, any>) => void, string][] = [
      [(j) => (j.coefficients[0].name = { x: 1 }), "field 'coefficients[0].name' must be a non-empty string, got {\"x\":1}"],
      [(j) => (j.coefficients[0] = null), "field 'coefficients[0]' must be an object {name, estimate, se, ...}, got null"],
      [(j) => (j.coefficients[1].estimate = 'NaN'), "field 'coefficients[1].estimate' must be a number or null, got \"NaN\""],
      [(j) => (j.coefficients[1].se = -1), "field 'coefficients[1].se' must be a standard error of 0 or more, got -1"],
      [(j) => (j.coefficients[1].name = 'L1.n'), "coefficient 'L1.n' appears twice in 'coefficients' (coefficients[1] repeats it)"],
      [(j) => (j.ar = 5), "field 'ar' must be a list of {order, z, p}, got 5"],
      [(j) => (j.ar = [null]), "field 'ar[0]' must be an object {order, z, p}, got null"],
      [(j) => (j.nobs = 'many'), "field 'nobs' must be a whole number of 0 or more, got \"many\""],
      [(j) => (j.hansen = 'x'), "field 'hansen' must be an object {chi2, df, p} or null, got \"x\""],
    ];
    for (const [mutate, message] of cases) {
      const j = saved();
      mutate(j);
      const r = table(j);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`sysgmm: ${r.p}: ${message}`);
    }
  });
});

describe('SYSGMM_CSV_THREADS', () => {
  it('is capped at the cores available, with a warning, and the same table read', () => {
    const cores = availableParallelism();
    const p = file('id,year,y\n1,2000,1\n1,2001,2\n2,2000,3\n2,2001,4\n');
    const one = sysgmm(['describe', p, '--id', 'id', '--time', 'year'], { SYSGMM_CSV_THREADS: '1' });
    const many = sysgmm(['describe', p, '--id', 'id', '--time', 'year'], { SYSGMM_CSV_THREADS: '100000' });
    expect(many.code).toBe(0);
    expect(many.stderr).toBe(`Warning: SYSGMM_CSV_THREADS=100000 is more than the ${cores} cores available; using ${cores}\n`);
    expect(many.stdout).toBe(one.stdout);
  });
  it('refuses what is not written as a positive integer', () => {
    for (const v of ['1.5', '0', 'two', '0x10', '1e2']) {
      const r = sysgmm(['describe', 'data/abdata.csv', '--id', 'id', '--time', 'year'], { SYSGMM_CSV_THREADS: v });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`sysgmm: SYSGMM_CSV_THREADS must be a positive integer, got '${v}'`);
    }
  });
});

describe('partition: 64-bit integer ids beyond 2^53', () => {
  const big = 2n ** 53n;
  const columns = (ids: bigint[]) => ({
    id: BigInt64Array.from(ids),
    year: Float64Array.from(ids.map((_, i) => 2000 + (i % 6))),
    y: Float64Array.from(ids.map((_, i) => i)),
  });
  it('keeps 2^53 and 2^53 + 1 two units, as describe does', () => {
    const ids = [...Array(6).fill(big), ...Array(6).fill(big + 1n)];
    const p = file(tableToIPC(tableFromArrays(columns(ids)), 'file'), 'arrow');
    const out = fresh('part');
    const r = sysgmm(['partition', p, '--id', 'id', '--time', 'year', '--shards', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^12 rows of 2 units/);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(m.units).toBe(2);
    expect(m.columns[0]).toEqual({ name: 'id', input: 'Int64', stored: 'utf8' });
    const d = JSON.parse(sysgmm(['describe', out, '--id', 'id', '--time', 'year', '--json']).stdout);
    expect([d.units, d.observations, d.balanced]).toEqual([2, 12, true]);
  });
  it('refuses one beyond 2^53 in a later batch, after ids stored as float64, naming column, row and value', () => {
    const a = tableFromArrays(columns(Array(6).fill(7n)));
    const b = tableFromArrays(columns([big + 1n, big + 1n, big + 1n, big + 1n, big + 1n, big + 1n]));
    const p = file(tableToIPC(new Table([...a.batches, ...b.batches]), 'file'), 'arrow');
    const r = sysgmm(['partition', p, '--id', 'id', '--time', 'year', '--shards', '2', '--out', fresh('part')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `sysgmm: id column 'id' of ${p} has 9007199254740993 at row 7, beyond ±2^53, after rows whose ids were all within it: as float64 ids could merge; store the ids as text`,
    );
  });
});

describe('data values quoted in messages', () => {
  it('are cut to 80 characters and their control characters escaped', () => {
    const esc = file('id,year,y\n1,2000,\x1b[31mRED\x1b]0;pwned\x07\n1,2001,2\n');
    const a = sysgmm(['describe', esc, '--id', 'id', '--time', 'year', '--vars', 'y']);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe(`sysgmm: ${esc}: row 1 (line 2), column 'y': '\\u001b[31mRED\\u001b]0;pwned\\u0007' is not a number\n`);
    const long = file(`id,year,y\n1,2000,"${'a,'.repeat(1_000_000)}"\n1,2001,2\n`);
    const b = sysgmm(['describe', long, '--id', 'id', '--time', 'year', '--vars', 'y']);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe(`sysgmm: ${long}: row 1 (line 2), column 'y': '${'a,'.repeat(39)}a…' is not a number\n`);
    // describe lists the text column with its first value, quoted the same way.
    const c = sysgmm(['describe', esc, '--id', 'id', '--time', 'year']);
    expect(c.stdout).toContain("y (first non-number: row 1 (line 2) has '\\u001b[31mRED\\u001b]0;pwned\\u0007')");
    const t = file('id,year,y\n1,20\n00,1\n1,2001,2\n'.replace('20\n00', '"20\n00"'));
    expect(sysgmm(['describe', t, '--id', 'id', '--time', 'year']).stderr).toContain("row 1 has '20\\n00'");
  });
});

describe('small reader and plan faults', () => {
  it('an empty header whose column<N> name is taken is an error naming column N; otherwise it is column<N>', () => {
    const taken = file('id,year,,column3\n1,2000,1,2\n1,2001,3,4\n');
    const r = sysgmm(['describe', taken, '--id', 'id', '--time', 'year']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`sysgmm: ${taken}: the header is empty at column 3, and the name it would get, 'column3', is another column's; name the column`);
    expect(readCsv(file('id,year,,x\n1,2000,1,2\n')).schema.fields.map((f) => f.name)).toEqual(['id', 'year', 'column3', 'x']);
  });
  it('a dataset folder does not read its .txt notes; a glob naming them does', () => {
    const folder = fresh('ds');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.csv'), 'id,year,y\n1,2000,1\n1,2001,2\n');
    writeFileSync(join(folder, 'b.csv'), 'id,year,y\n2,2000,3\n2,2001,4\n');
    writeFileSync(join(folder, 'README.txt'), 'These files hold the sales panel.\nSource: survey.\n');
    const r = sysgmm(['describe', folder, '--id', 'id', '--time', 'year', '--json']);
    expect(r.code).toBe(0);
    expect([JSON.parse(r.stdout).units, JSON.parse(r.stdout).observations]).toEqual([2, 4]);
    expect(r.stderr).toBe(`Warning: ${folder}: not read: README.txt (.txt files in a dataset folder are taken for notes; a glob such as '${join(folder, '*.txt')}' reads them as data)\n`);
    expect(sysgmm(['describe', join(folder, '*.txt'), '--id', 'id', '--time', 'year']).code).toBe(2);
  });
  it('a Monte Carlo estimator name with a control character is refused (it broke summary.md)', () => {
    const plan = file(
      JSON.stringify({
        dgp: { model: 'ar1', alpha: 0.5, N: 50, T: 4, sigmaEta: 1, sigmaV: 1, initial: 'stationary' },
        estimators: { 'a|b\n<c>': { ols: 'y L.y' } },
        reps: 4,
        seed: 1,
      }),
      'json',
    );
    const out = fresh('mc');
    const r = sysgmm(['montecarlo', plan, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`sysgmm: ${plan}: plan: estimators.a|b\\n<c>: an estimator name may not hold control characters (a newline, a tab, an escape); rename it`);
    // "__proto__" crashed the figures (vega groups by name in a plain object) after every replication ran.
    const proto = file(`{"dgp": {"model": "ar1", "alpha": 0.5, "N": 50, "T": 4}, "estimators": {"__proto__": {"ols": "y L.y"}}, "reps": 4, "seed": 1}`, 'json');
    const p = sysgmm(['montecarlo', proto, '--out', fresh('mc')]);
    expect(p.code).toBe(2);
    expect(p.stderr.trim()).toBe(`sysgmm: ${proto}: plan: estimators.__proto__: an estimator may not be named __proto__; rename it`);
  });
});

describe('a column made text by one integer wider than 2^53', () => {
  it('an if condition comparing it with a number says why it is text', () => {
    const lines = ['id,year,y,v'];
    for (let i = 1; i <= 10; i++) for (let t = 0; t < 6; t++) lines.push(`${i},${2000 + t},${(i * 7 + t * 3) % 11},${i === 1 && t === 0 ? '9007199254740993' : i + t}`);
    const r = sysgmm(['estimate', file(lines.join('\n') + '\n'), '--id', 'id', '--time', 'year', '--xtabond2', 'y L.y if v > 3, gmm(L.y)']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "sysgmm: if v > 3: type mismatch: 'v > 3' compares text with a number ('v' is a text column (first non-number: row 1 (line 2) has '9007199254740993' (an integer too wide for float64, kept exact as text)))",
    );
  });
});
