// Writes V8's code cache for the CommonJS CLI bundle (bin/cli-script.mjs): runs Roodman's (2009)
// first difference-GMM model on the bundled Arellano-Bond data through dist/bin/cli.cjs, output
// discarded, and stores the cache at exit, so that it holds the functions such an estimate compiles.
// Run by scripts/build-cli.mjs after the bundles are built.
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cachePath, compileCli, runCli } from '../bin/cli-script.mjs';

const data = fileURLToPath(new URL('../data/abdata.csv', import.meta.url));
const model = 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust';
const script = compileCli();
process.on('exit', (code) => {
  if (code !== 0) return;
  const tmp = `${cachePath}.${process.pid}.tmp`;
  writeFileSync(tmp, script.createCachedData());
  renameSync(tmp, cachePath);
});
process.argv = [process.argv[0], 'sysgmm', 'estimate', data, '--id', 'id', '--time', 'year', '--xtabond2', model];
runCli(script);
