// What the study's configuration assumes of the data, checked on the panel as read, before the
// indices and the efficiency scores are computed: the sub-periods of T3 cover every year of the data
// and each holds enough years for a dynamic model; the coastal flag is 0 or 1 and constant within a
// city (T4 splits cities by it); the units the T6 robustness column drops exist.
import { DataError } from '../errors.ts';
import type { Panel } from '../panel/panel.ts';
import type { StudyConfig } from './config.ts';

/** Years a sub-period needs for the dynamic model: y_t, its lag, and the lag's difference as the levels instrument. */
export const MIN_PERIOD_YEARS = 3;

/** Values of a text or numeric column per unit (its first row), as strings. */
export function unitValues(panel: Panel, column: string): string[] {
  const col = panel.isNumeric(column) ? Array.from(panel.column(column), (v) => (Number.isNaN(v) ? null : String(v))) : panel.textColumn(column);
  return Array.from({ length: panel.nunits }, (_, i) => col[panel.offsets[i]] ?? '');
}

/** A negative value in the panel's column `column` (`values`, in panel row order) as an error in the
 *  data naming what it is, the column (with `note`), the file, the unit and the period. */
export function refuseNegative(panel: Panel, column: string, values: ArrayLike<number>, what: string, note = ''): void {
  for (let r = 0; r < values.length; r++)
    if (values[r] < 0)
      throw new DataError(
        `negative ${what} ${values[r]} in column '${column}'${note}${panel.source ? ` of ${panel.source}` : ''} (${panel.idName} ${panel.units[panel.unitOf[r]]}, ${panel.timeName} ${panel.time[r]})`,
        { file: panel.source, column },
      );
}

/** "2005–2009": a period as the data fills it (its range cut to the data's first and last year). */
export function periodLabel([a, b]: [number, number], [tmin, tmax]: [number, number]): string {
  const lo = Math.max(a, tmin);
  const hi = Math.min(b, tmax);
  return lo === hi ? `${lo}` : `${lo}–${hi}`;
}

/** Refuse a configuration the data contradicts; warn of municipalities no unit has (a typo drops nothing). */
export function checkStudySample(cfg: StudyConfig, panel: Panel): string[] {
  checkPeriods(cfg.periods, panel);
  checkCoastal(cfg.coastal, panel);
  const muni = cfg.municipalities;
  if (!muni) return [];
  const present = new Set(unitValues(panel, muni.column));
  const absent = muni.values.filter((v) => !present.has(v));
  if (absent.length === muni.values.length)
    throw new DataError(
      `no unit has '${muni.column}' in [${muni.values.join(', ')}] (study config 'municipalities'), so the robustness column would drop nothing; name the column and values that mark the units to drop, or set "municipalities": null to leave that column out`,
      { column: muni.column },
    );
  return absent.length ? [`study config 'municipalities': no unit has '${muni.column}' ${absent.map((v) => `'${v}'`).join(', ')}, so the robustness column drops only the others`] : [];
}

function checkPeriods(periods: [number, number][], panel: Panel): void {
  const years = [...new Set(panel.time)].sort((a, b) => a - b);
  const shown = periods.map(([a, b]) => `${a}–${b}`).join(', ');
  const outside = years.filter((t) => !periods.some(([a, b]) => t >= a && t <= b));
  if (outside.length) {
    const rows = panel.time.filter((t) => outside.includes(t)).length;
    throw new DataError(
      `study config 'periods' (${shown}) leaves out the data's years ${outside.join(', ')} (${rows} rows), which T3 would drop and its period interactions count as the first period; make the periods cover ${years[0]}–${years[years.length - 1]}`,
      { file: panel.source },
    );
  }
  periods.forEach(([a, b], i) => {
    const inside = years.filter((t) => t >= a && t <= b);
    if (inside.length < MIN_PERIOD_YEARS)
      throw new DataError(
        `study config 'periods[${i}]' (${a}–${b}) holds ${inside.length ? `only the data's year(s) ${inside.join(', ')}` : 'no year of the data'}; each sub-period needs at least ${MIN_PERIOD_YEARS} years for the dynamic model`,
        { file: panel.source },
      );
  });
}

function checkCoastal(column: string, panel: Panel): void {
  const coastal = panel.column(column);
  const unit = (r: number) => `${panel.idName} ${panel.units[panel.unitOf[r]]}, ${panel.timeName} ${panel.time[r]}`;
  const inFile = panel.source ? ` in ${panel.source}` : '';
  for (let r = 0; r < coastal.length; r++)
    if (!(coastal[r] === 0 || coastal[r] === 1))
      throw new DataError(`coastal flag '${column}' must be 0 or 1 in every row; ${Number.isNaN(coastal[r]) ? 'it is missing' : `it is ${coastal[r]}`} for ${unit(r)}${inFile}`, { file: panel.source, column });
  for (let i = 0; i < panel.nunits; i++) {
    const first = panel.offsets[i];
    for (let r = first + 1; r < panel.offsets[i + 1]; r++)
      if (coastal[r] !== coastal[first])
        throw new DataError(
          `coastal flag '${column}' must be constant within each city (T4 splits cities by it): ${panel.idName} ${panel.units[i]} has ${coastal[first]} in ${panel.time[first]} and ${coastal[r]} in ${panel.time[r]}`,
          { column },
        );
  }
}
