// A shard's per-unit blocks (gmm/blocks.ts UnitBlocks) kept on disk between the stages of a sharded
// estimate: the stage that builds them on the final layout writes them beside its task results, and
// the later stages (weight, correction) read them back instead of reading the Parquet shard and
// building its design and blocks again. Written under a temporary name then renamed, with the
// SHA-256 of the body in the header line; a missing, short or altered file is reported as such (the
// task then rebuilds the blocks from the shard). Layout:
//   line 1   {"format","bytes","sha256"}, blank-padded to a multiple of 8 bytes with its newline
//   body     uint32 LE length of the meta JSON, the meta JSON (scalars, names, cluster keys,
//            exclusion counts, and each array's name, type and length), then the arrays' bytes in
//            that order (little-endian, as typed arrays hold them on every platform Node runs on),
//            each starting at a multiple of 8 bytes (zero padding between).
import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { UnitBlocks } from '../gmm/blocks.ts';
import { writeAll } from '../data/write-atomic.ts';
import { makeFolder } from '../data/make-folder.ts';

const FORMAT = 'sysgmm-blocks/3';

type Typed = Float64Array | Int32Array;
type ArrayEntry = { name: string; type: 'f64' | 'i32'; length: number } | { name: string; type: null };

/** Where stage `dir` keeps the blocks of shard s. */
export const blocksPath = (dir: string, shard: number): string => join(dir, 'blocks', `shard-${String(shard).padStart(5, '0')}.bin`);

function arraysOf(b: UnitBlocks): [string, Typed | null][] {
  return [
    ['units', b.units],
    ['zw', b.zw],
    ['zhz', b.zhz],
    ['zhzSum', b.zhzSum],
    ['zhzSumLo', b.zhzSumLo],
    ['ee', b.ee],
    ['eeSum.hi', b.eeSum.hi],
    ['eeSum.lo', b.eeSum.lo],
    ['ar', b.ar],
    ['arSum.hi', b.arSum.hi],
    ['arSum.lo', b.arSum.lo],
    ['obsMain', b.obsMain],
    ['obsTrans', b.obsTrans],
    ['obsSigma', b.obsSigma],
    ['clusters.pieceUnit', b.clustering?.pieceUnit ?? null],
    ['clusters.unitPieces', b.clustering?.unitPieces ?? null],
    ['clusters.periodPiece', b.clustering?.periodPiece ?? null],
    ['clusters.codes', b.clustering?.codes ?? null],
    ['clusters.codeStart', b.clustering?.codeStart ?? null],
    ['clusters.obs', b.clustering?.obs ?? null],
    ['clusters.used', b.clustering?.used ?? null],
    ['clusters.missing', b.clustering ? Int32Array.from(b.clustering.missing) : null],
    ['clusters.zw', b.clustering?.zw ?? null],
    ['mainWW', b.mainWW],
    ['allWW', b.collinearitySums.allWW],
    ['levW', b.collinearitySums.levW],
  ];
}

export async function writeBlocks(path: string, b: UnitBlocks): Promise<void> {
  const arrays = arraysOf(b);
  const entries: ArrayEntry[] = arrays.map(([name, a]) => (a ? { name, type: a instanceof Float64Array ? 'f64' : 'i32', length: a.length } : { name, type: null }));
  const meta = Buffer.from(
    JSON.stringify({
      n: b.n,
      L: b.L,
      K: b.K,
      P: b.P,
      keep: b.keep,
      dropped: b.dropped,
      artests: b.artests,
      clustering: b.clustering && { combinations: b.clustering.combinations, local: b.clustering.local, clusterKeys: b.clustering.clusterKeys },
      excluded: [...b.excluded],
      nLev: b.collinearitySums.nLev,
      arrays: entries,
    }),
    'utf8',
  );
  const len = Buffer.alloc(4);
  len.writeUInt32LE(meta.length);
  // The arrays start at multiples of 8 bytes into the body (readBlocks can then view them in place).
  const pad = Buffer.alloc((8 - ((4 + meta.length) % 8)) % 8);
  const parts: Buffer[] = [len, meta, pad];
  for (const [, a] of arrays) if (a) parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.alloc((8 - (a.byteLength % 8)) % 8));
  const hash = createHash('sha256');
  let bytes = 0;
  for (const part of parts) {
    hash.update(part);
    bytes += part.length;
  }
  // The header line is padded to a multiple of 8 bytes too, so that the body starts aligned.
  let header = JSON.stringify({ format: FORMAT, bytes, sha256: hash.digest('hex') });
  header += ' '.repeat((8 - ((header.length + 1) % 8)) % 8) + '\n';
  // One folder at a time (make-folder.ts): a failure then names the folder and the file system's reason.
  await makeFolder(dirname(path));
  // Written part by part (no copy of the arrays), under a temporary name, then renamed; a short or
  // failed write (a file-size limit, a full disk) fails here and the truncated file is not renamed.
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await writeAll(fh, [Buffer.from(header, 'utf8'), ...parts], path);
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export type CachedBlocks = { state: 'ok'; blocks: UnitBlocks } | { state: 'missing' } | { state: 'corrupt'; why: string };

