// Figure file names: a tester's grid with focus 数据 and 城市 (and bootstrap --svg of a model with
// both) wrote both figures to the same `_` name, one silently replacing the other.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { figureSlugs } from '../src/report/figure-names.ts';

const dir = mkdtempSync(join(tmpdir(), 'sysgmm-figure-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sysgmm = (...args: string[]) => spawnSync(process.execPath, ['bin/sysgmm.mjs', ...args], { encoding: 'utf8', timeout: 300_000 });

/** abdata.csv with w and k renamed 数据 and 城市. */
function unicodeData(): string {
  const [head, ...rest] = readFileSync('data/abdata.csv', 'utf8').split('\n');
  const path = join(dir, 'cn.csv');
  writeFileSync(path, [head!.split(',').map((c) => (c === 'w' ? '数据' : c === 'k' ? '城市' : c)).join(','), ...rest].join('\n'));
  return path;
}

describe('figure names', () => {
  it('keep letters and digits of any script; names that still collide get -2, -3 (also by case)', () => {
    expect(figureSlugs(['数据', '城市', 'L1.n', '_cons'])).toEqual(['数据', '城市', 'L1_n', '_cons']);
    expect(figureSlugs(['L.n', 'L_n', 'l.n', '+', '-'])).toEqual(['L_n', 'L_n-2', 'l_n-3', '_', '_-2']);
  });

  it('bootstrap --svg and grid write one figure per coefficient when the names are not ASCII (CLI)', () => {
    const data = unicodeData();
    const model = ['--id', 'id', '--time', 'year', '--xtabond2', 'n L.n 数据 城市, gmm(L.n, collapse) iv(数据 城市)'];
    const svg = join(dir, 'svg');
    const b = sysgmm('bootstrap', data, ...model, '--reps', '3', '--svg', svg, '--quiet');
    expect([b.status, b.stderr]).toEqual([0, expect.any(String)]);
    expect(readdirSync(svg).filter((f) => f.endsWith('.svg')).sort()).toEqual(['bootstrap-L1_n.svg', 'bootstrap-_cons.svg', 'bootstrap-城市.svg', 'bootstrap-数据.svg'].sort());
    // Each histogram is its own coefficient's.
    expect(readFileSync(join(svg, 'bootstrap-数据.svg'), 'utf8')).toContain('数据');
    expect(readFileSync(join(svg, 'bootstrap-城市.svg'), 'utf8')).toContain('城市');
    const grid = join(dir, 'grid.json');
    writeFileSync(grid, JSON.stringify({ template: 'n L.n 数据 城市, gmm(L.n, collapse {lags}) iv(数据 城市)', axes: { lags: ['', 'lag(1 2)'] }, focus: ['数据', '城市'] }));
    const out = join(dir, 'grid');
    const g = sysgmm('grid', data, '--id', 'id', '--time', 'year', '--grid', grid, '--out', out, '--jobs', '1', '--quiet');
    expect(g.status).toBe(0);
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(['spec-curve-城市.png', 'spec-curve-城市.svg', 'spec-curve-数据.png', 'spec-curve-数据.svg']);
    expect(readFileSync(join(out, 'figures', 'spec-curve-城市.svg'), 'utf8')).toContain('城市');
  });
});
