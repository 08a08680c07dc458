// Clustered moment covariances as xtabond2 3.7.0 forms them. cluster(a b …) sums, over every nonempty
// combination of the cluster variables, the outer products of each of the combination's clusters'
// moments, added for a combination of an odd number of variables and subtracted for an even number
// (multi-way clustering: Cameron, Gelbach and Miller 2011, J. Bus. Econ. Stat. 29(2), eq. 2.11), each
// times N_c/(N_c − 1) under `small`, N_c the combination's cluster count. One variable is the
// one-combination case. A cluster is a set of observations, not of units: a variable may change
// within a unit (cluster(year)), so a unit's observations fall in one or more *pieces*, the
// observations of the unit that share every cluster variable's value. A piece's moments are the unit's
// zw restricted to its rows (blocks.ts), and every clustered sum is a sum over pieces: keyed by the
// piece's cluster in each combination, so that sets of units (threads, shards) merge by key, except
// in a combination that holds the panel id, whose clusters lie within one unit and are summed where
// they are (passes.ts, engine.ts).
//
// Which observations a cluster holds follows xtabond2: clusters are `egen group(vars), missing` over
// the main-equation sample, so a missing value is a cluster value of its own, and an observation of
// the transformed equation takes the values of the period it is stored at (first differences: its
// own period; forward orthogonal deviations: the next one). Where that period has no data row (a
// deviation stored past a gap or the unit's last period) xtabond2 leaves the observation out of every
// cluster; sysgmm keeps it, with its own period's values (README, "Clustered errors").
import { SpecError } from '../errors.ts';
import type { Panel } from '../panel/panel.ts';
import type { Design } from './design.ts';
import type { KeyedRows } from './partial-sums.ts';
import { addTo, compensated, normalize } from './sums.ts';

export interface ClusterCombination {
  vars: string[];
  /** +1 for an odd number of variables, −1 for an even number. */
  sign: number;
}

/** Every nonempty combination of the cluster variables, with its sign. */
export function clusterCombinations(vars: readonly string[]): ClusterCombination[] {
  const out: ClusterCombination[] = [];
  for (let m = 1; m < 1 << vars.length; m++) {
    const sub = vars.filter((_, j) => m & (1 << j));
    out.push({ vars: sub, sign: sub.length % 2 === 1 ? 1 : -1 });
  }
  return out;
}

export interface Clustering {
  combinations: ClusterCombination[];
  /** Per combination: whether it holds the panel id, so that each of its clusters lies within one unit
   *  (a set of units, a shard, holds it whole): its sums need no keys (clusterTotals, and the
   *  partial sums localCount and localGram). */
  local: boolean[];
  /** Block row (sample unit) of each piece; a unit's pieces are consecutive. */
  pieceUnit: Int32Array;
  /** First piece of each unit (n + 1 offsets). */
  unitPieces: Int32Array;
  /** Each piece's cluster in each combination (pieces × combinations, piece-major), an index into
   *  clusterKeys; combination k's clusters are codes codeStart[k] .. codeStart[k + 1] − 1. */
  codes: Int32Array;
  codeStart: Int32Array;
  /** The key of each of these units' clusters: the combination's index and its variables' values
   *  (clusterKey), what identifies a cluster across shards and threads; '' for a local combination's. */
  clusterKeys: string[];
  /** Piece of each unit's period (n × T; −1 where the unit has no data row). */
  periodPiece: Int32Array;
  /** Main-equation observations of each piece, and its rows that enter either equation (filled by the
   *  unit pass): a piece of none is none of the sample's. */
  obs: Float64Array;
  used: Int32Array;
  /** 1 for a piece where some cluster variable is missing. */
  missing: Uint8Array;
  /** zw of each piece (pieces × L × P), or null when every unit is one piece (its zw is the piece's). */
  zw: Float64Array | null;
}

/** A cluster's key in combination k: k, then each value with its length (no separator is ambiguous). */
function clusterKey(k: number, values: readonly string[]): string {
  if (values.length === 1) return `${k}|${values[0]}`;
  let s = `${k}`;
  for (const v of values) s += `|${v.length}:${v}`;
  return s;
}

