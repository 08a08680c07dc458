// Our `timedummies` option (xtabond2 has none; pydynpd's `timedumm`): period dummies added as
// regressors and as one iv-style group, in the level equation of system GMM (the constant and the
// dummies are then identified there) and in the transformed equation of difference GMM.
import { ivLabel } from './labels.ts';
import { term, type ModelSpec } from './types.ts';

/** The specification with the named dummies (one per period, made by the panel layer) as regressors
 *  (those not already among them) and as their iv group, last. */
export function withTimeDummies(spec: ModelSpec, names: readonly string[]): ModelSpec {
  const terms = names.map((n) => term(n));
  const group = { vars: terms, equation: spec.levelEquation ? ('level' as const) : ('both' as const), passthru: false, mz: false };
  return {
    ...spec,
    regressors: [...spec.regressors, ...terms.filter((t) => !spec.regressors.some((r) => r.name === t.name))],
    iv: [...spec.iv, { ...group, label: ivLabel(group) }],
  };
}
