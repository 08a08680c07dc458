// A header that came out as one column: the message both readers of column names give (csv-parse.ts
// for a requested column, panel.ts for --id/--time). No imports: the CSV worker threads load it too.

/** For a column not found: when the header came out as one name holding separators (the file was
 *  split on another delimiter than its own), what to say about it; else null. */
export function oneColumnHeader(names: readonly string[]): string | null {
  return names.length === 1 && /[,;\t|]/.test(names[0]!) ? `the header was read as one column, '${names[0]}'; is the delimiter right?` : null;
}
