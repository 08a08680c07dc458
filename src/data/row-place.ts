// Where a row of a table came from. A dataset (a folder or glob of files, src/data/dataset.ts) is read
// as one table whose schema metadata lists its files and their row counts, so an error about a row can
// name the file and the row within it.
import type { Table } from './arrow-core.ts';

/** Schema metadata of a table read from several files: [file, rows] in row order. */
export const ROWS_BY_FILE = 'sysgmm:rows-by-file';

/** Where row r (0-based) of a table came from: "row 12" of a single source, "row 3 of FILE" of a dataset. */
export function rowPlace(table: Table, r: number): string {
  const entry = table.schema.metadata.get(ROWS_BY_FILE);
  if (entry === undefined) return `row ${r + 1}`;
  let at = r;
  for (const [file, rows] of JSON.parse(entry) as [string, number][]) {
    if (at < rows) return `row ${at + 1} of ${file}`;
    at -= rows;
  }
  return `row ${r + 1}`;
}

/** Two rows (0-based), "rows 3 and 8" of a single source, "row 3 of A and row 2 of B" of a dataset. */
export function rowPair(table: Table, a: number, b: number): string {
  return table.schema.metadata.has(ROWS_BY_FILE) ? `${rowPlace(table, a)} and ${rowPlace(table, b)}` : `rows ${a + 1} and ${b + 1}`;
}