export async function readBlocks(path: string): Promise<CachedBlocks> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return { state: 'missing' };
  }
  const nl = bytes.indexOf(0x0a);
  let header: { format?: string; bytes?: number; sha256?: string };
  try {
    header = JSON.parse(bytes.subarray(0, nl < 0 ? 0 : nl).toString('utf8'));
  } catch {
    return { state: 'corrupt', why: 'unreadable header' };
  }
  const body = bytes.subarray(nl + 1);
  if (header.format !== FORMAT) return { state: 'corrupt', why: `format '${header.format}' is not ${FORMAT}` };
  if (header.bytes !== body.length) return { state: 'corrupt', why: `${body.length} bytes where ${header.bytes} were written` };
  if (header.sha256 !== createHash('sha256').update(body).digest('hex')) return { state: 'corrupt', why: 'checksum mismatch' };
  const metaLen = body.readUInt32LE(0);
  const meta = JSON.parse(body.subarray(4, 4 + metaLen).toString('utf8'));
  // Offsets into the body, padded as written; `at` is where that lies in the file's buffer.
  const pad8 = (x: number) => x + ((8 - (x % 8)) % 8);
  let rel = pad8(4 + metaLen);
  const a = new Map<string, Typed | null>();
  for (const e of meta.arrays as ArrayEntry[]) {
    if (e.type === null) {
      a.set(e.name, null);
      continue;
    }
    const size = e.type === 'f64' ? 8 : 4;
    const at = body.byteOffset + rel;
    // A view of the file's bytes where aligned (the usual case: a large file read whole), else a copy.
    const buf = at % size === 0 ? body.buffer : body.buffer.slice(at, at + e.length * size);
    const off = at % size === 0 ? at : 0;
    a.set(e.name, e.type === 'f64' ? new Float64Array(buf, off, e.length) : new Int32Array(buf, off, e.length));
    rel = pad8(rel + e.length * size);
  }
  const f64 = (name: string) => a.get(name) as Float64Array;
  const i32 = (name: string) => a.get(name) as Int32Array;
  const blocks: UnitBlocks = {
    units: i32('units'),
    n: meta.n,
    L: meta.L,
    keep: meta.keep,
    dropped: meta.dropped,
    K: meta.K,
    P: meta.P,
    zw: f64('zw'),
    zhz: f64('zhz'),
    zhzSum: f64('zhzSum'),
    zhzSumLo: f64('zhzSumLo'),
    ee: f64('ee'),
    eeSum: { hi: f64('eeSum.hi'), lo: f64('eeSum.lo') },
    ar: f64('ar'),
    arSum: { hi: f64('arSum.hi'), lo: f64('arSum.lo') },
    artests: meta.artests,
    obsMain: i32('obsMain'),
    obsTrans: i32('obsTrans'),
    obsSigma: i32('obsSigma'),
    clustering: meta.clustering && {
      combinations: meta.clustering.combinations,
      local: meta.clustering.local,
      clusterKeys: meta.clustering.clusterKeys,
      codes: i32('clusters.codes'),
      codeStart: i32('clusters.codeStart'),
      pieceUnit: i32('clusters.pieceUnit'),
      unitPieces: i32('clusters.unitPieces'),
      periodPiece: i32('clusters.periodPiece'),
      obs: f64('clusters.obs'),
      used: i32('clusters.used'),
      missing: Uint8Array.from(i32('clusters.missing')),
      zw: f64('clusters.zw'),
    },
    mainWW: f64('mainWW'),
    excluded: new Map(meta.excluded),
    collinearitySums: { allWW: f64('allWW'), levW: f64('levW'), nLev: meta.nLev },
    // Not stored: the passes that read cached blocks (weight, robust correction) do not read them; the
    // moments pass, which sums them, builds its blocks from the shard.
    weightSums: null,
  };
  return { state: 'ok', blocks };
}
