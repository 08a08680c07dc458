// The CLI as an ES-module bundle in dist/bin/ (esbuild, split per command; `npm run build` empties dist/
// and runs tsc first), so that `sysgmm` starts by reading a few files instead of hundreds (apache-arrow
// alone is ~300 modules). Packages with native or WebAssembly binaries, and the large ones only some
// commands use, stay outside the bundle and load from node_modules when a command needs them. dist/bin
// sits two folders below the package root, as src/cli does, so paths taken relative to a module
// (assets/fonts, package.json) resolve the same.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

// The threaded CSV reader's worker (src/data/csv-parallel.ts starts dist/bin/csv-worker.js) and the
// page warmer's (src/gmm/page-warmer.ts), each one file of its own without apache-arrow, so that a
// worker thread loads it at once.
await build({
  entryPoints: ['src/data/csv-worker.ts', 'src/gmm/page-warmer-worker.ts'],
  outdir: 'dist/bin',
  entryNames: '[name]',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

// The same CLI as one CommonJS script, which bin/sysgmm.mjs runs with V8's code cache for `estimate`
// (bin/cli-script.mjs). import.meta.url becomes that of dist/bin/main.js, the ES module entry beside
// it, so that paths taken relative to a module (workers, assets, package.json) resolve the same.
// import() of a package left outside the bundle becomes require() (Node 20 refuses import() in a script
// compiled from a code cache); every such package loads that way, except vega and vega-lite (ES modules
// with top-level await), which only the figures of `replicate` use, never `estimate`.
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/bin/cli.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  supported: { 'dynamic-import': false },
  // Whitespace and syntax minified, identifiers kept (stack traces name the functions): 0.9 instead of
  // 1.4 MB to read at each start.
  minifyWhitespace: true,
  minifySyntax: true,
  define: { 'import.meta.url': '__sysgmmModuleUrl' },
  banner: { js: "const __sysgmmModuleUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, 'main.js')).href;" },
  logLevel: 'warning',
});

// bin/cli-script.mjs reads the bundle as Latin-1, a few ms faster than decoding UTF-8 at every start:
// the same text only while every byte is ASCII (esbuild escapes what it can; a regular expression's
// characters it leaves, so the sources write those as escapes).
const bundle = readFileSync('dist/bin/cli.cjs');
const wide = bundle.findIndex((b) => b > 0x7f);
if (wide >= 0) throw new Error(`dist/bin/cli.cjs is not ASCII at byte ${wide}: ${bundle.toString('utf8', Math.max(0, wide - 60), wide + 20)}; write that character as an escape in the source`);

// Its code cache, from one estimate on the bundled data (scripts/code-cache.mjs).
const cache = spawnSync(process.execPath, ['scripts/code-cache.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (cache.status !== 0) throw new Error(`scripts/code-cache.mjs failed (exit ${cache.status})`);
