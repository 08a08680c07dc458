// `sysgmm simulate`: a synthetic Chinese city panel with a known haze DGP, to CSV (+ truth JSON).
import { checkOutputFile, writeFileAtomicSync } from '../../data/write-atomic.ts';
import type { Command } from 'commander';
import type { Table } from 'apache-arrow';
import { SpecError } from '../../errors.ts';
import { wholeNumber } from '../../whole-number.ts';
import { EFFICIENCY_MEASURES, type EfficiencyMeasure } from '../../study/efficiency.ts';
import { simulateCityPanel, truthToJson, type Coefficients, type SimulationTruth } from '../../study/simulate.ts';
import { writeCsv } from '../../data/csv-write.ts';

export interface SimulateCliOptions {
  cities: string;
  years: string;
  seed: string;
  out: string;
  truth?: string;
  burnIn: string;
  efficiency: string;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('simulate a Chinese prefecture-city panel (sector employment, manufacturing inputs/output, controls, PM2.5) whose ln PM2.5 follows a known dynamic model in co-agglomeration and efficiency; writes a CSV')
    .option('--cities <n>', 'number of cities (province mix of the 285-city panel)', '285')
    .option('--years <first-last>', 'years, inclusive', '2003-2016')
    .requiredOption('--seed <n>', 'random seed (non-negative integer)')
    .requiredOption('--out <file.csv>', 'where to write the panel')
    .option('--truth <file.json>', 'also write the true parameters, centring, city effects and year effects as JSON')
    .option('--burn-in <n>', 'years simulated before the first year and dropped', '20')
    .option('--efficiency <measure>', `efficiency measure in the DGP: ${EFFICIENCY_MEASURES.filter((m) => m !== 'malmquist').join(', ')}`, 'dea-ccr-in')
    .action(async (opts: SimulateCliOptions) => {
      process.stdout.write(await runSimulate(opts));
    });
}

/** Simulate, write the files, and return the summary printed to the terminal. */
export async function runSimulate(opts: SimulateCliOptions): Promise<string> {
  const m = /^\s*(\d{1,4})\s*-\s*(\d{1,4})\s*$/.exec(opts.years);
  if (!m) throw new SpecError(`--years must look like 2003-2016, got '${opts.years}'`, '--years');
  const years: [number, number] = [Number(m[1]), Number(m[2])];
  if (!opts.out.toLowerCase().endsWith('.csv')) throw new SpecError(`--out must be a .csv file, got '${opts.out}'`, '--out');
  checkOutputFile(opts.out, '--out');
  if (opts.truth) checkOutputFile(opts.truth, '--truth');
  const measure = opts.efficiency as EfficiencyMeasure;
  if (!(EFFICIENCY_MEASURES as readonly string[]).includes(measure) || measure === 'malmquist')
    throw new SpecError(`--efficiency must be one of ${EFFICIENCY_MEASURES.filter((x) => x !== 'malmquist').join(', ')}, got '${opts.efficiency}'`, '--efficiency');
  const { table, truth } = await simulateCityPanel({
    cities: wholeNumber(opts.cities, '--cities', 2),
    years,
    seed: wholeNumber(opts.seed, '--seed', 0),
    burnIn: wholeNumber(opts.burnIn, '--burn-in', 1),
    efficiency: measure,
  });
  writeCsv(opts.out, table, '--out');
  if (opts.truth) writeFileAtomicSync(opts.truth, `${JSON.stringify(truthToJson(truth), null, 1)}\n`, '--truth');
  return summary(truth, table, opts);
}

const f3 = (x: number) => x.toFixed(3);

function stats(v: Float64Array): string {
  let s = 0, s2 = 0, lo = Infinity, hi = -Infinity;
  for (const x of v) {
    s += x;
    s2 += x * x;
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const mean = s / v.length;
  return `mean ${f3(mean)}, sd ${f3(Math.sqrt(s2 / v.length - mean * mean))}, range ${f3(lo)}–${f3(hi)}`;
}

function summary(truth: SimulationTruth, table: Table, opts: SimulateCliOptions): string {
  const [start, end] = truth.years;
  const pm = table.getChild('pm25')!.toArray() as Float64Array;
  const year = table.getChild('year')!.toArray() as Float64Array;
  const meanIn = (y: number) => {
    let s = 0, n = 0;
    for (let r = 0; r < pm.length; r++) if (year[r] === y) (s += pm[r], n++);
    return (s / n).toFixed(1);
  };
  const p = truth.parameters;
  const first = truth.byYear[0];
  const last = truth.byYear[truth.byYear.length - 1];
  const line = (name: string, k: keyof Coefficients) =>
    `  ${name.padEnd(12)}${[first.coastal[k], last.coastal[k], first.inland[k], last.inland[k], truth.average.all[k]].map((x) => f3(x).padStart(13)).join('')}`;
  return [
    `simulated ${truth.cities} cities (${truth.coastalCities} coastal) × ${end - start + 1} years (${start}–${end}) = ${table.numRows} rows, seed ${truth.seed}, ${truth.burnIn} burn-in years`,
    `wrote ${opts.out} (${table.numCols} columns)${opts.truth ? ` and ${opts.truth}` : ''}`,
    `PM2.5 (µg/m³): ${stats(pm)}; mean ${meanIn(start)} in ${start}, ${meanIn(end)} in ${end}`,
    `CA1 (producer services vs manufacturing): ${stats(truth.ca)}`,
    `EFF (${truth.efficiency}): ${stats(truth.eff)}`,
    `ln PM2.5 = ${p.rho} L.ln PM2.5 + b1 ca + b2 eff + b3 ca×eff + controls + city + year + e, sd(e) = ${p.sigma}`,
    `  ca = CA1 − ${f3(truth.centring.ca)}, eff = EFF − ${f3(truth.centring.eff)} (means over ${truth.centring.years[0]}–${truth.centring.years[1]})`,
    `  ${'true b'.padEnd(12)}${[`coast ${start}`, `coast ${end}`, `inland ${start}`, `inland ${end}`, 'average'].map((s) => s.padStart(13)).join('')}`,
    line('ca', 'ca'),
    line('eff', 'eff'),
    line('ca×eff', 'interaction'),
    '',
  ].join('\n');
}
