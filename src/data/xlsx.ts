// Excel .xlsx via exceljs: the first worksheet (or a named one), first row = header. A column is
// numeric when every non-missing cell is a number (or text that reads as one); missing: empty cells,
// Excel's #N/A, and the texts "", NA, ".", NaN. Formula cells contribute their cached result.
import ExcelJS from 'exceljs';
import type { Table } from 'apache-arrow';
import { DataError } from '../errors.ts';
import { type BuiltColumn, float64Data, NOT_NUMERIC, tableFromColumns, utf8FromStrings } from './build.ts';

type Cell = number | string | null;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function plain(v: ExcelJS.CellValue): Cell | typeof FORMULA {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  if ('error' in v) return v.error === '#N/A' ? null : v.error;
  if ('richText' in v) return v.richText.map((t) => t.text).join('');
  if ('hyperlink' in v) return v.text;
  if ('result' in v && v.result !== undefined) return plain(v.result as ExcelJS.CellValue);
  if ('formula' in v || 'sharedFormula' in v) return FORMULA;
  return String(v);
}

/** A formula cell without a saved result (the workbook was written by a program that does not compute). */
const FORMULA = Symbol('formula without result');

/** The value of a cell; a formula without a saved result is an error naming the cell. */
function cellValue(cell: ExcelJS.Cell, where: string): Cell {
  const v = plain(cell.value);
  if (v !== FORMULA) return v;
  const f = cell.formula ?? '';
  throw new DataError(
    `${where}: cell ${cell.address} holds the formula =${f} without a saved result; open and save the workbook in a spreadsheet program, or paste the values`,
    { file: where },
  );
}

/** Missing (null), a number, or text. */
function classify(c: Cell): Cell {
  if (typeof c !== 'string') return c;
  const s = c.trim();
  if (s === '' || s === 'NA' || s === '.' || s === 'NaN') return null;
  return NUMBER.test(s) ? Number(s) : c;
}

export async function readXlsx(path: string, opts: { sheet?: string; numeric?: string[] } = {}): Promise<Table> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.readFile(path);
  } catch (err) {
    throw new DataError(`${path}: not a readable .xlsx workbook (${(err as Error).message})`, { file: path });
  }
  const sheets = wb.worksheets.map((w) => w.name);
  const ws = opts.sheet === undefined ? wb.worksheets[0] : wb.getWorksheet(opts.sheet);
  if (!ws)
    throw new DataError(
      opts.sheet === undefined ? `${path}: the workbook has no worksheets` : `${path}: no sheet named '${opts.sheet}'; sheets are: ${sheets.join(', ')}`,
      { file: path },
    );
  const where = `${path} [${ws.name}]`;
  const header = ws.getRow(1);
  const width = header.cellCount;
  if (ws.rowCount === 0 || width === 0) throw new DataError(`${where}: the sheet is empty (no header row)`, { file: path });
  const names: string[] = [];
  for (let j = 1; j <= width; j++) {
    const h = cellValue(header.getCell(j), where);
    const name = h === null || String(h).trim() === '' ? `column${j}` : String(h).trim();
    if (names.includes(name)) throw new DataError(`${where}: duplicate column name '${name}' in the header`, { file: path, column: name });
    names.push(name);
  }
  const declared = new Set(opts.numeric ?? []);
  for (const n of declared)
    if (!names.includes(n)) throw new DataError(`${where}: unknown column '${n}'; columns are: ${names.join(', ')}`, { file: path, column: n });

  const cols: Cell[][] = names.map(() => []);
  const sheetRows: number[] = [];
  for (let i = 2; i <= ws.rowCount; i++) {
    const row = ws.getRow(i);
    const cells = names.map((_, j) => classify(cellValue(row.getCell(j + 1), where)));
    if (!row.hasValues) continue; // a blank spreadsheet row is not a data row
    // A value right of the header's last column has no column to go to (a CSV row with more fields than its header is refused too).
    for (let j = width + 1; j <= row.cellCount; j++)
      if (cellValue(row.getCell(j), where) !== null)
        throw new DataError(`${where}: sheet row ${i} has a value in cell ${row.getCell(j).address}, right of the header's ${width} columns; give that column a header or remove the value`, { file: path, row: i - 1 });
    sheetRows.push(i);
    cells.forEach((c, j) => cols[j].push(c));
  }
  const columns: BuiltColumn[] = names.map((name, j) => {
    const values = cols[j];
    const bad = values.findIndex((v) => typeof v === 'string');
    if (bad < 0) return { name, data: float64Data(Float64Array.from(values, (v) => (v === null ? NaN : (v as number)))) };
    if (declared.has(name))
      throw new DataError(`${where}: row ${bad + 1} (sheet row ${sheetRows[bad]}), column '${name}': '${values[bad]}' is not a number`, {
        file: path,
        row: bad + 1,
        column: name,
      });
    // Where the first non-number is, for messages about the column (as the CSV reader records it).
    return { name, data: utf8FromStrings(values.map((v) => (v === null ? null : String(v)))), metadata: new Map([[NOT_NUMERIC, `row ${bad + 1} (sheet row ${sheetRows[bad]}) has '${values[bad]}'`]]) };
  });
  return tableFromColumns(columns);
}
