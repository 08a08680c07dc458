// The fitted-model result: a plain serialisable object. Its JSON form is part of the public
// interface (`sysgmm estimate --json`); other tools read these fields.
import type { FactorLevels } from '../spec/factor-variables.ts';

/** A test statistic; p is NaN where the test is not defined (e.g. df 0), written null by --json. */
export interface TestStat {
  chi2: number;
  df: number;
  p: number;
}

export interface Coefficient {
  /** xtabond2 name: "L1.n", "w", "yr1978", "_cons". */
  name: string;
  estimate: number;
  se: number;
  /** z, or t under `small`. */
  stat: number;
  p: number;
  /** Confidence interval at GmmResult.level (normal, or t with the residual df under `small`). */
  ciLow: number;
  ciHigh: number;
}

/** Arellano–Bond AR(m) test; z and p are NaN where it cannot be formed (too few periods for lag m),
 *  written null by --json. */
export interface ArTest {
  order: number;
  z: number;
  p: number;
}

export interface DiffHansen {
  /** As xtabond2 prints it: "gmm(n, lag(2 4))", "iv(k)", "GMM instruments for levels". */
  group: string;
  excluding: TestStat;
  difference: TestStat;
}

export interface ModelTest {
  /** 'wald' (chi2) or 'F' under `small`. */
  kind: 'wald' | 'F';
  stat: number;
  df1: number;
  /** Denominator df for F; null for Wald. */
  df2: number | null;
  p: number;
}

export interface GmmResult {
  estimator: 'system' | 'difference' | 'ols' | 'within';
  steps: 1 | 2;
  /** 'robust', 'windmeijer', 'unadjusted', 'cluster' ... */
  vce: string;
  /** The command or description the model came from. */
  command: string;
  depvar: string;
  nobs: number;
  ngroups: number;
  obsPerGroup: { min: number; avg: number; max: number };
  ninstruments: number;
  /** The periods the model's grid spans (xtabond2's T: the sample units' first period to their last),
   *  to which the instrument listing clamps open and long lag limits, as xtabond2 prints them. */
  periods?: number;
  /** The period dummies the `timedummies` option made, by name (absent without it). */
  timeDummies?: string[];
  /** The levels each i. term (factor variable) was expanded over, and its base (absent without one). */
  factorLevels?: FactorLevels;
  small: boolean;
  /** Confidence level of ciLow/ciHigh in percent (`level(#)`, default 95; absent in results saved before it was always written). */
  level?: number;
  /** `pca`: components kept of the GMM-style columns analysed, the share of their variance the kept
   *  components explain, and the Kaiser-Meyer-Olkin measure of sampling adequacy. */
  pca?: { components: number; columns: number; varianceExplained: number; kmo: number };
  coefficients: Coefficient[];
  /** Full covariance matrix of the reported coefficients, row-major, in coefficient order. */
  vcov: number[];
  /**
   * The SEs of the same fit under its other VCE, where the estimation formed both: after a robust
   * fit without cluster(), the non-robust ones ('unadjusted' one-step, or 'uncorrected' two-step) —
   * what the fit without `robust` reports, without a second fit. Absent otherwise.
   */
  otherSe?: { vce: 'unadjusted' | 'uncorrected'; se: number[] };
  /** Under cluster(): the clusters with observations in each combination of the cluster variables
   *  (one variable: one entry; src/gmm/clusters.ts). The t and F tests' df is the fewest, less the constant. */
  clusters?: { variables: string[]; count: number }[];
  modelTest: ModelTest | null;
  ar: ArTest[];
  sargan: TestStat | null;
  hansen: TestStat | null;
  diffHansen: DiffHansen[];
  /** Regressors dropped for collinearity, by name. */
  dropped: string[];
  warnings: string[];
  /** Observations excluded from estimation and why (missing values, too few periods), counted. */
  excluded: { reason: string; count: number }[];
  /** Observation weights ([aw=v], [pw=v], [fw=v]): their kind, column, and sum over the observations
   *  (absent without weights). */
  weights?: { kind: 'aweight' | 'pweight' | 'fweight'; variable: string; sum: number };
}
