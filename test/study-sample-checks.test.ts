// What the study's configuration assumes of the data, checked before the indices and efficiency
// scores (src/study/sample-checks.ts): periods cover the data's years, coastal is a fixed 0/1 per city,
// the municipalities exist. Each case is the data a user sent that the run used to get wrong silently.
import { tableFromArrays } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type StudyConfig } from '../src/study/config.ts';
import { checkStudySample, periodLabel } from '../src/study/sample-checks.ts';
import { Panel } from '../src/panel/panel.ts';

/** Cities 1 and 2 over the years given, coastal per row from `coastal`, city_name Beijing for city 1. */
function panel(years: number[], coastal: (city: number, year: number) => number = (c) => (c === 1 ? 1 : 0)): Panel {
  const rows = [1, 2].flatMap((c) => years.map((y) => ({ c, y })));
  const table = tableFromArrays({
    city: Float64Array.from(rows, (r) => r.c),
    year: Float64Array.from(rows, (r) => r.y),
    coastal: Float64Array.from(rows, (r) => coastal(r.c, r.y)),
    city_name: rows.map((r) => (r.c === 1 ? 'Beijing' : 'Hefei')),
  });
  return Panel.fromTable(table, { id: 'city', time: 'year', source: 'panel.csv' });
}
const years = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const cfg: StudyConfig = DEFAULT_CONFIG;

describe('checkStudySample', () => {
  it('accepts data the default periods cover, and labels a period by the years the data fills', () => {
    expect(() => checkStudySample(cfg, panel(years(2003, 2016)))).not.toThrow();
    expect(() => checkStudySample(cfg, panel(years(2005, 2016)))).not.toThrow();
    expect(periodLabel([2003, 2009], [2005, 2016])).toBe('2005–2009');
    expect(periodLabel([2010, 2016], [2005, 2016])).toBe('2010–2016');
  });
  it('refuses periods that leave years of the data out, or hold too few of them, naming the key', () => {
    expect(() => checkStudySample(cfg, panel(years(2003, 2020)))).toThrow(
      "study config 'periods' (2003–2009, 2010–2016) leaves out the data's years 2017, 2018, 2019, 2020 (8 rows), which T3 would drop and its period interactions count as the first period; make the periods cover 2003–2020",
    );
    expect(() => checkStudySample(cfg, panel(years(2009, 2016)))).toThrow(
      "study config 'periods[0]' (2003–2009) holds only the data's year(s) 2009; each sub-period needs at least 3 years for the dynamic model",
    );
  });
  it('refuses a coastal flag that is not 0/1 or changes within a city', () => {
    expect(() => checkStudySample(cfg, panel(years(2003, 2016), (c, y) => (c === 1 && y === 2016 ? 0 : c === 1 ? 1 : 0)))).toThrow(
      "coastal flag 'coastal' must be constant within each city (T4 splits cities by it): city 1 has 1 in 2003 and 0 in 2016",
    );
    expect(() => checkStudySample(cfg, panel(years(2003, 2016), () => 2))).toThrow("coastal flag 'coastal' must be 0 or 1 in every row; it is 2 for city 1, year 2003 in panel.csv");
    // A tester's empty cell read "has NaN".
    expect(() => checkStudySample(cfg, panel(years(2003, 2016), (c, y) => (c === 2 && y === 2010 ? NaN : c === 1 ? 1 : 0)))).toThrow(
      "coastal flag 'coastal' must be 0 or 1 in every row; it is missing for city 2, year 2010 in panel.csv",
    );
  });
  it('refuses municipalities that no unit has, before any index is computed', () => {
    expect(() => checkStudySample({ ...cfg, municipalities: { column: 'city_name', values: ['Tianjin'] } }, panel(years(2003, 2016)))).toThrow(
      "no unit has 'city_name' in [Tianjin] (study config 'municipalities')",
    );
    expect(() => checkStudySample({ ...cfg, municipalities: null }, panel(years(2003, 2016)))).not.toThrow();
    // A tester's typo beside a value that matched: the run dropped Beijing and said nothing of the other.
    expect(checkStudySample({ ...cfg, municipalities: { column: 'city_name', values: ['Beijing', 'Shenzhen', 'Tianjing'] } }, panel(years(2003, 2016)))).toEqual([
      "study config 'municipalities': no unit has 'city_name' 'Shenzhen', 'Tianjing', so the robustness column drops only the others",
    ]);
    expect(checkStudySample({ ...cfg, municipalities: { column: 'city_name', values: ['Beijing', 'Hefei'] } }, panel(years(2003, 2016)))).toEqual([]);
  });
});
