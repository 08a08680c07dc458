import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, SpecError } from '../src/errors.ts';
import { Panel } from '../src/panel/panel.ts';
import { checkConfigColumns, DEFAULT_CONFIG, expressionColumns, parseStudyConfig } from '../src/study/config.ts';
import { GBT4754_2002, defaultEmploymentColumn } from '../src/study/sectors.ts';
import { gmmCommand, type StudyVariables } from '../src/study/tables.ts';
import { engineEstimators, replicate, type ReplicateOutcome } from '../src/study/replicate.ts';
import { marginalEffectCurve } from '../src/study/effects.ts';
import { parseXtabond2 } from '../src/spec/parse.ts';

/** A two-city, two-year panel with every column the default config names (renames applied). */
function panelWith(rename: Record<string, string> = {}, text: Record<string, string[]> = {}): Panel {
  const cols: Record<string, Float64Array | string[]> = {
    city: Float64Array.from([1, 1, 2, 2]),
    year: Float64Array.from([2003, 2004, 2003, 2004]),
    province: ['Beijing', 'Beijing', 'Hebei', 'Hebei'],
    city_name: ['Beijing', 'Beijing', 'Hebei 01', 'Hebei 01'],
    coastal: Float64Array.from([1, 1, 1, 1]),
    pm25: Float64Array.from([50, 55, 60, 65]),
  };
  for (const s of GBT4754_2002) cols[defaultEmploymentColumn(s)] = Float64Array.from([1, 2, 3, 4]);
  for (const c of ['manuf_capital', 'manuf_labour', 'manuf_output', 'gdppc', 'popden', 'secondary', 'fdi', 'tech', 'envreg']) cols[c] = Float64Array.from([1, 2, 3, 4]);
  Object.assign(cols, text);
  const renamed = Object.fromEntries(Object.entries(cols).map(([k, v]) => [rename[k] ?? k, v]));
  return Panel.fromTable(tableFromArrays(renamed as Parameters<typeof tableFromArrays>[0]), { id: 'city', time: 'year', source: 'panel.csv' });
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('study config', () => {
  it('takes the defaults for what it leaves out', () => {
    expect(parseStudyConfig({})).toEqual(DEFAULT_CONFIG);
    const c = parseStudyConfig({ gmm: { lagMax: 3 }, index: 'CA2' });
    expect(c.gmm).toEqual({ ...DEFAULT_CONFIG.gmm, lagMax: 3 });
    expect(c.index).toBe('CA2');
    expect(c.controls).toEqual(DEFAULT_CONFIG.controls);
  });

  it('the bundled data/study.json spells out the defaults', () => {
    const c = parseStudyConfig(JSON.parse(readFileSync('data/study.json', 'utf8')), 'data/study.json');
    expect({ ...c, data: DEFAULT_CONFIG.data }).toEqual(DEFAULT_CONFIG);
    expect(c.data).toBe('city_panel.csv');
  });

  it('names an unknown key, nested or not', () => {
    const e = thrown(() => parseStudyConfig({ controll: [] }, 'study.json'));
    expect(e).toBeInstanceOf(SpecError);
    expect(e.message).toMatch(/^study\.json: unknown key 'controll' \(allowed: data, id, time/);
    expect(thrown(() => parseStudyConfig({ gmm: { lagmax: 3 } }, 'study.json')).message).toBe(
      "study.json: unknown key 'gmm.lagmax' (allowed: lagMin, lagMax, lags, collapse, robustnessLagMax)",
    );
  });

  it('names the key of a bad value', () => {
    expect(thrown(() => parseStudyConfig({ gmm: { collapse: 'yes' } }, 's.json')).message).toBe("s.json: 'gmm.collapse' must be true or false");
    expect(thrown(() => parseStudyConfig({ gmm: { lagMin: 3, lagMax: 2 } }, 's.json')).message).toBe("s.json: 'gmm.lagMax' (2) is below gmm.lagMin (3)");
    expect(thrown(() => parseStudyConfig({ efficiency: { measure: 'tfp' } }, 's.json')).message).toMatch(/^s\.json: 'efficiency\.measure' must be one of labour-productivity, log-labour-productivity, dea-ccr-in/);
    expect(thrown(() => parseStudyConfig({ periods: [[2003, 2010], [2010, 2016]] }, 's.json')).message).toBe("s.json: 'periods[1]' must start after the previous period ends");
    expect(thrown(() => parseStudyConfig({ controls: [{ expr: 'x', name: 'a b' }] }, 's.json')).message).toBe("s.json: 'controls[0].name' must be a variable name (letters, digits, _), not 'a b'");
    expect(thrown(() => parseStudyConfig({ controls: ['log(x)', 'log(x)'] }, 's.json')).message).toMatch(/'controls' has two controls named 'log_x'/);
  });

  it('reads controls written as bare expressions', () => {
    const c = parseStudyConfig({ controls: ['log(gdppc)^2', 'L.fdi'] });
    expect(c.controls).toEqual([
      { name: 'log_gdppc_2', expr: 'log(gdppc)^2', label: 'log(gdppc)^2' },
      { name: 'L_fdi', expr: 'L.fdi', label: 'L.fdi' },
    ]);
    expect(expressionColumns('log(gdppc)^2 + L2D.fdi*within(tech) - 3.5e2')).toEqual(['gdppc', 'fdi', 'tech']);
  });
});

describe('config against the data', () => {
  it('accepts a panel with every default column', () => {
    expect(() => checkConfigColumns(DEFAULT_CONFIG, panelWith())).not.toThrow();
  });

  it('names the missing column, the config key and a close match', () => {
    const e = thrown(() => checkConfigColumns(DEFAULT_CONFIG, panelWith({ fdi: 'fdi_share' })));
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe("column 'fdi' (study config 'controls[4]') not found in panel.csv; did you mean 'fdi_share'?");
  });

  it('names a misspelt column in the config', () => {
    const cfg = parseStudyConfig({ efficiency: { capital: 'manuf_captial' } });
    expect(thrown(() => checkConfigColumns(cfg, panelWith())).message).toBe(
      "column 'manuf_captial' (study config 'efficiency.capital') not found in panel.csv; did you mean 'manuf_capital'?",
    );
    const cfg2 = parseStudyConfig({ sectors: { columns: { J: 'emp_fin' } } });
    expect(thrown(() => checkConfigColumns(cfg2, panelWith())).message).toMatch(/^column 'emp_fin' \(study config 'sectors\.columns\.J'\) not found in panel\.csv/);
  });

  it('names a text value in a numeric column', () => {
    const e = thrown(() => checkConfigColumns(DEFAULT_CONFIG, panelWith({}, { tech: ['1', '2', 'n/a', '4'] })));
    expect(e.message).toBe("column 'tech' (study config 'controls[5]') is not numeric in panel.csv: city 2, year 2003 has 'n/a'");
  });
});

describe('model commands', () => {
  const v: StudyVariables = {
    y: 'lnpm25',
    yLabel: 'ln PM2.5',
    ca: 'ca',
    eff: 'eff',
    caEff: 'ca_eff',
    controls: [
      { name: 'lngdppc', label: '' },
      { name: 'fdi', label: '' },
    ],
    periods: [],
    inland: { dummy: 'inland', ca: 'ca_inl', eff: 'eff_inl', caEff: 'ca_eff_inl' },
  };
  it('writes the xtabond2 command of a study column', () => {
    expect(gmmCommand(v, ['ca', 'eff', 'ca_eff'], { lagMin: 2, lagMax: 4, collapse: true }, 'system', [2005, 2016])).toBe(
      'lnpm25 L.lnpm25 ca eff ca_eff lngdppc fdi yr2005-yr2016, gmm(lnpm25 ca eff ca_eff, lag(2 4) collapse) iv(lngdppc fdi) iv(yr2005-yr2016, eq(level)) twostep robust',
    );
    expect(gmmCommand(v, ['ca'], { lagMin: 2, lagMax: 3, collapse: false }, 'difference', [2009, 2009])).toBe(
      'lnpm25 L.lnpm25 ca lngdppc fdi yr2009, gmm(lnpm25 ca, lag(2 3)) iv(lngdppc fdi) iv(yr2009) twostep robust noleveleq',
    );
    expect(gmmCommand(v, ['ca'], { lagMin: 2, lagMax: 3, collapse: true }, 'system', [2005, 2016], ['inland'])).toBe(
      'lnpm25 L.lnpm25 ca inland lngdppc fdi yr2005-yr2016, gmm(lnpm25 ca, lag(2 3) collapse) iv(lngdppc fdi) iv(inland, eq(level)) iv(yr2005-yr2016, eq(level)) twostep robust',
    );
    expect(gmmCommand(v, ['ca'], { lagMin: 2, lagMax: 3, collapse: true }, 'system', null)).toBe(
      'lnpm25 L.lnpm25 ca lngdppc fdi, gmm(lnpm25 ca, lag(2 3) collapse) iv(lngdppc fdi) twostep robust',
    );
  });
  it('parses as the intended specification', () => {
    const cmd = gmmCommand(v, ['ca', 'eff', 'ca_eff'], { lagMin: 2, lagMax: 4, collapse: true }, 'system', [2005, 2007]);
    const spec = parseXtabond2(cmd, ['lnpm25', 'ca', 'eff', 'ca_eff', 'lngdppc', 'fdi', 'yr2003', 'yr2004', 'yr2005', 'yr2006', 'yr2007']);
    const controlsAndYears = ['lngdppc', 'fdi', 'yr2005', 'yr2006', 'yr2007'].map((b) => [b, 0]);
    expect(spec.regressors.map((t) => [t.base, t.lag])).toEqual([['lnpm25', 1], ['ca', 0], ['eff', 0], ['ca_eff', 0], ...controlsAndYears]);
    expect(spec.gmm).toHaveLength(1);
    expect([spec.gmm[0].lagMin, spec.gmm[0].lagMax, spec.gmm[0].collapse, spec.gmm[0].equation]).toEqual([2, 4, true, 'both']);
    expect(spec.iv.map((g) => [g.vars.map((t) => t.base), g.equation])).toEqual([
      [['lngdppc', 'fdi'], 'both'],
      [['yr2005', 'yr2006', 'yr2007'], 'level'],
    ]);
    expect([spec.twostep, spec.robust, spec.levelEquation, spec.timeDummies]).toEqual([true, true, true, false]);
  });
});

describe('sysgmm replicate on the bundled city panel (issue 5 acceptance)', () => {
  const truth = JSON.parse(readFileSync('data/city_panel_truth.json', 'utf8'));
  const out = mkdtempSync(join(tmpdir(), 'sysgmm-replicate-'));
  let o: ReplicateOutcome;
  const steps: string[] = [];
  beforeAll(async () => {
    o = await replicate({ data: 'data/city_panel.csv', out, estimators: engineEstimators(), onProgress: (e) => steps.push(e.step) });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const coef = (id: string, name: string) => {
    const c = o.runs.find((r) => r.id === id)!.result.coefficients.find((k) => k.name === name);
    if (!c) throw new Error(`${id} has no ${name}`);
    return c;
  };

  it('two-step system GMM recovers the signs of CA, EFF, CA×EFF and the persistence within 0.1', () => {
    const main = o.runs.find((r) => r.id === 'T2.5')!;
    expect(main.estimator).toBe('system');
    expect(main.result.steps).toBe(2);
    expect(main.result.vce.toLowerCase()).toContain('windmeijer');
    for (const name of ['ca', 'eff', 'ca_eff']) {
      expect(coef('T2.5', name).estimate).toBeLessThan(0);
      expect(coef('T2.5', name).p).toBeLessThan(0.01);
    }
    expect(Math.abs(coef('T2.5', 'L.lnpm25').estimate - truth.parameters.rho)).toBeLessThan(0.1);
    // Instruments stay below the number of cities; no AR(2) in the differenced residuals.
    expect(main.result.ninstruments).toBeLessThan(main.result.ngroups);
    expect(main.result.ar.find((a) => a.order === 2)!.p).toBeGreaterThan(0.05);
  });

  it('the inland effects exceed the coastal ones (the truth: 1.5 times)', () => {
    for (const name of ['ca', 'eff', 'ca_eff']) expect(coef('T4.2', name).estimate).toBeLessThan(coef('T4.1', name).estimate);
    // The per-coefficient difference test is the two-sample z on those two columns.
    const d = o.regionTests.differences[0];
    const [a, b] = [coef('T4.2', 'ca'), coef('T4.1', 'ca')];
    expect(d.estimate).toBeCloseTo(a.estimate - b.estimate, 14);
    expect(d.se).toBeCloseTo(Math.hypot(a.se, b.se), 14);
  });

  it('the pooled column (3) has the inland dummy, in levels, so CA × Inland is the slope gap alone (a tester: −0.029, p 0.46, without it)', () => {
    const t43 = o.runs.find((r) => r.id === 'T4.3')!;
    expect(t43.command).toContain(' ca_eff_inl inland lngdppc');
    expect(t43.command).toContain('iv(inland, eq(level))');
    // Truth: inland slopes 1.5 times the coastal ones (negative), so CA × Inland < 0; the
    // sub-samples give −0.447 − (−0.336) = −0.111.
    expect(coef('T4.3', 'ca_inl').estimate).toBeCloseTo(-0.12516, 4);
    expect(coef('T4.3', 'ca_inl').p).toBeCloseTo(0.0415, 3);
    expect(coef('T4.3', 'inland').estimate).toBeCloseTo(0.18706, 4);
    expect(o.regionTests.wald.chi2).toBeCloseTo(6.07, 2);
    const t4 = readFileSync(join(out, 'T4.md'), 'utf8');
    expect(t4).toContain('| CA × Inland |  |  | -0.125** |');
    expect(t4).toContain('| Inland |  |  | 0.187** |');
    expect(t4).toContain('iv(inland, eq(level))');
    expect(t4).not.toContain('left to the city effect');
  });

  it('centres the interaction at the estimation-sample means the DGP used', () => {
    const rep = readFileSync(join(out, 'report.md'), 'utf8');
    expect(rep).toContain(`c̄ = ${truth.centring.ca.toFixed(4)}, ē = ${truth.centring.eff.toFixed(4)}`);
  });

  it('derives effects consistent with the fitted model', () => {
    const rho = coef('T2.5', 'L.lnpm25').estimate;
    const lr = o.effects.longRun[0];
    expect(lr.label).toBe('CA');
    expect(lr.estimate).toBeCloseTo(coef('T2.5', 'ca').estimate / (1 - rho), 12);
    // At the centring value of efficiency the marginal effect of CA is beta_CA with its own SE.
    const at = marginalEffectCurve(o.runs.find((r) => r.id === 'T2.5')!.result, { ca: 'ca', interaction: 'ca_eff' }, [o.effects.effCentre], o.effects.effCentre)[0];
    expect(at.estimate).toBe(coef('T2.5', 'ca').estimate);
    expect(at.se).toBeCloseTo(coef('T2.5', 'ca').se, 12);
    expect(o.effects.marginal).toHaveLength(41);
    expect(o.effects.atPercentiles.map((m) => m.percentile)).toEqual([10, 25, 50, 75, 90]);
  });

  it('writes each table in four formats, the figures as SVG and PNG, and report.md', () => {
    for (const t of ['T1', 'T2', 'T3', 'T4', 'T5', 'T6']) for (const ext of ['md', 'tex', 'csv', 'json']) expect(existsSync(join(out, `${t}.${ext}`))).toBe(true);
    expect(readFileSync(join(out, 'T2.md'), 'utf8').split('\n')[2]).toBe('|  | (1) Pooled OLS | (2) Fixed effects | (3) Diff-GMM | (4) Sys-GMM | (5) Sys-GMM |');
    expect(readFileSync(join(out, 'T2.tex'), 'utf8')).toContain('\\toprule');
    const t2 = JSON.parse(readFileSync(join(out, 'T2.json'), 'utf8'));
    expect(t2.columns[4].coefficients.find((c: { name: string }) => c.name === 'ca').estimate).toBe(coef('T2.5', 'ca').estimate);
    for (const f of ['fig1_heterogeneity', 'fig2_segments', 'fig3_marginal_effect']) {
      expect(readFileSync(join(out, `${f}.svg`), 'utf8')).toMatch(/^<svg/);
      const png = readFileSync(join(out, `${f}.png`));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.readUInt32BE(16)).toBeGreaterThan(600); // width in pixels (2x zoom)
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain(`xtabond2 ${o.runs.find((r) => r.id === 'T2.5')!.command}`);
    // models.json: OLS and FE list the variable list they read; the GMM columns their whole command.
    const models = JSON.parse(readFileSync(join(out, 'models.json'), 'utf8')) as { id: string; command: string }[];
    const command = (id: string) => models.find((m) => m.id === id)!.command;
    expect([command('T2.1'), command('T2.2')]).toEqual(Array(2).fill(command('T2.5').split(',')[0]));
    expect(command('T2.5')).toMatch(/, gmm\(/);
    expect(report).toContain('![');
    expect(o.t2Text.split('\n')[0]).toBe('T2. Baseline estimates: co-agglomeration, manufacturing efficiency and haze');
  });

  it('warns of values a log made missing from present data, naming the variable and the first city-year (a tester saw them only as "missing value"), and of more instruments than cities', async () => {
    // pm25 = 0 for one row and gdppc = -5 for another of the bundled panel.
    const lines = readFileSync('data/city_panel.csv', 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const set = (line: number, column: string, value: string) => {
      const cells = lines[line]!.split(',');
      cells[header.indexOf(column)] = value;
      lines[line] = cells.join(',');
    };
    set(30, 'pm25', '0');
    set(40, 'gdppc', '-5');
    const cell = (line: number, column: string) => lines[line]!.split(',')[header.indexOf(column)];
    const file = join(out, 'logbad.csv');
    // The first 100 cities: the uncollapsed column's instruments then outnumber them.
    const cityAt = header.indexOf('city');
    const first100 = new Set(lines.slice(1).map((l) => l.split(',')[cityAt]).filter((c) => c !== undefined && c !== '').slice(0, 100 * 14));
    expect(first100.size).toBe(100);
    writeFileSync(file, lines.filter((l, i) => i === 0 || (l !== '' && first100.has(l.split(',')[cityAt]!))).join('\n') + '\n');
    const bad = await replicate({ data: file, out: join(out, 'logbad'), estimators: engineEstimators() });
    const t63 = bad.runs.find((r) => r.id === 'T6.3')!.result;
    expect(t63.ninstruments).toBeGreaterThan(t63.ngroups);
    expect(bad.warnings).toContain(`T6.3 ${bad.runs.find((r) => r.id === 'T6.3')!.label}: ${t63.ninstruments} instruments for ${t63.ngroups} cities; with more instruments than groups the Hansen test is weak and the two-step weight can be singular (Roodman 2009)`);
    expect(bad.warnings.filter((w) => w.includes('instruments for')).length).toBe(bad.runs.filter((r) => r.result.ninstruments > r.result.ngroups && r.estimator !== 'ols' && r.estimator !== 'within').length);
    expect(o.warnings.some((w) => w.includes('instruments for'))).toBe(false);
    const where = (line: number) => `the first city ${cell(line, 'city')}, year ${cell(line, 'year')} in ${file}`;
    expect(bad.warnings).toContain(`lnpm25 = log(pm25): 1 city-year(s) made missing from present data (1 by log of a value not above 0), ${where(30)}`);
    expect(bad.warnings).toContain(`control lngdppc = log(gdppc): 1 city-year(s) made missing from present data (1 by log of a value not above 0), ${where(40)}`);
    expect(o.warnings.some((w) => w.includes('made missing'))).toBe(false);
  }, 120_000);

  it('counts a city-year made missing once, whatever operations failed in it, and names each cause (a reviewer: log(a) - log(b) at a = b = 0 counted 2)', async () => {
    const { evalExpression } = await import('../src/panel/expression.ts');
    const { Generated } = await import('../src/study/warnings.ts');
    const p = panelWith().withColumn('a', Float64Array.from([0, 1, 4, -1])).withColumn('b', Float64Array.from([0, 0, 2, 1]));
    const warnings: string[] = [];
    const made = new Generated(p);
    evalExpression(p, 'log(a) - log(b) + a / b + sqrt(a)', (what, r) => made.add(what, r));
    made.warn(warnings, 'control z');
    expect(warnings).toEqual(['control z: 3 city-year(s) made missing from present data (3 by log of a value not above 0, 2 by division by zero, 1 by sqrt of a negative value), the first city 1, year 2003 in panel.csv']);
  });

  it('bootstrap: a column where every replication failed prints [., .], each table notes the failed replications per column, and B < 39 warns (a tester saw [, ] and no warning)', async () => {
    const engine = engineEstimators();
    // Replications as a bootstrap could leave them: all 29 fail in T4.1, 6 in T4.2, none elsewhere.
    const failedIn: Record<string, number> = { 'T4.1': 29, 'T4.2': 6 };
    const b = await replicate({
      data: 'data/city_panel.csv',
      out: join(out, 'boot'),
      bootstrap: 29,
      estimators: {
        fit: engine.fit,
        bootstrap: async (run) => {
          const failed = failedIn[run.id] ?? 0;
          const fit = await engine.fit(run);
          return { intervals: fit.coefficients.map((c) => ({ name: c.name, low: failed === 29 ? NaN : c.estimate - 0.1, high: failed === 29 ? NaN : c.estimate + 0.1 })), failed };
        },
      },
    });
    expect(b.warnings).toContain('--bootstrap: 29 replications are too few for 95% intervals: their quantiles need at least 39 (999 is usual)');
    const t4 = readFileSync(join(out, 'boot', 'T4.md'), 'utf8');
    // CA: coastal −0.336 has no interval; inland −0.447 ± 0.1.
    expect(t4).toContain('|  | [., .] | [-0.547, -0.347] | [-0.422, -0.222] |');
    expect(t4).toContain(
      '*Bootstrap: pairs (city) bootstrap, B = 29, seed 1, 95% percentile intervals in brackets; replications that failed (singular or non-finite) and were left out: (1) 29 of 29, so no interval: [., .]; (2) 6 of 29.*',
    );
    expect(readFileSync(join(out, 'boot', 'T4.tex'), 'utf8')).toContain(' & [., .] & [-0.547, -0.347] & [-0.422, -0.222] \\\\');
    expect(readFileSync(join(out, 'boot', 'T2.md'), 'utf8')).toContain('*Bootstrap: pairs (city) bootstrap, B = 29, seed 1, 95% percentile intervals in brackets.*');
    const t4json = JSON.parse(readFileSync(join(out, 'boot', 'T4.json'), 'utf8'));
    expect([t4json.columns[0].coefficients[1].bootLow, t4json.columns[0].coefficients[1].bootHigh]).toEqual([null, null]);
  }, 120_000);

  it('the year-dummy note is true per column: T2\'s difference GMM column loses two years and keeps all 12 dummies, in the differenced equation (a tester: the note said levels and a base year for every column)', () => {
    const t23 = o.runs.find((r) => r.id === 'T2.3')!;
    expect(t23.command).toContain('iv(yr2005-yr2016) twostep robust noleveleq');
    expect(t23.result.nobs).toBe(285 * 12);
    expect(t23.result.coefficients.filter((c) => c.name.startsWith('yr')).length).toBe(12);
    expect(coef('T2.5', 'yr2005')).toBeDefined();
    expect(o.runs.find((r) => r.id === 'T2.5')!.result.nobs).toBe(285 * 13);
    const note = (t: string) => readFileSync(join(out, `${t}.md`), 'utf8').split('\n').find((l) => l.includes('GMM columns'))!;
    expect(note('T2')).toContain(
      'iv(controls), year dummies: system GMM iv(levels), the first year lost to the lag and the second the base year; difference GMM (column 3) iv(differenced equation), the first two years lost to the lag and its first difference, every later year with its dummy (the differenced equation has no constant).',
    );
    // Every other table has system GMM columns only.
    for (const t of ['T3', 'T4', 'T5', 'T6']) expect(note(t)).toContain('iv(controls), year dummies iv(levels); the first year is lost to the lag and the second is the base year.');
  });

  it('sub-sample columns keep the pooled centring, and their notes say so (a tester: not said anywhere)', () => {
    const c = truth.centring;
    for (const id of ['T3.1', 'T3.2', 'T4.1', 'T4.2']) {
      const p = o.runs.find((r) => r.id === id)!.panel;
      const [ca, eff, caEff] = ['ca', 'eff', 'ca_eff'].map((n) => p.column(n));
      const r = p.nrows - 1;
      expect(caEff[r]).toBeCloseTo((ca[r] - c.ca) * (eff[r] - c.eff), 12);
    }
    const t3 = readFileSync(join(out, 'T3.md'), 'utf8');
    const t4 = readFileSync(join(out, 'T4.md'), 'utf8');
    const said = "The sub-sample columns keep the full sample's centring constants (CA and EFF means over the baseline estimation sample), so their CA and EFF are effects at the pooled mean of the other, not at the sub-sample's own mean.";
    expect(t3).toContain(said);
    expect(t3).toContain("the period dummy itself is the sum of its years' dummies, which the model has.");
    expect(t4).toContain(`in the level of the outcome. ${said}*`);
  });

  it('reports progress step by step', () => {
    expect(steps[0]).toBe('reading data/city_panel.csv');
    expect(steps.filter((s) => s.startsWith('fitting ')).length).toBe(o.runs.length);
    expect(steps.at(-1)).toBe('done');
  });

  it('reads --data as --input-format and --delimiter say: a colon-separated copy on standard input gives the same T2', () => {
    const colons = readFileSync('data/city_panel.csv', 'utf8').replaceAll(',', ':'); // ':' is not a detected delimiter
    const r = spawnSync(process.execPath, ['bin/sysgmm.mjs', 'replicate', '--data', '-', '--input-format', 'csv', '--delimiter', ':', '--out', join(out, 'colon'), '--quiet'], { encoding: 'utf8', input: colons });
    // --quiet leaves the warnings: the bundled data's one is the uncollapsed column's singular S.
    expect(r.stderr).toBe(`${o.warnings.map((w) => `warning: ${w}\n`).join('')}`);
    expect(r.stderr).toMatch(/^warning: Two-step estimated covariance matrix of moments is singular\. .*\(T6\.3\)\n$/);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(o.t2Text);
  }, 120_000);
});

describe('sysgmm replicate from the command line', () => {
  it('names a misnamed column and its config key, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysgmm-cfg-'));
    const cfg = join(dir, 'study.json');
    writeFileSync(cfg, JSON.stringify({ data: resolve('data/city_panel.csv'), efficiency: { output: 'manuf_outptu' } }));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'replicate', '--config', cfg, '--out', join(dir, 'out'), '--quiet'], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("sysgmm: column 'manuf_outptu' (study config 'efficiency.output') not found in data/city_panel.csv; did you mean 'manuf_output'?");
  });
});
