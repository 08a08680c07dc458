// An estimate on worker threads: the sample units split into contiguous parts, one per thread (this
// thread takes the first), each part's per-unit blocks built and kept by its thread, and every pass
// answered by each part and merged (partial-sums.ts): the sharded estimate of src/scale inside one
// process, for panels where the per-unit pass is most of the time. The parts' sums are compensated,
// so the merged sums are the one-thread sums to rounding (test/threaded.test.ts, 1e-12 as shards).
import { DataError, SpecError } from '../errors.ts';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../module-worker.ts';
import type { LaggedColumn } from '../panel/operators.ts';
import { Panel, type PanelWire } from '../panel/panel.ts';
import { blockLengths, restrictRegressors, unitBlocks, type BlockStorage, type UnitBlocks } from './blocks.ts';
import type { Design } from './design.ts';
import { estimationSteps, runStepsAsync } from './engine.ts';
import type { EstimateOptions } from './engine.ts';
import { exclusions, inferenceFromTotals } from './inference.ts';
import { checkIdentified, keptRegressors, mergedCounts, mergedTotals } from './merged-totals.ts';
import type { InstrumentPlan } from './instruments.ts';
import { mergeAll, sumOf, type PartialSums } from './partial-sums.ts';
import { computePass, type ArMode, type PassRequest, type Shard } from './passes.ts';
import type { GmmResult } from './result.ts';
import { splitUnits } from './shards.ts';
import { giveBackThread, takeSpareThread, type SpareThread } from './spare-threads.ts';

/** What a part reports after building its blocks on every regressor. */
export interface PartBuilt {
  allWW: Float64Array;
  levW: Float64Array;
  nLev: number;
  excluded: [number, number][];
}

/** The messages a part answers (thread-worker.ts, or this thread's own part). */
export type PartRequest =
  | { op: 'build'; panel: PanelWire; design: Omit<Design, 'panel'>; plan: InstrumentPlan; arBlocks: boolean; storage?: BlockStorage }
  | { op: 'keep'; keep: number[]; dropped: string[] }
  | { op: 'pass'; request: PassRequest }
  | { op: 'release' };

/** One part of the units: builds its blocks, restricts them to the kept regressors, answers passes. */
export class Part {
  private shard: Shard | null = null;
  private full: UnitBlocks | null = null;

  handle(req: PartRequest): PartBuilt | PartialSums | null {
    if (req.op === 'release') {
      // The fit is done: its blocks go, and the thread waits for the next fit (spare-threads.ts).
      this.shard = null;
      this.full = null;
      return null;
    }
    if (req.op === 'build') {
      const design: Design = { ...req.design, panel: Panel.fromWire(req.panel) };
      this.full = unitBlocks(design, req.plan, { keep: design.regressorNames.map((_, k) => k), arBlocks: req.arBlocks, storage: req.storage });
      this.shard = { blocks: this.full, design, plan: req.plan };
      const c = this.full.collinearitySums;
      return { allWW: c.allWW, levW: c.levW, nLev: c.nLev, excluded: [...this.full.excluded] };
    }
    if (!this.shard) throw new Error('threaded estimate: a part was asked before its blocks were built');
    if (req.op === 'keep') {
      if (!this.full) throw new Error('threaded estimate: the regressors of a part were restricted twice');
      this.shard = { ...this.shard, blocks: restrictRegressors(this.full, req.keep, req.dropped) };
      this.full = null;
      return null;
    }
    return computePass(this.shard, req.request);
  }
}

/** A thrown error as plain data across threads, and back as the same kind (the CLI's exit code depends on it). */
export type WireError = { kind: 'DataError' | 'SpecError' | 'Error'; message: string; where?: DataError['where']; option?: string };

