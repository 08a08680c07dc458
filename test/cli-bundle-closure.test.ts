// What `sysgmm estimate` loads before it runs (issue 10's start-up target): the static import closure
// of the command's chunk in the compiled CLI (dist/bin, `npm run build`). Arrow's IPC reader and
// writer (src/data/ipc-encode.ts loads them for .arrow/.parquet output) and the run executors
// (src/run, for partitioned data) load only when a run needs them. `sysgmm bootstrap` loads the figure
// code (vega, d3, resvg) only for --svg.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = 'dist/bin';
const dir = mkdtempSync(join(tmpdir(), 'sysgmm-closure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The bundled source files (esbuild's `// path` markers) of a chunk and every chunk it imports statically. */
function staticSources(entry: string): string[] {
  const seen = new Set<string>();
  const sources: string[] = [];
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(join(BIN, file), 'utf8');
    for (const m of text.matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm)) sources.push(m[1]!);
    for (const m of text.matchAll(/^(?:import|export)\s*(?:[^"';]*?from\s*)?["']\.\/([^"']+)["']/gm)) walk(m[1]!);
  };
  walk(entry);
  return sources;
}

describe('the estimate command chunk', () => {
  it.skipIf(!existsSync(join(BIN, 'main.js')))('loads no Arrow IPC code and no run executor until a run needs them', () => {
    const entry = readdirSync(BIN).find((f) => /^estimate-[A-Z0-9]+\.js$/.test(f));
    expect(entry).toBeDefined();
    const sources = staticSources(entry!);
    expect(sources).toContain('src/gmm/blocks.ts');
    expect(sources).toContain('node_modules/apache-arrow/table.mjs');
    expect(sources.filter((s) => s.startsWith('node_modules/apache-arrow/ipc/'))).toEqual([]);
    expect(sources.filter((s) => s.startsWith('src/run/') && s !== 'src/run/executor-names.ts')).toEqual([]);
  });

  it('still writes Arrow IPC when asked (--save .arrow loads the encoder then)', () => {
    const out = join(dir, 'coef.arrow');
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n) iv(w k) nolevel', '--save', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const t = tableFromIPC(readFileSync(out));
    expect(t.numRows).toBe(3);
    // The first coefficient as printed in the text table (L1.n).
    const printed = /L1\.\s+\|\s+(-?\d*\.\d+)/.exec(r.stdout)?.[1];
    expect(printed).toBe('.4951407');
    expect(Math.abs((t.getChildAt(1)!.get(0) as number) - Number(printed))).toBeLessThan(5e-8);
  });
});

describe('the bootstrap command', () => {
  /** The packages a bootstrap run resolves (test/fixtures/consumer/record-loads.mjs records every module). */
  function packagesLoaded(...extra: string[]): Set<string> {
    const run = mkdtempSync(join(dir, 'loads-'));
    const hook = pathToFileURL(resolve('test/fixtures/consumer/record-loads.mjs')).href;
    writeFileSync(join(run, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(hook)});\n`);
    const args = ['--import', './register.mjs', resolve('bin/sysgmm.mjs'), 'bootstrap', resolve('data/abdata.csv'), '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n, collapse) iv(w k)', '--reps', '9', '--quiet', ...extra];
    const r = spawnSync(process.execPath, args, { cwd: run, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const urls = readFileSync(join(run, 'loaded.txt'), 'utf8').trim().split('\n');
    return new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
  }
  const FIGURES = /^(vega|vega-lite|d3-.*|@resvg\/resvg-js)$/;

  it('loads no figure code without --svg, and loads it for --svg', () => {
    expect([...packagesLoaded()].filter((p) => FIGURES.test(p))).toEqual([]);
    const figures = [...packagesLoaded('--svg', join(dir, 'figs'))].filter((p) => FIGURES.test(p));
    expect(figures).toEqual(expect.arrayContaining(['vega', 'vega-lite', '@resvg/resvg-js']));
    expect(readdirSync(join(dir, 'figs')).length).toBeGreaterThan(0);
  });
});
