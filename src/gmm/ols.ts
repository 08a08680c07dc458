// Pooled OLS and within (fixed-effects) regressions with cluster-robust standard errors, the
// comparison columns of a dynamic-panel study (OLS is biased up and within biased down for the
// lagged dependent variable: Nickell 1981; Bond 2002). Conventions follow Stata's `regress` and
// `xtreg, fe` with vce(cluster): V = (X'X)⁻¹ (Σ_c u_c u_c') (X'X)⁻¹ · G/(G−1) · (N−1)/(N−k), t and F
// with G−1 denominator df; the within estimator demeans by unit and adds back the grand means, so
// that its constant is ȳ − x̄'β.
import type { Panel } from '../panel/panel.ts';
import { evalTerm, timeDummies } from '../panel/operators.ts';
import type { ModelSpec } from '../spec/types.ts';
import { withTimeDummies } from '../spec/time-dummies.ts';
import { DataError, SpecError } from '../errors.ts';
import { invsym, quadForm, submatrix, symmetrize } from '../linalg/invsym.ts';
import { matmul } from '../linalg/dense.ts';
import { fUpper, tQuantileOf, tTwoSided } from '../stats/distributions.ts';
import type { Coefficient, GmmResult } from './result.ts';
import { EXCLUDED, EXCLUSION_REASONS, ifInRows, missingClusterRows, refuseOutOfScale, withFactorVariables } from './design.ts';
import { refuseWeights } from './weights.ts';

/** Fit pooled OLS ('ols') or the within estimator ('within') of spec.depvar on spec.regressors
 *  (plus year dummies under timeDummies), clustered by spec.cluster or by panel unit, on the rows the
 *  command's if/in keeps, with intervals at its level(#). */
