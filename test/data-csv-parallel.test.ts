// The threaded CSV reader (src/data/csv-parallel.ts) against the one-thread reader (readCsv): the same
// table bit for bit (every Float64 column's bytes, null bitmaps, text offsets and bytes, types and
// field metadata) when the file is parsed in 2 or 3 byte ranges, and readCsv's own result or error
// whenever the ranges cannot be trusted (quotes, CRLF, a byte-order mark, a column typed differently
// in different ranges, bad data). `ranges` says which path was taken, so no case passes by falling back.
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableToIPC, type Data, type Table } from 'apache-arrow';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as csvParallel from '../src/data/csv-parallel.ts';
import { readCsv } from '../src/data/csv.ts';
import { planRanges, readCsvParallel } from '../src/data/csv-parallel.ts';
import type { RangeResult, RangeStorage } from '../src/data/csv-parse.ts';
import { readTable } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';
import { startModuleWorker } from '../src/module-worker.ts';
import { bundleForNode } from './helpers/bundle.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-csv-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;
function file(text: string): string {
  const p = join(dir, `f${serial++}.csv`);
  writeFileSync(p, text);
  return p;
}

const bytes = (a: ArrayBufferView | undefined | null): Buffer => (a ? Buffer.from(a.buffer, a.byteOffset, a.byteLength) : Buffer.alloc(0));

/** Every column's Arrow buffers, types and metadata equal. */
function expectSameTable(got: Table, want: Table): void {
  expect(got.numRows).toBe(want.numRows);
  expect(got.schema.fields.map((f) => `${f.name}:${f.type}:${[...f.metadata]}`)).toEqual(want.schema.fields.map((f) => `${f.name}:${f.type}:${[...f.metadata]}`));
  for (const f of want.schema.fields) {
    const [g] = got.getChild(f.name)!.data as Data[];
    const [w] = want.getChild(f.name)!.data as Data[];
    expect(got.getChild(f.name)!.data.length).toBe(1);
    expect(g.nullCount, f.name).toBe(w.nullCount);
    expect(bytes(g.values).equals(bytes(w.values)), `${f.name} values`).toBe(true);
    expect(bytes(g.valueOffsets).equals(bytes(w.valueOffsets)), `${f.name} offsets`).toBe(true);
    expect(bytes(g.nullBitmap).equals(bytes(w.nullBitmap)), `${f.name} validity`).toBe(true);
  }
}

let seed = 12345;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);

/** A panel of `units` × 10 years: a text id, shortest round-trip decimals (16–17 digits), some missing. */
function panel(units: number, finalNewline = true): string {
  const lines = ['firm,id,year,y,x'];
  const missing = ['', 'NA', '.', 'NaN'];
  for (let i = 1; i <= units; i++)
    for (let t = 2001; t <= 2010; t++) {
      const y = (rnd() - 0.3) * 10 ** Math.floor(rnd() * 6 - 2);
      const x = rnd() < 0.03 ? missing[Math.floor(rnd() * 4)] : String(rnd() * 2 - 1);
      lines.push(`f${String(i).padStart(5, '0')},${i},${t},${y},${x}`);
    }
  return lines.join('\n') + (finalNewline ? '\n' : '');
}

/** The compiled bin with SYSGMM_CSV_THREADS set, `input` on its standard input. */
function binOnThreads(args: string[], threads: string, input?: string) {
  return spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { input, encoding: 'utf8', env: { ...process.env, SYSGMM_CSV_THREADS: threads }, timeout: 120_000 });
}

