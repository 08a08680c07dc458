// Resident operands (KernelBackend.upload): on every backend present, products and moment sums that
// read an uploaded operand equal, value for value, the same calls given the plain values, on first use
// and on reuse; a released handle, or one from another instance, is refused; tfjs keeps the operand's
// tensor on its device between calls and frees it on release. The bootstrap uploads its blocks once
// a run, not once a batch of replications.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, listBackends } from '../src/kernels/registry.ts';
import { tfjsTensorCount } from '../src/kernels/tfjs-engine.ts';
import type { KernelBackend, MatmulShape, Operand, Resident } from '../src/kernels/types.ts';
import { operand } from './kernel-fixtures.ts';
import { clusterCounts } from '../src/bootstrap/draws.ts';
import { replicate } from '../src/bootstrap/replicate.ts';
import { runShare, type SharedReplications } from '../src/bootstrap/parallel.ts';
import { readTable } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { bootstrapGmm, pairsSetup } from '../src/bootstrap/run.ts';

const present = (await listBackends({ measure: false })).filter((i) => i.present);

describe.each(present)('$name resident operands', ({ name }) => {
  let backend: KernelBackend;
  let tiled: KernelBackend;

  beforeAll(async () => {
    backend = await getBackend(name, { precision: 'float32' });
    // Memory (or tensors) capped at 4096 values: the uploads do not fit and calls read the host values.
    tiled = await getBackend(name, { precision: 'float32', maxTensorElements: 4096 });
  });

  afterAll(async () => {
    await backend?.dispose();
    await tiled?.dispose();
  });

  it('W·blocks products from an uploaded B equal the plain call, first use and reuse, whole and capped', async () => {
    const n = 301;
    const cols = 37; // not a multiple of 4: the padded layouts
    const blocks = operand(n * cols, 21, 0.5);
    const shapes: MatmulShape[] = [
      { m: 32, k: n, n: cols },
      { m: 80, k: n, n: cols }, // more than 64 rows: float64-wasm packs B in panels
      { m: 5, k: n, n: cols, batch: 3, sharedB: true },
      { m: 7, k: cols, n, transB: true },
    ];
    for (const be of [backend, tiled]) {
      const handle = await be.upload(blocks);
      for (const s of shapes) {
        for (let call = 0; call < 2; call++) {
          const a = operand((s.batch ?? 1) * s.m * s.k, 22 + call, 1);
          expect(await be.matmul(a, handle, s)).toEqual(await be.matmul(a, blocks, s));
        }
      }
      await be.release(handle);
    }
  });

  it('momentCovariance and momentProjections from uploaded blocks equal the plain calls', async () => {
    const [batch, n, P, L] = [4, 301, 3, 9];
    const shape = { batch, n, P, L };
    const blocks = operand(n * P * L, 13, 1);
    for (const be of [backend, tiled]) {
      const handle = await be.upload(blocks);
      for (let call = 0; call < 2; call++) {
        const w = clusterCounts(12 + call, batch, n);
        const c = operand(batch * P, 14 + call, 1);
        const a = operand(batch * L, 15 + call, 1);
        expect(await be.momentCovariance(handle, c, w, shape)).toEqual(await be.momentCovariance(blocks, c, w, shape));
        expect(await be.momentProjections(handle, c, a, w, shape)).toEqual(await be.momentProjections(blocks, c, a, w, shape));
      }
      await be.release(handle);
    }
  });

  it('refuses a released handle and one uploaded to another instance', async () => {
    const b = operand(12, 3);
    const s = { m: 2, k: 3, n: 4 };
    const handle = await backend.upload(b);
    await expect(tiled.matmul(operand(6, 4), handle, s)).rejects.toThrow(/uploaded to another backend instance/);
    await backend.release(handle);
    await expect(backend.matmul(operand(6, 4), handle, s)).rejects.toThrow(/was released/);
    await expect(backend.momentCovariance(handle, operand(1, 5), operand(1, 6), { batch: 1, n: 1, P: 1, L: 12 })).rejects.toThrow(/was released/);
  });

  it.skipIf(!name.startsWith('tfjs'))('tfjs keeps the uploaded operand as one device tensor between calls and frees it on release', async () => {
    const before = await tfjsTensorCount();
    const blocks = operand(50 * 20, 31);
    const handle = await backend.upload(blocks);
    const s = { m: 8, k: 50, n: 20 };
    await backend.matmul(operand(8 * 50, 32), handle, s);
    expect(await tfjsTensorCount()).toBe(before + 1);
    await backend.matmul(operand(8 * 50, 33), handle, s);
    expect(await tfjsTensorCount()).toBe(before + 1);
    await backend.release(handle);
    expect(await tfjsTensorCount()).toBe(before);
    // dispose frees what is still resident
    const extra = await getBackend(name, { precision: 'float32' });
    const kept = await extra.upload(blocks);
    await extra.matmul(operand(8 * 50, 34), kept, s);
    expect(await tfjsTensorCount()).toBe(before + 1);
    await extra.dispose();
    expect(await tfjsTensorCount()).toBe(before);
  });
});

