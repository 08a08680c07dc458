// parseXtabond2: an xtabond2 command line → ModelSpec. Option names, abbreviations, defaults and
// the group labels follow xtabond2 3.7 (Roodman 2009, "How to do xtabond2", Stata Journal 9(1),
// section 4.1, and the command's help file): gmmstyle() defaults to laglimits(1 .) and
// equation(both); h(3); artests(2). Anything xtabond2 would accept that sysgmm cannot honour is
// refused by name, never ignored.
import { SpecError } from '../errors.ts';
import type { Equation, GmmGroup, IvGroup, ModelSpec, Weight } from './types.ts';
import { blankStrings, parseInRange } from './condition.ts';
import { closeMatches } from '../close-matches.ts';
import { expandVarlist, stataName } from './varlist.ts';
import { gmmLabel, ivLabel } from './labels.ts';
import { validateSpec } from './validate.ts';

export { specToCommand } from './to-command.ts';

/** An option as written: name, and the text inside its parentheses (null when it has none). */
interface RawOption {
  name: string;
  arg: string | null;
  text: string;
}

/** An option's full name and its shortest abbreviation (xtabond2's capitalisation: `TWOstep` → 3). */
interface OptionName {
  name: string;
  min: number;
  takesArg: boolean;
}

/** Most cluster variables: k of them make 2^k − 1 combinations, each a sum over its clusters. */
const MAX_CLUSTER_VARS = 4;

const MAIN_OPTIONS: OptionName[] = [
  { name: 'gmmstyle', min: 3, takesArg: true },
  { name: 'ivstyle', min: 2, takesArg: true },
  { name: 'robust', min: 1, takesArg: false },
  { name: 'cluster', min: 1, takesArg: true },
  { name: 'twostep', min: 3, takesArg: false },
  { name: 'noconstant', min: 3, takesArg: false },
  { name: 'noleveleq', min: 3, takesArg: false },
  { name: 'orthogonal', min: 2, takesArg: false },
  { name: 'artests', min: 2, takesArg: true },
  { name: 'small', min: 2, takesArg: false },
  { name: 'h', min: 1, takesArg: true },
  { name: 'arlevels', min: 3, takesArg: false },
  { name: 'nodiffsargan', min: 3, takesArg: false },
  { name: 'timedummies', min: 11, takesArg: false },
  { name: 'level', min: 1, takesArg: true },
  { name: 'pca', min: 3, takesArg: false },
  { name: 'components', min: 4, takesArg: true },
  { name: 'dpds2', min: 5, takesArg: false },
];

/** xtabond2 options that sysgmm refuses, with the reason. */
const UNSUPPORTED_MAIN: (OptionName & { why: string })[] = [
  { name: 'svmat', min: 3, takesArg: false, why: 'results are returned as an object; see --json' },
  { name: 'svvar', min: 3, takesArg: false, why: 'results are returned as an object; see --json' },
  { name: 'nomata', min: 3, takesArg: false, why: "it selects xtabond2's older ado code, which gives the same numbers; leave it out" },
];

const GMM_SUBOPTIONS: OptionName[] = [
  { name: 'laglimits', min: 1, takesArg: true },
  { name: 'collapse', min: 1, takesArg: false },
  { name: 'equation', min: 1, takesArg: true },
  { name: 'passthru', min: 1, takesArg: false },
  { name: 'split', min: 2, takesArg: false },
  { name: 'orthogonal', min: 1, takesArg: false },
];
const IV_SUBOPTIONS: OptionName[] = [
  { name: 'equation', min: 1, takesArg: true },
  { name: 'passthru', min: 1, takesArg: false },
  { name: 'mz', min: 2, takesArg: false },
];

/** Suboptions sometimes written at the top level by mistake. */
const SUBOPTION_WORDS = ['laglimits', 'collapse', 'equation', 'passthru', 'split', 'mz'];

