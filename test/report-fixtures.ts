// Hand-made GmmResults carrying the numbers xtabond2 printed for two published logs (see
// test/fixtures/xtabond2-published.json): log 4 (pydynpd benchmark, two-step difference GMM)
// and log 3 (Roodman 2009 section 3.4, one-step system GMM, small). Confidence limits are those
// printed in the same logs.
import type { Coefficient, GmmResult } from '../src/gmm/result.ts';

function coef(name: string, estimate: number, se: number, stat: number, p: number, ciLow: number, ciHigh: number): Coefficient {
  return { name, estimate, se, stat, p, ciLow, ciHigh };
}

const stat = (chi2: number, df: number, p: number) => ({ chi2, df, p });

export const LOG4_COMMAND = 'xtabond2 n L(1/2).n w k , gmm(n, lag(2 4)) gmm(w, lag(1 3)) iv(k ) nolevel twostep robust';

export function log4Result(): GmmResult {
  return {
    estimator: 'difference',
    steps: 2,
    vce: 'windmeijer',
    command: LOG4_COMMAND,
    depvar: 'n',
    nobs: 611,
    ngroups: 140,
    obsPerGroup: { min: 4, avg: 611 / 140, max: 6 },
    ninstruments: 36,
    small: false,
    coefficients: [
      coef('L1.n', 0.1700616, 0.1046652, 1.62, 0.104, -0.0350784, 0.3752016),
      coef('L2.n', -0.0113381, 0.0377205, -0.3, 0.764, -0.0852688, 0.0625926),
      coef('w', -0.9510582, 0.1277298, -7.45, 0.0, -1.201404, -0.7007124),
      coef('k', 0.4637223, 0.0718328, 6.46, 0.0, 0.3229325, 0.6045121),
    ],
    vcov: [],
    // xtabond2 printed "Wald chi2(0) = ." for this model.
    modelTest: { kind: 'wald', stat: NaN, df1: 0, df2: null, p: NaN },
    ar: [
      { order: 1, z: -1.19, p: 0.235 },
      { order: 2, z: -0.81, p: 0.417 },
    ],
    sargan: stat(91.61, 32, 0.0),
    hansen: stat(47.86, 32, 0.035),
    diffHansen: [
      { group: 'gmm(n, lag(2 4))', excluding: stat(23.75, 15, 0.069), difference: stat(24.11, 17, 0.117) },
      { group: 'gmm(w, lag(1 3))', excluding: stat(17.25, 14, 0.243), difference: stat(30.61, 18, 0.032) },
      { group: 'iv(k)', excluding: stat(38.33, 31, 0.171), difference: stat(9.53, 1, 0.002) },
    ],
    dropped: [],
    warnings: [
      'Two-step estimated covariance matrix of moments is singular.\n  Using a generalized inverse to calculate optimal weighting matrix for two-step estimation.\n  Difference-in-Sargan/Hansen statistics may be negative.',
    ],
    excluded: [],
  };
}

/** xtabond2's printed output for log 4, verbatim from its "Warning" line to the end. */
export const LOG4_PRINTED = `Warning: Two-step estimated covariance matrix of moments is singular.
  Using a generalized inverse to calculate optimal weighting matrix for two-step estimation.
  Difference-in-Sargan/Hansen statistics may be negative.

Dynamic panel-data estimation, two-step difference GMM
------------------------------------------------------------------------------
Group variable: id                              Number of obs      =       611
Time variable : year                            Number of groups   =       140
Number of instruments = 36                      Obs per group: min =         4
Wald chi2(0)  =         .                                      avg =      4.36
Prob > chi2   =         .                                      max =         6
------------------------------------------------------------------------------
             |              Corrected
           n |      Coef.   Std. Err.      z    P>|z|     [95% Conf. Interval]
-------------+----------------------------------------------------------------
           n |
         L1. |   .1700616   .1046652     1.62   0.104    -.0350784    .3752016
         L2. |  -.0113381   .0377205    -0.30   0.764    -.0852688    .0625926
             |
           w |  -.9510582   .1277298    -7.45   0.000    -1.201404   -.7007124
           k |   .4637223   .0718328     6.46   0.000     .3229325    .6045121
------------------------------------------------------------------------------
Instruments for first differences equation
  Standard
    D.k
  GMM-type (missing=0, separate instruments for each period unless collapsed)
    L(1/3).w
    L(2/4).n
------------------------------------------------------------------------------
Arellano-Bond test for AR(1) in first differences: z =  -1.19  Pr > z =  0.235
Arellano-Bond test for AR(2) in first differences: z =  -0.81  Pr > z =  0.417
------------------------------------------------------------------------------
Sargan test of overid. restrictions: chi2(32)   =  91.61  Prob > chi2 =  0.000
  (Not robust, but not weakened by many instruments.)
Hansen test of overid. restrictions: chi2(32)   =  47.86  Prob > chi2 =  0.035
  (Robust, but weakened by many instruments.)

Difference-in-Hansen tests of exogeneity of instrument subsets:
  gmm(n, lag(2 4))
    Hansen test excluding group:     chi2(15)   =  23.75  Prob > chi2 =  0.069
    Difference (null H = exogenous): chi2(17)   =  24.11  Prob > chi2 =  0.117
  gmm(w, lag(1 3))
    Hansen test excluding group:     chi2(14)   =  17.25  Prob > chi2 =  0.243
    Difference (null H = exogenous): chi2(18)   =  30.61  Prob > chi2 =  0.032
  iv(k)
    Hansen test excluding group:     chi2(31)   =  38.33  Prob > chi2 =  0.171
    Difference (null H = exogenous): chi2(1)    =   9.53  Prob > chi2 =  0.002
`;

