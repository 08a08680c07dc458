// A folder written by `sysgmm partition`: whether a path is one, and the shard files its manifest
// names. Kept in the data layer, apart from src/scale/partition.ts, so that the commands can ask
// without loading the Parquet reader, and the dataset reader (dataset.ts) reads exactly the shards
// the manifest names (a partition stopped between moving its shards in and renaming its manifest
// leaves other shard files beside them; src/scale/partition.ts).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.ts';

export const PARTITION_FORMAT = 'sysgmm-partition/1';

/** A shard's file name, as partition.ts writes it (number, and since shards are named by checksum, its start). */
export const SHARD_FILE = /^shard-\d{5}(-[0-9a-f]{16})?\.parquet$/;

type Manifest = { format?: string; shards?: { file?: unknown; sha256?: unknown }[] };

function manifestOf(path: string): Manifest | null {
  const manifest = join(path, 'manifest.json');
  if (!existsSync(manifest)) return null;
  try {
    return JSON.parse(readFileSync(manifest, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** True when <path>/manifest.json exists and names the partition format. */
export function isPartitionedFolder(path: string): boolean {
  return manifestOf(path)?.format === PARTITION_FORMAT;
}

/** The shard files the partition manifest in folder `path` names, or null when `path` is not a partition. */
export function partitionShardFiles(path: string): string[] | null {
  const m = manifestOf(path);
  if (m?.format !== PARTITION_FORMAT) return null;
  return (m.shards ?? []).map((s, i) => shardPath(path, i, s.file));
}

/** Shard i's path in the partition folder `dir`, refusing a manifest entry that is not a shard file
 *  name of the folder (a path elsewhere): every reader of a partition goes through here. */
export function shardPath(dir: string, i: number, file: unknown): string {
  if (typeof file !== 'string' || !SHARD_FILE.test(file))
    throw new DataError(`${join(dir, 'manifest.json')}: shard ${i} is not a shard file of this folder (${JSON.stringify(file)}); partition the data again`, { file: join(dir, 'manifest.json') });
  return join(dir, file);
}

/** SHA-256 of a file's bytes, hex (what a partition's manifest records for each shard). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => done(h.digest('hex')))
      .on('error', fail);
  });
}

/**
 * Check every shard of the partition folder `path` against the SHA-256 its manifest records, before
 * the shards are read as one table (describe, grid, partition, any reader of the folder). Only the
 * sharded estimate and bootstrap checked them, so an altered shard was read silently elsewhere. A
 * shard that is missing or differs is a DataError naming it; a manifest entry without a checksum
 * (none is written so) is refused as well. Nothing is done when `path` is not a partition.
 */
export async function verifyPartitionShards(path: string): Promise<void> {
  const m = manifestOf(path);
  if (m?.format !== PARTITION_FORMAT) return;
  for (const [i, s] of (m.shards ?? []).entries()) await checkedShardFile(path, i, s.file, s.sha256);
}

/** Shard i's path in the partition folder `dir`, after checking that it is there and, with
 *  `verify`, that its bytes have the SHA-256 the manifest records (`sha256`); a DataError naming it. */
export async function checkedShardFile(dir: string, i: number, file: unknown, sha256: unknown, verify = true): Promise<string> {
  const path = shardPath(dir, i, file);
  let sum: string | null = null;
  try {
    if (verify) sum = await fileSha256(path);
    else statSync(path);
  } catch {
    throw new DataError(`shard ${i} (${path}) is missing from the partitioned data in ${dir}`, { file: path });
  }
  if (verify && sum !== sha256)
    throw new DataError(`shard ${i} (${path}) does not match its checksum in ${join(dir, 'manifest.json')}: it was altered or damaged`, { file: path });
  return path;
}
