// The specification tests of a result as rows (name, statistic, df, p), shared by the Markdown and
// LaTeX reports.
import type { GmmResult } from '../gmm/result.ts';

export interface TestRow {
  name: string;
  /** "z" or "chi2". */
  kind: 'z' | 'chi2';
  stat: number;
  df: number | null;
  p: number;
}

export function testRows(result: GmmResult, arWhere = 'first differences'): TestRow[] {
  const rows: TestRow[] = result.ar.map((a) => ({ name: `Arellano-Bond AR(${a.order}) in ${arWhere}`, kind: 'z', stat: a.z, df: null, p: a.p }));
  if (result.sargan) rows.push({ name: 'Sargan test of overid. restrictions', kind: 'chi2', stat: result.sargan.chi2, df: result.sargan.df, p: result.sargan.p });
  if (result.hansen) rows.push({ name: 'Hansen test of overid. restrictions', kind: 'chi2', stat: result.hansen.chi2, df: result.hansen.df, p: result.hansen.p });
  const test = result.hansen ? 'Hansen' : 'Sargan';
  for (const d of result.diffHansen) {
    rows.push({ name: `${d.group}: ${test} test excluding group`, kind: 'chi2', stat: d.excluding.chi2, df: d.excluding.df, p: d.excluding.p });
    rows.push({ name: `${d.group}: difference (null H = exogenous)`, kind: 'chi2', stat: d.difference.chi2, df: d.difference.df, p: d.difference.p });
  }
  return rows;
}
