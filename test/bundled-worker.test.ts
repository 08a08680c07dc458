// SYSGMM_WORKER: a bundled program (bench/gpu/build.sh) has no tsx to start replicate-worker.ts, so it
// names a bundled worker script instead; the replications must then run on 2 threads and equal 1 thread's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { readTable } from '../src/data/read.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { bootstrapGmm } from '../src/bootstrap/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bootstrap worker threads from a bundled worker script', () => {
  it('runs on 2 threads with SYSGMM_WORKER set, with the replications of 1 thread', async () => {
    const worker = join(dir, 'replicate-worker.mjs');
    await build({
      entryPoints: ['src/bootstrap/replicate-worker.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['webgpu', '@tensorflow/*'],
      outfile: worker,
      logLevel: 'warning',
    });
    const table = await readTable('data/abdata.csv');
    const panel = Panel.fromTable(table, { id: 'id', time: 'year', source: 'data/abdata.csv' });
    const spec = parseXtabond2('n L.n L(0/1).(w k), gmm(L.(n w k), collapse) twostep robust', table.schema.fields.map((f) => f.name));
    const one = await bootstrapGmm(panel, spec, { reps: 80, seed: 4, threads: 1 });
    try {
      // The variable is honoured: a worker script that does not exist leaves every batch to the caller.
      process.env.SYSGMM_WORKER = join(dir, 'missing.mjs');
      const alone = await bootstrapGmm(panel, spec, { reps: 80, seed: 4, threads: 2 });
      expect(alone.threads).toBe(1);
      expect([...alone.draws!.beta]).toEqual([...one.draws!.beta]);
      process.env.SYSGMM_WORKER = worker;
      const two = await bootstrapGmm(panel, spec, { reps: 80, seed: 4, threads: 2 });
      expect(two.threads).toBe(2);
      expect([...two.draws!.beta]).toEqual([...one.draws!.beta]);
      expect([...two.draws!.se]).toEqual([...one.draws!.se]);
    } finally {
      delete process.env.SYSGMM_WORKER;
    }
  });
});
