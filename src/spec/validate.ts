// One check of a ModelSpec, whether it came from parseXtabond2 or was built in code: the
// combinations xtabond2 rejects are refused with the group named; those it ignores with a note are
// dropped here with the same note (withoutIgnored), which the design passes on as a warning. And one
// expansion of `split`, which the design applies.
import { SpecError } from '../errors.ts';
import { gmmLabel } from './labels.ts';
import type { GmmGroup, ModelSpec } from './types.ts';

export function validateSpec(spec: ModelSpec): void {
  const system = spec.levelEquation;
  if (spec.h !== 1 && spec.h !== 2 && spec.h !== 3) throw new SpecError(`h(${spec.h}) invalid: h must be 1, 2 or 3`, 'h');
  if (!(spec.artests >= 0) || !Number.isInteger(spec.artests)) throw new SpecError(`artests(${spec.artests}) invalid: the order must be 0 or more`, 'artests');
  if (spec.arlevels && !system) throw new SpecError('option arlevels is invalid for difference GMM (noleveleq)', 'arlevels');
  if (spec.weight) {
    const w = spec.weight;
    if (!['aweight', 'pweight', 'fweight'].includes(w.kind)) throw new SpecError(`weight type '${String(w.kind)}' invalid: aweight, pweight or fweight`, 'weight');
    if (typeof w.variable !== 'string' || !w.variable) throw new SpecError('weight: the variable that holds the weights is missing (weight.variable)', 'weight');
    if (spec.conventions === '2009') throw new SpecError("weights follow xtabond2 3.7 (conventions 'current'); the 2009 release's conventions are not reproduced with weights", 'weight');
    if (spec.pca) throw new SpecError('pca with weights is not supported (xtabond2 takes a weighted correlation of the instruments there)', 'weight');
  }
  for (const g of spec.iv)
    if (system && g.passthru && g.equation === 'both') throw new SpecError(`${g.label}: passthru is not valid with equation(both) in system GMM`, 'passthru');
  for (const g of spec.gmm) {
    if (g.lagMin < 0 || (g.lagMax !== null && g.lagMax < 0)) throw new SpecError(`${g.label}: negative lag limits (leads) are not supported`, 'laglimits');
    if (g.split && system && g.equation === 'both') {
      if (g.lagMin < 1) throw new SpecError(`${g.label}: split needs a lower lag limit of 1 or more (its level part uses lag a-1)`, 'split');
    } else if (system && g.passthru && g.equation === 'both') throw new SpecError(`${g.label}: passthru is not valid with equation(both) in system GMM`, 'passthru');
  }
}

/**
 * What xtabond2 3.7 ignores, with a note, rather than refuses (its parsing of gmmstyle() and
 * ivstyle()): a group for the levels equation only under noleveleq is dropped, and `split` has no
 * effect with equation(diff) or equation(level), or in difference GMM. The specification without
 * them, and the notes, in xtabond2's words with the group named. Also `dpds2`, which 3.7's Mata code
 * reads and never uses (its ado code, run only under `nomata`, took σ² from the level equation's
 * residuals there): ignored too, with a note of sysgmm's own, since xtabond2 prints none.
 */
export function withoutIgnored(spec: ModelSpec): { spec: ModelSpec; notes: string[] } {
  const system = spec.levelEquation;
  const notes: string[] = [];
  if (spec.dpds2)
    notes.push("dpds2 ignored: xtabond2 3.7's Mata code, which Stata 11.2 and later run, reads the option and does nothing with it (only its older ado code, under nomata, took σ² from the level equation's residuals)");
  const kept = <G extends { equation: string; label: string }>(g: G): boolean => {
    if (system || g.equation !== 'level') return true;
    notes.push(`${g.label}: instruments for levels equations only ignored since noleveleq specified`);
    return false;
  };
  const iv = spec.iv.filter(kept);
  const gmm = spec.gmm.filter(kept).map((g) => {
    if (!g.split || (system && g.equation === 'both')) return g;
    notes.push(`${g.label}: split has no effect ${system ? `in combination with equation(${g.equation})` : 'in difference GMM'}`);
    return { ...g, split: false };
  });
  return notes.length ? { spec: { ...spec, iv, gmm }, notes } : { spec, notes };
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
