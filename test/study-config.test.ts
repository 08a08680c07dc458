// The study config on anyone's data: per-variable instrument lags, command templates, year dummies
// in one or both equations, labour productivity in levels or logs, the municipality rule, all
// missing columns at once, and the warning for an invalid lag of the dependent variable.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIndices } from '../src/cli/commands/indices.ts';
import { Panel } from '../src/panel/panel.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';
import { checkConfigColumns, configWarnings, DEFAULT_CONFIG, parseStudyConfig } from '../src/study/config.ts';
import { engineEstimators, loadConfig, replicate, type ReplicateOutcome } from '../src/study/replicate.ts';
import { bootstrapResamples, fillTemplate, gmmCommand, type StudyVariables } from '../src/study/tables.ts';
import { GBT4754_2002, defaultEmploymentColumn } from '../src/study/sectors.ts';

const v: StudyVariables = {
  y: 'lnpm25',
  yLabel: 'ln PM2.5',
  ca: 'ca',
  eff: 'eff',
  caEff: 'ca_eff',
  controls: [{ name: 'fdi', label: 'FDI' }],
  periods: [],
  inland: { dummy: 'inland', ca: 'ca_inl', eff: 'eff_inl', caEff: 'ca_eff_inl' },
};

describe('study config: instruments and year dummies', () => {
  it('per-variable lag limits: lags 2-4 for the outcome, 2-3 for CA, EFF, CA×EFF and their interactions', () => {
    const cfg = parseStudyConfig({ gmm: { lags: { y: [2, 4], core: [2, 3] } } });
    expect(cfg.gmm.lags).toEqual({ y: [2, 4], ca: [2, 3], eff: [2, 3], ca_eff: [2, 3] });
    const g = { lagMin: cfg.gmm.lagMin, lagMax: cfg.gmm.lagMax, collapse: true, lags: cfg.gmm.lags };
    expect(gmmCommand(v, ['ca', 'eff', 'ca_eff', 'ca_inl', 'eff_inl', 'ca_eff_inl'], g, 'system', [2005, 2016])).toBe(
      'lnpm25 L.lnpm25 ca eff ca_eff ca_inl eff_inl ca_eff_inl fdi yr2005-yr2016, gmm(lnpm25, lag(2 4) collapse) gmm(ca eff ca_eff ca_inl eff_inl ca_eff_inl, lag(2 3) collapse) iv(fdi) iv(yr2005-yr2016, eq(level)) twostep robust',
    );
    // One variable on its own limits; the others keep lagMin/lagMax.
    const one = parseStudyConfig({ gmm: { lagMin: 2, lagMax: 5, lags: { ca_eff: [3, 3] } } });
    expect(gmmCommand(v, ['ca', 'eff', 'ca_eff'], { ...one.gmm, lags: one.gmm.lags }, 'system', null)).toBe(
      'lnpm25 L.lnpm25 ca eff ca_eff fdi, gmm(lnpm25 ca eff, lag(2 5) collapse) gmm(ca_eff, lag(3 3) collapse) iv(fdi) twostep robust',
    );
    expect(() => parseStudyConfig({ gmm: { lags: { y: [4, 2] } } }, 's.json')).toThrow("s.json: 'gmm.lags.y' ends (2) before it starts (4)");
    expect(() => parseStudyConfig({ gmm: { lags: { w: [2, 3] } } }, 's.json')).toThrow(/unknown key 'gmm.lags.w' \(allowed: y, ca, eff, ca_eff, core\)/);
  });

  it('year dummies in the level equation only (default) or in both', () => {
    expect(DEFAULT_CONFIG.yearDummies).toBe('level');
    const both = gmmCommand(v, ['ca'], { lagMin: 2, lagMax: 3, collapse: true, yearDummies: 'both' }, 'system', [2005, 2007]);
    expect(both).toContain('iv(yr2005-yr2007) twostep');
    const cols = ['lnpm25', 'ca', 'fdi', 'yr2005', 'yr2006', 'yr2007'];
    expect(parseXtabond2(both, cols).iv.map((g) => g.equation)).toEqual(['both', 'both']);
    expect(() => parseStudyConfig({ yearDummies: 'diff' }, 's.json')).toThrow("s.json: 'yearDummies' must be one of level, both");
  });

  it('command templates fill {y}, {core}, {controls}, {dummies} and refuse other placeholders', () => {
    const t = 'xtabond2 {y} L.{y} {core} {controls} {dummies}, gmm({y}, lag(2 4) collapse) gmm({core}, lag(2 3) collapse) iv({controls}) iv({dummies}) twostep robust small';
    expect(fillTemplate(t, 'T2.5', v, ['ca', 'eff'], [2005, 2006])).toBe(
      'xtabond2 lnpm25 L.lnpm25 ca eff fdi yr2005-yr2006, gmm(lnpm25, lag(2 4) collapse) gmm(ca eff, lag(2 3) collapse) iv(fdi) iv(yr2005-yr2006) twostep robust small',
    );
    expect(() => fillTemplate('{y} {x}', 'T2.5', v, [], null)).toThrow("study config 'commands.T2.5': unknown placeholder {x}; use {y}, {core}, {controls} or {dummies}");
    expect(() => parseStudyConfig({ commands: { main: 'x' } }, 's.json')).toThrow(/'commands.main' is not a table column id/);
  });

  it('warns when the dependent variable is instrumented by its first lag', () => {
    expect(configWarnings(DEFAULT_CONFIG)).toEqual([]);
    expect(configWarnings(parseStudyConfig({ gmm: { lagMin: 1 } }))[0]).toMatch(/instruments start at lag 1: .* not a valid instrument for the differenced equation/);
    expect(configWarnings(parseStudyConfig({ gmm: { lagMin: 1, lags: { y: [2, 3] } } }))).toEqual([]);
    expect(configWarnings(parseStudyConfig({ gmm: { lags: { y: [1, 3] } } }))).toHaveLength(1);
  });
});

