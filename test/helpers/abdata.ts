// Minimal loader for the all-numeric CSV fixtures (data/abdata.csv): header row, comma-separated
// numbers, empty = missing. Stand-in until the project's CSV reader (src/data/) exists.
import { readFileSync } from 'node:fs';
import { tableFromArrays } from 'apache-arrow';
import { Panel } from '../../src/panel/panel.ts';

export function loadNumericCsv(path: string, id: string, time: string): Panel {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const cols = header.map(() => new Float64Array(lines.length - 1));
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(',');
    if (cells.length !== header.length) throw new Error(`${path}: row ${r + 1} has ${cells.length} fields, expected ${header.length}`);
    for (let c = 0; c < header.length; c++) cols[c][r - 1] = cells[c] === '' ? NaN : Number(cells[c]);
  }
  const table = tableFromArrays(Object.fromEntries(header.map((h, c) => [h, cols[c]])));
  return Panel.fromTable(table, { id, time, source: path });
}

export function loadAbdata(): Panel {
  return loadNumericCsv(new URL('../../data/abdata.csv', import.meta.url).pathname, 'id', 'year');
}
