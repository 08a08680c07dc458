// Sectors of the Chinese industrial classification GB/T 4754-2002 as reported by the China City
// Statistical Yearbook (employment by door category), and which of them the study treats as
// manufacturing and as producer services (with the five producer-service segments).
import { SpecError } from '../errors.ts';

export interface Sector {
  /** Door-category letter in GB/T 4754-2002. */
  code: string;
  /** Short key, used for default column names (`emp_<key>`) and in messages. */
  key: string;
  name: string;
}

/**
 * The 19 door categories A–S of GB/T 4754-2002 whose employment the City Statistical Yearbook
 * reports. (The standard's 20th category, T "international organisations", is not reported for
 * cities and is left out.)
 */
export const GBT4754_2002: readonly Sector[] = [
  { code: 'A', key: 'agri', name: 'Agriculture, forestry, animal husbandry and fishery' },
  { code: 'B', key: 'mining', name: 'Mining' },
  { code: 'C', key: 'manuf', name: 'Manufacturing' },
  { code: 'D', key: 'utilities', name: 'Production and supply of electricity, gas and water' },
  { code: 'E', key: 'construct', name: 'Construction' },
  { code: 'F', key: 'transport', name: 'Transport, storage and post' },
  { code: 'G', key: 'ict', name: 'Information transmission, computer services and software' },
  { code: 'H', key: 'trade', name: 'Wholesale and retail trade' },
  { code: 'I', key: 'hotel', name: 'Hotels and catering services' },
  { code: 'J', key: 'finance', name: 'Financial intermediation' },
  { code: 'K', key: 'realestate', name: 'Real estate' },
  { code: 'L', key: 'leasing', name: 'Leasing and business services' },
  { code: 'M', key: 'research', name: 'Scientific research, technical services and geological prospecting' },
  { code: 'N', key: 'environment', name: 'Management of water conservancy, environment and public facilities' },
  { code: 'O', key: 'resident', name: 'Services to households and other services' },
  { code: 'P', key: 'education', name: 'Education' },
  { code: 'Q', key: 'health', name: 'Health, social security and social welfare' },
  { code: 'R', key: 'culture', name: 'Culture, sports and entertainment' },
  { code: 'S', key: 'public', name: 'Public management and social organisations' },
];

/** A producer-service segment: its key (used as a column suffix), a label and its sector codes. */
export interface Segment {
  key: string;
  name: string;
  codes: string[];
}

/** Which sectors form manufacturing and each producer-service segment (the whole is their union). */
export interface SectorGroups {
  manufacturing: string[];
  segments: Segment[];
}

/** Groups plus where each sector's employment lives in a data file. */
export interface SectorMapping extends SectorGroups {
  /** Employment column of each sector, by sector code. */
  columns: Record<string, string>;
  /** Optional column with each city's total employment; otherwise the sum of all sector columns. */
  total?: string;
}

/** Default employment column name of a sector: `emp_<key>` (e.g. `emp_finance`). */
export function defaultEmploymentColumn(sector: Sector): string {
  return `emp_${sector.key}`;
}

export const DEFAULT_SECTOR_GROUPS: SectorGroups = {
  manufacturing: ['C'],
  segments: [
    { key: 'transport', name: 'Transport, storage and post', codes: ['F'] },
    { key: 'ict', name: 'Information transmission, computer services and software', codes: ['G'] },
    { key: 'finance', name: 'Finance', codes: ['J'] },
    { key: 'leasing', name: 'Leasing and business services', codes: ['L'] },
    { key: 'research', name: 'Scientific research and technical services', codes: ['M'] },
  ],
};

export const DEFAULT_SECTOR_MAPPING: SectorMapping = {
  ...DEFAULT_SECTOR_GROUPS,
  columns: Object.fromEntries(GBT4754_2002.map((s) => [s.code, defaultEmploymentColumn(s)])),
};

