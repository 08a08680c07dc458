// The per-unit products of the unit pass (blocks.ts UnitPass: crossProducts, arProducts, momentBlock
// and Z'HZ with q_f dense) on the WebAssembly kernel `unit` (src/kernels/wasm/kernels.wat), and the rows
// they are formed from on three more. UnitRows.load gathers the unit's values from the panel into the
// instance's memory (the views below); the kernel `rowtail` does the rest of load (its TypeScript
// under orthogonal deviations), `zfill` makes the instrument rows Z (InstrumentRows.fill; its
// TypeScript with principal components) and `wrows` the rows W (UnitPass.unitRows); the kernel `unit` then
// forms that unit's zw_i, ar_i, ee_i and Z_iᵀHZ_i into scratch blocks, which UnitPass copies to the
// blocks, and adds the sample-wide sums, which stay in the instance until the pass is done (under
// observation weights UnitPass scales the rows in this memory first, and forms ar_i and the
// collinearity sums itself from the rows before). One
// instance serves every pass of a thread (a pass runs to its end before the next begins), laid out
// and cleared again for each: a fit in a loop creates no WebAssembly memory of its own. Every
// product and sum is formed in the order of the TypeScript loops, so the blocks are the same to the bit
// (test/unit-kernel.test.ts). None where the runtime lacks WebAssembly SIMD, beyond 64 instruments
// (UnitPass forms q_f sparse there) or when turned off (pass-kernels.ts useWasmPasses).
import { kernelInstance, placeArrays } from '../kernels/wasm/module.ts';
import type { SparseFactor } from './hmatrix.ts';
import type { UnitRowsReads, UnitRowsStorage } from './design.ts';
import type { FlatPlan } from './instruments.ts';
import { wasmPassesOn } from './pass-kernels.ts';

/** The i32 fields of the kernel's header, in order (kernels.wat reads field k at byte 4k). */
const HEADER = [
  'T', 'P', 'L', 'system', 'sigmaLevel', 'artests', 'arR0', 'arSrc', 'arLen', 'arCols',
  'w', 'nzLen', 'nzCol', 'zstart', 'zcol', 'zval', 'Fn', 'Fstart', 'Frows', 'Fcoef',
  'gramRow', 'nGram', 'gramCols', 'gramT', 'gramL', 'allWW', 'mainWW', 'eeHi', 'eeLo', 'keep',
  'eeOut', 'arUnit', 'arOut', 'arHi', 'arLo', 'zwOut', 'q', 'touched', 'zhzDst', 'track',
  'zhzMark', 'zhzTouched', 'stamp', 'zhzHi', 'zhzLo', 'rowOff', 'nPacked', 'nr',
  'raw', 'ivT', 'gmmLev', 'gmmDif', 'useT', 'useL', 'ivOff', 'nIvTrans', 'ivTransV', 'ivTransCol',
  'ivTransRaw', 'nIvLevel', 'ivLevelV', 'ivLevelCol', 'consCol', 'nb', 'blockLevel', 'blockDiff', 'blockLag', 'blockTauLo',
  'blockTauHi', 'blockCol', 'blockStride', 'blockVars', 'blockVarStart', 'yT', 'xT', 'yL', 'xL', 'kAll',
  'levW', 'nLev', 'outT', 'outMain', 'k0', 'hasConstant', 'ivBase', 'gmmBase', 'nIvVars', 'nGmmVars',
  'present', 'qualified', 'touseVar', 'complete', 'status', 'ivFrom', 'completeVars', 'nComplete', 'transVars', 'nTransVars',
  'transRawVars', 'nTransRaw', 'levelVars', 'nLevelVars', 'dense',
] as const;
type Field = (typeof HEADER)[number];
/** Where wrows leaves its counts in the header. */
const OUT_T = HEADER.indexOf('outT');
const OUT_MAIN = HEADER.indexOf('outMain');
const N_LEV = HEADER.indexOf('nLev');
/** The arrays of the flattened plan (zfill) and of UnitRows.reads (rowtail), copied into the memory. */
const FLAT_NAMES = [
  'ivTransV', 'ivTransCol', 'ivTransRaw', 'ivLevelV', 'ivLevelCol', 'blockLevel', 'blockDiff', 'blockLag', 'blockTauLo',
  'blockTauHi', 'blockCol', 'blockStride', 'blockVars', 'blockVarStart',
] as const satisfies readonly (keyof FlatPlan)[];
const READ_NAMES = ['ivFrom', 'completeVars', 'transVars', 'transRawVars', 'levelVars'] as const satisfies readonly (keyof UnitRowsReads)[];
/** The header's byte address; the arrays follow it. */
const HEADER_AT = 0;