/** A backend that counts the uploads, releases and moment-covariance calls it passes on. */
function counting(inner: KernelBackend): KernelBackend & { uploads: number; releases: number; covariances: number } {
  const c = {
    name: inner.name,
    precision: inner.precision,
    uploads: 0,
    releases: 0,
    covariances: 0,
    upload: (d: Float64Array) => (c.uploads++, inner.upload(d)),
    release: (h: Resident) => (c.releases++, inner.release(h)),
    matmul: (a: Float64Array, b: Operand, s: MatmulShape) => inner.matmul(a, b, s),
    weightedCross: inner.weightedCross.bind(inner),
    momentCovariance: (...args: Parameters<KernelBackend['momentCovariance']>) => (c.covariances++, inner.momentCovariance(...args)),
    momentProjections: inner.momentProjections.bind(inner),
    dispose: () => inner.dispose(),
  };
  return c;
}

describe('the bootstrap uploads its blocks once a run', () => {
  const COMMAND = 'n L.n L(0/1).(w k), gmm(L.(n w k), collapse) twostep robust';
  let panel: Panel;
  let spec: ReturnType<typeof parseXtabond2>;

  beforeAll(async () => {
    const table = await readTable('data/abdata.csv');
    panel = Panel.fromTable(table, { id: 'id', time: 'year', source: 'data/abdata.csv' });
    spec = parseXtabond2(COMMAND, table.schema.fields.map((f) => f.name));
  });

  it('bootstrapGmm on one thread: 4 uploads (zw, Z\'HZ, ee, zwᵀ) for 100 replications in 4 batches, all released; same draws as float64-ts', async () => {
    const backend = counting(await getBackend('float64-wasm'));
    const r = await bootstrapGmm(panel, spec, { reps: 100, seed: 5, backend, threads: 1, recentre: false });
    expect(backend.covariances).toBe(4); // 4 batches of at most 32 replications
    expect(backend.uploads).toBe(4);
    expect(backend.releases).toBe(4);
    const ref = await bootstrapGmm(panel, spec, { reps: 100, seed: 5, backend: 'float64-ts', threads: 1, recentre: false });
    const K = r.coefficients.length;
    for (let j = 0; j < 100 * K; j++) expect(Math.abs(r.draws!.beta[j] - ref.draws!.beta[j])).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref.draws!.beta[j])));
    await backend.dispose();
  });

  it('a thread taking batches from the shared counter (runShare) uploads once for all its batches', async () => {
    const backend = counting(await getBackend('float64-ts'));
    const setup = pairsSetup(panel, spec, false, COMMAND);
    const reps = 150;
    const K = setup.bb.K;
    const shared: SharedReplications = {
      beta: new Float64Array(reps * K),
      se: new Float64Array(reps * K),
      hansen: new Float64Array(reps),
      status: new Uint8Array(reps),
      control: new Int32Array(4),
      batchDone: new Uint8Array(5),
      batchSingular: new Int32Array(5),
    };
    // Each batch makes its own count rows from the keyed draws; the whole call below reads them from one array.
    await runShare({ blocks: setup.bb, draws: { seed: 1, first: 0 }, reps, options: setup.options, shared }, backend);
    expect([...shared.batchDone]).toEqual([1, 1, 1, 1, 1]);
    expect(backend.covariances).toBe(5);
    expect(backend.uploads).toBe(4);
    expect(backend.releases).toBe(4);
    // The same replications as one replicate call over all of them.
    const whole = await replicate(setup.bb, clusterCounts(1, reps, setup.bb.n), reps, setup.options, backend);
    expect([...shared.beta]).toEqual([...whole.beta]);
    expect(backend.uploads).toBe(8);
    await backend.dispose();
  });
});
