// The CLI as an ES-module bundle in dist/bin/ (esbuild, split per command; `npm run build` empties dist/
// and runs tsc first), so that `sysgmm` starts by reading a few files instead of hundreds (apache-arrow
// alone is ~300 modules). Packages with native or WebAssembly binaries, and the large ones only some
// commands use, stay outside the bundle and load from node_modules when a command needs them. dist/bin
// sits two folders below the package root, as src/cli does, so paths taken relative to a module
// (assets/fonts, package.json) resolve the same.
import { build } from 'esbuild';

const EXTERNAL = ['webgpu', '@tensorflow/*', '@resvg/resvg-js', 'parquet-wasm', 'highs', 'exceljs', 'vega', 'vega-lite'];

await build({
  entryPoints: ['src/cli/main.ts', 'src/bootstrap/replicate-worker.ts', 'src/gmm/thread-worker.ts'],
  outdir: 'dist/bin',
  entryNames: '[name]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for Node's built-ins.
  banner: { js: "import { createRequire as __sysgmmRequire } from 'node:module'; const require = __sysgmmRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The threaded CSV reader's worker (src/data/csv-parallel.ts starts dist/bin/csv-worker.js), as one
// file of its own: the parser without apache-arrow, so a worker thread loads it at once.
await build({
  entryPoints: ['src/data/csv-worker.ts'],
  outdir: 'dist/bin',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