describe('threaded CSV reader', () => {
  it('equals readCsv bit for bit on 2 and 3 threads: text ids, 17-digit decimals, missing values, no final newline', async () => {
    for (const finalNewline of [true, false]) {
      const p = file(panel(600, finalNewline));
      const want = readCsv(p);
      expect(want.getChild('x')!.nullCount).toBeGreaterThan(100);
      expect(String(want.schema.fields[0].type)).toBe('Utf8');
      for (const threads of [2, 3]) {
        const got = await readCsvParallel(p, {}, threads);
        expect([got.ranges, got.workers]).toEqual([threads, threads - 1]);
        expectSameTable(got.table, want);
        const y = got.table.getChild('y')!.data[0].values as Float64Array;
        expect(y.buffer).toBeInstanceOf(SharedArrayBuffer);
        // The Panel takes the shared column as it is, without a copy.
        expect(Panel.fromTable(got.table, { id: 'id', time: 'year' }).column('y').buffer).toBe(y.buffer);
        // Declared text and numeric columns (readTable's --numeric for the time, a text id).
        const declared = { text: ['id'], numeric: ['year'] };
        const both = await readCsvParallel(p, declared, threads);
        expect(both.ranges).toBe(threads);
        expectSameTable(both.table, readCsv(p, declared));
        expect(String(both.table.schema.fields[1].type)).toBe('Utf8');
      }
    }
  });

  it('splits at line starts, also where the even split falls exactly on one or on a line feed', async () => {
    // Header 6 bytes, then 600 lines of 10 bytes: thirds and halves of the data fall on line starts.
    const line = (i: number): string => `${String(i).padStart(4, '0')},0.${i % 10}5\n`;
    const even = 'id,xx\n' + Array.from({ length: 600 }, (_, i) => line(i)).join('');
    const p = file(even);
    expect(planRanges(p, {}, 2)!.map((r) => [r.from, r.to, r.last])).toEqual([[6, 3006, false], [3006, 6006, true]]);
    expect(planRanges(p, {}, 3)!.map((r) => [r.from, r.to])).toEqual([[6, 2006], [2006, 4006], [4006, 6006]]);
    // 18 bytes more (a last line without newline): the half now falls on the line feed that ends line 301.
    const q = file(even + '0600,0.05\n0601,0.1');
    expect(planRanges(q, {}, 2)!.map((r) => [r.from, r.to])).toEqual([[6, 3016], [3016, 6024]]);
    for (const path of [p, q])
      for (const threads of [2, 3]) {
        const got = await readCsvParallel(path, {}, threads);
        expect(got.ranges).toBe(threads);
        expectSameTable(got.table, readCsv(path));
      }
  });

  it('closes the gaps that blank lines leave, with the missing values counted as readCsv counts them', async () => {
    const lines = panel(300).split('\n');
    lines.splice(200, 0, '', '');
    lines.splice(1000, 0, '');
    const p = file(lines.join('\n') + '\n\n');
    const want = readCsv(p);
    expect(want.numRows).toBe(3000);
    for (const threads of [2, 3]) {
      const got = await readCsvParallel(p, {}, threads);
      expect(got.ranges).toBe(threads);
      expectSameTable(got.table, want);
    }
  });

  it('an error in any range (a worker\'s or the calling thread\'s) names the row, line and column readCsv names', async () => {
    const base = panel(500).split('\n');
    base.splice(300, 0, ''); // a blank line before the errors: row and line differ by 2
    const lineStarts = (p: string): number[] => planRanges(p, {}, 3)!.map((r) => r.from);
    // Ranges of 3 threads: the first two parsed by workers, the last by the calling thread.
    for (const at of [1200, 2600, 4001]) {
      const lines = [...base];
      lines[at] = lines[at].replace(/,[^,]*$/, ',abc');
      const p = file(lines.join('\n'));
      const offset = Buffer.byteLength(lines.slice(0, at).join('\n')) + 1;
      const range = lineStarts(p).filter((from) => from <= offset).length - 1;
      expect(range).toBe(at === 1200 ? 0 : at === 2600 ? 1 : 2);
      const message = `row ${at - 1} (line ${at + 1}), column 'x': 'abc' is not a number`;
      expect(() => readCsv(p, { numeric: ['x'] })).toThrow(message);
      for (const threads of [2, 3]) await expect(readCsvParallel(p, { numeric: ['x'] }, threads)).rejects.toThrow(`${p}: ${message}`);
      // Undeclared, the column turns to text at that row, in one range only: readCsv's table.
      const got = await readCsvParallel(p, {}, 3);
      expect(got.ranges).toBe(1);
      expectSameTable(got.table, readCsv(p));
      expect(got.table.schema.fields[4].metadata.get('sysgmm.not_numeric')).toBe(`row ${at - 1} (line ${at + 1}) has 'abc'`);
      // A record with a field too many.
      lines[at] = base[at] + ',9';
      const r = file(lines.join('\n'));
      await expect(readCsvParallel(r, {}, 3)).rejects.toThrow(`${r}: row ${at - 1} (line ${at + 1}) has 6 fields; the header has 5`);
    }
  });

  it('falls back to one thread, with readCsv\'s table, on a quote, CRLF, a byte-order mark or a column typed differently per range', async () => {
    const text = panel(300);
    const at = text.length - 2000;
    const cases = {
      // A quote in the calling thread's range (found while parsing it), and in a worker's (found while counting).
      quote: text.slice(0, at) + text.slice(at).replace(/\nf00299,/, '\n"f00299",'),
      'early quote': text.replace(/\nf00002,/, '\n"f00002",'),
      crlf: text.replaceAll('\n', '\r\n'),
      bom: '\uFEFF' + text,
      // Ids numeric in the first range, text in the second: readCsv types the column as text throughout.
      retyped: text.replace(/\nf\d{5}/g, (m, offset: number) => (offset < text.length / 2 ? `\n${offset}` : m)),
    };
    for (const [name, content] of Object.entries(cases)) {
      expect(content, name).not.toBe(text);
      const p = file(content);
      const want = readCsv(p);
      expect(want.numRows, name).toBe(3000);
      const got = await readCsvParallel(p, {}, 2);
      expect(got.ranges, name).toBe(1);
      expectSameTable(got.table, want);
    }
  });

  it('the one-thread reader also puts numeric columns on SharedArrayBuffers (a threaded estimate shares them)', () => {
    const t = readCsv(file(panel(50)));
    for (const name of ['id', 'year', 'y', 'x']) expect(t.getChild(name)!.data[0]!.values.buffer, name).toBeInstanceOf(SharedArrayBuffer);
  });

  it('readTable: SYSGMM_CSV_THREADS forces the threads (checked: a positive integer)', async () => {
    const p = file(panel(200));
    try {
      process.env.SYSGMM_CSV_THREADS = '2';
      expectSameTable(await readTable(p), readCsv(p));
      process.env.SYSGMM_CSV_THREADS = 'two';
      await expect(readTable(p)).rejects.toThrow("SYSGMM_CSV_THREADS must be a positive integer, got 'two'");
    } finally {
      delete process.env.SYSGMM_CSV_THREADS;
    }
  });

  it('the files of a dataset folder take it as single files do, each with the one-thread table', async () => {
    const root = join(dir, 'hive');
    const [head, ...rows] = panel(300).trim().split('\n');
    for (const [part, lines] of [['1', rows.slice(0, 1500)], ['2', rows.slice(1500)]] as const) {
      mkdirSync(join(root, `part=${part}`), { recursive: true });
      writeFileSync(join(root, `part=${part}`, 'data.csv'), [head, ...lines].join('\n') + '\n');
    }
    const spy = vi.spyOn(csvParallel, 'readCsvParallel');
    try {
      process.env.SYSGMM_CSV_THREADS = '2';
      const two = await readTable(root);
      expect(spy).toHaveBeenCalledTimes(2);
      for (const call of spy.mock.results) expect((await (call.value as ReturnType<typeof readCsvParallel>)).ranges).toBe(2);
      process.env.SYSGMM_CSV_THREADS = '1';
      const one = await readTable(root);
      expect(spy).toHaveBeenCalledTimes(2);
      expect(two.numRows).toBe(3000);
      expect(Buffer.from(tableToIPC(two)).equals(Buffer.from(tableToIPC(one)))).toBe(true);
    } finally {
      spy.mockRestore();
      delete process.env.SYSGMM_CSV_THREADS;
    }
  });

  it('standard input (-) on 2 threads prints what it prints on 1 (the ranges are read before the temporary file goes)', () => {
    const text = panel(300);
    const args = ['describe', '-', '--input-format', 'csv', '--id', 'id', '--time', 'year'];
    const one = binOnThreads(args, '1', text);
    const two = binOnThreads(args, '2', text);
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/Units: 300 /);
    expect(two.status, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });

  it('a worker that cannot start leaves its range to the calling thread (a bundle without csv-worker.js)', async () => {
    const p = file(panel(300));
    const out = join(dir, 'bundle');
    mkdirSync(out);
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    writeFileSync(
      join(out, 'entry.ts'),
      `import { readCsvParallel } from ${JSON.stringify(join(process.cwd(), 'src/data/csv-parallel.ts'))};
       const r = await readCsvParallel(process.argv[2], {}, 2);
       const y = r.table.getChild('y').data[0].values;
       console.log(JSON.stringify({ ranges: r.ranges, workers: r.workers, y: Buffer.from(y.buffer, y.byteOffset, y.byteLength).toString('base64') }));`,
    );
    await bundleForNode(join(out, 'entry.ts'), join(out, 'read.js'));
    const r = spawnSync(process.execPath, [join(out, 'read.js'), p], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { ranges: number; workers: number; y: string };
    expect([got.ranges, got.workers]).toEqual([2, 0]);
    expect(Buffer.from(got.y, 'base64').equals(bytes(readCsv(p).getChild('y')!.data[0].values))).toBe(true);
  });

  it('takes the worker the bin started early, once; one that stopped is ended and replaced; an unused one is ended after the read', async () => {
    const slot = Symbol.for('sysgmm.early-csv-worker');
    const g = globalThis as Record<symbol, unknown>;
    const exited = (w: Worker) => new Promise<number>((resolve) => w.once('exit', resolve));
    const p = file(panel(300));
    const want = readCsv(p);

    // A worker waiting for its range, as bin/early-csv-worker.mjs leaves it: the reader parses with it.
    const early = startModuleWorker(new URL('../src/data/csv-parallel.ts', import.meta.url).href, 'csv-worker');
    const ended = exited(early);
    g[slot] = { worker: early, failed: null };
    const r = await readCsvParallel(p, {}, 2);
    expect(g[slot]).toBeUndefined();
    expect([r.ranges, r.workers]).toEqual([2, 1]);
    expectSameTable(r.table, want);
    await ended; // ended by the reader, as the workers it starts

    // One that stopped before the read: ended, and the reader starts its own.
    const failed = new Worker('setTimeout(() => {}, 60_000)', { eval: true });
    const failedEnded = exited(failed);
    g[slot] = { worker: failed, failed: new Error('exited') };
    const r2 = await readCsvParallel(p, {}, 2);
    expect([r2.ranges, r2.workers]).toEqual([2, 1]);
    expectSameTable(r2.table, want);
    await failedEnded;

    // A read on one thread leaves it: readTable ends it.
    const unused = new Worker('setTimeout(() => {}, 60_000)', { eval: true });
    const unusedEnded = exited(unused);
    g[slot] = { worker: unused, failed: null };
    expectSameTable(await readTable(p, { threads: 1 }), want);
    expect(g[slot]).toBeUndefined();
    await unusedEnded;
  });

  it('estimate through the compiled bin prints the same on 2 threads as on 1; the bundled worker parses a range', async () => {
    const p = file(panel(400));
    const args = ['estimate', p, '--id', 'id', '--time', 'year', '--xtabond2', 'y L.y x, gmm(y x, lag(2 4) collapse) twostep robust'];
    const one = binOnThreads(args, '1');
    const two = binOnThreads(args, '2');
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/L1\. \| +-?\.\d+ /);
    expect(two.stdout).toBe(one.stdout);
    expect(two.status).toBe(0);
    // The worker the bundle starts (dist/bin/csv-worker.js, beside the chunk that starts it), on the second range.
    const [, second] = planRanges(p, {}, 2)!;
    const cap = 4000;
    const columns = second.names.map(() => new SharedArrayBuffer(cap * 8));
    const worker = new Worker(new URL('../dist/bin/csv-worker.js', import.meta.url));
    const answer = new Promise<RangeResult>((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject)));
    worker.postMessage({ job: second, storage: { columns, offset: 0, cap, line: 2 } satisfies RangeStorage });
    const result = await answer;
    await worker.terminate();
    if (!result.ok) throw new Error(result.why);
    const want = readCsv(p);
    const y = want.getChild('y')!.data[0].values as Float64Array;
    expect(result.rows).toBeGreaterThan(1000);
    expect(bytes(new Float64Array(columns[3], 0, result.rows)).equals(bytes(y.subarray(4000 - result.rows)))).toBe(true);
  });
});
