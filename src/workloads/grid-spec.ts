// A robustness grid (JSON): a command template with named placeholders, the values of each
// (crossed), samples by condition, and the focus coefficients:
//   { "template": "xtabond2 n L.n w k yr*, gmm(L.n, {lags} {collapse}) iv(w k yr*) {steps} robust",
//     "axes": { "lags": ["lag(1 .)", "lag(1 3)"], "collapse": ["", "collapse"], "steps": ["", "twostep"] },
//     "samples": { "all": null, "early": "year <= 1981" }, "focus": ["L.n", "w"] }
// Specifications are numbered samples first (slowest), then the axes in the order given.
import { SpecError } from '../errors.ts';
import { parseXtabond2 } from '../spec/parse.ts';
import { coefficientName } from '../spec/coefficient-name.ts';
import { cellName, levelName, needsLevels, omittedCell } from '../spec/fv-terms.ts';
import type { InteractionPart } from '../panel/term.ts';

export interface GridSpecification {
  index: number;
  sample: string;
  condition: string | null;
  /** The value each axis takes in this specification. */
  axes: Record<string, string>;
  command: string;
}

export interface Grid {
  template: string;
  axes: Record<string, string[]>;
  samples: Record<string, string | null>;
  /** Coefficient names as the results print them (L.n → L1.n). */
  focus: string[];
  specs: GridSpecification[];
}

/** The stability summary of one focus coefficient over the grid (src/workloads/grid-report.ts). */
export interface Stability {
  coefficient: string;
  /** Specifications that estimated it. */
  specs: number;
  median: number;
  /** Share with the sign of the median estimate; significant at 5%; both. */
  sameSign: number;
  significant: number;
  sameSignSignificant: number;
  min: number;
  max: number;
  range: number;
  /** Per axis (and "sample"): the spread (max − min) of the mean estimate across its values. */
  axisSpread: Record<string, number>;
  /** The axis whose choice moves the mean estimate most. */
  mostInfluential: string | null;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function fail(message: string, key: string): never {
  throw new SpecError(`grid: ${message}`, key);
}

export function expandTemplate(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => values[name]).replace(/\s+/g, ' ').replace(/\s+\)/g, ')').trim();
}