/** The combination index of a key. */
export function keyCombination(key: string): number {
  return Number(key.slice(0, key.indexOf('|')));
}

/** A cluster variable's values as codes, numbered as first met, with each code's text ('' where
 *  missing; the unit's label for the panel id). */
class ValueCodes {
  readonly text: string[] = [];
  private readonly codes = new Map<number | string, number>();
  readonly at: (r: number) => number;
  constructor(p: Panel, name: string) {
    if (!p.has(name)) throw new SpecError(`cluster(${name}): unknown column`, 'cluster');
    const code = (v: number | string, text: () => string): number => {
      let c = this.codes.get(v);
      if (c === undefined) {
        c = this.text.length;
        this.codes.set(v, c);
        this.text.push(text());
      }
      return c;
    };
    if (name === p.idName) this.at = (r) => code(p.unitOf[r], () => String(p.units[p.unitOf[r]]));
    else if (p.isNumeric(name)) {
      const col = p.column(name);
      // Map keys compare as SameValueZero: every NaN is one key, and −0 is 0 (as its text is).
      this.at = (r) => code(col[r], () => (Number.isNaN(col[r]) ? '' : String(col[r])));
    } else {
      const col = p.textColumn(name);
      this.at = (r) => code(col[r] ?? '', () => col[r] ?? '');
    }
  }
}

/** Whether piece q's codes (pieceVar, row.length a piece) are row's. */
function sameValues(pieceVar: number[], q: number, row: Int32Array): boolean {
  const nv = row.length;
  for (let j = 0; j < nv; j++) if (pieceVar[q * nv + j] !== row[j]) return false;
  return true;
}

/** The pieces of the design's units under cluster(vars): each unit's data rows grouped by their
 *  values of every cluster variable, pieces in order of their first period. */