/** This thread's instance of the kernel module for the unit pass (null: no WebAssembly SIMD). */
let instance: UnitExports | null | undefined;

/** The most instruments the kernel takes: it forms q_f dense only (blocks.ts DENSE_L is this bound). */
export const UNIT_KERNEL_MAX_L = 64;

/** What the pass is: sizes and flags (as UnitPass decides them) and its constant operands. */
export interface UnitKernelShape {
  T: number;
  P: number;
  L: number;
  nr: number;
  system: boolean;
  sigmaLevel: boolean;
  /** AR lags whose blocks are formed (0: none). */
  artests: number;
  /** AR rows: level rows (from row T) of W, or W's rows from 0, or the differenced rows (arDifferenced). */
  arR0: number;
  arDifferenced: boolean;
  keep: boolean;
  track: boolean;
  /** Z'HZ's rows updated whole (few instruments) rather than over the touched entries. */
  dense: boolean;
  /** Largest number of instrument entries of the unit's rows (InstrumentRows' capacity). */
  zEntries: number;
  F: SparseFactor;
  gramRow: Int32Array;
  gramCols: Int32Array;
  rowOff: Int32Array;
  /** The lengths of UnitRows' arrays (UnitRows.sizes), which live in the kernel's memory. */
  rows: { raw: number; ivT: number; gmm: number; T: number; x: number };
  /** What UnitRows.load's tail reads of the design (`rowtail`), or null where the TypeScript's runs
   *  (orthogonal deviations). */
  tail: { reads: UnitRowsReads; k0: number; hasConstant: boolean; ivBase: number; gmmBase: number; nIvVars: number; nGmmVars: number } | null;
  /** The instrument plan for `zfill` (instruments.ts flattenPlan), its constant's column and where the
   *  iv sources start in raw (ivBase·T); null where InstrumentRows.fill runs in TypeScript
   *  (principal components). */
  fill: { flat: FlatPlan; consCol: number; ivOff: number } | null;
}

interface UnitExports {
  memory: WebAssembly.Memory;
  unit(h: number): void;
  zfill(h: number): void;
  wrows(h: number): void;
  rowtail(h: number): void;
}

export class UnitKernel {
  private readonly k: UnitExports;
  /** W's rows and their nonzero columns (UnitPass.unitRows writes them). */
  readonly wRows: Float64Array;
  readonly nzLen: Int32Array;
  readonly nzCol: Int32Array;
  /** The differenced rows the AR blocks read under orthogonal deviations (UnitPass writes them). */
  readonly arW: Float64Array;
  readonly arNzLen: Int32Array;
  readonly arNzCol: Int32Array;
  /** UnitRows' arrays: load's gather (and rowtail) writes them, zfill and wrows read them. */
  readonly rowArrays: UnitRowsStorage;
  /** Σ W over the level rows (wRows adds each unit's). */
  readonly levW: Float64Array;
  /** The header, for wRows' counts. */
  private readonly header: Int32Array;
  /** Whether `fillRows` makes the instrument rows (else InstrumentRows.fill does). */
  readonly fills: boolean;
  /** Whether `rowTail` finishes UnitRows.load (else its TypeScript does). */
  readonly tails: boolean;
  /** Z's sparse rows (fillRows, or InstrumentRows.fill, writes them). */
  readonly zstart: Int32Array;
  readonly zcol: Int32Array;
  readonly zval: Float64Array;
  /** The unit's blocks, formed by `unit`. */
  readonly zw: Float64Array;
  readonly ar: Float64Array;
  readonly ee: Float64Array;
  readonly zhz: Float64Array;
  /** The sample-wide sums (upper triangles where symmetric), complete after the last unit. */
  readonly allWW: Float64Array;
  readonly mainWW: Float64Array;
  readonly eeHi: Float64Array;
  readonly eeLo: Float64Array;
  readonly arHi: Float64Array;
  readonly arLo: Float64Array;
  readonly zhzHi: Float64Array;
  readonly zhzLo: Float64Array;

