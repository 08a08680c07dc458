// How a worker process runs a task: this Node binary on the package's own `sysgmm` bin (read from
// package.json, so it follows whatever the bin does: a loader for the TypeScript sources or the
// compiled JavaScript), with `task <run dir> <index...> --run=<run id>`. Always an argument array, never a shell line.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let binPath: string | undefined;

/** Absolute path of the package's sysgmm bin, found from this module upwards. */
export function sysgmmBin(): string {
  if (binPath) return binPath;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const json = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; bin?: string | Record<string, string> };
      const bin = typeof json.bin === 'string' ? json.bin : json.bin?.sysgmm;
      if (json.name === 'sysgmm' && bin) return (binPath = resolve(dir, bin));
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('sysgmm: cannot find the package.json of sysgmm above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The program and arguments that run the given tasks of the run `run` (its identity, run-dir.ts) in a run directory. */
export function taskCommand(dir: string, indices: number[], run: string): { file: string; args: string[] } {
  return { file: process.execPath, args: [sysgmmBin(), 'task', resolve(dir), ...indices.map(String), `--run=${run}`] };
}