/**
 * Parse an xtabond2 command (with or without the leading `xtabond2`) against the data's column
 * names (in data order: wildcards and ranges expand in that order). Throws SpecError naming the
 * option or variable at fault.
 * A split group stays one group (`split: true`); splitGroup() gives its two parts.
 */
export function parseXtabond2(command: string, columns: readonly string[]): ModelSpec {
  try {
    return parseCommand(command, columns);
  } catch (e) {
    // timedummies makes its dummies when the model is fitted, from the periods of the sample
    // (design.ts), so the command, read against the data's columns, cannot name them.
    const dummy = e instanceof SpecError && /^variable '(yr(?:_m)?\d+)' in .* not found/.exec(e.message);
    if (dummy && /(^|[\s,)])timedummies(?=$|[\s,(])/i.test(command))
      throw new SpecError(
        `${e.message.replace(/; (did you mean|columns are).*$/s, '')}: timedummies makes ${dummy[1]} and every other period's dummy when the model is fitted, and adds them to the regressors and an iv() itself, so a command cannot name them; leave ${dummy[1]} out, or give the data year-dummy columns and leave timedummies out`,
        (e as SpecError).option,
      );
    throw e;
  }
}

function parseCommand(command: string, columns: readonly string[]): ModelSpec {
  // `///` continuation comments go first (a comment may quote a word); then runs of white space,
  // outside the strings of an `if` condition ("New  York").
  const text = command
    .replace(/\/\/\/[^\n]*\n/g, ' ')
    .split(/("[^"]*")/)
    .map((part, k) => (k % 2 ? part : part.replace(/\s+/g, ' ')))
    .join('')
    .trim()
    .replace(/^xtabond2(?=\s|,|$)\s*/i, '');
  const [commandPart, optPart] = splitTopLevelComma(text, 'the command');
  const { varPart: beforeWeight, weightText } = weightPart(commandPart);
  const { varPart, condition, inRange } = qualifiers(beforeWeight);
  const weight = weightText === undefined ? undefined : parseWeight(weightText, columns);

  const terms = expandVarlist(varPart, columns, 'the variable list');
  if (terms.length === 0) throw new SpecError('no dependent variable: the command must start with the dependent variable, e.g. xtabond2 n L.n w k, gmm(L.n)');
  const [depvar, ...regressors] = terms;
  const seen = new Set<string>([depvar.name]);
  for (const r of regressors) {
    if (seen.has(r.name))
      throw new SpecError(r.name === depvar.name ? `the dependent variable '${stataName(r)}' is also listed as a regressor` : `regressor '${stataName(r)}' is listed twice`, stataName(r));
    seen.add(r.name);
  }

  const given = new Map<string, RawOption>();
  const gmmRaw: RawOption[] = [];
  const ivRaw: RawOption[] = [];
  for (const raw of splitOptions(optPart ?? '', 'the options')) {
    const known = resolveOption(raw, MAIN_OPTIONS, UNSUPPORTED_MAIN, 'option');
    if (!known) {
      const sub = SUBOPTION_WORDS.find((w) => w.startsWith(raw.name.toLowerCase()) && raw.name.length >= 2) ?? (raw.name.toLowerCase() === 'lag' ? 'laglimits' : raw.name.toLowerCase() === 'eq' ? 'equation' : undefined);
      if (sub)
        throw new SpecError(`option '${raw.name}' belongs inside ${sub === 'mz' ? 'ivstyle()' : 'gmmstyle()'}, e.g. gmm(x, ${raw.text})`, raw.name);
      throw new SpecError(`unknown option '${raw.name}'`, raw.name);
    }
    if (known === 'gmmstyle') gmmRaw.push(raw);
    else if (known === 'ivstyle') ivRaw.push(raw);
    else {
      if (given.has(known)) throw new SpecError(`option '${known}' is given twice`, known);
      given.set(known, raw);
    }
  }

  const levelEquation = !given.has('noleveleq');
  const h = intOption(given.get('h'), 'h', 3);
  const artests = intOption(given.get('artests'), 'artests', 2);

  let cluster: string[] | null = null;
  const clusterRaw = given.get('cluster');
  if (clusterRaw) {
    const names = clusterRaw.arg!.trim().split(/\s+/).filter(Boolean);
    if (names.length === 0) throw new SpecError('cluster() invalid: give one or more variables', 'cluster');
    if (names.length > MAX_CLUSTER_VARS)
      throw new SpecError(`cluster(${clusterRaw.arg}) invalid: at most ${MAX_CLUSTER_VARS} variables (multi-way clustering sums over every combination of them)`, 'cluster');
    for (const name of names) {
      if (columns.includes(name)) continue;
      const close = closeMatches(name, columns);
      throw new SpecError(`variable '${name}' in cluster() not found${close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''}`, 'cluster');
    }
    const twice = names.find((v, i) => names.indexOf(v) !== i);
    if (twice) throw new SpecError(`cluster(${clusterRaw.arg}) invalid: ${twice} given twice`, 'cluster');
    cluster = names;
  }

  let level: number | undefined;
  const levelRaw = given.get('level');
  if (levelRaw) {
    level = Number(levelRaw.arg!.trim());
    if (!/^\d+(\.\d+)?$/.test(levelRaw.arg!.trim()) || !(level >= 10 && level <= 99.99))
      throw new SpecError(`level(${levelRaw.arg}) invalid: the confidence level is a percentage between 10 and 99.99`, 'level');
  }

  let components: number | undefined;
  if (given.has('components')) {
    if (!given.has('pca')) throw new SpecError('components() goes with pca: add the option pca', 'components');
    components = intOption(given.get('components'), 'components', 0);
    // components(0) is xtabond2's default number of components (xtabond2 3.7 (Roodman)); a negative
    // number stops xtabond2 on a subscript error.
    if (components < 0) throw new SpecError(`components(${given.get('components')!.arg}) invalid: the number of components to keep, or 0 for the default`, 'components');
  }

  const gmm = gmmRaw.map((raw) => gmmGroup(raw, columns));
  const iv = ivRaw.map((raw) => ivGroup(raw, columns));

  const spec: ModelSpec = {
    depvar,
    regressors,
    gmm,
    iv,
    levelEquation,
    orthogonal: given.has('orthogonal'),
    // Checked with the rest of the specification by validateSpec.
    h: h as ModelSpec['h'],
    twostep: given.has('twostep'),
    // cluster() implies robust, as in xtabond2.
    robust: given.has('robust') || cluster !== null,
    small: given.has('small'),
    // xtabond2 adds _cons only in system GMM; difference GMM has none.
    constant: levelEquation && !given.has('noconstant'),
    artests,
    arlevels: given.has('arlevels'),
    diffSargan: !given.has('nodiffsargan'),
    cluster,
    timeDummies: given.has('timedummies'),
    ...(condition !== undefined ? { condition } : {}),
    ...(inRange !== undefined ? { inRange } : {}),
    ...(level !== undefined ? { level } : {}),
    ...(given.has('pca') ? { pca: true } : {}),
    ...(given.has('dpds2') ? { dpds2: true } : {}),
    ...(components !== undefined ? { components } : {}),
    ...(weight ? { weight } : {}),
  };
  validateSpec(spec);
  return spec;
}

/** gmmstyle(varlist, laglimits(a b) collapse equation() passthru split orthogonal). */
function gmmGroup(raw: RawOption, columns: readonly string[]): GmmGroup {
  const where = `gmmstyle(${raw.arg})`;
  const [varText, subText] = splitTopLevelComma(raw.arg ?? '', where);
  const vars = expandVarlist(varText, columns, where);
  if (vars.length === 0) throw new SpecError(`${where} needs a variable list`, 'gmmstyle');
  const sub = subOptions(subText, GMM_SUBOPTIONS, where);
  const collapse = sub.has('collapse');
  const passthru = sub.has('passthru');
  const equation = equationOption(sub.get('equation'), where);
  const [lagMin, lagMax] = lagLimits(sub.get('laglimits'), where);
  const split = sub.has('split');
  const group = { vars, lagMin, lagMax, collapse, equation, passthru, split, ...(sub.has('orthogonal') ? { orthogonal: true } : {}) };
  return { ...group, label: gmmLabel(group) };
}

/** ivstyle(varlist, equation() passthru mz). */
function ivGroup(raw: RawOption, columns: readonly string[]): IvGroup {
  const where = `ivstyle(${raw.arg})`;
  const [varText, subText] = splitTopLevelComma(raw.arg ?? '', where);
  const vars = expandVarlist(varText, columns, where);
  if (vars.length === 0) throw new SpecError(`${where} needs a variable list`, 'ivstyle');
  const sub = subOptions(subText, IV_SUBOPTIONS, where);
  const equation = equationOption(sub.get('equation'), where);
  const passthru = sub.has('passthru');
  const mz = sub.has('mz');
  const group = { vars, equation, passthru, mz };
  return { ...group, label: ivLabel(group) };
}

function equationOption(raw: RawOption | undefined, where: string): Equation {
  if (!raw) return 'both';
  const word = raw.arg!.trim().toLowerCase();
  if (word === '') return 'both';
  for (const eq of ['diff', 'level', 'both'] as const) if (eq.startsWith(word)) return eq;
  throw new SpecError(`equation(${raw.arg}) invalid in ${where}: use diff, level or both`, 'equation');
}

/** laglimits(a b): integers ≥ 0 or "." (open); a "." lower limit means 1; reversed limits are swapped, as in xtabond2. */
function lagLimits(raw: RawOption | undefined, where: string): [number, number | null] {
  if (!raw) return [1, null];
  const parts = raw.arg!.trim().split(/\s+/).filter(Boolean);
  if (parts.length !== 2) throw new SpecError(`laglimits(${raw.arg}) in ${where} must have two arguments, e.g. lag(2 4) or lag(2 .)`, 'laglimits');
  const vals = parts.map((p) => {
    if (p === '.') return null;
    if (!/^\d+$/.test(p)) throw new SpecError(`laglimits(${raw.arg}) in ${where} invalid: limits are whole numbers 0 or more, or '.'`, 'laglimits');
    return Number(p);
  });
  let a = vals[0] ?? 1;
  let b = vals[1];
  if (b !== null && a > b) [a, b] = [b, a];
  return [a, b];
}

function intOption(raw: RawOption | undefined, name: string, dflt: number): number {
  if (!raw) return dflt;
  const s = raw.arg!.trim();
  if (!/^-?\d+$/.test(s)) throw new SpecError(`${name}(${raw.arg}) invalid: expected a whole number`, name);
  return Number(s);
}

/** Suboptions of gmmstyle()/ivstyle(), keyed by full name (xtabond2 has none that sysgmm refuses). */
function subOptions(text: string | null, known: OptionName[], where: string): Map<string, RawOption> {
  const out = new Map<string, RawOption>();
  for (const raw of splitOptions(text ?? '', where)) {
    const name = resolveOption(raw, known, [], `${where.replace(/\(.*$/s, '()')} suboption`);
    if (!name) throw new SpecError(`unknown suboption '${raw.name}' in ${where}`, raw.name);
    if (out.has(name)) throw new SpecError(`suboption '${name}' is given twice in ${where}`, name);
    out.set(name, raw);
  }
  return out;
}

/** Match an option against names with Stata's abbreviation rule; refuse unsupported ones by name. */
function resolveOption(raw: RawOption, known: OptionName[], unsupported: (OptionName & { why: string })[], kind: string): string | null {
  const word = raw.name.toLowerCase();
  const matches = (o: OptionName) => word.length >= o.min && o.name.startsWith(word);
  const bad = unsupported.find(matches);
  if (bad) throw new SpecError(`${kind} '${bad.name}' is not supported (${bad.why})`, bad.name);
  const hit = known.find(matches);
  if (!hit) return null;
  if (hit.takesArg && raw.arg === null) throw new SpecError(`${kind} '${hit.name}' needs an argument, e.g. ${hit.name}(...)`, hit.name);
  if (!hit.takesArg && raw.arg !== null) throw new SpecError(`${kind} '${hit.name}' takes no argument (got '${raw.text}')`, hit.name);
  return hit.name;
}

/** Split "name(args) name name (args)" into options; parentheses may nest. */
function splitOptions(text: string, where: string): RawOption[] {
  const out: RawOption[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && /[A-Za-z0-9_]/.test(text[i])) i++;
    const name = text.slice(start, i);
    if (!name) {
      if (text[i] === ')') throw new SpecError(`unbalanced parentheses: stray ')' in ${where}`, where);
      if (text[i] === ',') throw new SpecError(`unexpected ',' in ${where} (options are separated by spaces)`, where);
      throw new SpecError(`cannot read '${text.slice(start).split(/\s/)[0]}' in ${where}`, text.slice(start));
    }
    let j = i;
    while (j < n && /\s/.test(text[j])) j++;
    let arg: string | null = null;
    if (text[j] === '(') {
      const close = matchingParen(text, j);
      if (close < 0) throw new SpecError(`unbalanced parentheses in option '${text.slice(start)}'`, name);
      arg = text.slice(j + 1, close);
      i = close + 1;
    } else if (i < n && !/\s/.test(text[i])) {
      if (text[i] === ',') throw new SpecError(`unexpected ',' after '${name}' in ${where} (options are separated by spaces)`, name);
      throw new SpecError(`cannot read '${text.slice(start).split(/\s/)[0]}' in ${where}`, name);
    }
    out.push({ name, arg, text: text.slice(start, i) });
  }
  return out;
}

