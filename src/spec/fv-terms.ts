// The terms of Stata's factor-variable notation, named as fvexpand names them (the notation and how
// the columns are made: src/spec/factor-variables.ts).
import type { FactorBase, FactorTerm, LevelMark, Term } from '../panel/term.ts';
import { opString } from './types.ts';

/** i.v (ib#.v, ib(first|last|freq).v, ibn.v) before its levels are known. */
export function factorTerm(variable: string, base: FactorBase): Term {
  const prefix = base === 'first' ? 'i' : base === 'none' ? 'ibn' : typeof base === 'number' ? `ib${base}` : `ib(${base})`;
  return fvTerm(`${prefix}.${variable}`, { kind: 'factor', variable, base });
}

/** The indicator of one level of v: "2005.yr", "2004b.yr" for the base level (all zeros), "2004bn.yr"
 *  for the first level of ibn.yr. */
export function levelTerm(variable: string, level: number, mark: LevelMark = ''): Term {
  return fvTerm(`${level}${mark}.${variable}`, { kind: 'level', variable, level, mark });
}

/** A level's name read back ("2005.yr" → level 2005 of yr, mark ''; "2004b.yr", "2004bn.yr"), or null. */
export function levelName(name: string): { level: number; mark: LevelMark; variable: string } | null {
  const m = /^(\d+)(bn|b)?\.([\p{L}_][\p{L}\p{N}_]*)$/u.exec(name);
  return m ? { level: Number(m[1]), mark: (m[2] ?? '') as LevelMark, variable: m[3] } : null;
}

/** The product of continuous variables, each lagged and differenced as given: "c.x#c.z", "cL.x#c.z". */
export function productTerm(factors: { variable: string; lag: number; diff: number }[]): Term {
  return fvTerm(factors.map((f) => `c${opString(f.lag, f.diff)}.${f.variable}`).join('#'), { kind: 'product', factors });
}

function fvTerm(name: string, fv: FactorTerm): Term {
  return { name, base: name, lag: 0, diff: 0, fv };
}

/** The data columns a term reads: its own, or those its factor-variable column is made from. */
export function sourceColumns(t: Term): string[] {
  if (!t.fv) return [t.base];
  return t.fv.kind === 'product' ? t.fv.factors.map((f) => f.variable) : [t.fv.variable];
}