describe('study config: columns and the municipality rule', () => {
  function panel(extra: Record<string, Float64Array | string[]> = {}): Panel {
    const cols: Record<string, Float64Array | string[]> = {
      city: Float64Array.from([1, 1, 2, 2]),
      year: Float64Array.from([2003, 2004, 2003, 2004]),
      city_name: ['Beijing', 'Beijing', 'Hebei 01', 'Hebei 01'],
      coastal: Float64Array.from([1, 1, 1, 1]),
      pm25: Float64Array.from([50, 55, 60, 65]),
      ...extra,
    };
    for (const s of GBT4754_2002) cols[defaultEmploymentColumn(s)] = Float64Array.from([1, 2, 3, 4]);
    for (const c of ['manuf_capital', 'manuf_labour', 'manuf_output', 'gdppc', 'popden', 'secondary', 'fdi', 'tech', 'envreg']) cols[c] = Float64Array.from([1, 2, 3, 4]);
    return Panel.fromTable(tableFromArrays(cols as Parameters<typeof tableFromArrays>[0]), { id: 'city', time: 'year', source: 'panel.csv' });
  }

  it('reports every missing column at once, each with its key and a suggestion', () => {
    const cfg = parseStudyConfig({ coastal: 'coast', pollution: { column: 'pm_25' }, efficiency: { output: 'manuf_outptu' } });
    let message = '';
    try {
      checkConfigColumns(cfg, panel());
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      '3 columns the study config names are not usable in panel.csv:',
      "  column 'coast' (study config 'coastal') not found in panel.csv; did you mean 'coastal'?",
      "  column 'pm_25' (study config 'pollution.column') not found in panel.csv; did you mean 'pm25'?",
      "  column 'manuf_outptu' (study config 'efficiency.output') not found in panel.csv; did you mean 'manuf_output'?",
    ]);
  });

  it('labour productivity does not need capital; municipalities may be numbers, or null to leave the column out', () => {
    const lp = parseStudyConfig({ efficiency: { measure: 'log-labour-productivity', robustness: 'labour-productivity', capital: 'nonexistent' } });
    expect(() => checkConfigColumns(lp, panel())).not.toThrow();
    const flag = parseStudyConfig({ municipalities: { column: 'is_muni', values: [1] } });
    expect(flag.municipalities).toEqual({ column: 'is_muni', values: ['1'] });
    const off = parseStudyConfig({ municipalities: null });
    expect(off.municipalities).toBeNull();
    expect(() => checkConfigColumns(off, panel())).not.toThrow();
    expect(DEFAULT_CONFIG.municipalities!.column).toBe('city_name');
  });
});

