// Location quotients and the co-agglomeration of producer services and manufacturing, per
// city-year, for producer services as a whole and for each segment. Works on plain column arrays;
// panelIndices adapts a Panel.
import { DataError, SpecError } from '../errors.ts';
import type { Panel } from '../panel/panel.ts';
import { DEFAULT_SECTOR_GROUPS, DEFAULT_SECTOR_MAPPING, GBT4754_2002, groupsProblem, producerServiceCodes, type SectorGroups, type SectorMapping } from './sectors.ts';
import { MissingTally, type MeasureWarning } from './warnings.ts';
import { refuseNegative } from './sample-checks.ts';

/** Employment by sector for each city-year row (all arrays the same length). */
export interface EmploymentData {
  city: ArrayLike<string | number>;
  year: ArrayLike<number>;
  /** Employment of each sector, keyed by sector code (e.g. 'C', 'J'); NaN = missing. */
  employment: Record<string, ArrayLike<number>>;
  /** Total employment of each city-year (e_j); by default the sum of all `employment` columns. */
  total?: ArrayLike<number>;
}

/**
 * The reference totals e_i and e of the location quotient. 'sample': per year, the sums over the
 * sample cities that report the sector group and their total. 'national': user-supplied totals per
 * year (one row per year); e is `total`, or else the sum of all the given sector columns.
 */
export type ReferenceTotals =
  | { kind: 'sample' }
  | { kind: 'national'; year: ArrayLike<number>; employment: Record<string, ArrayLike<number>>; total?: ArrayLike<number>; /** The file they came from, for messages. */ source?: string };

export interface IndexResult {
  /** Output columns in row order (NaN = missing), named as in `names`. */
  columns: Record<string, Float64Array>;
  /** LQm, LQs, CA1, CA2 (producer services as a whole), then LQs_<seg>, CA1_<seg>, CA2_<seg> per segment. */
  names: string[];
  /** One per column with missing values, with counts by reason. */
  warnings: MeasureWarning[];
}

/** Output column names for these groups, in the order of IndexResult.names. */
export function indexColumnNames(groups: SectorGroups = DEFAULT_SECTOR_GROUPS): string[] {
  return ['LQm', 'LQs', 'CA1', 'CA2', ...groups.segments.flatMap((s) => [`LQs_${s.key}`, `CA1_${s.key}`, `CA2_${s.key}`])];
}

const MISSING = 'missing employment';
const ZERO = 'zero employment';
const ZERO_REF = 'zero reference employment';

/**
 * Location quotients LQ_ij = (e_ij/e_j)/(e_i/e) of manufacturing (LQm) and producer services (LQs),
 * and co-agglomeration CA1 = 1 − |LQs − LQm|/(LQs + LQm), CA2 = CA1 + (LQs + LQm), per city-year.
 * (LQ: the location quotient of regional analysis, Isard 1960 "Methods of Regional Analysis", ch. 7;
 * CA1 and its quality-plus-scale form CA2 as specified in issue 5, the forms common in Chinese city
 * co-agglomeration studies.)
 * A zero is read as "not reported" (yearbook practice): a zero or missing group employment, city
 * total or reference total makes the index missing; each is counted in the warnings.
 */
