// formatJson: the public JSON form of a result (`sysgmm estimate --json`). The fields named in the
// interface come first, in that order; the rest of GmmResult follows. NaN/±Infinity become null.
import type { GmmResult } from '../gmm/result.ts';

export function toJsonObject(result: GmmResult): GmmResult {
  const head: Partial<GmmResult> = {
    estimator: result.estimator,
    steps: result.steps,
    vce: result.vce,
    nobs: result.nobs,
    ngroups: result.ngroups,
    ninstruments: result.ninstruments,
    coefficients: result.coefficients.map((c) => ({
      name: c.name,
      estimate: c.estimate,
      se: c.se,
      stat: c.stat,
      p: c.p,
      ciLow: c.ciLow,
      ciHigh: c.ciHigh,
    })),
    ar: result.ar.map((a) => ({ order: a.order, z: a.z, p: a.p })),
    sargan: result.sargan && { chi2: result.sargan.chi2, df: result.sargan.df, p: result.sargan.p },
    hansen: result.hansen && { chi2: result.hansen.chi2, df: result.hansen.df, p: result.hansen.p },
    diffHansen: result.diffHansen.map((d) => ({
      group: d.group,
      excluding: { chi2: d.excluding.chi2, df: d.excluding.df, p: d.excluding.p },
      difference: { chi2: d.difference.chi2, df: d.difference.df, p: d.difference.p },
    })),
    warnings: result.warnings,
  };
  // Then every other GmmResult field, in the result's own order.
  const rest = Object.fromEntries(Object.entries(result).filter(([k]) => !(k in head)));
  return { ...head, ...rest } as GmmResult;
}

export function formatJson(result: GmmResult): string {
  // JSON.stringify writes NaN and ±Infinity as null.
  return `${JSON.stringify(toJsonObject(result), null, 2)}\n`;
}
