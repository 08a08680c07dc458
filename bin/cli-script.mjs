// The CLI as one CommonJS script (dist/bin/cli.cjs, bundled from the same src/cli/main.ts as the ES
// module chunks) run through node:vm with V8's code cache of a previous run (dist/bin/cli-<V8>-<arch>.cache,
// written by `npm run build` through scripts/code-cache.mjs). With the cache V8 neither parses the script
// nor compiles the functions that run saw. Node 20 has no code cache for ES modules, hence the script.
// Both files come from one build (the build empties dist/ first): V8 itself checks its version, flags and
// the source's length, and refuses a cache that does not match (cachedDataRejected), compiling as usual.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const DIST_BIN = new URL('../dist/bin/', import.meta.url);
export const bundlePath = fileURLToPath(new URL('cli.cjs', DIST_BIN));
/** The cache for the running V8 (a cache is only valid for the V8 that wrote it). */
export const cachePath = fileURLToPath(new URL(`cli-${process.versions.v8}-${process.arch}.cache`, DIST_BIN));

/** The bundle compiled as a CommonJS function, from `cachedData` when given and accepted. */
export function compileCli(cachedData) {
  // ASCII, which scripts/build-cli.mjs checks: Latin-1 is then the same text, read without decoding.
  const source = readFileSync(bundlePath, 'latin1');
  return new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
}

/** Run the compiled CLI on process.argv. */
export function runCli(script) {
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
}