function matchingParen(text: string, open: number): number {
  let depth = 0;
  for (let k = open; k < text.length; k++) {
    if (text[k] === '(') depth++;
    else if (text[k] === ')' && --depth === 0) return k;
  }
  return -1;
}

/** Split at the first comma outside parentheses: [before, after | null]. */
function splitTopLevelComma(text0: string, where: string): [string, string | null] {
  const text = blankStrings(text0, (msg) => {
    throw new SpecError(`${msg} in ${where}`, where);
  });
  let depth = 0;
  for (let k = 0; k < text.length; k++) {
    const c = text[k];
    if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) throw new SpecError(`unbalanced parentheses in ${where}: '${text}'`, where);
    } else if (c === ',' && depth === 0) return [text0.slice(0, k), text0.slice(k + 1)];
  }
  if (depth !== 0) throw new SpecError(`unbalanced parentheses in ${where}: '${text}'`, where);
  return [text0, null];
}

/** The text of the command's `[weight=exp]` (before the comma, outside an if condition's strings)
 *  and the rest of it without. */
function weightPart(text0: string): { varPart: string; weightText?: string } {
  const text = blankStrings(text0, (msg) => {
    throw new SpecError(msg, 'if');
  });
  const open = text.indexOf('[');
  if (open < 0) {
    if (text.includes(']')) throw new SpecError(`unbalanced brackets: ']' without '[' in '${text0.trim()}'`, 'weight');
    return { varPart: text0 };
  }
  const close = text.indexOf(']', open);
  if (close < 0) throw new SpecError(`unbalanced brackets: '[' without ']' in '${text0.trim()}' (weights are written [aw=v], [pw=v] or [fw=v])`, 'weight');
  if (text.indexOf('[', open + 1) >= 0 && text.indexOf('[', open + 1) < close) throw new SpecError(`weights: '${text0.slice(open).trim()}' is not [type=variable]`, 'weight');
  if (text.indexOf('[', close) >= 0) throw new SpecError('weights are given twice', 'weight');
  // Stata's syntax: varlist [weight] [if] [in]; only the qualifiers may follow the weights.
  const after = text.slice(close + 1).trim();
  if (after && !/^(if|in)(\s|$)/.test(after))
    throw new SpecError(`weights go after the whole variable list: '${after.split(/\s+/)[0]}' follows [${text0.slice(open + 1, close).trim()}]`, 'weight');
  return { varPart: `${text0.slice(0, open)} ${text0.slice(close + 1)}`, weightText: text0.slice(open + 1, close) };
}

