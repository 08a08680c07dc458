#!/usr/bin/env node
// The sysgmm command: runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` and
// `npm pack` run through the `prepare` script).
import { existsSync } from 'node:fs';

const main = new URL('../dist/bin/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('sysgmm: dist/ is missing: run `npm run build` in the package folder first\n');
  process.exit(1);
}
await import(main.href);
