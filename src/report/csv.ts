// formatCsv: the coefficient table as CSV, one row per coefficient, numbers at full float64
// precision (shortest round-trip form); a missing value is an empty field.
import { csvField } from '../data/csv-write.ts';
import type { GmmResult } from '../gmm/result.ts';

export function formatCsv(result: GmmResult): string {
  // The columns of the JSON object's coefficients and of `--save FILE.csv` (write-table.ts); stat is
  // z, or t under small.
  const lines = ['name,estimate,se,stat,p,ciLow,ciHigh'];
  for (const c of result.coefficients) lines.push([csvField(c.name), ...[c.estimate, c.se, c.stat, c.p, c.ciLow, c.ciHigh].map(num)].join(','));
  return `${lines.join('\n')}\n`;
}

function num(x: number): string {
  return Number.isFinite(x) ? String(x) : '';
}