/** Codes of all producer-service sectors (the union of the segments), in first-seen order. */
export function producerServiceCodes(groups: SectorGroups): string[] {
  return [...new Set(groups.segments.flatMap((s) => s.codes))];
}

/**
 * Read a sector mapping from a parsed JSON config, filling what it leaves out from the default.
 * Accepted keys: `columns` (code → column; merged over the default), `manufacturing` (codes),
 * `segments` ([{key, name?, codes}]), `total` (column). Anything else is an error.
 */
export function parseSectorMapping(json: unknown, source = 'sector config'): SectorMapping {
  const fail = (msg: string): never => {
    throw new SpecError(`${source}: ${msg}`, '--sectors');
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('must be a JSON object');
  const obj = json as Record<string, unknown>;
  for (const k of Object.keys(obj))
    if (!['columns', 'manufacturing', 'segments', 'total'].includes(k))
      fail(`unknown key '${k}' (allowed: columns, manufacturing, segments, total)`);
  const strings = (v: unknown, what: string): string[] => {
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s !== ''))
      fail(`${what} must be a non-empty array of sector codes`);
    return v as string[];
  };
  let columns = { ...DEFAULT_SECTOR_MAPPING.columns };
  if (obj.columns !== undefined) {
    if (typeof obj.columns !== 'object' || obj.columns === null || Array.isArray(obj.columns)) fail("'columns' must map sector codes to column names");
    for (const [code, col] of Object.entries(obj.columns as Record<string, unknown>)) {
      if (typeof col !== 'string' || col === '') fail(`columns.${code} must be a column name`);
      columns[code] = col as string;
    }
  }
  const manufacturing = obj.manufacturing === undefined ? DEFAULT_SECTOR_GROUPS.manufacturing : strings(obj.manufacturing, "'manufacturing'");
  let segments = DEFAULT_SECTOR_GROUPS.segments;
  if (obj.segments !== undefined) {
    if (!Array.isArray(obj.segments) || obj.segments.length === 0) fail("'segments' must be a non-empty array");
    segments = (obj.segments as unknown[]).map((s, i) => {
      if (typeof s !== 'object' || s === null) fail(`segments[${i}] must be an object {key, name, codes}`);
      const seg = s as Record<string, unknown>;
      if (typeof seg.key !== 'string' || !/^[A-Za-z0-9_]+$/.test(seg.key)) fail(`segments[${i}].key must be a word (letters, digits, _)`);
      return { key: seg.key as string, name: typeof seg.name === 'string' ? seg.name : (seg.key as string), codes: strings(seg.codes, `segments[${i}].codes`) };
    });
    const keys = segments.map((s) => s.key);
    const dup = keys.find((k, i) => keys.indexOf(k) !== i);
    if (dup) fail(`segment key '${dup}' appears twice`);
  }
  if (obj.total !== undefined && (typeof obj.total !== 'string' || obj.total === '')) fail("'total' must be a column name");
  const mapping: SectorMapping = { columns, manufacturing, segments, ...(obj.total !== undefined ? { total: obj.total as string } : {}) };
  const problem = groupsProblem(mapping, Object.keys(mapping.columns));
  if (problem) fail(problem);
  return mapping;
}

/**
 * Why these groups cannot be used with sectors `available`, or null when they can: every grouped
 * code must be available, and no sector may be both manufacturing and a producer service.
 */
export function groupsProblem(groups: SectorGroups, available: readonly string[]): string | null {
  if (groups.manufacturing.length === 0) return 'no manufacturing sector given';
  if (groups.segments.length === 0) return 'no producer-service segment given';
  for (const code of [...groups.manufacturing, ...producerServiceCodes(groups)])
    if (!available.includes(code)) return `sector '${code}' is used in a group but has no employment column`;
  const ps = producerServiceCodes(groups);
  const overlap = groups.manufacturing.filter((c) => ps.includes(c));
  if (overlap.length) return `sector(s) ${overlap.join(', ')} are both manufacturing and producer services`;
  return null;
}