describe('replicate with a user-stated model (bundled panel, labour productivity)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sysgmm-study-config-'));
  let o: ReplicateOutcome;
  // cluster(city), the panel id: a tester's config passed the check and then failed in the fit, which
  // parsed the command without the id and time columns.
  const template = '{y} L.{y} {core} {controls} {dummies}, gmm({y}, lag(2 3) collapse) gmm({core}, lag(2 2) collapse) iv({controls}) iv({dummies}, eq(level)) twostep cluster(city)';
  beforeAll(async () => {
    const cfg = join(dir, 'study.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        data: resolve('data/city_panel.csv'),
        municipalities: { column: 'city', values: [1101, 3101] },
        efficiency: { measure: 'log-labour-productivity', robustness: 'labour-productivity', capital: 'not_used' },
        gmm: { lags: { y: [2, 4], core: [2, 3] } },
        yearDummies: 'both',
        commands: { 'T6.1': template },
      }),
    );
    o = await replicate({ config: cfg, out: join(dir, 'out'), estimators: engineEstimators() });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the commands from the per-variable lags, the year-dummy choice and the template', () => {
    const main = o.runs.find((r) => r.id === 'T2.5')!;
    expect(main.command).toContain('gmm(lnpm25, lag(2 4) collapse) gmm(ca eff ca_eff, lag(2 3) collapse)');
    expect(main.command).toMatch(/iv\(yr\d+-yr\d+\) twostep robust$/);
    const t61 = o.runs.find((r) => r.id === 'T6.1')!;
    expect(t61.command).toMatch(/^lnpm25 L\.lnpm25 ca eff ca_eff lngdppc .* gmm\(lnpm25, lag\(2 3\) collapse\) gmm\(ca eff ca_eff, lag\(2 2\) collapse\)/);
    const flipped = o.runs.find((r) => r.id === 'T6.3')!;
    expect(flipped.command).toContain('gmm(lnpm25 ca eff ca_eff, lag(2 3))');
  });

  it('fits a template clustered on the panel id; says what the bootstrap resamples; refuses level()', async () => {
    const t61 = o.runs.find((r) => r.id === 'T6.1')!;
    expect(t61.result.vce).toBe('windmeijer-cluster(city)');
    expect(bootstrapResamples(o.runs)).toBe('pairs (city) bootstrap');
    const byProvince = o.runs.map((r) => (r.id === 'T6.1' ? { ...r, command: r.command.replace('cluster(city)', 'cluster(province)') } : r));
    expect(bootstrapResamples(byProvince)).toBe('pairs (cluster) bootstrap of cities, and of the clusters of province in T6.1');
    const bad = join(dir, 'level.json');
    writeFileSync(bad, JSON.stringify({ data: resolve('data/city_panel.csv'), efficiency: { measure: 'log-labour-productivity', robustness: 'labour-productivity', capital: 'not_used' }, commands: { 'T2.5': `${template} level(90)` } }));
    await expect(replicate({ config: bad, out: join(dir, 'level-out'), estimators: engineEstimators() })).rejects.toThrow(
      "study config 'commands.T2.5': level(): the study's tables print 95% intervals and stars at 10/5/1%; leave level() out",
    );
  });

  it('drops exactly the two units the numeric values name, and says so', () => {
    const muni = o.runs.find((r) => r.id === 'T6.4')!;
    expect(muni.label).toBe('No municipalities');
    expect(o.runs[0].panel.nunits - muni.panel.nunits).toBe(2);
    const t6 = readFileSync(join(dir, 'out', 'T6.md'), 'utf8');
    expect(t6).toContain('(4) dropping the 2 units whose city is 1101 or 3101');
    expect(t6).toContain("Column T6.1 uses the study config's own command (models.json lists every command)");
  });

  it('labour productivity is in logs, described as output per worker without capital', () => {
    const report = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
    expect(report).toContain('- EFF: ln labour productivity, manufacturing output per worker (`manuf_output` / `manuf_labour`), in natural logs.');
    expect(report).not.toContain('manufacturing capital');
    const eff = o.runs[0].panel.column('eff');
    const out = o.runs[0].panel.column('manuf_output');
    const lab = o.runs[0].panel.column('manuf_labour');
    for (let r = 0; r < 5; r++) expect(eff[r]).toBeCloseTo(Math.log(out[r] / lab[r]), 14);
  });
});

