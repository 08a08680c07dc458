#!/usr/bin/env node
// The sysgmm command: runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` and
// `npm pack` run through the `prepare` script). `estimate`, the command scripts call in loops and whose
// start-up is most of a small run, runs the CommonJS bundle with V8's code cache when the build left one
// for this Node (bin/cli-script.mjs); everything else, and estimate without a cache, the ES module chunks.
import { existsSync, readFileSync } from 'node:fs';

const main = new URL('../dist/bin/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sysgmm: dist/ is missing: run `npm run build` in the package folder first\n');
  process.exit(1);
}
let cli = null;
if (process.argv[2] === 'estimate') {
  // On a large file, in a child whose malloc uses huge pages (bin/huge-pages.mjs).
  const huge = await import('./huge-pages.mjs');
  if (huge.hugePagesWanted(process.argv.slice(3))) await huge.rerunWithHugePages();
  // A CSV file read on several threads: the reader's first worker starts now (bin/early-csv-worker.mjs).
  (await import('./early-csv-worker.mjs')).startEarlyCsvWorker(process.argv.slice(3));
  cli = await import('./cli-script.mjs');
}
if (cli && existsSync(cli.cachePath)) cli.runCli(cli.compileCli(readFileSync(cli.cachePath)));
else await import(main.href);
