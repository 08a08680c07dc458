// ModelSpec builders for tests: the xtabond2 defaults with fields overridden.
import { term, type GmmGroup, type IvGroup, type ModelSpec, type Term } from '../../src/spec/types.ts';

export function modelSpec(over: Partial<ModelSpec>): ModelSpec {
  return {
    depvar: term('y'),
    regressors: [],
    gmm: [],
    iv: [],
    levelEquation: true,
    orthogonal: false,
    h: 3,
    twostep: false,
    robust: false,
    small: false,
    constant: true,
    artests: 2,
    arlevels: false,
    diffSargan: true,
    cluster: null,
    timeDummies: false,
    ...over,
  };
}

/** gmm(vars) with xtabond2's defaults: lag(1 .), eq(both), uncollapsed. */
export function gmmGroup(vars: Term[], label: string, over: Partial<GmmGroup> = {}): GmmGroup {
  return { vars, lagMin: 1, lagMax: null, collapse: false, equation: 'both', passthru: false, split: false, label, ...over };
}

export function ivGroup(vars: Term[], label: string, over: Partial<IvGroup> = {}): IvGroup {
  return { vars, equation: 'both', passthru: false, mz: false, label, ...over };
}

/** L(lo/hi).base as a list of terms. */
export function lags(base: string, lo: number, hi: number): Term[] {
  return Array.from({ length: hi - lo + 1 }, (_, j) => term(base, lo + j));
}