export function coagglomerationIndices(
  data: EmploymentData,
  groups: SectorGroups = DEFAULT_SECTOR_GROUPS,
  reference: ReferenceTotals = { kind: 'sample' },
): IndexResult {
  const n = data.year.length;
  const codes = Object.keys(data.employment);
  const problem = groupsProblem(groups, codes);
  if (problem) throw new SpecError(problem, '--sectors');
  if (data.city.length !== n) throw new DataError(`city has ${data.city.length} values for ${n} rows`);
  for (const c of codes) if (data.employment[c].length !== n) throw new DataError(`employment of sector ${c} has ${data.employment[c].length} values for ${n} rows`);
  if (data.total && data.total.length !== n) throw new DataError(`total employment has ${data.total.length} values for ${n} rows`);
  checkRows(data);

  // Group employment per row: manufacturing, producer services as a whole, each segment.
  const groupCodes: [string, string[]][] = [
    ['m', groups.manufacturing],
    ['s', producerServiceCodes(groups)],
    ...groups.segments.map((s): [string, string[]] => [`s_${s.key}`, s.codes]),
  ];
  const cityTotal = data.total ? Float64Array.from(data.total) : sumColumns(codes.map((c) => data.employment[c]), n);
  const groupEmp = new Map(groupCodes.map(([g, cs]) => [g, sumColumns(cs.map((c) => data.employment[c]), n)]));
  const ref = referenceTotals(data.year, cityTotal, groupEmp, groups, reference);

  const tally = new MissingTally();
  const lq = new Map<string, Float64Array>();
  const why = new Map<string, (string | null)[]>();
  for (const [g] of groupCodes) {
    const e = groupEmp.get(g)!;
    const out = new Float64Array(n);
    const reasons: (string | null)[] = new Array(n).fill(null);
    const name = g === 'm' ? 'LQm' : g === 's' ? 'LQs' : `LQs_${g.slice(2)}`;
    for (let r = 0; r < n; r++) {
      const [ei, et] = ref.get(g)!.get(data.year[r])!;
      const reason = Number.isNaN(e[r]) || Number.isNaN(cityTotal[r]) ? MISSING : e[r] === 0 || cityTotal[r] === 0 ? ZERO : ei === 0 ? ZERO_REF : null;
      if (reason) {
        out[r] = NaN;
        reasons[r] = reason;
        tally.add(name, reason);
      } else out[r] = e[r] / cityTotal[r] / (ei / et);
    }
    lq.set(name, out);
    why.set(name, reasons);
  }

  const columns: Record<string, Float64Array> = { LQm: lq.get('LQm')! };
  const lqm = columns.LQm;
  for (const seg of [null, ...groups.segments.map((s) => s.key)]) {
    const sfx = seg === null ? '' : `_${seg}`;
    const lqs = lq.get(`LQs${sfx}`)!;
    const whyS = why.get(`LQs${sfx}`)!;
    const whyM = why.get('LQm')!;
    const ca1 = new Float64Array(n);
    const ca2 = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const reason = whyS[r] ?? whyM[r];
      if (reason) {
        ca1[r] = ca2[r] = NaN;
        tally.add(`CA1${sfx}`, reason);
        tally.add(`CA2${sfx}`, reason);
        continue;
      }
      const sum = lqs[r] + lqm[r];
      ca1[r] = 1 - Math.abs(lqs[r] - lqm[r]) / sum;
      ca2[r] = ca1[r] + sum;
    }
    columns[`LQs${sfx}`] = lqs;
    columns[`CA1${sfx}`] = ca1;
    columns[`CA2${sfx}`] = ca2;
  }
  const names = indexColumnNames(groups);
  return { columns: Object.fromEntries(names.map((k) => [k, columns[k]])), names, warnings: tally.warnings(names) };
}

/** Index columns for a panel, in panel row order; employment columns named by `mapping`. */
export function panelIndices(panel: Panel, mapping: SectorMapping = DEFAULT_SECTOR_MAPPING, reference: ReferenceTotals = { kind: 'sample' }): IndexResult {
  const needed = mapping.total ? [...new Set([...mapping.manufacturing, ...producerServiceCodes(mapping)])] : Object.keys(mapping.columns);
  const employment: Record<string, Float64Array> = {};
  for (const code of needed) {
    const col = mapping.columns[code];
    if (col === undefined) throw new SpecError(`sector '${code}' has no employment column in the sector mapping`, '--sectors');
    if (!panel.has(col)) throw new DataError(`employment column '${col}' (sector ${sectorLabel(code)}) not found${panel.source ? ` in ${panel.source}` : ''}`, { file: panel.source, column: col });
    employment[code] = panel.column(col);
    // Named here, where the column and the file are known (checkRows names the sector only).
    refuseNegative(panel, col, employment[code], 'employment', ` (sector ${sectorLabel(code)})`);
  }
  if (mapping.total && !panel.has(mapping.total))
    throw new DataError(`total employment column '${mapping.total}' not found${panel.source ? ` in ${panel.source}` : ''}`, { file: panel.source, column: mapping.total });
  return coagglomerationIndices(
    { city: Array.from(panel.unitOf, (u) => panel.units[u]), year: panel.time, employment, ...(mapping.total ? { total: panel.column(mapping.total) } : {}) },
    mapping,
    reference,
  );
}

/** The panel with the index columns added (a column of the same name is replaced). */
export function withIndices(panel: Panel, mapping: SectorMapping = DEFAULT_SECTOR_MAPPING, reference: ReferenceTotals = { kind: 'sample' }): { panel: Panel; warnings: MeasureWarning[] } {
  const res = panelIndices(panel, mapping, reference);
  let out = panel;
  for (const name of res.names) out = out.withColumn(name, res.columns[name]);
  return { panel: out, warnings: res.warnings };
}

