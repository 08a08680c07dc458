// Data envelopment analysis: radial technical efficiency under constant (CCR) or variable (BCC)
// returns to scale, input- or output-oriented, solved with HiGHS (WebAssembly). One persistent
// LP per reference set; each evaluated unit only changes the score column and the right-hand side,
// so HiGHS restarts from the previous optimal basis.
import type { Highs, Model } from 'highs';
import { DataError } from '../errors.ts';
import { MissingTally, type MeasureWarning } from './warnings.ts';

export type Returns = 'crs' | 'vrs';
export type Orientation = 'input' | 'output';
export interface DeaModel {
  /** 'crs' = CCR (Charnes, Cooper & Rhodes 1978); 'vrs' = BCC (Banker, Charnes & Cooper 1984). */
  returns: Returns;
  orientation: Orientation;
}

/** Inputs and outputs of a set of units: inputs[k][j] is input k of unit j. */
export interface Technology {
  inputs: ArrayLike<number>[];
  outputs: ArrayLike<number>[];
}

let runtime: Promise<Highs> | null = null;
/** The HiGHS WebAssembly runtime, loaded once per process. @internal (with the two below: their
 *  declarations would name HiGHS's types, which need the WebAssembly namespace of TypeScript's DOM lib) */
export function loadHighs(): Promise<Highs> {
  // The package's types describe a CommonJS module, while Node loads its ES build, whose default
  // export is the loader; accept either shape.
  runtime ??= import('highs').then((m) => {
    type Loader = () => Promise<Highs>;
    const mod = m as unknown as { default: Loader | { default: Loader } };
    return (typeof mod.default === 'function' ? mod.default : mod.default.default)();
  });
  return runtime;
}

/** Column name of a DEA score: dea_ccr_in, dea_ccr_out, dea_bcc_in, dea_bcc_out. */
export function deaMeasureName(model: DeaModel): string {
  return `dea_${model.returns === 'crs' ? 'ccr' : 'bcc'}_${model.orientation === 'input' ? 'in' : 'out'}`;
}

const INVALID = 'missing or non-positive input/output';
const NOT_SOLVED = 'LP not solved to optimality';

/**
 * A DEA frontier spanned by a reference set of units. efficiency(x, y) solves the envelopment LP
 * (Cooper, Seiford & Tone 2007, "Data Envelopment Analysis", models (3.6) CCR and (4.2) BCC):
 *   input:  min θ  s.t. Σ_j λ_j x_j ≤ θ x,  Σ_j λ_j y_j ≥ y,     λ ≥ 0 [, Σ λ_j = 1 for BCC]
 *   output: max φ  s.t. Σ_j λ_j x_j ≤ x,    Σ_j λ_j y_j ≥ φ y,   λ ≥ 0 [, Σ λ_j = 1 for BCC]
 * and returns θ, or 1/φ for the output orientation, so both read as efficiency (1 = on the
 * frontier). A unit outside the reference set can score above 1 (CRS input) or have no feasible
 * solution (BCC), which gives NaN. Radial scores only (no second-stage slacks).
 */
export class Frontier {
  private constructor(
    private readonly highs: Highs,
    private readonly lp: Model,
    private readonly model: DeaModel,
    private readonly m: number,
    private readonly s: number,
    private readonly n: number,
    private readonly scaleIn: Float64Array,
    private readonly scaleOut: Float64Array,
  ) {}

  /** Build the frontier of the reference units (all their inputs and outputs must be positive). @internal */
  static build(highs: Highs, reference: Technology, model: DeaModel): Frontier {
    const m = reference.inputs.length;
    const s = reference.outputs.length;
    const n = m > 0 ? reference.inputs[0].length : 0;
    if (m === 0 || s === 0) throw new DataError('DEA needs at least one input and one output');
    if (n === 0) throw new DataError('DEA reference set is empty');
    // Divide each variable by its reference mean: radial scores do not depend on units, and the
    // LP is better conditioned.
    const mean = (v: ArrayLike<number>): number => {
      let t = 0;
      for (let j = 0; j < n; j++) t += v[j];
      return t / n;
    };
    const scaleIn = Float64Array.from(reference.inputs, mean);
    const scaleOut = Float64Array.from(reference.outputs, mean);
    const vrs = model.returns === 'vrs';
    const rows = m + s + (vrs ? 1 : 0);
    const starts: number[] = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < m; i++) (indices.push(i), values.push(reference.inputs[i][j] / scaleIn[i]));
      for (let r = 0; r < s; r++) (indices.push(m + r), values.push(reference.outputs[r][j] / scaleOut[r]));
      if (vrs) (indices.push(m + s), values.push(1));
      starts.push(indices.length);
    }
    // Score column (θ or φ): placeholder coefficients, set per evaluated unit.
    const input = model.orientation === 'input';
    if (input) for (let i = 0; i < m; i++) (indices.push(i), values.push(-1));
    else for (let r = 0; r < s; r++) (indices.push(m + r), values.push(-1));
    starts.push(indices.length);
    const inf = highs.infinity;
    const rowLower = new Float64Array(rows);
    const rowUpper = new Float64Array(rows);
    for (let i = 0; i < m; i++) ((rowLower[i] = -inf), (rowUpper[i] = input ? 0 : 1));
    for (let r = 0; r < s; r++) ((rowLower[m + r] = input ? 1 : 0), (rowUpper[m + r] = inf));
    if (vrs) rowLower[m + s] = rowUpper[m + s] = 1;
    const colCost = new Float64Array(n + 1);
    colCost[n] = 1;
    const colUpper = new Float64Array(n + 1).fill(inf);
    const lp = highs.createModel({
      numCols: n + 1,
      numRows: rows,
      sense: input ? highs.constants.objectiveSense.minimize : highs.constants.objectiveSense.maximize,
      colCost,
      colLower: new Float64Array(n + 1),
      colUpper,
      rowLower,
      rowUpper,
      matrix: { format: 'csc', numRows: rows, numCols: n + 1, starts, indices, values },
    });
    return new Frontier(highs, lp, model, m, s, n, scaleIn, scaleOut);
  }

  /** Number of reference units. */
  get size(): number {
    return this.n;
  }

  /** Efficiency of the unit with inputs x and outputs y against this frontier (NaN if the LP has no optimum). */
  efficiency(x: ArrayLike<number>, y: ArrayLike<number>): number {
    const { lp, m, s, n, highs } = this;
    if (this.model.orientation === 'input') {
      for (let i = 0; i < m; i++) lp.changeCoefficient(i, n, -x[i] / this.scaleIn[i]);
      for (let r = 0; r < s; r++) lp.changeRowBounds(m + r, y[r] / this.scaleOut[r], highs.infinity);
    } else {
      for (let i = 0; i < m; i++) lp.changeRowBounds(i, -highs.infinity, x[i] / this.scaleIn[i]);
      for (let r = 0; r < s; r++) lp.changeCoefficient(m + r, n, -y[r] / this.scaleOut[r]);
    }
    lp.run();
    if (lp.getModelStatus() !== highs.constants.modelStatus.optimal) return NaN;
    const v = lp.getObjectiveValue();
    return this.model.orientation === 'input' ? v : 1 / v;
  }

  /** Release the WebAssembly memory of the LP. */
  dispose(): void {
    this.lp.dispose();
  }
}