/** Stata's names of the weight types xtabond2 takes ([aw pw fw] in its syntax), abbreviations included. */
const WEIGHT_KINDS: Record<string, Weight['kind']> = {
  aw: 'aweight', aweight: 'aweight', cellsize: 'aweight',
  pw: 'pweight', pweight: 'pweight',
  fw: 'fweight', fweight: 'fweight', frequency: 'fweight',
};

/** `type = variable` inside [ ]: the weight type and the column that holds the weights. */
function parseWeight(text: string, columns: readonly string[]): Weight {
  const m = /^\s*([A-Za-z]+)\s*=\s*(.*?)\s*$/.exec(text);
  if (!m) throw new SpecError(`weights [${text}] invalid: write [aw=v], [pw=v] or [fw=v] with v a column of the data`, 'weight');
  const word = m[1].toLowerCase();
  const kind = WEIGHT_KINDS[word];
  if (!kind) {
    if (word === 'iw' || word === 'iweight' || word === 'iweights')
      throw new SpecError('importance weights [iw=...] are not allowed: xtabond2 takes aweights, pweights and fweights', 'weight');
    throw new SpecError(`weights [${text.trim()}]: '${m[1]}' is not a weight type; write aw (analytic), pw (sampling) or fw (frequency)`, 'weight');
  }
  const variable = m[2];
  if (!variable) throw new SpecError(`weights [${text.trim()}] need a variable: [${m[1]}=v] with v a column of the data`, 'weight');
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
    throw new SpecError(`weights [${text.trim()}]: the weight must be a column of the data, not an expression ('${variable}'); make a column that holds it`, 'weight');
  if (!columns.includes(variable)) {
    const close = closeMatches(variable, columns);
    throw new SpecError(`weight variable '${variable}' not found${close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(', ')}?` : ''}`, 'weight');
  }
  return { kind, variable };
}

/**
 * Split "depvar indepvars [if exp] [in range]" into the variable list and the qualifiers (in either
 * order, as Stata allows). The weights went before (weightPart).
 */
function qualifiers(text0: string): { varPart: string; condition?: string; inRange?: { first: number; last: number } } {
  // Words, brackets and parentheses inside a condition's strings are not read ("Hefei in Anhui").
  const text = blankStrings(text0, (msg) => {
    throw new SpecError(msg, 'if');
  });
  const marks: { word: 'if' | 'in'; at: number }[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && (i === 0 || /\s/.test(text[i - 1]))) {
      const m = /^(if|in)(?=\s|$)/.exec(text.slice(i));
      if (m) marks.push({ word: m[1] as 'if' | 'in', at: i });
    }
  }
  if (!marks.length) return { varPart: text0 };
  const out: { varPart: string; condition?: string; inRange?: { first: number; last: number } } = { varPart: text0.slice(0, marks[0].at) };
  marks.forEach((m, j) => {
    const body = text0.slice(m.at + 2, j + 1 < marks.length ? marks[j + 1].at : text.length).trim();
    if (!body) throw new SpecError(`'${m.word}' needs ${m.word === 'if' ? 'a condition, e.g. if year >= 1979' : 'a row range, e.g. in 1/500'}`, m.word);
    if (m.word === 'if') {
      if (out.condition !== undefined) throw new SpecError("'if' is given twice", 'if');
      out.condition = body;
    } else {
      if (out.inRange !== undefined) throw new SpecError("'in' is given twice", 'in');
      out.inRange = parseInRange(body);
    }
  });
  return out;
}
