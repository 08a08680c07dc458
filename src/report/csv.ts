// formatCsv: the coefficient table as CSV, one row per coefficient, numbers at full float64
// precision (shortest round-trip form); a missing value is an empty field.
import { csvField } from '../data/csv-write.ts';
import type { GmmResult } from '../gmm/result.ts';

export function formatCsv(result: GmmResult): string {
  const stat = result.small ? 't' : 'z';
  const lines = [`term,estimate,std_err,${stat},p,ci_low,ci_high`];
  for (const c of result.coefficients) lines.push([csvField(c.name), ...[c.estimate, c.se, c.stat, c.p, c.ciLow, c.ciHigh].map(num)].join(','));
  return `${lines.join('\n')}\n`;
}

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