/** Parse and expand a grid; every command is checked against the data's columns (errors name the spec). */
export function parseGrid(raw: unknown, columns: readonly string[]): Grid {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('must be a JSON object with template, axes, samples, focus', 'grid');
  const g = raw as Record<string, unknown>;
  for (const k of Object.keys(g)) if (!['template', 'axes', 'samples', 'focus'].includes(k)) fail(`unknown key '${k}'; keys are template, axes, samples, focus`, k);
  if (typeof g.template !== 'string' || !g.template.trim()) fail('template: must be an xtabond2 command with {placeholders}', 'template');
  const template = g.template;
  const axesRaw = (g.axes ?? {}) as Record<string, unknown>;
  if (typeof axesRaw !== 'object' || Array.isArray(axesRaw)) fail('axes: must be an object: placeholder → list of values', 'axes');
  // Keyed by the user's names: no prototype, so that "__proto__" or "constructor" is a name like any other.
  const axes: Record<string, string[]> = Object.create(null);
  for (const [k, v] of Object.entries(axesRaw)) {
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) fail(`axes.${k}: must be a non-empty list of strings`, `axes.${k}`);
    if (new Set(v).size !== v.length) fail(`axes.${k}: repeats a value`, `axes.${k}`);
    axes[k] = v as string[];
  }
  const used = new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]));
  for (const u of used) if (!Object.hasOwn(axes, u)) fail(`template: placeholder {${u}} has no axis; axes are ${Object.keys(axes).join(', ') || 'none'}`, 'template');
  for (const a of Object.keys(axes)) if (!used.has(a)) fail(`axes.${a}: the template has no {${a}}`, `axes.${a}`);
  const samplesRaw = g.samples ?? { all: null };
  if (typeof samplesRaw !== 'object' || samplesRaw === null || Array.isArray(samplesRaw) || Object.keys(samplesRaw).length === 0)
    fail('samples: must be an object: name → condition (null: every row)', 'samples');
  const samples: Record<string, string | null> = Object.create(null);
  for (const [k, v] of Object.entries(samplesRaw as Record<string, unknown>)) {
    if (v !== null && (typeof v !== 'string' || !v.trim())) fail(`samples.${k}: must be a condition such as "year <= 1981", or null`, `samples.${k}`);
    samples[k] = v as string | null;
  }
  if (!Array.isArray(g.focus) || g.focus.length === 0 || !g.focus.every((f) => typeof f === 'string')) fail('focus: must be a non-empty list of coefficient names, e.g. ["L.n", "w"]', 'focus');
  const focus = (g.focus as string[]).map(coefficientName);
  let combos: Record<string, string>[] = [{}];
  for (const [k, vs] of Object.entries(axes)) combos = combos.flatMap((c) => vs.map((v) => ({ ...c, [k]: v })));
  const specs: GridSpecification[] = [];
  // The coefficients some specification estimates: its regressors, and _cons in system GMM (one
  // dropped for collinearity is still named, and then shows as missing in its rows).
  const coefficients = new Set<string>();
  let timeDummies = false;
  /** Variables of i. terms: their levels' coefficients ("1980.year") are known only from the data; so
   *  are the cells of interactions with an i. part ("2.ind#c.w"), known here by the interaction's parts. */
  const factors = new Set<string>();
  const interactions: InteractionPart[][] = [];
  for (const [sample, condition] of Object.entries(samples))
    for (const values of combos) {
      const command = expandTemplate(template, values);
      try {
        const spec = parseXtabond2(command, columns);
        // Every row's interval, its 5% significance and the specification curve are at 95%.
        if (spec.level !== undefined) throw new SpecError('level(): the grid reports 95% intervals and significance at 5% for every specification; leave level() out', 'level');
        for (const r of spec.regressors)
          if (r.fv?.kind === 'factor') factors.add(r.fv.variable);
          else if (r.fv?.kind === 'interaction' && needsLevels(r)) interactions.push(r.fv.parts);
          else coefficients.add(coefficientName(r.name));
        if (spec.levelEquation && spec.constant) coefficients.add('_cons');
        timeDummies ||= spec.timeDummies;
      } catch (err) {
        if (err instanceof SpecError) fail(`specification ${specs.length} (${command}): ${err.message}`, err.option ?? 'template');
        throw err;
      }
      specs.push({ index: specs.length, sample, condition, axes: values, command });
    }
  focus.forEach((f, i) => {
    // timedummies names its yr<t> dummies from the data's periods, known only at estimation; so do i. terms their levels.
    const level = levelName(f);
    const written = (g.focus as string[])[i].trim();
    if (levelName(written)?.mark === 'b') fail(`focus: ${written} is a base level, which has no coefficient`, `focus.${written}`);
    const cell = cellName(written);
    if (cell && omittedCell(cell)) fail(`focus: ${written} is an omitted cell, which has no coefficient`, `focus.${written}`);
    const ofInteraction = cell !== null && interactions.some((parts) => cellOf(cell, parts));
    if (!coefficients.has(f) && !(timeDummies && /^yr\d+$/.test(f)) && !(level && factors.has(level.variable)) && !ofInteraction) fail(`focus: no specification has the coefficient '${written}'; they have ${[...coefficients].join(', ')}`, `focus.${written}`);
  });
  return { template, axes, samples, focus, specs };
}

/** Whether a cell ("2.ind#c.w", factor parts first) is one of an interaction's: a level of each of its
 *  i. parts, its own levels, and its continuous parts under the same operators. Marks are not read:
 *  whether a cell at a base level is omitted depends on the data's levels, so such a focus is taken and
 *  shows as missing in the rows where the fit omits it, as a dropped coefficient does. */
function cellOf(cell: readonly InteractionPart[], parts: readonly InteractionPart[]): boolean {
  return (
    cell.length === parts.length &&
    parts.every((p, j) => {
      const c = cell[j];
      if (p.type === 'c') return c.type === 'c' && !p.omitted && c.variable === p.variable && c.lag === p.lag && c.diff === p.diff;
      if (c.type !== 'level' || c.variable !== p.variable) return false;
      return p.type === 'i' || c.level === p.level;
    })
  );
}