  private constructor(k: UnitExports, s: UnitKernelShape) {
    this.k = k;
    const { T, P, L, nr } = s;
    const PP = P * P;
    const nPacked = (L * (L + 1)) / 2;
    const nSym = (P * (P + 1)) / 2;
    // Byte layout: the header, then every array 8-byte aligned.
    const fl = s.fill?.flat;
    const tr = s.tail?.reads;
    const parts: [string, 'f64' | 'i32' | 'u8', number][] = [
      ['wRows', 'f64', nr * P], ['nzLen', 'i32', nr], ['nzCol', 'i32', nr * P],
      ['arW', 'f64', s.arDifferenced ? T * P : 0], ['arNzLen', 'i32', s.arDifferenced ? T : 0], ['arNzCol', 'i32', s.arDifferenced ? T * P : 0],
      ['zstart', 'i32', nr + 1], ['zcol', 'i32', s.zEntries], ['zval', 'f64', s.zEntries],
      ['Fstart', 'i32', s.F.nrows + 1], ['Frows', 'i32', s.F.rows.length], ['Fcoef', 'f64', s.F.coef.length],
      ['gramRow', 'i32', L], ['gramCols', 'i32', s.gramCols.length], ['gramT', 'f64', PP], ['gramL', 'f64', PP],
      ['allWW', 'f64', PP], ['mainWW', 'f64', PP], ['eeHi', 'f64', PP], ['eeLo', 'f64', PP], ['eeOut', 'f64', PP],
      ['arUnit', 'f64', PP], ['arOut', 'f64', s.artests * nSym], ['arHi', 'f64', s.artests * PP], ['arLo', 'f64', s.artests * PP],
      ['zwOut', 'f64', L * P], ['q', 'f64', L], ['touched', 'i32', L], ['zhzDst', 'f64', nPacked],
      ['zhzMark', 'i32', s.track ? nPacked : 0], ['zhzTouched', 'i32', s.track ? nPacked : 0],
      ['zhzHi', 'f64', nPacked], ['zhzLo', 'f64', nPacked], ['rowOff', 'i32', L],
      ['raw', 'f64', s.rows.raw], ['ivT', 'f64', s.rows.ivT], ['gmmLev', 'f64', s.rows.gmm], ['gmmDif', 'f64', s.rows.gmm],
      ['useT', 'u8', s.rows.T], ['useL', 'u8', s.rows.T], ['yT', 'f64', s.rows.T], ['yL', 'f64', s.rows.T],
      ['xT', 'f64', s.rows.x], ['xL', 'f64', s.rows.x], ['levW', 'f64', P],
      ...(['present', 'qualified', 'touseVar', 'complete', 'status'] as const).map((name): [string, 'u8', number] => [name, 'u8', s.rows.T]),
      ...READ_NAMES.map((name): [string, 'i32', number] => [name, 'i32', tr ? tr[name].length : 0]),
      ...FLAT_NAMES.map((name): [string, 'i32', number] => [name, 'i32', fl ? fl[name].length : 0]),
    ];
    const placed = placeArrays(
      k.memory,
      parts.map(([, type, len]) => len * (type === 'f64' ? 8 : type === 'i32' ? 4 : 1)),
      HEADER_AT + HEADER.length * 4,
    );
    const bytes = placed.end;
    const at = new Map(parts.map(([name], j) => [name, placed.at[j]!]));
    const length = new Map(parts.map(([name, , len]) => [name, len]));
    const buf = k.memory.buffer;
    // The sums, Z'HZ scratch, q and the entry stamps start at zero (an earlier pass left its own).
    new Uint8Array(buf, 0, bytes).fill(0);
    const f64 = (name: string) => new Float64Array(buf, at.get(name)!, length.get(name)!);
    const i32 = (name: string) => new Int32Array(buf, at.get(name)!, length.get(name)!);
    this.wRows = f64('wRows');
    this.nzLen = i32('nzLen');
    this.nzCol = i32('nzCol');
    this.arW = f64('arW');
    this.arNzLen = i32('arNzLen');
    this.arNzCol = i32('arNzCol');
    const u8 = (name: string) => new Uint8Array(buf, at.get(name)!, length.get(name)!);
    this.rowArrays = {
      yT: f64('yT'), xT: f64('xT'), yL: f64('yL'), xL: f64('xL'),
      raw: f64('raw'), ivT: f64('ivT'), gmmLev: f64('gmmLev'), gmmDif: f64('gmmDif'), useT: u8('useT'), useL: u8('useL'),
      present: u8('present'), qualified: u8('qualified'), touseVar: u8('touseVar'), complete: u8('complete'), status: u8('status'),
    };
    this.tails = tr !== undefined;
    if (tr) for (const name of READ_NAMES) i32(name).set(tr[name]);
    this.levW = f64('levW');
    this.fills = fl !== undefined;
    if (fl) for (const name of FLAT_NAMES) i32(name).set(fl[name]);
    this.zstart = i32('zstart');
    this.zcol = i32('zcol');
    this.zval = f64('zval');
    i32('Fstart').set(s.F.start.subarray(0, s.F.nrows + 1));
    i32('Frows').set(s.F.rows);
    f64('Fcoef').set(s.F.coef);
    i32('gramRow').set(s.gramRow);
    i32('gramCols').set(s.gramCols);
    i32('rowOff').set(s.rowOff);
    this.zw = f64('zwOut');
    this.ar = f64('arOut');
    this.ee = f64('eeOut');
    this.zhz = f64('zhzDst');
    this.allWW = f64('allWW');
    this.mainWW = f64('mainWW');
    this.eeHi = f64('eeHi');
    this.eeLo = f64('eeLo');
    this.arHi = f64('arHi');
    this.arLo = f64('arLo');
    this.zhzHi = f64('zhzHi');
    this.zhzLo = f64('zhzLo');

    // Every array whose name is a header field has its address there; the other fields follow.
    const values: Partial<Record<Field, number>> = Object.fromEntries([...at].filter(([name]) => (HEADER as readonly string[]).includes(name)));
    Object.assign(values, {
      T, P, L, nr, nPacked,
      system: s.system ? 1 : 0,
      sigmaLevel: s.sigmaLevel ? 1 : 0,
      artests: s.artests,
      arR0: s.arDifferenced ? 0 : s.arR0,
      arSrc: at.get(s.arDifferenced ? 'arW' : 'wRows'),
      arLen: at.get(s.arDifferenced ? 'arNzLen' : 'nzLen'),
      arCols: at.get(s.arDifferenced ? 'arNzCol' : 'nzCol'),
      w: at.get('wRows'),
      Fn: s.F.nrows, nGram: s.gramCols.length, keep: s.keep ? 1 : 0, track: s.track ? 1 : 0, dense: s.dense ? 1 : 0, stamp: 0,
      kAll: P - 1, nLev: 0,
      k0: s.tail?.k0 ?? 0, hasConstant: s.tail?.hasConstant ? 1 : 0, ivBase: s.tail?.ivBase ?? 0, gmmBase: s.tail?.gmmBase ?? 0,
      nIvVars: s.tail?.nIvVars ?? 0, nGmmVars: s.tail?.nGmmVars ?? 0,
      nComplete: tr?.completeVars.length ?? 0, nTransVars: tr?.transVars.length ?? 0, nTransRaw: tr?.transRawVars.length ?? 0,
      nLevelVars: tr?.levelVars.length ?? 0,
      ivOff: s.fill?.ivOff ?? 0, consCol: s.fill?.consCol ?? -1,
      nIvTrans: fl?.ivTransV.length ?? 0, nIvLevel: fl?.ivLevelV.length ?? 0, nb: fl?.blockLag.length ?? 0,
    });
    const header = (this.header = new Int32Array(buf, HEADER_AT, HEADER.length));
    HEADER.forEach((f, i) => (header[i] = values[f] ?? 0));
  }

