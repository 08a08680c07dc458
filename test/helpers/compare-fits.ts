// Comparing two fits of one model to rounding (shards, threads): every number of the result, each
// on the scale it has accuracy on.
import type { GmmResult } from '../../src/gmm/result.ts';

export const rel = (a: number, b: number) => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)));

/**
 * Every number of a fit: the VCE as correlations, the AR z statistics and the coefficients on the
 * scale max(|β|, SE) (compared absolutely: a value near zero has no relative accuracy of its own),
 * then SEs, Sargan/Hansen, diff-in-Hansen, Wald and counts (compared relatively).
 */
export function fitNumbers(r: GmmResult): { corr: number[]; beta: number[]; values: number[] } {
  const K = r.coefficients.length;
  const corr = r.vcov.map((v, j) => v / Math.sqrt(r.vcov[Math.floor(j / K) * (K + 1)] * r.vcov[(j % K) * (K + 1)]));
  // Coefficients on the scale max(|β|, SE), as in test/numerics-perturbation.test.ts.
  const beta = r.coefficients.map((c) => c.estimate / Math.max(Math.abs(c.estimate), c.se));
  // AR z: a standard-normal statistic made of a sum with heavy cancellation; compared absolutely.
  return { corr: [...corr, ...r.ar.map((t) => t.z)], beta, values: numbersOf(r) };
}

function numbersOf(r: GmmResult): number[] {
  return [
    ...r.coefficients.map((c) => c.se),
    r.sargan?.chi2 ?? NaN,
    r.hansen?.chi2 ?? NaN,
    ...r.diffHansen.flatMap((d) => [d.excluding.chi2, d.difference.chi2]),
    r.modelTest?.stat ?? NaN,
    r.nobs,
    r.ngroups,
    r.ninstruments,
  ];
}

/** The largest difference: absolute for correlations, relative for the rest; and where it is. */
export function worstRel(a: ReturnType<typeof fitNumbers>, b: ReturnType<typeof fitNumbers>): { worst: number; at: string } {
  let worst = 0;
  let at = '';
  a.corr.forEach((x, j) => {
    const e = Number.isNaN(x) && Number.isNaN(b.corr[j]) ? 0 : Math.abs(x - b.corr[j]);
    if (!(e <= worst)) [worst, at] = [e, `correlation or AR z ${j}`];
  });
  a.beta.forEach((x, j) => {
    const e = Math.abs(x - b.beta[j]);
    if (!(e <= worst)) [worst, at] = [e, `coefficient ${j}`];
  });
  a.values.forEach((x, j) => {
    const e = Number.isNaN(x) && Number.isNaN(b.values[j]) ? 0 : rel(x, b.values[j]);
    if (!(e <= worst)) [worst, at] = [e, `number ${j}`];
  });
  return { worst, at };
}

