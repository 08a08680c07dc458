// A program bundled as a user's own build would bundle sysgmm (one ES module for Node 20, esbuild), for
// the tests of what such a bundle lacks: the worker scripts the package ships beside its chunks.
import { build } from 'esbuild';

/** Bundle `entry` into `outfile`; `external` packages stay imports (resolved from the outfile's folder). */
export async function bundleForNode(entry: string, outfile: string, external: string[] = []): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    // Bundled CommonJS packages call require() for Node's built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
}
