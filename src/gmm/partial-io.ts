// Partial sums on disk or on the wire: one Arrow IPC stream holding one record batch, a row per
// quantity (name, kind: sum | low | keys | rows | min | max, width, values as a list of float64, keys
// as a list of text), with the
// schema version, pass, layout and a SHA-256 checksum of the contents in the schema metadata. A file
// that was cut short, altered or written by another version is refused with its name in the error.
import { createHash } from 'node:crypto';
import { Field, Float64, Int32, List, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { DataError } from '../errors.ts';
import { PARTIAL_SUMS_VERSION, type PartialSums, type PassKind } from './partial-sums.ts';

type Kind = 'sum' | 'low' | 'keys' | 'rows' | 'rowslow' | 'min' | 'max';
interface Row {
  name: string;
  kind: Kind;
  width: number;
  values: Float64Array;
  /** Keys of keyed rows (kind 'keys' only). */
  labels: string[] | null;
}

function rowsOf(p: PartialSums): Row[] {
  const rows: Row[] = [];
  const none = new Float64Array(0);
  for (const name of Object.keys(p.sums).sort()) rows.push({ name, kind: 'sum', width: 1, values: p.sums[name], labels: null });
  for (const name of Object.keys(p.lo).sort()) rows.push({ name, kind: 'low', width: 1, values: p.lo[name], labels: null });
  for (const name of Object.keys(p.keyed).sort()) {
    const k = p.keyed[name];
    rows.push({ name, kind: 'keys', width: 1, values: none, labels: k.keys });
    rows.push({ name, kind: 'rows', width: k.width, values: k.rows, labels: null });
    rows.push({ name, kind: 'rowslow', width: k.width, values: k.lo, labels: null });
  }
  for (const name of Object.keys(p.min).sort()) rows.push({ name, kind: 'min', width: 1, values: Float64Array.of(p.min[name]), labels: null });
  for (const name of Object.keys(p.max).sort()) rows.push({ name, kind: 'max', width: 1, values: Float64Array.of(p.max[name]), labels: null });
  return rows;
}

function header(p: Pick<PartialSums, 'version' | 'pass' | 'dims' | 'units'>): string {
  return JSON.stringify({ version: p.version, pass: p.pass, dims: p.dims, units: p.units });
}

/** SHA-256 over the header and every row's name, kind, width and values (little-endian float64). */
function checksum(head: string, rows: Row[]): string {
  const h = createHash('sha256');
  h.update(head);
  for (const r of rows) {
    h.update(`\n${r.name}\t${r.kind}\t${r.width}\t${r.values.length}\n`);
    const bytes = new Float64Array(r.values);
    h.update(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (r.labels) h.update(JSON.stringify(r.labels));
  }
  return h.digest('hex');
}

export function serializePartial(p: PartialSums): Uint8Array {
  const rows = rowsOf(p);
  const table = new Table({
    name: vectorFromArray(rows.map((r) => r.name), new Utf8()),
    kind: vectorFromArray(rows.map((r) => r.kind), new Utf8()),
    width: vectorFromArray(rows.map((r) => r.width), new Int32()),
    values: vectorFromArray(rows.map((r) => r.values), new List(new Field('item', new Float64(), false))),
    labels: vectorFromArray(rows.map((r) => r.labels), new List(new Field('item', new Utf8(), false))),
  });
  const head = header(p);
  table.schema.metadata.set('sysgmm.partial', head);
  table.schema.metadata.set('sysgmm.checksum', checksum(head, rows));
  return tableToIPC(table, 'stream');
}

/** Read partial sums written by serializePartial; `source` names the file or task in errors. */
export function deserializePartial(bytes: Uint8Array, source: string): PartialSums {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new DataError(`${source}: not a partial-sums file (Arrow IPC could not be read: ${(e as Error).message})`, { file: source });
  }
  const head = table.schema.metadata.get('sysgmm.partial');
  const sum = table.schema.metadata.get('sysgmm.checksum');
  if (!head || !sum) throw new DataError(`${source}: not a partial-sums file (no sysgmm metadata)`, { file: source });
  const meta = JSON.parse(head) as { version: number; pass: PassKind; dims: PartialSums['dims']; units: number };
  if (meta.version !== PARTIAL_SUMS_VERSION)
    throw new DataError(`${source}: partial sums of schema version ${meta.version}; this sysgmm reads version ${PARTIAL_SUMS_VERSION}`, { file: source });
  const rows: Row[] = [];
  const names = table.getChild('name');
  const kinds = table.getChild('kind');
  const widths = table.getChild('width');
  const values = table.getChild('values');
  const labels = table.getChild('labels');
  if (!names || !kinds || !widths || !values || !labels) throw new DataError(`${source}: partial-sums file lacks a column`, { file: source });
  for (let i = 0; i < table.numRows; i++) {
    const v = values.get(i);
    const l = labels.get(i);
    rows.push({
      name: String(names.get(i)),
      kind: kinds.get(i) as Kind,
      width: Number(widths.get(i)),
      values: v ? Float64Array.from(v.toArray() as Float64Array) : new Float64Array(0),
      labels: l ? (Array.from(l) as string[]) : null,
    });
  }
  if (checksum(head, rows) !== sum) throw new DataError(`${source}: checksum mismatch: the partial-sums file is damaged or was altered`, { file: source });
  const p: PartialSums = { version: meta.version, pass: meta.pass, dims: meta.dims, units: meta.units, sums: {}, lo: {}, keyed: {}, min: {}, max: {} };
  for (const r of rows) {
    if (r.kind === 'sum') p.sums[r.name] = r.values;
    else if (r.kind === 'low') p.lo[r.name] = r.values;
    else if (r.kind === 'keys') p.keyed[r.name] = { keys: r.labels ?? [], width: 1, rows: new Float64Array(0), lo: new Float64Array(0) };
    else if (r.kind === 'rows') p.keyed[r.name] = { ...p.keyed[r.name], width: r.width, rows: r.values };
    else if (r.kind === 'rowslow') p.keyed[r.name] = { ...p.keyed[r.name], lo: r.values };
    else if (r.kind === 'min') p.min[r.name] = r.values[0];
    else p.max[r.name] = r.values[0];
  }
  return p;
}
