import { readFileSync } from 'node:fs';
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DataError, SpecError } from '../src/errors.ts';
import { Panel } from '../src/panel/panel.ts';
import { checkConfigColumns, DEFAULT_CONFIG, expressionColumns, parseStudyConfig } from '../src/study/config.ts';
import { GBT4754_2002, defaultEmploymentColumn } from '../src/study/sectors.ts';

/** A two-city, two-year panel with every column the default config names (renames applied). */
function panelWith(rename: Record<string, string> = {}, text: Record<string, string[]> = {}): Panel {
  const cols: Record<string, Float64Array | string[]> = {
    city: Float64Array.from([1, 1, 2, 2]),
    year: Float64Array.from([2003, 2004, 2003, 2004]),
    province: ['Beijing', 'Beijing', 'Hebei', 'Hebei'],
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
      "study.json: unknown key 'gmm.lagmax' (allowed: lagMin, lagMax, collapse, robustnessLagMax)",
    );
  });

  it('names the key of a bad value', () => {
    expect(thrown(() => parseStudyConfig({ gmm: { collapse: 'yes' } }, 's.json')).message).toBe("s.json: 'gmm.collapse' must be true or false");
    expect(thrown(() => parseStudyConfig({ gmm: { lagMin: 3, lagMax: 2 } }, 's.json')).message).toBe("s.json: 'gmm.lagMax' (2) is below gmm.lagMin (3)");
    expect(thrown(() => parseStudyConfig({ efficiency: { measure: 'tfp' } }, 's.json')).message).toMatch(/^s\.json: 'efficiency\.measure' must be one of labour-productivity, dea-ccr-in/);
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
