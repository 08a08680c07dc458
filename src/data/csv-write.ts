// Writing Arrow tables as CSV (the reverse of csv.ts): header, then rows; numbers in shortest
// round-trip form, null and NaN as empty fields, text quoted only where needed.
import { writeFileAtomicSync } from './write-atomic.ts';
import type { Table } from 'apache-arrow';

/** A CSV field: quoted (with doubled quotes) only when it holds a quote, comma or line break. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of an Arrow table: header, then rows; numbers in shortest round-trip form, null/NaN empty. */
export function tableToCsv(table: Table): string {
  const names = table.schema.fields.map((f) => f.name);
  const cols = names.map((n) => table.getChild(n)!);
  const lines = [names.map(csvField).join(',')];
  for (let r = 0; r < table.numRows; r++) {
    lines.push(
      cols
        .map((c) => {
          const v = c.get(r);
          if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
          return typeof v === 'number' ? String(v) : csvField(String(v));
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Write an Arrow table as CSV; a failure names `option` when given (write-atomic.ts writeFailure). */
export function writeCsv(path: string, table: Table, option?: string): void {
  writeFileAtomicSync(path, tableToCsv(table), option);
}