/** Whether unit j has all inputs and outputs finite and positive. */
export function validUnit(t: Technology, j: number): boolean {
  for (const v of t.inputs) if (!(v[j] > 0 && v[j] < Infinity)) return false;
  for (const v of t.outputs) if (!(v[j] > 0 && v[j] < Infinity)) return false;
  return true;
}

/** The units `rows` of t, as a Technology of their own. */
export function subset(t: Technology, rows: ArrayLike<number>): Technology {
  const pick = (v: ArrayLike<number>) => Float64Array.from(rows as ArrayLike<number>, (r) => v[r]);
  return { inputs: t.inputs.map(pick), outputs: t.outputs.map(pick) };
}

function unitVectors(t: Technology, j: number): [Float64Array, Float64Array] {
  return [Float64Array.from(t.inputs, (v) => v[j]), Float64Array.from(t.outputs, (v) => v[j])];
}

function checkLengths(t: Technology, n: number): void {
  if (t.inputs.length === 0 || t.outputs.length === 0) throw new DataError('DEA needs at least one input and one output');
  for (const v of [...t.inputs, ...t.outputs]) if (v.length !== n) throw new DataError(`DEA input/output columns have ${v.length} values for ${n} units`);
}

/**
 * Efficiency of each unit of one reference set (the valid units: all inputs and outputs positive).
 * Invalid units get NaN and are left out of the frontier. Scores are clamped to ≤ 1 (a unit is
 * always feasible against a frontier that contains it; an excess is rounding). @internal
 */
export function deaScoresSync(highs: Highs, units: Technology, model: DeaModel, tally?: MissingTally, measure = deaMeasureName(model)): Float64Array {
  const n = units.inputs[0]?.length ?? 0;
  checkLengths(units, n);
  const out = new Float64Array(n).fill(NaN);
  const valid: number[] = [];
  for (let j = 0; j < n; j++) {
    if (validUnit(units, j)) valid.push(j);
    else tally?.add(measure, INVALID);
  }
  if (valid.length === 0) return out;
  const ref = subset(units, valid);
  const frontier = Frontier.build(highs, ref, model);
  try {
    for (let k = 0; k < valid.length; k++) {
      const [x, y] = unitVectors(ref, k);
      const e = frontier.efficiency(x, y);
      if (Number.isNaN(e)) tally?.add(measure, NOT_SOLVED);
      out[valid[k]] = Math.min(e, 1);
    }
  } finally {
    frontier.dispose();
  }
  return out;
}

/** Efficiency of each unit against the frontier of all valid units (one cross-section). */
export async function deaScores(units: Technology, model: DeaModel): Promise<{ efficiency: Float64Array; warnings: MeasureWarning[] }> {
  const tally = new MissingTally();
  const efficiency = deaScoresSync(await loadHighs(), units, model, tally);
  return { efficiency, warnings: tally.warnings([deaMeasureName(model)]) };
}

/** Row indices of each year, years ascending. */
export function rowsByYear(year: ArrayLike<number>): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (let r = 0; r < year.length; r++) {
    const y = year[r];
    if (!Number.isInteger(y)) throw new DataError(`year at row ${r + 1} is ${y}, not an integer`, { row: r + 1 });
    let list = m.get(y);
    if (!list) m.set(y, (list = []));
    list.push(r);
  }
  return new Map([...m].sort((a, b) => a[0] - b[0]));
}

/**
 * DEA efficiency per year: each year's valid cities form that year's reference set (a separate
 * frontier per year, as in the study). Rows are any order; the result is aligned with them.
 */
export async function deaByYear(data: Technology & { year: ArrayLike<number> }, model: DeaModel): Promise<{ efficiency: Float64Array; warnings: MeasureWarning[] }> {
  const n = data.year.length;
  checkLengths(data, n);
  const highs = await loadHighs();
  const tally = new MissingTally();
  const efficiency = new Float64Array(n);
  for (const rows of rowsByYear(data.year).values()) {
    const scores = deaScoresSync(highs, subset(data, rows), model, tally);
    rows.forEach((r, k) => (efficiency[r] = scores[k]));
  }
  return { efficiency, warnings: tally.warnings([deaMeasureName(model)]) };
}