export function errorToWire(e: unknown): WireError {
  if (e instanceof DataError) return { kind: 'DataError', message: e.message, where: e.where };
  if (e instanceof SpecError) return { kind: 'SpecError', message: e.message, option: e.option };
  return { kind: 'Error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

export function errorFromWire(w: WireError): Error {
  if (w.kind === 'DataError') return new DataError(w.message, w.where);
  if (w.kind === 'SpecError') return new SpecError(w.message, w.option);
  return new Error(`threaded estimate, in a worker thread: ${w.message}`);
}

/** A part answered elsewhere than in the calling thread's own part: on a worker, or (a worker that could not start) here. */
interface OtherPart {
  ask<T>(req: PartRequest): Promise<T>;
  close(): Promise<unknown>;
}

/** A part on a worker thread: one request at a time, answered in order. */
class RemotePart implements OtherPart {
  private readonly worker: Worker;
  private pending: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;
  /** Why the worker stopped, once it has: later requests are refused with it. */
  private failed: Error | null;
  private readonly stopListening: () => void;

  /** On a waiting worker (spare-threads.ts), or on a new one. */
  constructor(spare: SpareThread | undefined) {
    this.worker = spare?.worker ?? startModuleWorker(import.meta.url, 'thread-worker');
    this.failed = spare?.failed ?? null;
    const fail = (e: Error) => {
      this.failed ??= e;
      const p = this.pending;
      this.pending = null;
      p?.reject(e);
    };
    const onMessage = (m: { ok: unknown } | { error: WireError }) => {
      const p = this.pending;
      this.pending = null;
      if ('error' in m) p?.reject(errorFromWire(m.error));
      else p?.resolve(m.ok);
    };
    const onExit = (code: number) => fail(new Error(`threaded estimate: a worker thread exited (code ${code})`));
    this.worker.on('message', onMessage);
    this.worker.on('error', fail);
    this.worker.on('exit', onExit);
    this.stopListening = () => {
      this.worker.off('message', onMessage);
      this.worker.off('error', fail);
      this.worker.off('exit', onExit);
    };
  }

  ask<T>(req: PartRequest): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (v: unknown) => void, reject };
      this.worker.postMessage(req);
    });
  }

  /** The worker, its part released, back among the waiting ones; ended if it failed, or if a request
   *  is still unanswered (the fit stopped on another part's error): its late answer would be read as
   *  the answer to the next fit's first request. */
  async close(): Promise<void> {
    const released = this.failed || this.pending ? false : await this.ask<null>({ op: 'release' }).then(() => true, () => false);
    this.stopListening();
    if (released) giveBackThread(this.worker);
    else await this.worker.terminate();
  }
}

/**
 * The design and the panel arrays the parts read (w: the panel's offsets, times, unit codes and
 * cluster() column; the design's sample units, sources and if/in mask), on SharedArrayBuffers, so
 * that every worker reads the one copy: arrays already shared (the CSV readers' columns) are passed
 * as they are, others are copied once (an array used twice, e.g. y as depvar and as its lag, once).
 */
function sharedDesign(design: Design, w: PanelWire): { panel: PanelWire; design: Omit<Design, 'panel'> } {
  const { panel: _panel, ...rest } = design;
  const copies = new Map<ArrayBufferView, ArrayBufferView>();
  const share = <A extends Float64Array | Int32Array | Uint8Array>(a: A): A => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    let c = copies.get(a);
    if (!c) {
      const Ctor = a.constructor as new (b: SharedArrayBuffer) => A;
      const copy = new Ctor(new SharedArrayBuffer(a.byteLength));
      copy.set(a as never);
      copies.set(a, (c = copy));
    }
    return c as A;
  };
  // A source listed twice (a regressor that is also an instrument) stays one object: UnitRows finds
  // such repeats by identity and copies them instead of gathering them again.
  const sources = new Map<LaggedColumn, LaggedColumn>();
  const sharedSource = (s: LaggedColumn): LaggedColumn => {
    let c = sources.get(s);
    if (!c) sources.set(s, (c = { values: share(s.values), lag: s.lag }));
    return c;
  };
  return {
    panel: { ...w, offsets: share(w.offsets), unitOf: share(w.unitOf), time: share(w.time), numeric: new Map([...w.numeric].map(([name, col]) => [name, share(col)])) },
    design: {
      ...rest,
      units: share(rest.units),
      sources: rest.sources.map(sharedSource),
      qualified: rest.qualified && share(rest.qualified),
      weights: rest.weights && { ...rest.weights, values: share(rest.weights.values), out: rest.weights.out && share(rest.weights.out) },
    },
  };
}

/** What fit.ts decides for the model: the AR sums inference needs, and the options given the σ² count and
 *  the observation weights' normalization factor. */
export interface ThreadedModel {
  arMode: ArMode;
  options: (sigmaObs: number, weightScale: number) => EstimateOptions;
}

/**
 * fitGmm on `threads` threads: the same result as one thread to rounding. Counts, exclusions and the
 * collinearity check are decided here on the parts' merged sums, as the sharded estimate does.
 */