describe('sysgmm indices', () => {
  it('labour productivity needs no --capital, and --sectors reads a study.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-indices-lp-'));
    const header = ['city', 'year', ...GBT4754_2002.map((s) => `emp_${s.key}`), 'l', 'y'];
    const rows = [header.join(',')];
    for (const [i, c] of ['a', 'b', 'c'].entries()) for (const year of [2010, 2011]) rows.push([c, year, ...GBT4754_2002.map((_, k) => k + 1 + i), 5 + i, 3 + i + (year - 2010)].join(','));
    const file = join(dir, 'cities.csv');
    writeFileSync(file, rows.join('\n') + '\n');
    const study = join(dir, 'study.json');
    writeFileSync(study, JSON.stringify({ id: 'city', sectors: { segments: [{ key: 'finance', name: 'Finance', codes: ['J'] }] }, seed: 3 }));
    const res = await runIndices(file, { id: 'city', time: 'year', reference: 'sample', sectors: study, efficiency: 'labour-productivity,log-labour-productivity', labour: 'l', output: 'y', out: join(dir, 'out.csv') });
    expect(res.columns).toContain('lprod');
    expect(res.columns).toContain('lnlprod');
    expect(res.columns.some((c) => c.endsWith('_finance'))).toBe(true);
    expect(res.columns.some((c) => c.endsWith('_transport'))).toBe(false);
    await expect(runIndices(file, { id: 'city', time: 'year', reference: 'sample', efficiency: 'dea-ccr-in', labour: 'l', output: 'y', out: join(dir, 'x.csv') })).rejects.toThrow(/--efficiency needs --capital/);
    rmSync(dir, { recursive: true, force: true });
  });
});

// A tester's config without "data" looked for <config folder>/data/city_panel.csv: the default data is
// the bundled panel; only a config's own "data" is read relative to the config file.
describe('the data a study config names', () => {
  it('is the bundled panel when the config has no "data", and relative to the config file when it has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-cfgdata-'));
    try {
      writeFileSync(join(dir, 'none.json'), '{"municipalities": null}');
      writeFileSync(join(dir, 'own.json'), '{"data": "mine.csv"}');
      expect((await loadConfig(join(dir, 'none.json'), undefined)).dataPath).toBe(resolve('data/city_panel.csv'));
      expect((await loadConfig(join(dir, 'own.json'), undefined)).dataPath).toBe(join(dir, 'mine.csv'));
      expect((await loadConfig(join(dir, 'own.json'), 'other.csv')).dataPath).toBe(resolve('other.csv'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