export async function fitLinear(panel0: Panel, spec0: ModelSpec, estimator: 'ols' | 'within', command = ''): Promise<GmmResult> {
  refuseWeights(spec0, `the ${estimator === 'ols' ? 'pooled OLS' : 'within'} comparison fit`);
  // Factor-variable terms (i.yr, c.x#c.z) as the GMM design makes them.
  const resolved = withFactorVariables(panel0, spec0);
  const spec = resolved.spec;
  let panel = resolved.panel;
  let regressors = spec.regressors;
  if (spec.timeDummies) {
    const dummies = timeDummies(panel);
    for (const d of dummies) panel = panel.withColumn(d.name, d.values);
    // The regressors the GMM design gets too (its iv group is no concern of OLS and within).
    regressors = withTimeDummies(spec, dummies.map((d) => d.name)).regressors;
  }
  const y = evalTerm(panel, spec.depvar);
  const xs = regressors.map((t) => evalTerm(panel, t));
  refuseOutOfScale(panel, [spec.depvar, ...regressors]);
  if (spec.cluster && spec.cluster.length > 1)
    throw new SpecError(`cluster(${spec.cluster.join(' ')}): the OLS and within comparison fits take one cluster variable`, 'cluster');
  const clusterName = spec.cluster?.[0] ?? null;
  const clusterCol = clusterName ? panel.column(clusterName) : null;
  // Rows inside the command's if/in with the dependent variable, every regressor and the cluster
  // variable present (the GMM design's rules, counted under the same reasons in the same order).
  const ifIn = ifInRows(panel, spec);
  const missingCluster = missingClusterRows(panel, spec);
  const rows: number[] = [];
  let outside = 0;
  let noCluster = 0;
  for (let r = 0; r < panel.nrows; r++) {
    if (ifIn && !ifIn[r]) outside++;
    else if (missingCluster?.[r]) noCluster++;
    else if (!Number.isNaN(y[r]) && xs.every((x) => !Number.isNaN(x[r]))) rows.push(r);
  }
  const n = rows.length;
  if (n === 0) throw new SpecError('No observations: no row has the dependent variable and all regressors present', 'varlist');
  // `noconstant` (regress's): OLS without the constant. The within estimator's constant is the grand
  // mean (xtreg, fe's), which the demeaning itself adds back, so it has no such option.
  if (!spec.constant && estimator === 'within')
    throw new SpecError('noconstant does not apply to the within estimator: its constant is the grand mean of the demeaned data (xtreg, fe reports it)', 'noconstant');
  const kx = xs.length;
  const cons = spec.constant ? 1 : 0;
  const kAll = kx + cons; // regressors, constant last
  const X = new Float64Array(n * kAll);
  const Y = new Float64Array(n);
  rows.forEach((r, j) => {
    Y[j] = y[r];
    for (let k = 0; k < kx; k++) X[j * kAll + k] = xs[k][r];
    if (cons) X[j * kAll + kx] = 1;
  });
  // Units and their row spans in `rows` (rows are in panel order: sorted by unit).
  const unitOfRow = Int32Array.from(rows, (r) => panel.unitOf[r]);
  if (estimator === 'within') demeanAddBack(X, Y, unitOfRow, n, kAll, kx);
  // Collinear regressors dropped (invsym on X'X scaled to unit diagonal). The constant is swept first,
  // as Stata's _rmcoll does, so it is kept and a regressor collinear with it (a year dummy) goes.
  const xx = matmul(X, X, kAll, n, kAll, true, false);
  const sc = Float64Array.from({ length: kAll }, (_, a) => (xx[a * kAll + a] > 0 ? 1 / Math.sqrt(xx[a * kAll + a]) : 0));
  const order = [...(cons ? [kx] : []), ...Array.from({ length: kx }, (_, a) => a)];
  const xxs = submatrix(xx, kAll, order, order).map((v, j) => v * sc[order[Math.floor(j / kAll)]] * sc[order[j % kAll]]);
  const { dropped } = invsym(xxs, kAll);
  const keep: number[] = [];
  const droppedNames: string[] = [];
  for (let a = 0; a < kx; a++) (dropped[a + cons] ? droppedNames.push(regressors[a].name) : keep.push(a));
  if (cons) keep.push(kx);
  if (keep.length === 0) throw new SpecError('No regressor left: every regressor is collinear or zero, and noconstant leaves out the constant', 'varlist');
  const K = keep.length;
  const Xk = new Float64Array(n * K);
  for (let j = 0; j < n; j++) keep.forEach((a, b) => (Xk[j * K + b] = X[j * kAll + a]));
  const xxk = submatrix(xx, kAll, keep, keep);
  const bread = invsym(xxk, K).inv;
  const beta = matmul(bread, matmul(Xk, Y, K, n, 1, true, false), K, K, 1);
  // Cluster scores u_c = Σ_{rows in c} x_r e_r.
  const codes = new Map<string, number>();
  const clusterOf = new Int32Array(n);
  rows.forEach((r, j) => {
    const key = clusterCol ? String(clusterCol[r]) : `u${panel.unitOf[r]}`;
    if (!codes.has(key)) codes.set(key, codes.size);
    clusterOf[j] = codes.get(key)!;
  });
  if (estimator === 'within' && clusterCol) {
    const seen = new Map<number, number>();
    rows.forEach((r, j) => {
      const u = panel.unitOf[r];
      if (seen.has(u) && seen.get(u) !== clusterOf[j])
        throw new SpecError(`cluster(${clusterName}): panels must be nested within clusters for the within estimator (unit ${panel.units[u]})`, 'cluster');
      seen.set(u, clusterOf[j]);
    });
  }
  const G = codes.size;
  if (G < 2) throw new DataError(`cluster-robust errors need at least 2 clusters; found ${G}`);
  const scores = new Float64Array(G * K);
  for (let j = 0; j < n; j++) {
    let e = Y[j];
    for (let b = 0; b < K; b++) e -= Xk[j * K + b] * beta[b];
    const c = clusterOf[j];
    for (let b = 0; b < K; b++) scores[c * K + b] += Xk[j * K + b] * e;
  }
  const meat = matmul(scores, scores, K, G, K, true, false);
  const factor = (G / (G - 1)) * ((n - 1) / (n - K));
  const v = symmetrize(matmul(matmul(bread, meat, K, K, K), bread, K, K, K), K).map((x) => x * factor);
  const df = G - 1;
  // Intervals at the command's level(#), as the GMM fits (inference.ts).
  const crit = tQuantileOf(0.5 + (spec.level ?? 95) / 200, df);
  const names = keep.map((a) => (a === kx ? '_cons' : regressors[a].name));
  const coefficients: Coefficient[] = names.map((name, k) => {
    const se = Math.sqrt(v[k * K + k]);
    const stat = beta[k] / se;
    return { name, estimate: beta[k], se, stat, p: tTwoSided(stat, df), ciLow: beta[k] - crit * se, ciHigh: beta[k] + crit * se };
  });
  // The model F test: every coefficient but the constant (all of them under noconstant).
  const m = K - cons;
  const slopes = Array.from({ length: m }, (_, j) => j);
  const f = m > 0 ? quadForm(beta.subarray(0, m), invsym(submatrix(v, K, slopes, slopes), m).inv, beta.subarray(0, m), m) / m : NaN;
  // Groups: panel units with at least one row.
  const perUnit = new Map<number, number>();
  for (const u of unitOfRow) perUnit.set(u, (perUnit.get(u) ?? 0) + 1);
  const counts = [...perUnit.values()];
  const excludedRows = panel.nrows - n - noCluster - outside;
  return {
    estimator,
    steps: 1,
    vce: `cluster(${clusterName ?? panel.idName})`,
    command,
    level: spec.level ?? 95,
    depvar: spec.depvar.name,
    nobs: n,
    ngroups: perUnit.size,
    obsPerGroup: { min: Math.min(...counts), avg: n / perUnit.size, max: Math.max(...counts) },
    ninstruments: 0,
    small: true,
    coefficients,
    vcov: Array.from(v),
    modelTest: m > 0 ? { kind: 'F', stat: f, df1: m, df2: df, p: fUpper(f, m, df) } : null,
    ar: [],
    sargan: null,
    hansen: null,
    diffHansen: [],
    dropped: droppedNames,
    warnings: droppedNames.map((d) => `${d} dropped due to collinearity`),
    excluded: [
      ...(excludedRows ? [{ reason: EXCLUSION_REASONS[EXCLUDED.missingVar], count: excludedRows }] : []),
      ...(outside ? [{ reason: EXCLUSION_REASONS[EXCLUDED.unqualified], count: outside }] : []),
      ...(noCluster ? [{ reason: EXCLUSION_REASONS[EXCLUDED.missingCluster], count: noCluster }] : []),
    ],
  };
}

/** x_it − x̄_i + x̄ for y and the regressors (not the constant column), in place. */
function demeanAddBack(X: Float64Array, Y: Float64Array, unitOfRow: Int32Array, n: number, kAll: number, kx: number): void {
  const grand = new Float64Array(kx + 1);
  for (let j = 0; j < n; j++) {
    grand[0] += Y[j];
    for (let k = 0; k < kx; k++) grand[1 + k] += X[j * kAll + k];
  }
  for (let k = 0; k <= kx; k++) grand[k] /= n;
  let start = 0;
  while (start < n) {
    let end = start;
    while (end < n && unitOfRow[end] === unitOfRow[start]) end++;
    const m = end - start;
    const mean = new Float64Array(kx + 1);
    for (let j = start; j < end; j++) {
      mean[0] += Y[j];
      for (let k = 0; k < kx; k++) mean[1 + k] += X[j * kAll + k];
    }
    for (let j = start; j < end; j++) {
      Y[j] += grand[0] - mean[0] / m;
      for (let k = 0; k < kx; k++) X[j * kAll + k] += grand[1 + k] - mean[1 + k] / m;
    }
    start = end;
  }
}