export async function fitThreaded(prep: { design: Design; plan: InstrumentPlan }, model: ThreadedModel, threads: number, command = ''): Promise<GmmResult> {
  const { design, plan } = prep;
  // The panel with the columns the parts read beyond the design's (the cluster() variables). The
  // workers get the unit labels only where a part reads them: a cluster of the id column is keyed by
  // its label (clusters.ts ValueCodes).
  const columns = design.spec.cluster ?? [];
  const wire = design.panel.toWire(columns);
  const shared = threads > 1 ? sharedDesign(design, design.panel.toWire(columns, { labels: columns.includes(design.panel.idName) })) : null;
  // Parts as views of the shared sample units: a worker's units go without a copy.
  const parts = splitUnits(shared?.design.units ?? design.units, threads);
  const local = new Part();
  const remote: OtherPart[] = parts.slice(1).map(() => new RemotePart(takeSpareThread()));
  // A worker that cannot start (a program bundled without thread-worker.js) leaves its part to this
  // thread: the same part, answered here after this thread's own.
  const here = (): OtherPart => {
    const part = new Part();
    return { ask: <T>(req: PartRequest) => Promise.resolve(part.handle(req) as T), close: () => Promise.resolve() };
  };
  const typed = (e: unknown) => e instanceof DataError || e instanceof SpecError;
  try {
    // Each request goes to the workers first; this thread then answers for its own part meanwhile.
    const ask = async <T>(make: (k: number) => PartRequest): Promise<T[]> => {
      const answers = remote.map((r, k) =>
        r.ask<T>(make(k + 1)).catch(async (e: unknown) => {
          if (typed(e) || make(k + 1).op !== 'build') throw e;
          await r.close();
          remote[k] = here();
          return remote[k].ask<T>(make(k + 1));
        }),
      );
      let mine: T;
      try {
        mine = local.handle(make(0)) as T;
      } catch (e) {
        await Promise.allSettled(answers);
        throw e;
      }
      return [mine, ...(await Promise.all(answers))];
    };
    const arBlocks = model.arMode === 'robust';
    // Each worker's per-unit blocks are allocated here, in shared memory, and filled there: once the
    // process has freed a block that large (the CSV reader's), glibc serves a worker's blocks from the
    // worker's own arena, which the huge pages of the CLI's child (bin/huge-pages.mjs) do not reach, so
    // the worker would first-touch them 4 KiB at a time (`bench/first-touch.ts --arena`: 28 MiB in
    // 83–109 ms on a worker against 0.2–44 ms on the main thread).
    const storage = (k: number): BlockStorage => {
      const len = blockLengths({ ...design, units: parts[k] }, plan.L, arBlocks);
      return { zw: new Float64Array(new SharedArrayBuffer(8 * len.zw)), ar: new Float64Array(new SharedArrayBuffer(8 * len.ar)) };
    };
    const built = await ask<PartBuilt>((k) =>
      k === 0
        ? { op: 'build', panel: wire, design: { ...design, units: parts[0] }, plan, arBlocks }
        : { op: 'build', panel: shared!.panel, design: { ...shared!.design, units: parts[k] }, plan, arBlocks, storage: storage(k) },
    );

    // xtabond2's collinearity check on the whole sample's sums.
    const coll = keptRegressors(design, built);
    const K = coll.keep.length;
    await ask<null>(() => ({ op: 'keep', keep: coll.keep, dropped: coll.dropped }));

    const pass = async (request: PassRequest): Promise<PartialSums> => mergeAll(await ask<PartialSums>(() => ({ op: 'pass', request })));
    const moments = await pass({ pass: 'moments' });
    checkIdentified(moments, K);
    const counts = mergedCounts(design, moments);
    const est = await runStepsAsync(estimationSteps(model.options(counts.sigmaObs, counts.weightScale), K, model.arMode), (req) =>
      req.pass === 'moments' ? Promise.resolve(moments) : pass(req),
    );

    // Exclusions: the parts' counts by reason, and the units outside the sample (inference.ts exclusions).
    const excluded = new Map<number, number>();
    for (const b of built) for (const [code, count] of b.excluded) excluded.set(code, (excluded.get(code) ?? 0) + count);
    const totals = mergedTotals(moments, counts, coll, design.spec.cluster ? est.clusters : null, sumOf(moments, 'unclustered')[0], exclusions(design, { excluded }));
    return inferenceFromTotals(prep, totals, est, command);
  } finally {
    await Promise.all(remote.map((r) => r.close()));
  }
}
