// Manufacturing efficiency measures of the study by name: labour productivity in levels
// (output/labour, `labour-productivity`) or logs (ln(output/labour), `log-labour-productivity`),
// which need only labour and output; DEA scores per year (CCR/BCC, input/output oriented) and the
// Malmquist index, from capital, labour and output.
import { SpecError } from '../errors.ts';
import type { Panel } from '../panel/panel.ts';
import { deaByYear, deaMeasureName, type DeaModel } from './dea.ts';
import { malmquist, MALMQUIST_NAMES } from './malmquist.ts';
import { MissingTally, type MeasureWarning } from './warnings.ts';
import { refuseNegative } from './sample-checks.ts';

export const EFFICIENCY_MEASURES = ['labour-productivity', 'log-labour-productivity', 'dea-ccr-in', 'dea-ccr-out', 'dea-bcc-in', 'dea-bcc-out', 'malmquist'] as const;
export type EfficiencyMeasure = (typeof EFFICIENCY_MEASURES)[number];

const DEA: Record<string, DeaModel> = {
  'dea-ccr-in': { returns: 'crs', orientation: 'input' },
  'dea-ccr-out': { returns: 'crs', orientation: 'output' },
  'dea-bcc-in': { returns: 'vrs', orientation: 'input' },
  'dea-bcc-out': { returns: 'vrs', orientation: 'output' },
};

/** Whether a measure uses manufacturing capital (labour productivity does not). */
export function needsCapital(measure: EfficiencyMeasure): boolean {
  return measure !== 'labour-productivity' && measure !== 'log-labour-productivity';
}

/** Output column(s) a measure produces: lprod; lnlprod; dea_ccr_in …; malmquist, malmquist_ec, malmquist_tc. */
export function efficiencyColumnNames(measure: EfficiencyMeasure): string[] {
  if (measure === 'labour-productivity') return ['lprod'];
  if (measure === 'log-labour-productivity') return ['lnlprod'];
  if (measure === 'malmquist') return [...MALMQUIST_NAMES];
  return [deaMeasureName(DEA[measure])];
}

/** Parse a comma-separated list of measure names (as given to --efficiency). */
export function parseEfficiencyMeasures(list: string): EfficiencyMeasure[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const m of names)
    if (!(EFFICIENCY_MEASURES as readonly string[]).includes(m))
      throw new SpecError(`unknown efficiency measure '${m}'; choose from ${EFFICIENCY_MEASURES.join(', ')}`, '--efficiency');
  if (names.length === 0) throw new SpecError('no efficiency measure given', '--efficiency');
  return [...new Set(names)] as EfficiencyMeasure[];
}

/**
 * Labour productivity output/labour (or its natural log with `log`); NaN (counted) where either is
 * missing, labour ≤ 0 or output < 0 (output ≤ 0 for the log).
 */
export function labourProductivity(output: ArrayLike<number>, labour: ArrayLike<number>, log = false): { values: Float64Array; warnings: MeasureWarning[] } {
  const n = output.length;
  const name = log ? 'lnlprod' : 'lprod';
  const values = new Float64Array(n);
  const tally = new MissingTally();
  for (let r = 0; r < n; r++) {
    const y = output[r];
    const l = labour[r];
    const reason =
      Number.isNaN(y) || Number.isNaN(l) ? 'missing output or labour' : !(l > 0) ? 'non-positive labour' : y < 0 ? 'negative output' : log && y === 0 ? 'zero output (no log)' : null;
    if (reason) {
      values[r] = NaN;
      tally.add(name, reason);
    } else values[r] = log ? Math.log(y / l) : y / l;
  }
  return { values, warnings: tally.warnings([name]) };
}

/** Manufacturing inputs and output per city-year row. */
export interface ManufacturingData {
  city: ArrayLike<string | number>;
  year: ArrayLike<number>;
  /** Needed by DEA and Malmquist only. */
  capital?: ArrayLike<number>;
  labour: ArrayLike<number>;
  output: ArrayLike<number>;
}

export interface EfficiencyResult {
  columns: Record<string, Float64Array>;
  names: string[];
  warnings: MeasureWarning[];
}

/**
 * The requested measures, aligned with the rows. DEA uses inputs (capital, labour) and output
 * `output`, with each year's cities as that year's reference set; output-oriented scores are
 * reported as efficiency 1/φ ∈ (0, 1].
 */
export async function efficiencyMeasures(data: ManufacturingData, measures: readonly EfficiencyMeasure[]): Promise<EfficiencyResult> {
  const columns: Record<string, Float64Array> = {};
  const names: string[] = [];
  const warnings: MeasureWarning[] = [];
  const needs = measures.filter(needsCapital);
  if (needs.length && !data.capital) throw new SpecError(`efficiency measure ${needs.join(', ')} needs manufacturing capital`, 'capital');
  const tech = { inputs: [data.capital!, data.labour], outputs: [data.output] };
  for (const m of measures) {
    if (m === 'labour-productivity' || m === 'log-labour-productivity') {
      const log = m === 'log-labour-productivity';
      const lp = labourProductivity(data.output, data.labour, log);
      columns[log ? 'lnlprod' : 'lprod'] = lp.values;
      warnings.push(...lp.warnings);
    } else if (m === 'malmquist') {
      const res = await malmquist({ ...tech, city: data.city, year: data.year });
      [columns.malmquist, columns.malmquist_ec, columns.malmquist_tc] = [res.mi, res.ec, res.tc];
      warnings.push(...res.warnings);
    } else {
      const res = await deaByYear({ ...tech, year: data.year }, DEA[m]);
      columns[deaMeasureName(DEA[m])] = res.efficiency;
      warnings.push(...res.warnings);
    }
    names.push(...efficiencyColumnNames(m));
  }
  return { columns, names, warnings };
}

/** Efficiency columns for a panel (panel row order), from the named capital (DEA, Malmquist), labour and output columns. */
export async function panelEfficiency(
  panel: Panel,
  cols: { capital?: string; labour: string; output: string },
  measures: readonly EfficiencyMeasure[],
): Promise<EfficiencyResult> {
  const capital = measures.some(needsCapital) && cols.capital !== undefined ? panel.column(cols.capital) : undefined;
  const labour = panel.column(cols.labour);
  const output = panel.column(cols.output);
  // A zero or missing input or output leaves that city-year's scores missing (counted in a warning);
  // a negative one is an error in the data, named where it is.
  if (capital) refuseNegative(panel, cols.capital!, capital, 'manufacturing input');
  refuseNegative(panel, cols.labour, labour, 'manufacturing input');
  refuseNegative(panel, cols.output, output, 'manufacturing output');
  return efficiencyMeasures({ city: Array.from(panel.unitOf, (u) => panel.units[u]), year: panel.time, ...(capital ? { capital } : {}), labour, output }, measures);
}
