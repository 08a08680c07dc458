// formatCsv: the coefficient table as CSV, one row per coefficient, numbers at full float64
// precision (shortest round-trip form); a missing value is an empty field. `level` is the confidence
// level of ciLow/ciHigh in percent, on every row, so that a saved table says what its interval is.
import { csvField } from '../data/csv-write.ts';
import type { GmmResult } from '../gmm/result.ts';

export function formatCsv(result: GmmResult): string {
  // The columns of the JSON object's coefficients and of `--save FILE.csv` (write-table.ts); stat is
  // z, or t under small.
  const lines = ['name,estimate,se,stat,p,ciLow,ciHigh,level'];
  const level = result.level ?? 95;
  for (const c of result.coefficients) lines.push([csvField(c.name), ...[c.estimate, c.se, c.stat, c.p, c.ciLow, c.ciHigh, level].map(num)].join(','));
  return `${lines.join('\n')}\n`;
}

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

