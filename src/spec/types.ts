// The model specification: what an xtabond2 command says, as a typed object.
// Built by parseXtabond2() from a command string, or directly in TypeScript.

import type { Term } from '../panel/term.ts';
import { SpecError } from '../errors.ts';

/** A time-series term over a panel column: L<lag>.D<diff>.base (lag < 0 is a lead, F.). */
export type { Term };

/** Which equation(s) of system GMM an instrument group serves. */
export type Equation = 'diff' | 'level' | 'both';

/** gmmstyle(vars, laglimits(a b) collapse equation() passthru split orthogonal). */
export interface GmmGroup {
  vars: Term[];
  lagMin: number;
  /** null = open upper limit ("."). */
  lagMax: number | null;
  collapse: boolean;
  equation: Equation;
  passthru: boolean;
  split: boolean;
  /** The `orthogonal` suboption: where the group instruments with the variables themselves (the
   *  transformed equation, or a passthru level group) it takes their backward orthogonal deviations
   *  instead (src/gmm/backward-deviations.ts); absent means false. */
  orthogonal?: boolean;
  /** As xtabond2 prints the group in the difference-in-Hansen table, e.g. "gmm(n, lag(2 4))". */
  label: string;
}

/** ivstyle(vars, equation() passthru mz). */
export interface IvGroup {
  vars: Term[];
  equation: Equation;
  passthru: boolean;
  mz: boolean;
  label: string;
}

export interface ModelSpec {
  depvar: Term;
  /** Regressors in the order given (wildcards and ranges expanded), without the constant. */
  regressors: Term[];
  gmm: GmmGroup[];
  iv: IvGroup[];
  /** false under `noleveleq` (difference GMM). */
  levelEquation: boolean;
  /** Forward orthogonal deviations instead of first differences (`orthogonal`). */
  orthogonal: boolean;
  /** H in the one-step weight: 1 = I, 2 = block-diagonal, 3 = xtabond2's default for system GMM. */
  h: 1 | 2 | 3;
  twostep: boolean;
  robust: boolean;
  small: boolean;
  /** false under `noconstant`. */
  constant: boolean;
  /** Highest AR(m) order tested (`artests(#)`, default 2). */
  artests: number;
  arlevels: boolean;
  /** false under `nodiffsargan`. */
  diffSargan: boolean;
  /** Cluster variables (`cluster(a b …)`): one, or several for multi-way clustering (src/gmm/clusters.ts);
   *  null = the panel unit. */
  cluster: string[] | null;
  /** `timedummies`: make yr<t> dummies for every period and add them as regressors and iv(, eq(level)). */
  timeDummies: boolean;
  /** Which xtabond2 release's conventions decide the last digits (default 'current'; see Conventions). */
  conventions?: Conventions;
  /** `if exp`: a row is an observation only where the condition holds (instruments still use every row). */
  condition?: string;
  /** `in f/l`: 1-based positions in the panel's (unit, time) row order; negative counts from the end. */
  inRange?: { first: number; last: number };
  /** `level(#)`: confidence level of the intervals, in percent (default 95). */
  level?: number;
  /** `pca`: principal components of the GMM-style instruments replace them (src/gmm/pca.ts). */
  pca?: boolean;
  /** `components(#)`: how many components `pca` keeps (0 or absent: xtabond2's default, src/gmm/pca.ts). */
  components?: number;
  /** `[aw=v]`, `[pw=v]`, `[fw=v]`: observation weights from column v (src/gmm/weights.ts). */
  weight?: Weight;
  /** `dpds2`: read and ignored with a note, as xtabond2 3.7's Mata code ignores it (spec/validate.ts withoutIgnored). */
  dpds2?: boolean;
}

/** xtabond2's weights: analytic, sampling (which make a one-step fit robust) and frequency weights
 *  (whole numbers, constant within a unit). The expression is a column of the data. */
export interface Weight {
  kind: WeightKind;
  variable: string;
}
export type WeightKind = 'aweight' | 'pweight' | 'fweight';

/**
 * 'current': xtabond2 3.7 as distributed today: in system GMM the σ² of the Sargan test and of the
 * one-step non-robust VCE divides by the transformed-equation observation count (under h(2)/h(3)),
 * `small` scales that VCE and σ² by the count over itself less k, and a robust VCE by
 * (NObs−1)/(NObs−k)·N/(N−1). '2009': the release of Roodman (2009)'s printed logs: σ² over the
 * level-equation count, `small` = NObs/(NObs−k) on the non-robust VCE and N/(N−1)·NObs/(NObs−k+1) on
 * a robust one. Under `orthogonal` (gmm/design.ts UnitRows): 'current' enters period t's deviation
 * when period t is in the sample and takes forward means over every complete period; '2009' also
 * wants period t+1 complete and in the sample, and takes the means inside the if/in.
 */
export type Conventions = 'current' | '2009';
export const CONVENTIONS: readonly Conventions[] = ['current', '2009'];

/** `x` as a Conventions value, or an error naming where it was given (`--conventions`, `options.conventions`). */
export function conventionsOf(x: unknown, where: string, option: string): Conventions {
  if (!CONVENTIONS.includes(x as Conventions)) throw new SpecError(`${where} must be one of ${CONVENTIONS.join(', ')}, got '${String(x)}'`, option);
  return x as Conventions;
}

/** Every term of a specification: the dependent variable, the regressors, then the iv() and gmm() variables. */
export function specTerms(spec: ModelSpec): Term[] {
  return [spec.depvar, ...spec.regressors, ...spec.iv.flatMap((g) => g.vars), ...spec.gmm.flatMap((g) => g.vars)];
}

/** Canonical xtabond2 name of a term. */
export function termName(base: string, lag: number, diff: number): string {
  const l = lag > 0 ? `L${lag}` : lag < 0 ? `F${-lag}` : '';
  const d = diff > 0 ? `D${diff}` : '';
  return l || d ? `${l}${d}.${base}` : base;
}

/** The operator part alone, as Stata's fvexpand writes it ("L", "L2", "D", "LD", "F2", ""). */
export function opString(lag: number, diff: number): string {
  const l = lag > 0 ? `L${lag > 1 ? lag : ''}` : lag < 0 ? `F${lag < -1 ? -lag : ''}` : '';
  const d = diff > 0 ? `D${diff > 1 ? diff : ''}` : '';
  return l + d;
}

export function term(base: string, lag = 0, diff = 0): Term {
  return { name: termName(base, lag, diff), base, lag, diff };
}
