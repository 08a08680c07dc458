// The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), installed into an
// empty project (from the npm cache where it can), then used from plain ES modules, type-checked by a
// strict TypeScript consumer (noUncheckedIndexedAccess, no skipLibCheck), and run as the `sysgmm` bin.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve('.');
const dir = mkdtempSync(join(tmpdir(), 'sysgmm-package-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd = dir) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Bytes of every file under a folder (apparent sizes). */
function bytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((s, name) => s + bytes(join(path, name)), 0);
}

let files: string[] = [];

beforeAll(() => {
  const pack = run('npm', ['pack', '--json', '--pack-destination', dir], repo);
  expect(pack.code, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  files = info.files.map((f) => f.path);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  for (const f of ['use.mjs', 'boot.mjs', 'library.mjs', 'import-only.mjs', 'record-loads.mjs', 'check.ts', 'tsconfig.json']) copyFileSync(join(repo, 'test/fixtures/consumer', f), join(dir, f));
  const install = run('npm', ['install', `./${info.filename}`, '--prefer-offline', '--no-audit', '--no-fund']);
  expect(install.code, install.stderr).toBe(0);
}, 300_000);

describe('the packed package', () => {
  it('ships compiled code, types, data and no tests, bench or CI', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/bin/main.js');
    expect(files).toContain('data/abdata.csv');
    // The README's figures, which it links relative to the package.
    expect(files).toContain('docs/workloads/spec-curve-L1_n.png');
    expect(files.filter((f) => /^(test|bench|\.ci|src|scripts)\//.test(f))).toEqual([]);
  });

  it('installs without the optional backends in under 100 MB', () => {
    const nm = join(dir, 'node_modules');
    for (const optional of ['webgpu', '@tensorflow', 'exceljs', 'tsx', '@stdlib']) expect(readdirSync(nm)).not.toContain(optional);
    expect(bytes(nm)).toBeLessThan(100e6);
  });

  it('imports from plain ES modules and estimates through the API', () => {
    const r = run('node', ['use.mjs']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { nobs: number; first: { name: string; estimate: number }; wald: number };
    expect(out.nobs).toBe(891);
    expect(out.first.name).toBe('L1.n');
    expect(out.first.estimate).toBeCloseTo(0.9181577, 7); // README bootstrap example, xtabond2's digits
    expect(out.wald).toBeCloseTo(8.92, 2);
    // CommonJS: require() of the ES module (Node ≥ 20.19).
    expect(run('node', ['-e', "process.stdout.write(typeof require('sysgmm').estimate)"]).stdout).toBe('function');
  });

  it('exports every function README "Library use" names, each giving numbers checked by hand or equal to the sources\'', async () => {
    const r = run('node', ['library.mjs']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout);
    for (const name of ['fitLinear', 'coagglomerationIndices', 'panelIndices', 'deaScores', 'deaByYear', 'malmquist', 'labourProductivity', 'simulateCityPanel', 'readPlan', 'runMontecarlo', 'runGrid', 'simulatePanel', 'keyedRng'])
      expect(out.types[name], name).toBe('function');
    expect(out.lp).toEqual([5, 6]); // output/labour: 10/2, 30/5
    // CRS input-oriented DEA of (x, y) = (1,1), (2,1), (2,2), (3,3): y/x over the best ratio, 1.
    expect(out.dea).toEqual([1, 0.5, 1, 1]);
    expect(out.byYear).toEqual([1, 0.5, 1, 1]);
    // City b goes from half the frontier to on it, the frontier unchanged: MI = EC = 2; a stays at 1.
    expect(out.malmquist).toEqual([null, null, 1, 2]);
    // LQm = (10/20)/(40/60) = 0.75 and (30/40)/(40/60) = 1.125; LQs = (10/20)/(20/60) = 1.5 and 0.75;
    // CA1 = 1 − |LQs − LQm|/(LQs + LQm).
    expect(out.hand.LQm[0]).toBeCloseTo(0.75, 14);
    expect(out.hand.LQm[1]).toBeCloseTo(1.125, 14);
    expect(out.hand.LQs[0]).toBeCloseTo(1.5, 14);
    expect(out.hand.LQs[1]).toBeCloseTo(0.75, 14);
    expect(out.hand.CA1[0]).toBeCloseTo(1 - 0.75 / 2.25, 14);
    expect(out.hand.CA1[1]).toBeCloseTo(1 - 0.375 / 1.875, 14);
    // The simulators, the keyed stream and OLS give the numbers of the same calls on the sources.
    const src = await import('../src/index.ts');
    const city = await src.simulateCityPanel({ cities: 6, years: [2005, 2007], seed: 3 });
    expect(out.cityRows).toBe(18);
    expect(out.ca1).toEqual(Array.from(src.panelIndices(src.Panel.fromTable(city.table, { id: 'city', time: 'year' })).columns.CA1!));
    const plan = await src.readPlan(join(dir, 'plan.json'));
    expect(out.firstDraw).toBe(src.keyedRng(9, 0, 0).uniform());
    const panel = src.simulatePanel(plan.designs[0]!, src.keyedRng(plan.seed, 0, 0));
    expect(out.rows).toBe(panel.nrows);
    const ols = await src.fitLinear(panel, src.parseXtabond2('y L.y', panel.names()), 'ols');
    expect(out.ols).toEqual(ols.coefficients.map((c) => [c.name, c.estimate, c.se]));
    expect(out.ols[0][1]).toBeGreaterThan(0.5); // OLS of an AR(1) with alpha 0.5 and unit effects: biased up
    // runMontecarlo and runGrid (loaded on first call) wrote their run directories.
    expect(out.prepared).toEqual([null, null, true, true]);
  });

  it('importing the entry loads the estimator only: no figure, DEA, Parquet or Excel packages', () => {
    rmSync(join(dir, 'loaded.txt'), { force: true });
    const r = run('node', ['import-only.mjs']);
    expect(r.stderr).toBe('');
    const loaded = readFileSync(join(dir, 'loaded.txt'), 'utf8').trim().split('\n');
    expect(loaded.some((u) => u.includes('/node_modules/sysgmm/dist/index.js'))).toBe(true);
    const packages = [...new Set(loaded.map((u) => /\/node_modules\/((@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p) => p && p !== 'sysgmm'))].sort();
    expect(packages).toEqual(['apache-arrow', 'flatbuffers', 'tslib']);
  });

  it('bootstraps on a worker thread (the compiled worker) with the replications of one thread', () => {
    const r = run('node', ['boot.mjs']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ threads: [1, 2], same: true });
  });

  it('replicates the study from another folder: the bundled data is found in the package', () => {
    const r = run(join(dir, 'node_modules/.bin/sysgmm'), ['replicate', '--quiet', '--out', 'study']);
    // Only the report's warnings (kept under --quiet): the bundled data's uncollapsed column's singular S.
    expect(r.stderr).toMatch(/^warning: Two-step estimated covariance matrix of moments is singular\. .*\(T6\.3\)\n$/);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('T2. Baseline estimates');
    expect(readFileSync(join(dir, 'study', 'report.md'), 'utf8').length).toBeGreaterThan(1000);
  });

  it('type-checks in a strict consumer (noUncheckedIndexedAccess, exactOptionalPropertyTypes, no skipLibCheck), also with a lib without DOM', () => {
    const r = run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--typeRoots', join(repo, 'node_modules/@types')]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The same with a Node project's lib, without DOM (as @tsconfig/node20 has it): the declarations
    // reached from the entry name no DOM type (HiGHS's name WebAssembly; dea.ts keeps them internal).
    const noDom = run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--lib', 'es2023', '--typeRoots', join(repo, 'node_modules/@types')]);
    expect(noDom.stdout + noDom.stderr).toBe('');
    expect(noDom.code).toBe(0);
  });

  it('runs the sysgmm bin: version from package.json, usage errors exit 2', () => {
    const bin = join(dir, 'node_modules/.bin/sysgmm');
    const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;
    expect(run(bin, ['--version']).stdout.trim()).toBe(version);
    const bad = run(bin, ['estimate', 'node_modules/sysgmm/data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--bogus'");
    // estimate runs the CommonJS bundle with the code cache the pack's build left (bin/cli-script.mjs).
    expect(existsSync(join(dir, `node_modules/sysgmm/dist/bin/cli-${process.versions.v8}-${process.arch}.cache`))).toBe(true);
    const ok = run(bin, ['estimate', 'node_modules/sysgmm/data/abdata.csv', '--id', 'id', '--time', 'year', '--xtabond2', 'n L.n w k, gmm(L.n) iv(w k) nolevel']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/L1\.\s+\|\s+\.4951407\b/);
  });
});