export function clusterPieces(d: Design, vars: readonly string[]): Clustering {
  const p = d.panel;
  const { offsets, time } = p;
  const combinations = clusterCombinations(vars);
  const nv = vars.length;
  const value = vars.map((v) => new ValueCodes(p, v));
  const n = d.units.length;
  const T = d.T;
  const periodPiece = new Int32Array(n * T).fill(-1);
  const unitPieces = new Int32Array(n + 1);
  // Each piece's code of every variable (pieces × variables).
  const pieceVar: number[] = [];
  const pieceUnit: number[] = [];
  const row = new Int32Array(nv);
  const byUnit = nv === 1 && vars[0] === p.idName;
  for (let i = 0; i < n; i++) {
    const u = d.units[i];
    const first = pieceUnit.length;
    // The panel id alone is one piece a unit: its first row says it.
    const end = byUnit ? offsets[u] + 1 : offsets[u + 1];
    let piece = -1;
    for (let r = offsets[u]; r < end; r++) {
      for (let j = 0; j < nv; j++) row[j] = value[j].at(r);
      // The unit's piece of these values: the last one's (most units keep their values), else a scan
      // of the unit's pieces (a few: one per value met), else a new one.
      if (piece < 0 || !sameValues(pieceVar, piece, row)) {
        piece = -1;
        for (let q = first; q < pieceUnit.length && piece < 0; q++) if (sameValues(pieceVar, q, row)) piece = q;
        if (piece < 0) {
          piece = pieceUnit.length;
          pieceUnit.push(i);
          for (let j = 0; j < nv; j++) pieceVar.push(row[j]);
        }
      }
      for (let q = byUnit ? offsets[u] : r; q < (byUnit ? offsets[u + 1] : r + 1); q++) {
        const t = time[q] - d.tmin;
        if (t >= 0 && t < T) periodPiece[i * T + t] = piece;
      }
    }
    unitPieces[i + 1] = pieceUnit.length;
  }
  // Each piece's cluster in each combination, and a key for each cluster.
  const pieces = pieceUnit.length;
  const nk = combinations.length;
  const codes = new Int32Array(pieces * nk);
  const clusterKeys: string[] = [];
  const local = combinations.map((c) => c.vars.includes(p.idName));
  const codeStart = new Int32Array(nk + 1);
  const sameOn = (js: number[], q: number, r: number) => js.every((j) => pieceVar[q * nv + j] === pieceVar[r * nv + j]);
  combinations.forEach((c, k) => {
    const js = c.vars.map((v) => vars.indexOf(v));
    const start = clusterKeys.length;
    if (local[k]) {
      // Clusters within units: a piece joins the first of its unit's pieces with its values. A local
      // combination's clusters never meet another set's: no key (clusterRows skips them).
      for (let i = 0; i < n; i++)
        for (let q = unitPieces[i]; q < unitPieces[i + 1]; q++) {
          let r = unitPieces[i];
          while (r < q && !sameOn(js, r, q)) r++;
          codes[q * nk + k] = r < q ? codes[r * nk + k] : clusterKeys.push('') - 1;
        }
    } else if (js.length === 1) {
      // One variable: its codes (every one is some piece's).
      const j = js[0];
      for (const text of value[j].text) clusterKeys.push(clusterKey(k, [text]));
      for (let q = 0; q < pieces; q++) codes[q * nk + k] = start + pieceVar[q * nv + j];
    } else {
      // Several: their codes as one number where they fit (mixed radix), else as text, numbered as met.
      const radix = js.map((j) => value[j].text.length + 1);
      const numeric = radix.reduce((x, y) => x * y, 1) < 2 ** 52;
      const seen = new Map<number | string, number>();
      for (let q = 0; q < pieces; q++) {
        let id: number | string = numeric ? 0 : '';
        for (let m = 0; m < js.length; m++) {
          const v = pieceVar[q * nv + js[m]];
          id = numeric ? (id as number) * radix[m] + v : `${id},${v}`;
        }
        let code = seen.get(id);
        if (code === undefined) {
          code = clusterKeys.length;
          seen.set(id, code);
          clusterKeys.push(clusterKey(k, js.map((jj) => value[jj].text[pieceVar[q * nv + jj]])));
        }
        codes[q * nk + k] = code;
      }
    }
    codeStart[k + 1] = clusterKeys.length;
  });
  const missing = Uint8Array.from(pieceUnit, (_, q) => (value.some((v, j) => v.text[pieceVar[q * nv + j]] === '') ? 1 : 0));
  return {
    combinations, local, pieceUnit: Int32Array.from(pieceUnit), unitPieces, codes, codeStart, clusterKeys, periodPiece,
    obs: new Float64Array(pieces), used: new Int32Array(pieces), missing, zw: null,
  };
}

/** Keyed rows (partial-sums.ts) of per-piece rows (pieces × width): each cluster's sum over its pieces,
 *  in piece order (compensated), keys sorted ascending (by UTF-16 code unit, as partial sums merge
 *  them); the clusters of combinations that are not local only. */
export function clusterRows(c: Clustering, rows: Float64Array, width: number): KeyedRows {
  const nk = c.combinations.length;
  // The non-local combinations' codes, numbered compactly.
  const slot = new Int32Array(c.clusterKeys.length).fill(-1);
  const keyed: number[] = [];
  c.local.forEach((local, k) => {
    if (!local) for (let code = c.codeStart[k]; code < c.codeStart[k + 1]; code++) slot[code] = keyed.push(code) - 1;
  });
  const sum = compensated(keyed.length * width);
  if (keyed.length > 0)
    for (let q = 0; q < c.pieceUnit.length; q++)
      for (let k = 0; k < nk; k++) {
        if (c.local[k]) continue;
        const o = slot[c.codes[q * nk + k]] * width;
        for (let m = 0; m < width; m++) addTo(sum, o + m, rows[q * width + m]);
      }
  normalize(sum);
  const order = keyed.map((_, j) => j).sort((a, b) => (c.clusterKeys[keyed[a]] < c.clusterKeys[keyed[b]] ? -1 : 1));
  const out = { keys: order.map((j) => c.clusterKeys[keyed[j]]), width, rows: new Float64Array(order.length * width), lo: new Float64Array(order.length * width) };
  order.forEach((j, at) => {
    out.rows.set(sum.hi.subarray(j * width, (j + 1) * width), at * width);
    out.lo.set(sum.lo.subarray(j * width, (j + 1) * width), at * width);
  });
  return out;
}

