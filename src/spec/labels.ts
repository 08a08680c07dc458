// The text forms of a specification's pieces, each written by one function: lag limits "lag(a b)"
// (an open upper limit, null in a spec, is "."), and the group labels xtabond2 prints in its
// difference-in-Hansen table.
import type { GmmGroup, IvGroup } from './types.ts';
import { stataName } from './varlist.ts';

/** "lag(2 4)", "lag(2 .)" (hi null: open). */
export function lagText(lo: number, hi: number | null): string {
  return `lag(${lo} ${hi ?? '.'})`;
}

/** The usable upper lag: the limit, or `available` when the limit is open (null) or beyond it. */
export function upperLag(hi: number | null, available: number): number {
  return hi === null ? available : Math.min(hi, available);
}

/** As xtabond2 prints a GMM group in the difference-in-Hansen table: "gmm(n, lag(2 4))", "gmm(L.n L.w, collapse eq(level) lag(1 1))". */
export function gmmLabel(g: Omit<GmmGroup, 'label'>): string {
  let s = `gmm(${g.vars.map(stataName).join(' ')},`;
  if (g.collapse) s += ' collapse';
  if (g.passthru) s += ' passthru';
  if (g.orthogonal) s += ' orthogonal';
  if (g.equation !== 'both') s += ` eq(${g.equation})`;
  return `${s} ${lagText(g.lagMin, g.lagMax)})`;
}

/** As xtabond2 prints an IV group: "iv(k)", "iv(yr1976 yr1977 ..., eq(level))". */
export function ivLabel(g: Omit<IvGroup, 'label'>): string {
  const extra = [g.passthru ? 'passthru' : '', g.mz ? 'mz' : '', g.equation !== 'both' ? `eq(${g.equation})` : ''].filter(Boolean);
  return `iv(${g.vars.map(stataName).join(' ')}${extra.length ? `, ${extra.join(' ')}` : ''})`;
}