export const LOG3_COMMAND = 'xtabond2 n L.n L(0/1).(w k) yr*, gmmstyle(L.(n w k)) ivstyle(yr*, equation(level)) robust small';

export function log3Result(): GmmResult {
  return {
    estimator: 'system',
    steps: 1,
    vce: 'robust',
    command: LOG3_COMMAND,
    depvar: 'n',
    nobs: 891,
    ngroups: 140,
    obsPerGroup: { min: 6, avg: 891 / 140, max: 8 },
    ninstruments: 113,
    small: true,
    coefficients: [
      coef('L1.n', 0.9356053, 0.026569, 35.21, 0.0, 0.8830737, 0.9881369),
      coef('w', -0.6309761, 0.1192834, -5.29, 0.0, -0.8668206, -0.3951315),
      coef('L1.w', 0.4826203, 0.1383132, 3.49, 0.001, 0.2091504, 0.7560901),
      coef('k', 0.4839299, 0.0544281, 8.89, 0.0, 0.3763159, 0.591544),
      coef('L1.k', -0.4243928, 0.059088, -7.18, 0.0, -0.5412204, -0.3075653),
      coef('yr1977', -0.0240573, 0.0296969, -0.81, 0.419, -0.0827734, 0.0346588),
      coef('yr1978', -0.0176523, 0.0229277, -0.77, 0.443, -0.0629845, 0.0276799),
      coef('yr1979', -0.0026515, 0.0207492, -0.13, 0.899, -0.0436764, 0.0383735),
      coef('yr1980', -0.0173995, 0.0221715, -0.78, 0.434, -0.0612366, 0.0264376),
      coef('yr1981', -0.0435283, 0.0193348, -2.25, 0.026, -0.0817565, -0.0053),
      coef('yr1982', -0.0096193, 0.0186829, -0.51, 0.607, -0.0465588, 0.0273201),
      coef('yr1983', 0.0038132, 0.0171959, 0.22, 0.825, -0.0301861, 0.0378126),
      coef('_cons', 0.5522011, 0.1971607, 2.8, 0.006, 0.1623793, 0.9420228),
    ],
    vcov: [],
    modelTest: { kind: 'F', stat: 1154.36, df1: 12, df2: 139, p: 0.0 },
    ar: [
      { order: 1, z: -5.46, p: 0.0 },
      { order: 2, z: -0.25, p: 0.804 },
    ],
    sargan: stat(186.9, 100, 0.0),
    hansen: stat(110.7, 100, 0.218),
    diffHansen: [
      { group: 'GMM instruments for levels', excluding: stat(84.33, 79, 0.32), difference: stat(26.37, 21, 0.193) },
      {
        group: 'iv(yr1976 yr1977 yr1978 yr1979 yr1980 yr1981 yr1982 yr1983 yr1984, eq(level))',
        excluding: stat(107.79, 93, 0.14),
        difference: stat(2.91, 7, 0.893),
      },
    ],
    dropped: ['yr1976', 'yr1984'],
    warnings: [],
    excluded: [],
  };
}
