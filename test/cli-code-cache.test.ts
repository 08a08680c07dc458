// `sysgmm estimate` through the CommonJS bundle and V8's code cache (bin/cli-script.mjs, written by
// `npm run build`): the cache is there and accepted for this Node, and the command prints through it
// exactly what the ES module chunks (dist/bin/main.js) print, errors and worker threads included.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const built = existsSync('dist/bin/cli.cjs');
const dir = mkdtempSync(join(tmpdir(), 'sysgmm-code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODEL = 'n L.n L2.n w L.w L(0/2).(k ys) yr*, gmm(L.n) iv(w L.w L(0/2).(k ys) yr*) nolevel robust';
const estimate = (model: string, extra: string[] = []) => ['estimate', 'data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', model, ...extra];

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Whether V8 refuses the build's cache for the bundle, under the given Node flags. */
function rejected(flags: string[] = []): boolean {
  const probe = "import { compileCli, cachePath } from './bin/cli-script.mjs'; import { readFileSync } from 'node:fs'; process.stdout.write(String(compileCli(readFileSync(cachePath)).cachedDataRejected));";
  const r = run([...flags, '--input-type=module', '-e', probe]);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout === 'true';
}

describe.skipIf(!built)('estimate from the code cache', () => {
  it('the build leaves a cache that this Node accepts (and that other V8 flags refuse)', () => {
    expect(rejected()).toBe(false);
    expect(rejected(['--max-lazy'])).toBe(true);
  });

  it('prints what the ES module chunks print, byte for byte', () => {
    for (const [model, env] of [
      [MODEL, {}],
      ['n L.n w k, gmm(L.n w k, lag(2 3)) twostep robust small', { SYSGMM_THREADS: '2' }],
    ] as const) {
      const cached = run(['bin/sysgmm.mjs', ...estimate(model)], env);
      const chunks = run(['dist/bin/main.js', ...estimate(model)], env);
      expect(cached.status, cached.stderr).toBe(0);
      expect(cached.stderr).toBe('');
      expect(cached.stdout).toBe(chunks.stdout);
    }
    // Roodman (2009) §3.3, the first model: L1.n as printed by xtabond2.
    expect(run(['bin/sysgmm.mjs', ...estimate(MODEL)]).stdout).toMatch(/L1\.\s+\|\s+\.6862261\b/);
  });

  it('gives the same result when V8 refuses the cache', () => {
    const refused = run(['--max-lazy', 'bin/sysgmm.mjs', ...estimate(MODEL)]);
    expect(refused.status, refused.stderr).toBe(0);
    expect(refused.stdout).toBe(run(['dist/bin/main.js', ...estimate(MODEL)]).stdout);
  });

  it('reports a user error as the chunks do (message, exit status 2)', () => {
    const args = ['estimate', 'data/abdata.csv', '--id', 'firm', '--time', 'year', '--xtabond2', MODEL];
    const cached = run(['bin/sysgmm.mjs', ...args]);
    const chunks = run(['dist/bin/main.js', ...args]);
    expect(cached.status).toBe(2);
    expect(cached.stderr).toMatch(/^sysgmm: --id column 'firm' not found in data\/abdata\.csv/);
    expect(cached).toEqual(chunks);
  });

  it('loads the packages left outside the bundle (parquet-wasm for --save .parquet)', () => {
    const out = join(dir, 'coef.parquet');
    const r = run(['bin/sysgmm.mjs', ...estimate('n L.n w k, gmm(L.n) iv(w k) nolevel', ['--save', out])]);
    expect(r.status, r.stderr).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
  });
});
