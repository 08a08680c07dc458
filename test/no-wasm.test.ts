// A runtime without WebAssembly (node --noexpose-wasm; some sandboxes) runs the TypeScript paths, as
// one without SIMD does. A tester's run stopped with "ReferenceError: WebAssembly is not defined" and a
// minified stack (Arrow input), or blamed the file (CSV input).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/data/read.ts';

const COMMAND = 'n L.n w k, gmm(L.n) iv(w k) twostep robust';

function run(file: string, wasm: boolean) {
  const r = spawnSync(process.execPath, [...(wasm ? [] : ['--noexpose-wasm']), 'bin/sysgmm.mjs', 'estimate', file, '--id', 'id', '--time', 'year', '--json', '--xtabond2', COMMAND], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr, json: r.status === 0 ? JSON.parse(r.stdout) : null };
}

describe('without WebAssembly', () => {
  it('estimate from CSV and from Arrow gives the numbers of a run with it, to 1e-12', async () => {
    const arrow = join(mkdtempSync(join(tmpdir(), 'sysgmm-nowasm-')), 'ab.arrow');
    writeFileSync(arrow, tableToIPC(await readTable('data/abdata.csv'), 'file'));
    const reference = run('data/abdata.csv', true);
    for (const file of ['data/abdata.csv', arrow]) {
      const r = run(file, false);
      expect([file, r.code, r.stderr]).toEqual([file, 0, '']);
      r.json.coefficients.forEach((c: { estimate: number; se: number }, j: number) => {
        const ref = reference.json.coefficients[j];
        expect(Math.abs(c.estimate - ref.estimate)).toBeLessThanOrEqual(1e-12 * Math.abs(ref.estimate));
        expect(Math.abs(c.se - ref.se)).toBeLessThanOrEqual(1e-12 * ref.se);
      });
      expect(Math.abs(r.json.hansen.chi2 - reference.json.hansen.chi2)).toBeLessThanOrEqual(1e-10 * reference.json.hansen.chi2);
    }
  });
});
