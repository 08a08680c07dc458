// One check of a ModelSpec, whether it came from parseXtabond2 or was built in code: the
// combinations xtabond2 rejects, or would silently ignore, are refused with the group named. And one
// expansion of `split`, which the design applies.
import { SpecError } from '../errors.ts';
import { gmmLabel } from './labels.ts';
import type { GmmGroup, ModelSpec } from './types.ts';

export function validateSpec(spec: ModelSpec): void {
  const system = spec.levelEquation;
  if (spec.h !== 1 && spec.h !== 2 && spec.h !== 3) throw new SpecError(`h(${spec.h}) invalid: h must be 1, 2 or 3`, 'h');
  if (!(spec.artests >= 0) || !Number.isInteger(spec.artests)) throw new SpecError(`artests(${spec.artests}) invalid: the order must be 0 or more`, 'artests');
  if (spec.arlevels && !system) throw new SpecError('option arlevels is invalid for difference GMM (noleveleq)', 'arlevels');
  for (const g of spec.iv) {
    if (!system && g.equation === 'level') throw new SpecError(`${g.label}: instruments for the levels equation only, but noleveleq estimates difference GMM`, 'equation');
    if (system && g.passthru && g.equation === 'both') throw new SpecError(`${g.label}: passthru is not valid with equation(both) in system GMM`, 'passthru');
  }
  for (const g of spec.gmm) {
    if (!system && g.equation === 'level') throw new SpecError(`${g.label}: instruments for the levels equation only, but noleveleq estimates difference GMM`, 'equation');
    if (g.lagMin < 0 || (g.lagMax !== null && g.lagMax < 0)) throw new SpecError(`${g.label}: negative lag limits (leads) are not supported`, 'laglimits');
    if (g.split) {
      if (!system) throw new SpecError(`${g.label}: split has no effect in difference GMM (noleveleq)`, 'split');
      if (g.equation !== 'both') throw new SpecError(`${g.label}: split has no effect with equation(${g.equation})`, 'split');
      if (g.lagMin < 1) throw new SpecError(`${g.label}: split needs a lower lag limit of 1 or more (its level part uses lag a-1)`, 'split');
    } else if (system && g.passthru && g.equation === 'both') throw new SpecError(`${g.label}: passthru is not valid with equation(both) in system GMM`, 'passthru');
  }
}

/**
 * xtabond2's split: gmm(x, lag(a b) split) is gmm(x, lag(a b) eq(diff)) plus
 * gmm(x, lag(a-1 a-1) eq(level)), each tested separately in the difference-in-Hansen table under
 * these labels. A group without split is itself.
 */
export function splitGroup(g: GmmGroup): GmmGroup[] {
  if (!g.split) return [g];
  const diff = { ...g, equation: 'diff' as const, split: false };
  const level = { ...g, equation: 'level' as const, lagMin: g.lagMin - 1, lagMax: g.lagMin - 1, split: false };
  return [
    { ...diff, label: gmmLabel(diff) },
    { ...level, label: gmmLabel(level) },
  ];
}