/** Per-piece rows (pieces × width) summed by cluster (clusters × width, indexed by code), in piece
 *  order: plain sums, for local combinations, whose clusters lie within one unit. */
export function clusterTotals(c: Clustering, rows: Float64Array, width: number): Float64Array {
  const nk = c.combinations.length;
  const out = new Float64Array(c.clusterKeys.length * width);
  for (let q = 0; q < c.pieceUnit.length; q++)
    for (let k = 0; k < nk; k++) {
      if (!c.local[k]) continue;
      const o = c.codes[q * nk + k] * width;
      for (let m = 0; m < width; m++) out[o + m] += rows[q * width + m];
    }
  return out;
}

/** The partial sums (partial-sums.ts) of a local combination k: its clusters with observations, and Σ_c g_c g_c'. */
export const localCount = (k: number): string => `cluster.n.${k}`;
export const localGram = (k: number): string => `cluster.s.${k}`;

/** The piece of row r (transformed rows 0..T−1, level rows T..2T−1) of unit i: that of the period the
 *  row is stored at, else (a deviation stored where the unit has no data row) of the period before. */
export function rowPiece(c: Clustering, i: number, r: number, T: number): number {
  const t = r % T;
  const own = c.periodPiece[i * T + t];
  if (own >= 0) return own;
  const before = t > 0 ? c.periodPiece[i * T + t - 1] : -1;
  if (before < 0) throw new Error(`rowPiece: unit ${i} has no data row at period ${t} or the one before`);
  return before;
}

/** Under one cluster variable constant over each unit's rows in the sample, what a pairs bootstrap
 *  resamples: each unit's cluster (numbered from 0, units with observations first) and the count with
 *  observations; null otherwise. */
export function unitClusters(c: Clustering, n: number, obsMain: Int32Array): { index: Int32Array; n: number } | null {
  if (c.combinations.length !== 1) return null;
  // Each unit's piece in the sample (its first where it has none).
  const piece = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    piece[i] = c.unitPieces[i];
    let inSample = 0;
    for (let q = c.unitPieces[i]; q < c.unitPieces[i + 1]; q++)
      if (c.used[q] > 0 && inSample++ === 0) piece[i] = q;
    if (inSample > 1) return null;
  }
  const renumber = new Map<number, number>();
  const index = new Int32Array(n);
  for (const withObs of [true, false])
    for (let i = 0; i < n; i++) {
      if (obsMain[i] > 0 !== withObs) continue;
      const code = c.codes[piece[i]];
      if (!renumber.has(code)) renumber.set(code, renumber.size);
      index[i] = renumber.get(code)!;
    }
  let count = 0;
  index.forEach((k, i) => obsMain[i] > 0 && (count = Math.max(count, k + 1)));
  return { index, n: count };
}

/** Clusters with main-equation observations in each combination, from the merged observation counts
 *  by key. */
export function clusterCounts(keys: readonly string[], obs: ArrayLike<number>, combinations: number): number[] {
  const n = new Array<number>(combinations).fill(0);
  keys.forEach((k, j) => obs[j] > 0 && n[keyCombination(k)]++);
  return n;
}

/** Units with an observation where some cluster variable is missing (a cluster value of its own, as
 *  xtabond2's egen group(), missing makes it; inference.ts warns of them). */
export function unclusteredUnits(c: Clustering): number {
  let n = 0;
  for (let i = 0; i + 1 < c.unitPieces.length; i++)
    for (let q = c.unitPieces[i]; q < c.unitPieces[i + 1]; q++)
      if (c.missing[q] && c.used[q] > 0) {
        n++;
        break;
      }
  return n;
}