  /** The kernel laid out for a pass of this shape (the views of an earlier pass are then stale), or
   *  null where UnitPass keeps its TypeScript loops. */
  static open(shape: UnitKernelShape): UnitKernel | null {
    if (!wasmPassesOn() || shape.L > UNIT_KERNEL_MAX_L) return null;
    if (instance === undefined) instance = kernelInstance<UnitExports>();
    return instance && new UnitKernel(instance, shape);
  }

  /** The products of the unit whose rows are laid out in the views. */
  unit(): void {
    this.k.unit(HEADER_AT);
  }

  /** UnitRows.load after its gather: marks, transformed and level rows, gmm-style sources and each
   *  period's status, from raw, present and qualified in the views (tails only). */
  rowTail(): void {
    this.k.rowtail(HEADER_AT);
  }

  /** The unit's instrument rows (zstart, zcol, zval) from the UnitRows arrays in the views (fills only). */
  fillRows(): void {
    this.k.zfill(HEADER_AT);
  }

  /** The unit's rows of W (wRows, nzLen, nzCol) from the UnitRows arrays in the views, Σ W over its
   *  level rows added into levW: its transformed and main-equation row counts. */
  wRowsOf(): { trans: number; main: number } {
    this.k.wrows(HEADER_AT);
    const h = this.header;
    return { trans: h[OUT_T]!, main: h[OUT_MAIN]! };
  }

  /** The level rows wRowsOf has seen, over the pass. */
  get nLev(): number {
    return this.header[N_LEV]!;
  }
}
