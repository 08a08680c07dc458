// p-values and quantiles of the reference distributions (stdlib's implementations).
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import fCdf from '@stdlib/stats-base-dists-f-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';

/** Two-sided p-value of a standard normal statistic. */
export function normalTwoSided(z: number): number {
  return 2 * normalCdf(-Math.abs(z), 0, 1);
}
/** Two-sided p-value of a t statistic with df degrees of freedom. */
export function tTwoSided(t: number, df: number): number {
  return 2 * tCdf(-Math.abs(t), df);
}
/** Upper-tail p-value of a chi-squared statistic. */
export function chi2Upper(x: number, df: number): number {
  return df > 0 ? 1 - chisquareCdf(x, df) : NaN;
}
/** Upper-tail p-value of an F statistic. */
export function fUpper(x: number, df1: number, df2: number): number {
  return 1 - fCdf(x, df1, df2);
}
export function normalQuantileOf(p: number): number {
  return normalQuantile(p, 0, 1);
}
export function tQuantileOf(p: number, df: number): number {
  return tQuantile(p, df);
}