function sectorLabel(code: string): string {
  const s = GBT4754_2002.find((x) => x.code === code);
  return s ? `${code}, ${s.name}` : code;
}

/** Years must be integers, cities present, (city, year) unique, employment non-negative. */
function checkRows(data: EmploymentData): void {
  const seen = new Set<string>();
  for (let r = 0; r < data.year.length; r++) {
    const y = data.year[r];
    const c = data.city[r];
    if (!Number.isInteger(y)) throw new DataError(`year at row ${r + 1} is ${y}, not an integer`, { row: r + 1 });
    if (c === null || c === undefined || c === '') throw new DataError(`city missing at row ${r + 1}`, { row: r + 1 });
    const key = `${c}\u0000${y}`;
    if (seen.has(key)) throw new DataError(`duplicate city-year (city ${c}, year ${y}) at row ${r + 1}`, { row: r + 1 });
    seen.add(key);
    for (const [code, col] of Object.entries(data.employment))
      if (col[r] < 0) throw new DataError(`negative employment ${col[r]} in sector ${sectorLabel(code)} for city ${c}, year ${y}`, { row: r + 1 });
    if (data.total && data.total[r] < 0) throw new DataError(`negative total employment ${data.total[r]} for city ${c}, year ${y}`, { row: r + 1 });
  }
}

function sumColumns(cols: ArrayLike<number>[], n: number): Float64Array {
  const out = new Float64Array(n);
  for (const c of cols) for (let r = 0; r < n; r++) out[r] += c[r];
  return out;
}

/** Per group, per year: [e_i, e], the group's reference employment and the reference grand total. */
function referenceTotals(
  year: ArrayLike<number>,
  cityTotal: Float64Array,
  groupEmp: Map<string, Float64Array>,
  groups: SectorGroups,
  reference: ReferenceTotals,
): Map<string, Map<number, [number, number]>> {
  const out = new Map<string, Map<number, [number, number]>>();
  const years = [...new Set(Array.from(year))];
  if (reference.kind === 'sample') {
    // Sum over the cities that report both the group's employment and their total, so that the
    // reference share e_i/e is taken over the same cities.
    for (const [g, e] of groupEmp) {
      const byYear = new Map<number, [number, number]>(years.map((y) => [y, [0, 0]]));
      for (let r = 0; r < year.length; r++) {
        if (!(e[r] > 0 && cityTotal[r] > 0)) continue;
        const acc = byYear.get(year[r])!;
        acc[0] += e[r];
        acc[1] += cityTotal[r];
      }
      out.set(g, byYear);
    }
    return out;
  }
  const nat = reference;
  const natName = nat.source ? `national totals ${nat.source}` : 'national totals';
  const rowOf = new Map<number, number>();
  for (let r = 0; r < nat.year.length; r++) {
    if (rowOf.has(nat.year[r])) throw new DataError(`${natName}: year ${nat.year[r]} appears twice`, { file: nat.source });
    rowOf.set(nat.year[r], r);
  }
  const natCodes = Object.keys(nat.employment);
  const problem = groupsProblem(groups, natCodes);
  if (problem) throw new DataError(`${natName}: ${problem}`, { file: nat.source });
  const groupCodes = new Map<string, string[]>([
    ['m', groups.manufacturing],
    ['s', producerServiceCodes(groups)],
    ...groups.segments.map((s): [string, string[]] => [`s_${s.key}`, s.codes]),
  ]);
  for (const g of groupEmp.keys()) out.set(g, new Map());
  for (const y of years) {
    const r = rowOf.get(y);
    if (r === undefined) throw new DataError(`${natName}: no row for year ${y}`, { file: nat.source });
    const value = (v: number, what: string): number => {
      if (!(v >= 0)) throw new DataError(`${natName}: ${what} for year ${y} is ${Number.isNaN(v) ? 'missing' : v}`, { file: nat.source });
      return v;
    };
    let e = 0;
    if (nat.total) e = value(nat.total[r], 'total employment');
    else for (const c of natCodes) e += value(nat.employment[c][r], `employment of sector ${sectorLabel(c)}`);
    if (e === 0) throw new DataError(`${natName}: total employment for year ${y} is 0`, { file: nat.source });
    for (const [g, cs] of groupCodes) {
      let ei = 0;
      for (const c of cs) ei += value(nat.employment[c][r], `employment of sector ${sectorLabel(c)}`);
      out.get(g)!.set(y, [ei, e]);
    }
  }
  return out;
}
