// Output that cannot be written, end to end through the compiled CLI (bin/sysgmm.mjs, `npm run build`):
// files whose writes fail part way (past a file-size limit, `ulimit -f`, which any user may lower) are
// one line naming the option and path, and exit status 2; nothing half-written is left behind.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-output-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = ['--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n, collapse) iv(w k) twostep robust'];
const posix = process.platform !== 'win32';

type Out = 'pipe' | number;

/** sysgmm with standard output and error each a pipe or an open file descriptor; `limit` blocks of
 *  file size (ulimit -f, 512 or 1024 bytes each as the shell counts them) when given. */
function sysgmm(args: string[], { stdout = 'pipe', stderr = 'pipe', limit }: { stdout?: Out; stderr?: Out; limit?: number } = {}) {
  const command = limit === undefined ? [process.execPath, 'bin/sysgmm.mjs', ...args] : ['sh', '-c', `ulimit -f ${limit} && exec "$0" "$@"`, process.execPath, 'bin/sysgmm.mjs', ...args];
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', stdio: ['ignore', stdout, stderr], timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.runIf(posix)('output files whose writes fail part way (ulimit -f)', () => {
  it('one line naming the option and the file, exit 2; no temporary file, no target', () => {
    const cases: [string[], string, string][] = [
      [['estimate', 'data/abdata.csv', ...MODEL, '--save'], '--save', 'fit.json'],
      [['bootstrap', 'data/abdata.csv', ...MODEL, '--reps', '99', '--quiet', '--draws'], '--draws', 'draws.csv'],
      [['describe', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--save'], '--save', 'vars.json'],
      [['simulate', '--cities', '60', '--years', '2003-2012', '--seed', '1', '--out'], '--out', 'sim.csv'],
    ];
    for (const [args, option, name] of cases) {
      const folder = join(dir, `writes-${name}`);
      mkdirSync(folder);
      const path = join(folder, name);
      const r = sysgmm([...args, path], { limit: 1 });
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, `sysgmm: ${option}: cannot write ${path}: file too large\n`]);
      expect(readdirSync(folder)).toEqual([]);
    }
  });
});
